"""The embedded local AWS on a small fixture template: resources from the template, S3 -> SQS -> handler,
partial batch failures to the DLQ, S3 -> Lambda, Step Functions Lambda tasks in process."""

import json
import time
from pathlib import Path

import pytest

from claims_intake_dev.local.stack import LocalStack

FIXTURE = Path(__file__).parent / "fixtures" / "stack" / "template.yaml"


@pytest.fixture(scope="module")
def stack():
    with LocalStack(FIXTURE, async_retry_delays=(0.1,)) as running:
        yield running


def _item(stack, key, sort_key, timeout=20):
    table = stack.client("dynamodb")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        item = table.get_item(
            TableName=stack.physical_name("ItemsTable"), Key={"pk": {"S": key}, "sk": {"S": sort_key}}
        ).get("Item")
        if item:
            return {name: next(iter(value.values())) for name, value in item.items()}
        time.sleep(0.1)
    raise AssertionError(f"no item {key}/{sort_key}")


def test_resources_come_from_the_template(stack):
    sqs, dynamodb, s3 = stack.client("sqs"), stack.client("dynamodb"), stack.client("s3")
    work = sqs.get_queue_url(QueueName=stack.physical_name("WorkQueue"))["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=work, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "60"
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": "arn:aws:sqs:us-west-2:123456789012:fixture-work-dlq-dev",
        "maxReceiveCount": 2,
    }
    table = dynamodb.describe_table(TableName=stack.physical_name("ItemsTable"))["Table"]
    assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == ["by-status"]
    assert stack.bucket("UploadBucket") == "fixture-uploads-123456789012-dev"
    assert s3.get_bucket_versioning(Bucket="fixture-uploads-123456789012-dev")["Status"] == "Enabled"
    notifications = s3.get_bucket_notification_configuration(Bucket=stack.bucket("ReferenceBucket"))
    assert notifications["LambdaFunctionConfigurations"][0]["LambdaFunctionArn"].endswith(
        stack.physical_name("DirectFunction")
    )
    assert stack.plan.outputs == {"UploadBucketName": "fixture-uploads-123456789012-dev"}
    assert "AWS::IAM::Role" in stack.plan.skipped.values()


def test_upload_drives_queue_handler_and_state_machine(stack):
    s3 = stack.client("s3")
    version = s3.put_object(Bucket=stack.bucket("UploadBucket"), Key="uploads/acme/claim one.pdf", Body=b"%PDF-1.4")[
        "VersionId"
    ]
    seen = _item(stack, "uploads/acme/claim one.pdf", "seen")
    assert seen["function"] == stack.physical_name("EchoFunction")
    assert seen["version"] == version
    assert seen["raw_key"] == "uploads/acme/claim+one.pdf"  # URL-encoded as AWS does it, "/" kept
    assert seen["sequencer"]
    assert seen["source_arn"].endswith(stack.physical_name("WorkQueue"))
    flow = _item(stack, "uploads/acme/claim one.pdf", "flow")
    assert flow["status"] == "DONE-BY-StepFunction"  # the Lambda task ran with the StepFunction's environment
    stack.wait_until_settled(timeout=30)


def test_failed_record_is_retried_then_dead_lettered_and_the_rest_stored(stack):
    sqs = stack.client("sqs")
    work = sqs.get_queue_url(QueueName=stack.physical_name("WorkQueue"))["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=work, Attributes={"VisibilityTimeout": "1"})
    time.sleep(stack.poll_seconds + 0.5)  # a long poll already waiting keeps the old timeout for what it receives
    try:
        s3 = stack.client("s3")
        s3.put_object(Bucket=stack.bucket("UploadBucket"), Key="uploads/acme/fail.pdf", Body=b"x")
        s3.put_object(Bucket=stack.bucket("UploadBucket"), Key="uploads/acme/good.pdf", Body=b"x")
        assert _item(stack, "uploads/acme/good.pdf", "seen")
        dlq = sqs.get_queue_url(QueueName="fixture-work-dlq-dev")["QueueUrl"]
        deadline = time.monotonic() + 20
        messages = []
        while not messages and time.monotonic() < deadline:
            messages = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages", [])
        assert messages, "the failing record never reached the DLQ"
        body = json.loads(messages[0]["Body"])
        assert body["Records"][0]["s3"]["object"]["key"] == "uploads/acme/fail.pdf"
        sqs.delete_message(QueueUrl=dlq, ReceiptHandle=messages[0]["ReceiptHandle"])
    finally:
        sqs.set_queue_attributes(QueueUrl=work, Attributes={"VisibilityTimeout": "60"})


def test_s3_lambda_configuration_invokes_the_function_in_process(stack):
    s3 = stack.client("s3")
    s3.put_object(Bucket=stack.bucket("ReferenceBucket"), Key="reference/kp/eligibility.csv", Body=b"a,b\n")
    s3.put_object(Bucket=stack.bucket("ReferenceBucket"), Key="reference/kp/readme.txt", Body=b"no")  # suffix filter
    item = _item(stack, "reference/kp/eligibility.csv", "direct")
    assert item["event"] == "ObjectCreated:Put"
    stack.wait_until_settled(timeout=30)
    table = stack.client("dynamodb")
    assert "Item" not in table.get_item(
        TableName=stack.physical_name("ItemsTable"), Key={"pk": {"S": "reference/kp/readme.txt"}, "sk": {"S": "direct"}}
    )


def test_template_api_is_served_through_the_handler(stack, tmp_path):
    import urllib.request

    from claims_intake_dev.local.web import WebServer

    (tmp_path / "index.html").write_text("<h1>staff</h1>")
    server = WebServer(stack, static_dir=tmp_path).start()
    try:
        request = urllib.request.Request(
            f"{server.url}/api/items/abc?x=1", headers={"Authorization": "Bearer dev-staff"}
        )
        with urllib.request.urlopen(request) as response:
            item = json.loads(response.read())
        assert item == {
            "resource": "/api/items/{pk}",
            "path": "/api/items/abc",
            "pathParameters": {"pk": "abc"},
            "query": {"x": "1"},
            "user": "dev-staff",
            "body": None,
        }
        request = urllib.request.Request(
            f"{server.url}/api/queue/answer",
            data=b'{"a": 1}',
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": "Bearer dev-provider-1456700016"},
        )
        with urllib.request.urlopen(request) as response:
            assert response.status == 201
            answer = json.loads(response.read())
        assert answer["resource"] == "/api/{proxy+}" and answer["pathParameters"] == {"proxy": "queue/answer"}
        assert answer["user"] == "provider-1456700016" and answer["body"] == '{"a": 1}'
        with urllib.request.urlopen(f"{server.url}/index.html") as response:
            assert b"staff" in response.read()
    finally:
        server.stop()
