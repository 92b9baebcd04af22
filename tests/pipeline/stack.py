"""template.yaml's resources in moto (claims_intake_dev.local.moto_stack), and a poller that plays Lambda's SQS
event source mapping for the intake and reference loader handlers."""

from __future__ import annotations

import importlib.util
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from claims_intake.store import ClaimStore, Tables
from claims_intake_dev.local.moto_stack import create_stack, template_plan

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-west-2"
STAGE = "test"
BUCKET = f"claims-intake-{STAGE}-123456789012-{REGION}"  # the template's UploadsBucket for the stage
QUEUES = {
    "intake": "IntakeQueue",
    "intake-dlq": "IntakeDeadLetterQueue",
    "reference": "ReferenceQueue",
    "reference-dlq": "ReferenceDeadLetterQueue",
}
FUNCTIONS = ("ReferenceLoaderFunction", "IntakeFunction")  # intake last: its service name wins


def _max_receive_count() -> int:
    """IntakeQueue's RedrivePolicy in the template: deliveries before a message goes to the DLQ."""
    queue = next(q for q in template_plan(stage=STAGE).queues if q.logical_id == "IntakeQueue")
    return int(json.loads(queue.attributes["RedrivePolicy"])["maxReceiveCount"])


MAX_RECEIVE_COUNT = _max_receive_count()


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
    queues: dict[str, str]  # name -> url
    notices_url: str  # an SQS queue subscribed to the notice topic
    topic_arn: str
    state_machine_arn: str

    @property
    def store(self) -> ClaimStore:
        return ClaimStore(Tables(), client=self.dynamodb)

    def queue_arn(self, name: str) -> str:
        return self.sqs.get_queue_attributes(QueueUrl=self.queues[name], AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]

    def upload(self, key: str, data: bytes) -> dict:
        return self.s3.put_object(Bucket=BUCKET, Key=key, Body=data)

    def receive(self, name: str, count: int = 10) -> list[dict]:
        return self.sqs.receive_message(
            QueueUrl=self.queues[name], MaxNumberOfMessages=count, AttributeNames=["All"]
        ).get("Messages", [])

    def depth(self, name: str) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queues[name], AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])

    def notices(self) -> list[dict]:
        messages = self.sqs.receive_message(QueueUrl=self.notices_url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    def executions(self) -> list[dict]:
        found = self.sfn.list_executions(stateMachineArn=self.state_machine_arn)["executions"]
        return [
            {**e, "input": json.loads(self.sfn.describe_execution(executionArn=e["executionArn"])["input"])}
            for e in found
        ]

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
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
            for m in messages
        ]
    }


def build_stack(monkeypatch) -> Stack:
    """Inside mock_aws: what template.yaml declares for the stage (bucket and its notifications, queues with
    their DLQs, tables, topics, the claim flow), plus an SQS queue subscribed to the notice topic so tests read
    the notices, and the intake and loader functions' environment. The flow does not run (moto executes state
    machines only when asked; tests/flow does). The queues' visibility timeout is 0: a failed message comes
    back at once instead of after the template's 30 minutes."""
    moto = create_stack(template_plan(stage=STAGE))
    s3, sqs, sns, sfn, dynamodb = (
        boto3.client(name, region_name=REGION) for name in ("s3", "sqs", "sns", "stepfunctions", "dynamodb")
    )
    queues = {name: moto.queue_url(logical_id) for name, logical_id in QUEUES.items()}
    for name in ("intake", "reference"):
        sqs.set_queue_attributes(QueueUrl=queues[name], Attributes={"VisibilityTimeout": "0"})
    names = moto.plan.physical_names()
    assert names["UploadsBucket"] == BUCKET
    topic_arn = next(topic.arn for topic in moto.plan.topics if topic.logical_id == "NoticeTopic")
    notices_url = sqs.create_queue(QueueName="notices")["QueueUrl"]
    notices_arn = sqs.get_queue_attributes(QueueUrl=notices_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=notices_arn)
    state_machine_arn = next(m.arn for m in moto.plan.state_machines if m.logical_id == "ClaimFlowStateMachine")

    for function in FUNCTIONS:
        for variable, value in moto.environment(function).items():
            monkeypatch.setenv(variable, value)
    for variable, value in {
        "INTAKE_RECEIVED_DATE": "2026-11-30",
        "AWS_LAMBDA_FUNCTION_NAME": "claims-intake-test-intake",
    }.items():
        monkeypatch.setenv(variable, value)
    return Stack(s3, sqs, sns, sfn, dynamodb, queues, notices_url, topic_arn, state_machine_arn)
