"""Poison messages end in the DLQ after maxReceiveCount receives; `claims-intake replay-dlq` sends
them back (all, --max N, or --dry-run), unchanged, against moto in process and over an endpoint URL."""

import json

import boto3
import pytest
from moto import mock_aws
from moto.server import ThreadedMotoServer

from claims_intake.cli import main
from claims_intake.dlq import ReplayError, replay_dlq

MAX_RECEIVES = 3


def s3_notification(provider, name):
    return json.dumps(
        {
            "Records": [
                {
                    "eventSource": "aws:s3",
                    "s3": {"bucket": {"name": "uploads"}, "object": {"key": f"uploads/{provider}/{name}", "size": 10}},
                }
            ]
        }
    )


def make_queues(sqs, name="intake"):
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    source = sqs.create_queue(
        QueueName=name,
        Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVES)})
        },
    )["QueueUrl"]
    return source, dlq


def poison(sqs, source, count):
    """Messages a consumer keeps failing on: received MAX_RECEIVES times, never deleted."""
    for index in range(count):
        sqs.send_message(
            QueueUrl=source,
            MessageBody=s3_notification("1234567893", f"member-name-{index}.pdf"),
            MessageAttributes={"attempt": {"DataType": "String", "StringValue": str(index)}},
        )
    received = 0
    for _ in range(MAX_RECEIVES * count * 2):
        messages = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
        received += len(messages)
        if not messages:
            break
    return received


def depth(sqs, url):
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"]) + int(
        attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"]
    )


@pytest.fixture
def sqs():
    with mock_aws():
        yield boto3.client("sqs", region_name="us-west-2")


def test_poison_messages_move_to_the_dlq_after_max_receives(sqs):
    source, dlq = make_queues(sqs)
    assert poison(sqs, source, 3) == 3 * MAX_RECEIVES
    assert depth(sqs, source) == 0 and depth(sqs, dlq) == 3


def test_dry_run_counts_without_receiving_so_no_receive_count_rises(sqs, monkeypatch):
    source, dlq = make_queues(sqs)
    poison(sqs, source, 12)
    monkeypatch.setattr(sqs, "receive_message", lambda **_: pytest.fail("a dry run must not receive"))
    summary = replay_dlq(sqs, "intake-dlq", dry_run=True)
    assert (summary.waiting, summary.would_move, summary.moved, summary.source_url) == (12, 12, 0, source)
    assert replay_dlq(sqs, "intake-dlq", dry_run=True, max_messages=5).would_move == 5
    monkeypatch.undo()
    assert depth(sqs, source) == 0
    visible = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
    assert visible["Attributes"]["ApproximateNumberOfMessages"] == "12"


def test_replay_moves_at_most_max_then_the_rest_with_body_and_attributes(sqs):
    source, dlq = make_queues(sqs)
    poison(sqs, source, 5)
    assert replay_dlq(sqs, dlq, max_messages=2).moved == 2
    assert depth(sqs, dlq) == 3 and depth(sqs, source) == 2
    assert replay_dlq(sqs, dlq).moved == 3
    assert depth(sqs, dlq) == 0
    messages = sqs.receive_message(
        QueueUrl=source, MaxNumberOfMessages=10, MessageAttributeNames=["All"], AttributeNames=["All"]
    )["Messages"]
    assert sorted(m["MessageAttributes"]["attempt"]["StringValue"] for m in messages) == ["0", "1", "2", "3", "4"]
    assert all(json.loads(m["Body"])["Records"][0]["s3"]["object"]["key"].startswith("uploads/") for m in messages)
    assert all(m["Attributes"]["ApproximateReceiveCount"] == "1" for m in messages)  # a fresh start


def test_a_message_that_cannot_be_sent_stays_in_the_dlq(sqs, monkeypatch):
    source, dlq = make_queues(sqs)
    poison(sqs, source, 3)
    real_send = sqs.send_message_batch

    def one_fails(QueueUrl, Entries):
        response = real_send(QueueUrl=QueueUrl, Entries=Entries[1:])
        return {**response, "Failed": [{"Id": Entries[0]["Id"], "SenderFault": False, "Code": "InternalError"}]}

    monkeypatch.setattr(sqs, "send_message_batch", one_fails)
    summary = replay_dlq(sqs, dlq, max_messages=3)
    assert (summary.moved, summary.failed) == (2, 1)
    assert depth(sqs, dlq) == 1 and depth(sqs, source) == 2


def test_unknown_queue_and_ambiguous_source_are_errors(sqs):
    with pytest.raises(ReplayError, match="no queue named"):
        replay_dlq(sqs, "nope")
    lonely = sqs.create_queue(QueueName="lonely")["QueueUrl"]
    with pytest.raises(ReplayError, match="pass --source"):
        replay_dlq(sqs, lonely)


@pytest.fixture(scope="module")
def endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_cli_replays_over_an_endpoint_url(endpoint, capsys):
    sqs = boto3.client("sqs", region_name="us-west-2", endpoint_url=endpoint)
    source, dlq = make_queues(sqs)
    poison(sqs, source, 4)
    assert main(["replay-dlq", "intake-dlq", "--endpoint-url", endpoint, "--dry-run", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["dry_run"] and listed["waiting"] == 4 and depth(sqs, dlq) == 4
    assert main(["replay-dlq", "intake-dlq", "--endpoint-url", endpoint, "--dry-run"]) == 0
    assert "would move 4 message(s)" in capsys.readouterr().out
    assert main(["replay-dlq", "intake-dlq", "--endpoint-url", endpoint, "--max", "1", "--format", "json"]) == 0
    moved = json.loads(capsys.readouterr().out)
    assert moved["moved"] == 1 and moved["messages"][0]["uploads"] == ["uploads/1234567893/…"]
    assert "member-name" not in json.dumps(moved)  # file names stay out of the output
    assert main(["replay-dlq", dlq, "--endpoint-url", endpoint]) == 0
    assert "moved 3 message(s)" in capsys.readouterr().out
    assert depth(sqs, dlq) == 0 and depth(sqs, source) == 4
    assert main(["replay-dlq", "missing", "--endpoint-url", endpoint]) == 2
    assert capsys.readouterr().err.startswith("error: no queue named missing")


def test_cli_on_a_local_endpoint_needs_no_configured_credentials_or_region(endpoint, capsys, monkeypatch, tmp_path):
    """`serve` says the local stack takes any credentials: replay-dlq works there with none configured."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    sqs = boto3.client(
        "sqs", region_name="us-west-2", endpoint_url=endpoint, aws_access_key_id="x", aws_secret_access_key="x"
    )
    source, dlq = make_queues(sqs, name="plain")
    poison(sqs, source, 2)
    assert main(["replay-dlq", dlq, "--endpoint-url", endpoint, "--dry-run"]) == 0
    assert "would move 2 message(s)" in capsys.readouterr().out
