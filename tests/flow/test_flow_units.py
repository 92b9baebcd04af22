"""Flow pieces without a running state machine: configuration, the ASL's structure, the in-process invoker."""

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from claims_intake.flow.config import FlowConfig, due_after, parse_duration, seconds_until
from claims_intake.flow.start import execution_name, rfi_upload_claim_id
from claims_intake.flow.tasks import FlowTasks, InvalidFlowInput
from claims_intake_dev.local.inprocess_lambda import InProcessLambda, function_name_of

from .conftest import ROOT, flow_resources

ASL = json.loads((ROOT / "statemachine" / "claim_flow.asl.json").read_text())
STATES = ASL["States"]


# ---- configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("30d", timedelta(days=30)),
        ("12h", timedelta(hours=12)),
        ("45m", timedelta(minutes=45)),
        ("20s", timedelta(seconds=20)),
        ("90", timedelta(seconds=90)),
        (" 2D ", timedelta(days=2)),
    ],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "0s", "-3d", "3w", "thirty days"])
def test_parse_duration_refuses_what_it_cannot_read(text):
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_windows_of_days_end_at_the_end_of_the_day_and_short_ones_are_exact():
    now = datetime(2026, 11, 22, 10, 15, 30, tzinfo=UTC)
    assert due_after(now, timedelta(days=30)) == datetime(2026, 12, 22, 23, 59, 59, tzinfo=UTC)
    assert due_after(now, timedelta(seconds=20)) == now + timedelta(seconds=20)
    assert seconds_until(now, now + timedelta(seconds=19, milliseconds=200)) == 20
    assert seconds_until(now, now - timedelta(seconds=5)) == 1  # Step Functions needs a positive timeout


def test_config_from_env():
    config = FlowConfig.from_env({"LETTERS_BUCKET": "b", "RFI_RESPONSE_WINDOW": "10s", "MAX_RFI_ROUNDS": "3"})
    assert (config.letters_bucket, config.rfi_window, config.max_rfi_rounds, config.topic_arn) == (
        "b",
        timedelta(seconds=10),
        3,
        None,
    )
    assert config.review_window == timedelta(days=3)
    with pytest.raises(ValueError, match="LETTERS_BUCKET"):
        FlowConfig.from_env({})
    with pytest.raises(ValueError, match="MAX_RFI_ROUNDS"):
        FlowConfig.from_env({"LETTERS_BUCKET": "b", "MAX_RFI_ROUNDS": "0"})


def test_flow_tasks_refuse_malformed_events():
    tasks = FlowTasks(store=None, s3=None, sns=None, config=FlowConfig("b"), checker=None)
    with pytest.raises(InvalidFlowInput, match="unknown flow action"):
        tasks.run({"action": "launch", "state": {"claim_id": "C-1"}})
    with pytest.raises(InvalidFlowInput, match="claim_id"):
        tasks.run({"action": "prepare", "state": {}})
    with pytest.raises(InvalidFlowInput, match="task_token"):
        tasks.run({"action": "wait_rfi", "state": {"claim_id": "C-1"}})


def test_execution_names_and_rfi_upload_keys():
    assert execution_name("upl-3f2a#1") == "claim-upl-3f2a-1"
    assert execution_name("C-1", attempt="2") == "claim-C-1-2"
    assert len(execution_name("x" * 200)) == 80
    assert rfi_upload_claim_id("rfi/C-9/answer.pdf") == "C-9"
    assert rfi_upload_claim_id("rfi/C-9/") is None and rfi_upload_claim_id("uploads/p/C-9.pdf") is None


# ---- the ASL -----------------------------------------------------------------------------------------


def test_the_template_deploys_this_asl_with_the_function_substituted():
    machine, function = flow_resources()
    assert machine["DefinitionUri"] == "statemachine/claim_flow.asl.json"
    assert machine["DefinitionSubstitutions"] == {"FlowTasksFunctionArn": {"Fn::GetAtt": "FlowTasksFunction.Arn"}}
    assert machine["Logging"]["IncludeExecutionData"] is False  # claim state never reaches the logs
    assert (ROOT / function["CodeUri"] / "app.py").exists()
    env = function["Environment"]["Variables"]
    assert {
        "LETTERS_BUCKET",
        "NOTICE_TOPIC_ARN",
        "RFI_RESPONSE_WINDOW",
        "REVIEW_RESPONSE_WINDOW",
        "MAX_RFI_ROUNDS",
        "CLAIMS_TABLE",
        "REFERENCE_TABLE",
    } <= set(env)


def test_every_transition_goes_to_a_state_that_exists():
    targets = [ASL["StartAt"]]
    for state in STATES.values():
        targets += [state.get("Next"), state.get("Default")]
        targets += [c["Next"] for c in state.get("Choices", []) + state.get("Catch", [])]
    assert {t for t in targets if t} <= set(STATES)
    unreachable = set(STATES) - {t for t in targets if t}
    assert not unreachable


