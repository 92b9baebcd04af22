"""Step Functions claim flow tasks (statemachine/claim_flow.asl.json): one Lambda, the task named by `action`.

Event: {"action": "prepare" | "send_rfi" | "wait_rfi" | ..., "state": {...flow state...},
        "execution": "$$.Execution.Name", "task_token": "$$.Task.Token" (waiting tasks only)}.
Returns the next flow state. All logic is in claims_intake.flow.
"""

from __future__ import annotations

from functools import cache

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from claims_intake.flow.aws import flow_tasks_from_env
from claims_intake.flow.tasks import FlowTasks

logger = Logger()
tracer = Tracer()


@cache
def tasks() -> FlowTasks:
    return flow_tasks_from_env()


@logger.inject_lambda_context(clear_state=True)  # the event holds no PHI, but the state may grow: log ids only
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    logger.append_keys(claim_id=(event.get("state") or {}).get("claim_id"), action=event.get("action"))
    state = tasks().run(event)
    logger.info(
        "flow task done",
        extra={
            "disposition": state.get("disposition"),
            "status": state.get("status"),
            "rfi_round": state.get("rfi_round"),
        },
    )
    return state
