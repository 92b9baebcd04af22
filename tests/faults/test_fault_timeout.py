"""A Lambda timeout in the middle of a file: the message returns to the queue, the next delivery
finishes the file, and idempotency plus upload-derived claim ids leave exactly one set of claims.
Then a poison message: dead-lettered after maxReceiveCount, replayed with replay-dlq once fixed."""

import time
from dataclasses import dataclass

import pytest
from moto import mock_aws

from claims_intake.dlq import replay_dlq
from claims_intake.flow.start import execution_name
from claims_intake.store import ClaimStore
from tests.pipeline.invoices import EXPECTED, PROVIDER, three_claim_invoice
from tests.pipeline.stack import MAX_RECEIVE_COUNT, ROOT, build_stack, load_handler, sqs_event

VISIBILITY_SECONDS = 4  # the queue's visibility timeout, shortened (template: 6 x the function timeout)


class LambdaTimeout(BaseException):
    """What the runtime does at the timeout: the process stops; no `except Exception` runs, nothing cleans up."""


@dataclass
class Context:
    remaining_ms: int = 300_000
    function_name: str = "claims-intake-test-intake"
    memory_limit_in_mb: int = 3008
    invoked_function_arn: str = "arn:aws:lambda:us-west-2:123456789012:function:claims-intake-test-intake"
    aws_request_id: str = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def stack(monkeypatch):
    with mock_aws():
        stack = build_stack(monkeypatch)
        for path in sorted((ROOT / "samples" / "reference").glob("*.csv")):
            stack.upload(f"reference/{path.name}", path.read_bytes())
        stack.poll("reference", load_handler("reference_loader").lambda_handler)
        yield stack


def deliver(stack, app, context, visibility=0):
    """One receive + invoke, as the event source mapping does; deletes only what the handler reports done."""
    messages = stack.sqs.receive_message(
        QueueUrl=stack.queues["intake"], MaxNumberOfMessages=10, VisibilityTimeout=visibility, AttributeNames=["All"]
    ).get("Messages", [])
    if not messages:
        return [], None
    response = app.lambda_handler(sqs_event(messages, stack.queue_arn("intake")), context)
    failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
    for message in messages:
        if message["MessageId"] not in failed:
            stack.sqs.delete_message(QueueUrl=stack.queues["intake"], ReceiptHandle=message["ReceiptHandle"])
    return messages, response


def headers(stack):
    return [item for item in stack.dynamodb.scan(TableName="ClaimsTable")["Items"] if item["sk"]["S"] == "HEADER"]


def time_out_on_the_second_claim(monkeypatch):
    real_save = ClaimStore.save_checked_claim
    saves = []

    def save(self, result, *args, **kwargs):
        saves.append(result.claim.claim_id)
        if len(saves) == 2:
            raise LambdaTimeout()
        return real_save(self, result, *args, **kwargs)

    monkeypatch.setattr(ClaimStore, "save_checked_claim", save)
    return saves


def test_a_timeout_mid_file_is_redelivered_and_finished_without_duplicates(stack, monkeypatch):
    app = load_handler("intake")
    stack.upload(f"uploads/{PROVIDER}/november.csv", three_claim_invoice())
    saves = time_out_on_the_second_claim(monkeypatch)

    received_at = time.monotonic()
    with pytest.raises(LambdaTimeout):
        deliver(stack, app, Context(remaining_ms=200), visibility=VISIBILITY_SECONDS)
    assert len(headers(stack)) == 1 and stack.executions() == []  # half a file: one claim of three
    upload = stack.store.list_uploads(provider=PROVIDER)[0][0]
    assert upload.status == "RECEIVED"  # recorded before the timeout
    assert stack.sqs.receive_message(QueueUrl=stack.queues["intake"]).get("Messages", []) == []  # in flight

    # The visibility timeout (and the timed-out invocation's in-progress window) ends:
    time.sleep(max(0.0, received_at + VISIBILITY_SECONDS + 0.3 - time.monotonic()))
    messages, response = deliver(stack, app, Context())
    assert len(messages) == 1 and messages[0]["Attributes"]["ApproximateReceiveCount"] == "2"
    assert response == {"batchItemFailures": []}
    first, second, third = sorted(set(saves))
    assert saves == [first, second, first, second, third]  # the redelivery saves claim 1 again, under its id

    upload = stack.store.list_uploads(provider=PROVIDER)[0][0]
    assert upload.status == "PROCESSED" and len(upload.claim_ids) == 3
    assert len(headers(stack)) == 3
    stored = {
        stack.store.get_claim(c).output["elements"]["invoice_number"]: stack.store.get_claim(c).disposition.value
        for c in upload.claim_ids
    }
    assert stored == EXPECTED
    first = stack.store.get_claim(upload.claim_ids[0])
    assert [entry.action for entry in first.audit] == ["checked", "rechecked"]  # overwritten, not duplicated
    assert sorted(e["name"] for e in stack.executions()) == sorted(execution_name(c) for c in upload.claim_ids)
    assert stack.depth("intake") == 0 and stack.depth("intake-dlq") == 0


def test_a_second_delivery_while_the_first_still_runs_is_retried_later_not_run_twice(stack, monkeypatch):
    app = load_handler("intake")
    stack.upload(f"uploads/{PROVIDER}/november.csv", three_claim_invoice())
    time_out_on_the_second_claim(monkeypatch)
    with pytest.raises(LambdaTimeout):
        deliver(stack, app, Context(remaining_ms=60_000))  # still "running" for a minute
    messages, response = deliver(stack, app, Context())
    assert [item["itemIdentifier"] for item in response["batchItemFailures"]] == [messages[0]["MessageId"]]
    assert len(headers(stack)) == 1  # the duplicate did no work
    assert stack.depth("intake") == 1  # and the message waits for its next turn


def test_a_poison_message_is_dead_lettered_then_replayed_once_the_cause_is_fixed(stack, monkeypatch):
    app = load_handler("intake")
    stack.upload(f"uploads/{PROVIDER}/november.csv", three_claim_invoice())
    real_save = ClaimStore.save_checked_claim
    outage = {"on": True}

    def save(self, *args, **kwargs):
        if outage["on"]:
            raise RuntimeError("dependency down")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(ClaimStore, "save_checked_claim", save)

    for _ in range(MAX_RECEIVE_COUNT + 1):
        deliver(stack, app, Context())
    assert stack.depth("intake") == 0 and stack.depth("intake-dlq") == 1
    assert stack.store.list_uploads(provider=PROVIDER)[0][0].status == "FAILED"
    assert headers(stack) == []

    outage["on"] = False
    summary = replay_dlq(stack.sqs, stack.queues["intake-dlq"], stack.queues["intake"])
    assert summary.moved == 1 and stack.depth("intake-dlq") == 0
    messages, response = deliver(stack, app, Context())
    assert len(messages) == 1 and response == {"batchItemFailures": []}
    upload = stack.store.list_uploads(provider=PROVIDER)[0][0]
    assert upload.status == "PROCESSED" and len(headers(stack)) == 3