def test_every_task_retries_with_backoff_and_every_task_but_the_last_resort_is_caught():
    tasks = {name: state for name, state in STATES.items() if state["Type"] == "Task"}
    for name, state in tasks.items():
        assert state["Parameters"]["FunctionName"] == "${FlowTasksFunctionArn}", name
        backoff = [r for r in state["Retry"] if "States.TaskFailed" in r["ErrorEquals"]]
        assert backoff and backoff[0]["BackoffRate"] > 1 and backoff[0]["MaxAttempts"] >= 2, name
        if name == "RecordError":
            assert "Catch" not in state and state["Next"] == "FlowFailed"
        else:
            assert state["Catch"][-1] == {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RecordError"}


def test_waiting_states_hold_a_task_token_and_time_out_from_configuration():
    for name, window, on_timeout, queue in (
        ("WaitForRfiAnswer", "$.rfi_window_seconds", "NoResponse", "Rfi"),
        ("WaitForReview", "$.review_window_seconds", "ReviewOverdue", "Review"),
    ):
        state = STATES[name]
        assert state["Resource"].endswith(":lambda:invoke.waitForTaskToken")
        assert state["Parameters"]["Payload"]["task_token.$"] == "$$.Task.Token"
        assert state["TimeoutSecondsPath"] == window
        assert state["Catch"][0] == {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": on_timeout}
        # An extension loops back into the same wait with a timeout from the new due date; answers are checked.
        kind = STATES[state["Next"]]
        assert kind["Type"] == "Choice" and kind["Default"] == "Recheck"
        assert kind["Choices"] == [
            {
                "And": [
                    {"Variable": "$.answer.action", "IsPresent": True},
                    {"Variable": "$.answer.action", "StringEquals": "extended"},
                ],
                "Next": f"Extend{queue}Wait",
            }
        ]
        extend = STATES[f"Extend{queue}Wait"]
        assert extend["Parameters"]["Payload"]["action"] == "extend_wait" and extend["Next"] == name
        assert {c["Next"] for c in state["Catch"] if c["ErrorEquals"] == ["ItemResolvedMeanwhile"]} == {
            f"Take{queue}Resolution"
        }
        assert STATES[f"Take{queue}Resolution"]["Next"] == "Recheck"
        for not_retried in ("ItemResolvedMeanwhile", "DueMovedAgain"):
            assert not_retried in state["Retry"][0]["ErrorEquals"] and state["Retry"][0]["MaxAttempts"] == 0


def test_every_end_is_a_final_status():
    ends = {name for name, state in STATES.items() if state["Type"] in ("Succeed", "Fail")}
    assert ends == {"NothingToDo", "Rejected", "Closed", "FlowFailed", "ReviewLeftToStaff"}
    assert STATES["ReviewLeftToStaff"]["Type"] == "Succeed"  # status REVIEW_OVERDUE, set by ReviewOverdue
    assert STATES["ReviewReopeningsLeft"]["Choices"][0]["Next"] == "ReviewLeftToStaff"
    assert STATES["SendRejectionLetter"]["Next"] == "Rejected"
    assert STATES["RecordFinalDisposition"]["Next"] == "Closed"


# ---- the in-process invoker --------------------------------------------------------------------------


def greet(event, context):
    return {"hello": event["name"], "function": context.function_name}


def explode(event, context):
    raise LookupError("no such thing")


def test_in_process_lambda_serves_results_errors_and_events():
    with mock_aws():
        with InProcessLambda(
            {"greet": greet, "arn:aws:lambda:us-west-2:123456789012:function:explode": explode}
        ) as lambdas:
            client = boto3.client("lambda", region_name="us-west-2")
            answer = client.invoke(FunctionName="greet", Payload=json.dumps({"name": "Ana"}))
            assert answer["StatusCode"] == 200 and "FunctionError" not in answer
            assert json.loads(answer["Payload"].read()) == {"hello": "Ana", "function": "greet"}

            failed = client.invoke(FunctionName=lambdas.arn("explode"), Payload=b"{}")
            assert failed["FunctionError"] == "Unhandled"
            error = json.loads(failed["Payload"].read())
            assert (error["errorType"], error["errorMessage"]) == ("LookupError", "no such thing")

            queued = client.invoke(
                FunctionName="greet:live", InvocationType="Event", Payload=json.dumps({"name": "Bo"})
            )
            assert queued["StatusCode"] == 202 and queued["Payload"].read() == b""
            assert [(i.function, i.error) for i in lambdas.invocations] == [
                ("greet", None),
                ("explode", "LookupError"),
                ("greet", None),
            ]

            with pytest.raises(ClientError, match="ResourceNotFound"):
                client.invoke(FunctionName="someone-else", Payload=b"{}")  # not ours: moto answers
        after = boto3.client("lambda", region_name="us-west-2")
        with pytest.raises(ClientError, match="ResourceNotFound"):
            after.invoke(FunctionName="greet", Payload=b"{}")  # uninstalled on exit


def test_function_names_from_arns_and_qualifiers():
    assert function_name_of("arn:aws:lambda:us-west-2:1:function:flow:prod") == "flow"
    assert function_name_of("flow:3") == "flow"
    assert function_name_of("flow") == "flow"
