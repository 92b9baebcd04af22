"""The claim flow on moto: the real ASL of template.yaml, its Lambda tasks served in-process.

`flow` gives a running stack: what template.yaml declares (claims_intake_dev.local.moto_stack: tables,
the uploads bucket where letters/ and rfi/ live, its notifications, the notice topic, the claim flow with its
DefinitionSubstitutions), the sample reference data loaded into the reference table, and an SQS queue
subscribed to the notice topic so the tests read every notice. Windows are seconds here (days in production).
"""

from __future__ import annotations

import importlib.util
import io
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pdfplumber
import pytest
from moto import mock_aws

from claims_intake.check import check_claim
from claims_intake.flow.start import start_flow
from claims_intake.reference.csv_files import (
    parse_authorization_row,
    parse_eligibility_row,
    parse_provider_row,
    read_rows,
)
from claims_intake.store import ClaimStore, DynamoReference, ReferenceWriter, StoredClaim, Tables
from claims_intake_dev.local.inprocess_lambda import InProcessLambda
from claims_intake_dev.local.moto_stack import create_stack, template_plan
from claims_intake_dev.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "reference"
REGION = "us-west-2"
STAGE = "test"
BUCKET = f"claims-intake-{STAGE}-123456789012-{REGION}"  # the uploads bucket: letters/ and rfi/ live beside uploads/
WAITING = {"WAITING_RFI", "WAITING_REVIEW"}
FINAL = {"REJECTED", "CLOSED"}


def stop_running(sfn, state_machine_arn: str) -> None:
    """Stop executions still waiting: their threads outlive the test and would call the next test's mock."""
    for execution in sfn.list_executions(stateMachineArn=state_machine_arn, statusFilter="RUNNING")["executions"]:
        sfn.stop_execution(executionArn=execution["executionArn"])


def flow_resources() -> tuple[dict[str, Any], dict[str, Any]]:
    """The template's state machine and flow task function resources, as written (SAM)."""
    resources = load_template(ROOT / "template.yaml")["Resources"]
    return resources["ClaimFlowStateMachine"]["Properties"], resources["FlowTasksFunction"]["Properties"]


