"""The Step Functions claim flow (issue 7): letters, RFI and review waits, re-check, final disposition.

    statemachine/claim_flow.asl.json   the state machine (deployed by template.yaml)
    functions/flow_tasks/app.py        the one Lambda its tasks invoke: FlowTasks.from_env().run(event)
    flow.tasks.FlowTasks               the tasks (prepare, send_rfi, wait_rfi, wait_review, review_overdue,
                                       recheck, send_rejection, finalize, record_error)
    flow.start.start_flow              intake starts the flow for a stored claim
    flow.start.answer_from_upload      a provider's rfi/{claim}/ upload answers the open RFI
                                       (functions/rfi_upload/app.py: S3 -> SQS -> this)

Design, diagram and configuration: docs/flow.md.
"""

from __future__ import annotations

import boto3

from ..store import ClaimStore, Tables
from .checker import StoreChecker
from .config import FlowConfig, due_after, parse_duration, seconds_until  # noqa: F401
from .start import answer_from_upload, execution_name, rfi_upload_claim_id, s3_objects, start_flow  # noqa: F401
from .tasks import DueMovedAgain, FlowTasks, InvalidFlowInput, ItemResolvedMeanwhile  # noqa: F401


def flow_tasks_from_env() -> FlowTasks:
    """The tasks wired to AWS from the Lambda environment (table names, bucket, topic, windows)."""
    tables = Tables.from_env()
    dynamodb = boto3.client("dynamodb")
    return FlowTasks(
        store=ClaimStore(tables, client=dynamodb),
        s3=boto3.client("s3"),
        sns=boto3.client("sns"),
        config=FlowConfig.from_env(),
        checker=StoreChecker(tables, client=dynamodb),
    )
