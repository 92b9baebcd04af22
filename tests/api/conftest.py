"""The queue API on moto: tables from template.yaml, an uploads bucket, a real (moto) state machine
whose `.waitForTaskToken` task hands its token to the queue item, and API Gateway events as the
Cognito authorizer would deliver them."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws
from PIL import Image, ImageDraw

from claims_intake.api import resolver
from claims_intake.api.crops import BoxGeometry, page_image
from claims_intake.api.service import Services
from claims_intake.store import ClaimStore, Tables
from claims_intake_dev.local.moto_stack import create_tables

REGION = "us-west-2"
BUCKET = "claims-uploads-test"
WAIT_FOR_ANSWER_ASL = {
    "StartAt": "WaitForStaff",
    "States": {
        "WaitForStaff": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl.$": "$.queue_url",
                "MessageBody": {"claim_id.$": "$.claim_id", "token.$": "$$.Task.Token"},
            },
            "End": True,
        }
    },
}
# The test scan: a 1275 x 1650 page (150 dpi letter) with one dark box in a 612 x 792 template
# (a plain image, not a CMS-1500: tests/api/test_scan_crops.py crops real CMS-1500 scans).
SCAN_SIZE = (1275, 1650)
BOXES = {"1a": BoxGeometry(100, 100, 300, 120, 612, 792)}


class Clock:
    """A settable UTC clock shared by the store and the API (ages, due dates, audit times)."""

    def __init__(self):
        self.now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)

    def __call__(self):
        # Each reading moves on a millisecond, so audit entries keep their order as in real time.
        self.now += timedelta(milliseconds=1)
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


def scan_png() -> bytes:
    image = Image.new("RGB", SCAN_SIZE, "white")
    sx, sy = SCAN_SIZE[0] / 612, SCAN_SIZE[1] / 792
    ImageDraw.Draw(image).rectangle([100 * sx, 100 * sy, 300 * sx, 120 * sy], fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def aws():
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def services(aws, clock):
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    create_tables(dynamodb, Tables())
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    built = Services(
        store=ClaimStore(Tables(), client=dynamodb, clock=clock),
        s3=s3,
        sfn=boto3.client("stepfunctions", region_name=REGION),
        uploads_bucket=BUCKET,
        locate_box=lambda element, box: BOXES.get(box),
        template_page=page_image,
        clock=clock,
    )
    resolver.use_services(built)
    yield built
    resolver.use_services(None)


class Flow:
    """A real moto execution waiting for a task token, like the claim flow's RFI/REVIEW states."""

    def __init__(self):
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.queue_url = self.sqs.create_queue(QueueName="staff-tokens")["QueueUrl"]
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="flow", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        self.machine = self.sfn.create_state_machine(
            name="wait-for-staff", definition=json.dumps(WAIT_FOR_ANSWER_ASL), roleArn=role
        )["stateMachineArn"]

    def start(self, claim_id: str) -> tuple[str, str]:
        execution = self.sfn.start_execution(
            stateMachineArn=self.machine, input=json.dumps({"claim_id": claim_id, "queue_url": self.queue_url})
        )
        for _ in range(50):
            messages = self.sqs.receive_message(QueueUrl=self.queue_url, WaitTimeSeconds=0).get("Messages", [])
            if messages:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])
                return execution["executionArn"], json.loads(messages[0]["Body"])["token"]
            time.sleep(0.1)
        raise AssertionError("the execution never reached its waitForTaskToken state")

    def finished(self, execution_arn: str) -> dict:
        for _ in range(50):
            described = self.sfn.describe_execution(executionArn=execution_arn)
            if described["status"] != "RUNNING":
                return described
            time.sleep(0.1)
        return described


@pytest.fixture
def waiting_flow(services):
    return Flow()


STAFF = {"sub": "u-1", "cognito:username": "maria.staff", "cognito:groups": "staff"}


def provider_claims(npi: str) -> dict:
    return {"sub": f"p-{npi}", "cognito:username": f"provider-{npi}", "custom:provider_npi": npi}


def call(method: str, path: str, claims: dict | None = STAFF, query: dict | None = None, body=None):
    """Send one API Gateway REST proxy event through the resolver; returns (status, JSON body)."""
    event = {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "requestId": "r-1",
            "stage": "test",
            **({"authorizer": {"claims": claims}} if claims else {}),
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }
    response = resolver.app.resolve(event, None)
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None