def load_app(logical_id: str = "FlowTasksFunction"):
    """A function's app.py imported by path, as Lambda would find it from the template's CodeUri + Handler."""
    function = template_plan(stage=STAGE).function(logical_id)
    module_file, handler = function.handler.split(".")
    path = function.code_dir / f"{module_file}.py"
    spec = importlib.util.spec_from_file_location(f"{logical_id}_app", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, getattr(module, handler)


def definition(function_arn: str) -> str:
    """The claim flow the template deploys, its DefinitionSubstitutions applied, tasks sent to `function_arn`."""
    plan = template_plan(stage=STAGE)
    machine = next(m for m in plan.state_machines if m.logical_id == "ClaimFlowStateMachine")
    assert "${" not in machine.definition, "a DefinitionSubstitution the template does not set"
    return machine.definition.replace(plan.function("FlowTasksFunction").arn, function_arn)


@dataclass
class FlowStack:
    store: ClaimStore
    sfn: Any
    s3: Any
    sqs: Any
    notices_url: str
    state_machine_arn: str
    lambdas: InProcessLambda
    rfi_uploads_url: str
    rfi_upload_handler: Any

    def provider_uploads(self, key: str, body: bytes = b"%PDF-1.4 answer") -> dict[str, Any]:
        """A provider puts a file in the bucket; S3 notifies the RFI queue; the RFI upload Lambda gets the batch."""
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        messages = self.sqs.receive_message(
            QueueUrl=self.rfi_uploads_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", [])
        assert messages, "S3 sent no notification for the upload"
        event = {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": {},
                    "messageAttributes": {},
                    "md5OfBody": m["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:us-west-2:123456789012:rfi-uploads",
                    "awsRegion": REGION,
                }
                for m in messages
            ]
        }
        return self.rfi_upload_handler(event, self.lambdas_context())

    def lambdas_context(self):
        from claims_intake_dev.local.inprocess_lambda import LambdaContext

        return LambdaContext(function_name="rfi-upload", invoked_function_arn=self.lambdas.arn("rfi-upload"))

    def submit(self, claim, plan: str) -> str:
        """What intake does: check the claim, store it, start its flow. Returns the claim id."""
        reference = DynamoReference(self.store.tables, client=self.store.client)
        result = check_claim(claim, plan, reference, None)
        self.store.save_checked_claim(result, upload_key=f"uploads/test/{claim.claim_id}.pdf")
        start_flow(self.sfn, self.state_machine_arn, claim.claim_id)
        return claim.claim_id

    def execution_arn(self, claim_id: str) -> str:
        return f"{self.state_machine_arn.replace(':stateMachine:', ':execution:')}:claim-{claim_id}"

    def wait_execution(self, claim_id: str, timeout: float = 60) -> dict[str, Any]:
        arn = self.execution_arn(claim_id)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            described = self.sfn.describe_execution(executionArn=arn)
            if described["status"] != "RUNNING":
                return described
            time.sleep(0.05)
        raise AssertionError(f"execution for {claim_id} still running after {timeout}s")

    def wait_item(self, claim_id: str, queue: str, exclude: set[str] = frozenset(), timeout: float = 30):
        """The claim's OPEN queue item of `queue` (not one of `exclude`), once the flow has opened it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stored = self.store.require_claim(claim_id)
            items = [
                i for i in stored.queue_items if i.queue == queue and i.status == "OPEN" and i.item_id not in exclude
            ]
            if items:
                return items[-1]
            time.sleep(0.05)
        raise AssertionError(f"no open {queue} item for {claim_id} after {timeout}s")

    def answer(
        self,
        claim_id: str,
        item,
        corrections=(),
        actor: str = "staff@plan",
        action: str = "answered",
        reason: str | None = None,
    ) -> None:
        """What the staff API does: apply corrections, close the item, SendTaskSuccess."""
        for element, line, value in corrections:
            self.store.correct_value(claim_id, element, line, value, actor)
        resolution = {
            "action": action,
            "corrections": [{"element": e, "line": l, "value": v} for e, l, v in corrections],
            "documents": [],
            **({"reason": reason} if reason else {}),
        }
        closed = self.store.close_queue_item(
            claim_id, item.item_id, actor, resolution, status="ANSWERED" if action == "answered" else "CLOSED"
        )
        self.sfn.send_task_success(
            taskToken=closed.task_token,
            output=json.dumps(
                {**resolution, "claim_id": claim_id, "item_id": item.item_id, "queue": item.queue, "actor": actor}
            ),
        )

    def letter_text(self, stored: StoredClaim, kind: str) -> str:
        """The text of the claim's (last) letter of `kind`, read back from the PDF stored in S3.

        Whitespace is normalized (a sentence may wrap across lines or table cells)."""
        letters = [letter for letter in stored.letters if letter.kind == kind]
        assert letters, f"claim {stored.claim_id} has no {kind} letter: {stored.letters}"
        body = self.s3.get_object(Bucket=BUCKET, Key=letters[-1].s3_key)
        assert body["ContentType"] == "application/pdf"
        data = body["Body"].read()
        assert data.startswith(b"%PDF-")
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return " ".join(" ".join(page.extract_text() or "" for page in pdf.pages).split())

    def notices(self) -> list[dict[str, Any]]:
        found = []
        while True:
            messages = self.sqs.receive_message(QueueUrl=self.notices_url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return found
            for message in messages:
                found.append(json.loads(json.loads(message["Body"])["Message"]))
                self.sqs.delete_message(QueueUrl=self.notices_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def flow(request, monkeypatch):
    options = {
        "rfi_window": "60s",
        "review_window": "60s",
        "max_rounds": "2",
        "max_reopenings": "3",
        **getattr(request, "param", {}),
    }
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        stack = create_stack(template_plan(stage=STAGE))
        tables = Tables()
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        writer = ReferenceWriter(tables, client=dynamodb)
        for name, parse in (
            ("eligibility", parse_eligibility_row),
            ("authorizations", parse_authorization_row),
            ("providers", parse_provider_row),
        ):
            writer.load(f"reference/{name}.csv", read_rows(SAMPLES / f"{name}.csv", parse))
        s3 = boto3.client("s3", region_name=REGION)
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        topic = next(t.arn for t in stack.plan.topics if t.logical_id == "NoticeTopic")
        notices_url = sqs.create_queue(QueueName="notices-test")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=notices_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        rfi_uploads_url = stack.queue_url("RfiUploadQueue")

        environment = {
            **stack.environment("RfiUploadFunction"),
            **stack.environment("FlowTasksFunction"),
            "RFI_RESPONSE_WINDOW": options["rfi_window"],
            "REVIEW_RESPONSE_WINDOW": options["review_window"],
            "MAX_RFI_ROUNDS": options["max_rounds"],
            "MAX_REVIEW_REOPENINGS": options["max_reopenings"],
        }
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        app, handler = load_app()
        rfi_app, rfi_handler = load_app("RfiUploadFunction")
        machine_arn = next(m.arn for m in stack.plan.state_machines if m.logical_id == "ClaimFlowStateMachine")
        lambdas = InProcessLambda({stack.plan.function("FlowTasksFunction").arn: handler}, region=REGION)
        with lambdas:
            sfn = boto3.client("stepfunctions", region_name=REGION)
            yield FlowStack(
                store=ClaimStore(tables, client=dynamodb),
                sfn=sfn,
                s3=s3,
                sqs=sqs,
                notices_url=notices_url,
                state_machine_arn=machine_arn,
                lambdas=lambdas,
                rfi_uploads_url=rfi_uploads_url,
                rfi_upload_handler=rfi_handler,
            )
            stop_running(sfn, machine_arn)
        app.tasks.cache_clear()
        rfi_app.clients.cache_clear()
