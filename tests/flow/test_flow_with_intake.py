"""Upload to flow: a provider's invoice goes through the pipeline's intake Lambda, which starts the real claim flow.

The pipeline's moto stack (tests/pipeline/stack.py) with the flow's state machine from template.yaml in place
of its placeholder, the flow tasks served in-process: each claim of the invoice ends final or waiting, with
its letters, and nothing logged on the way carries PHI.
"""

import io
import logging
import time

import pytest
from moto import mock_aws

from claims_intake_dev.local.inprocess_lambda import InProcessLambda
from claims_intake_dev.local.moto_stack import template_plan
from tests.pipeline.invoices import EXPECTED, PHI, PROVIDER, three_claim_invoice
from tests.pipeline.stack import BUCKET, ROOT, build_stack, load_handler

from .conftest import STAGE, load_app, stop_running


@pytest.fixture
def stack_with_flow(monkeypatch):
    """The pipeline's stack with the template's claim flow running, its tasks served in process."""
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        stack = build_stack(monkeypatch)
        flow_function = template_plan(stage=STAGE).function("FlowTasksFunction")
        for name in ("LETTERS_BUCKET", "NOTICE_TOPIC_ARN"):
            monkeypatch.setenv(name, flow_function.environment[name])
        for name, value in {
            "RFI_RESPONSE_WINDOW": "60s",
            "REVIEW_RESPONSE_WINDOW": "60s",
            "MAX_RFI_ROUNDS": "2",
        }.items():
            monkeypatch.setenv(name, value)
        app, handler = load_app()
        with InProcessLambda({flow_function.arn: handler}):
            stack.flow_logger = app.logger
            yield stack
            stop_running(stack.sfn, stack.state_machine_arn)
        app.tasks.cache_clear()


def settled(stack, claim_ids, timeout=60):
    """Wait until every claim is final or waiting; return {invoice number: stored claim}."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stored = [stack.store.require_claim(c) for c in claim_ids]
        if all(
            s.status in ("CLOSED", "REJECTED") or (s.status.startswith("WAITING") and s.queue_items) for s in stored
        ):
            return {s.output["elements"]["invoice_number"]: s for s in stored}
        time.sleep(0.1)
    raise AssertionError({c: stack.store.require_claim(c).status for c in claim_ids})


def test_an_uploaded_invoice_flows_to_final_or_waiting_statuses_with_letters(stack_with_flow, caplog):
    caplog.set_level(logging.INFO)  # the level the functions run at (POWERTOOLS_LOG_LEVEL in template.yaml)
    stack = stack_with_flow
    logged = io.StringIO()  # every Powertools log line, as the functions' JSON formatter writes it
    capture = logging.StreamHandler(logged)
    capture.setFormatter(stack.flow_logger.registered_formatter)
    stack.flow_logger.addHandler(capture)
    for path in sorted((ROOT / "samples" / "reference").glob("*.csv")):
        stack.upload(f"reference/{path.name}", path.read_bytes())
    stack.poll("reference", load_handler("reference_loader").lambda_handler)
    stack.upload(f"uploads/{PROVIDER}/november.csv", three_claim_invoice())
    assert stack.poll("intake", load_handler("intake").lambda_handler) == [{"batchItemFailures": []}]

    upload = stack.store.list_uploads(provider=PROVIDER)[0][0]
    claims = settled(stack, upload.claim_ids)
    assert {invoice: c.disposition.value for invoice, c in claims.items()} == EXPECTED

    clean, denied, rfi = (claims[invoice] for invoice in EXPECTED)
    assert (clean.status, [letter.kind for letter in clean.letters]) == ("CLOSED", [])
    assert (denied.status, [letter.kind for letter in denied.letters]) == ("CLOSED", ["denial"])
    assert (rfi.status, [letter.kind for letter in rfi.letters]) == ("WAITING_RFI", ["rfi"])
    assert [(i.queue, i.status) for i in rfi.queue_items] == [("RFI", "OPEN")]
    for letter in (*denied.letters, *rfi.letters):
        body = stack.s3.get_object(Bucket=BUCKET, Key=letter.s3_key)["Body"].read()
        assert body.startswith(b"%PDF-") and letter.s3_key.startswith("letters/")

    text = logged.getvalue() + caplog.text
    assert '"message":"flow task done"' in text and '"action":"send_rfi"' in text  # the flow's lines are scanned
    for value in PHI:
        assert value not in text, f"PHI '{value}' reached a log line"
