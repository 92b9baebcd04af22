"""A moto stack shaped like template.yaml's pipeline block, and a poller that plays Lambda's SQS event source."""

from __future__ import annotations

import importlib.util
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from claims_intake.store import ClaimStore, Tables, create_tables

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-west-2"
BUCKET = "claims-intake-test-123456789012-us-west-2"
MAX_RECEIVE_COUNT = 3  # as IntakeQueue's RedrivePolicy
PASS_FLOW = {"StartAt": "Received", "States": {"Received": {"Type": "Pass", "End": True}}}


@dataclass
class LambdaContext:
    function_name: str = "claims-intake-test-intake"
    memory_limit_in_mb: int = 3008
    invoked_function_arn: str = "arn:aws:lambda:us-west-2:123456789012:function:claims-intake-test-intake"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def load_handler(name: str):
    """functions/<name>/app.py as a module of its own (both handlers are called app.py)."""
    path = ROOT / "functions" / name / "app.py"
    spec = importlib.util.spec_from_file_location(f"{name}_app", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Stack:
    s3: Any
    sqs: Any
    sns: Any
    sfn: Any
    dynamodb: Any
    queues: dict[str, str]       # name -> url
    notices_url: str             # an SQS queue subscribed to the notice topic
    topic_arn: str
    state_machine_arn: str

    @property
    def store(self) -> ClaimStore:
        return ClaimStore(Tables(), client=self.dynamodb)

    def queue_arn(self, name: str) -> str:
        return self.sqs.get_queue_attributes(QueueUrl=self.queues[name], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def upload(self, key: str, data: bytes) -> dict:
        return self.s3.put_object(Bucket=BUCKET, Key=key, Body=data)

    def receive(self, name: str, count: int = 10) -> list[dict]:
        return self.sqs.receive_message(QueueUrl=self.queues[name], MaxNumberOfMessages=count,
                                        AttributeNames=["All"]).get("Messages", [])

    def depth(self, name: str) -> int:
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.queues[name],
                                                   AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])

    def notices(self) -> list[dict]:
        messages = self.sqs.receive_message(QueueUrl=self.notices_url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    def executions(self) -> list[dict]:
        found = self.sfn.list_executions(stateMachineArn=self.state_machine_arn)["executions"]
        return [{**e, "input": json.loads(self.sfn.describe_execution(executionArn=e["executionArn"])["input"])}
                for e in found]

    def poll(self, name: str, handler, rounds: int = 10) -> list[dict]:
        """What Lambda's event source mapping does: receive a batch, invoke, delete what succeeded.

        Failed messages come back (visibility timeout 0 here) until the redrive policy moves them to
        the DLQ. Returns the handler's responses.
        """
        responses = []
        for _ in range(rounds):
            messages = self.receive(name)
            if not messages:
                break
            response = handler(sqs_event(messages, self.queue_arn(name)), LambdaContext())
            responses.append(response)
            failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
            for message in messages:
                if message["MessageId"] not in failed:
                    self.sqs.delete_message(QueueUrl=self.queues[name], ReceiptHandle=message["ReceiptHandle"])
        return responses


def sqs_event(messages: list[dict], queue_arn: str) -> dict:
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}), "messageAttributes": {}, "md5OfBody": m["MD5OfBody"],
        "eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": REGION,
    } for m in messages]}


def build_stack(monkeypatch) -> Stack:
    """Inside mock_aws: the bucket (versioned) notifying two queues with DLQs, tables, topic, a state machine."""
    s3 = boto3.client("s3", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    sfn = boto3.client("stepfunctions", region_name=REGION)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    create_tables(dynamodb, Tables())

    queues = {}
    for name in ("intake", "reference"):
        dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        queues[f"{name}-dlq"] = dlq
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queues[name] = sqs.create_queue(QueueName=name, Attributes={
            "VisibilityTimeout": "0",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVE_COUNT)}),
        })["QueueUrl"]

    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    arn = lambda url: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={"QueueConfigurations": [
        {"QueueArn": arn(queues["intake"]), "Events": ["s3:ObjectCreated:*"],
         "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}}},
        {"QueueArn": arn(queues["reference"]), "Events": ["s3:ObjectCreated:*"],
         "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "reference/"}]}}},
    ]})
    for name in ("intake", "reference"):  # moto sends the s3:TestEvent too; the handlers skip it, drop it here
        for message in sqs.receive_message(QueueUrl=queues[name], MaxNumberOfMessages=10).get("Messages", []):
            sqs.delete_message(QueueUrl=queues[name], ReceiptHandle=message["ReceiptHandle"])

    topic_arn = sns.create_topic(Name="notices")["TopicArn"]
    notices_url = sqs.create_queue(QueueName="notices")["QueueUrl"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn(notices_url))
    state_machine_arn = sfn.create_state_machine(
        name="claim-flow", definition=json.dumps(PASS_FLOW),
        roleArn="arn:aws:iam::123456789012:role/claim-flow")["stateMachineArn"]

    for variable, value in {"IDEMPOTENCY_TABLE": "IdempotencyTable", "STATE_MACHINE_ARN": state_machine_arn,
                            "NOTICE_TOPIC_ARN": topic_arn, "INTAKE_RECEIVED_DATE": "2026-11-30",
                            "AWS_LAMBDA_FUNCTION_NAME": "claims-intake-test-intake"}.items():
        monkeypatch.setenv(variable, value)
    for variable, value in Tables().by_logical_id().items():
        monkeypatch.setenv({"ClaimsTable": "CLAIMS_TABLE", "UploadsTable": "UPLOADS_TABLE",
                            "ReferenceTable": "REFERENCE_TABLE", "IdempotencyTable": "IDEMPOTENCY_TABLE"}[variable], value)
    return Stack(s3, sqs, sns, sfn, dynamodb, queues, notices_url, topic_arn, state_machine_arn)
