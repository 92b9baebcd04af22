"""Replay a dead-letter queue: move its messages back to the queue they came from.

A message lands in a DLQ after maxReceiveCount failed deliveries (a bug, an outage of a dependency).
Once the cause is fixed, `replay_dlq` sends each message back unchanged (body and attributes) to the
source queue and deletes it from the DLQ only after the send succeeded, so a crash half-way loses
nothing: at worst a message is in both queues, and intake's idempotency makes the second delivery a
no-op. `dry_run` receives nothing (a receive would count toward each message's receive count): it reads
how many messages wait in the DLQ and which queue they would go back to.

    from claims_intake.dlq import replay_dlq
    summary = replay_dlq(boto3.client("sqs"), "claims-intake-dev-IntakeDeadLetterQueue-...", max_messages=10)

The CLI is `claims-intake replay-dlq` (cli/replay_dlq_cmd.py, docs/hardening.md). Nothing here reads or
prints a message body beyond the S3 notification's provider folder: object keys are file names, which
providers sometimes make out of a member's name.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

SQS_BATCH = 10


class ReplayError(Exception):
    """The queues cannot be resolved (unknown name, no or several source queues)."""


@dataclass
class ReplayedMessage:
    message_id: str
    receive_count: int
    first_received: str | None
    sent: str | None
    uploads: list[str]  # provider folders of the S3 objects the message names (no file names)


@dataclass
class ReplaySummary:
    dlq_url: str
    source_url: str
    dry_run: bool
    moved: int = 0
    failed: int = 0
    messages: list[ReplayedMessage] = field(default_factory=list)
    waiting: int | None = None  # dry run: messages in the DLQ (visible), as SQS counts them
    in_flight: int | None = None  # dry run: received by someone and not yet deleted or visible again
    would_move: int | None = None  # dry run: how many a replay with the same --max would move

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def queue_url(sqs, name_or_url: str) -> str:
    if name_or_url.startswith(("https://", "http://")):
        return name_or_url
    try:
        return sqs.get_queue_url(QueueName=name_or_url)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        raise ReplayError(f"no queue named {name_or_url}") from None


def source_queue_url(sqs, dlq_url: str) -> str:
    """The one queue whose redrive policy names this DLQ."""
    sources = sqs.list_dead_letter_source_queues(QueueUrl=dlq_url).get("queueUrls", [])
    if len(sources) != 1:
        found = ", ".join(sources) or "none"
        raise ReplayError(f"cannot tell where to send the messages back (source queues: {found}); pass --source")
    return sources[0]


def replay_dlq(
    sqs,
    dlq: str,
    source: str | None = None,
    *,
    max_messages: int | None = None,
    dry_run: bool = False,
    visibility_timeout: int = 60,
    wait_seconds: int = 1,
) -> ReplaySummary:
    """Move up to `max_messages` (default: all) from `dlq` back to `source` (default: its redrive source)."""
    dlq_url = queue_url(sqs, dlq)
    source_url = queue_url(sqs, source) if source else source_queue_url(sqs, dlq_url)
    summary = ReplaySummary(dlq_url=dlq_url, source_url=source_url, dry_run=dry_run)
    if dry_run:
        counts = sqs.get_queue_attributes(
            QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        summary.waiting = int(counts.get("ApproximateNumberOfMessages", 0))
        summary.in_flight = int(counts.get("ApproximateNumberOfMessagesNotVisible", 0))
        summary.would_move = summary.waiting if max_messages is None else min(summary.waiting, max_messages)
        return summary
    seen: set[str] = set()
    while max_messages is None or len(seen) < max_messages:
        wanted = SQS_BATCH if max_messages is None else min(SQS_BATCH, max_messages - len(seen))
        batch = [
            m for m in _receive(sqs, dlq_url, wanted, visibility_timeout, wait_seconds) if m["MessageId"] not in seen
        ]
        if not batch:
            break
        seen.update(m["MessageId"] for m in batch)
        summary.messages.extend(_describe(m) for m in batch)
        moved, failed = _move(sqs, dlq_url, source_url, batch)
        summary.moved += moved
        summary.failed += failed
    return summary


def _receive(sqs, url: str, count: int, visibility_timeout: int, wait_seconds: int) -> list[dict[str, Any]]:
    response = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=count,
        VisibilityTimeout=visibility_timeout,
        WaitTimeSeconds=wait_seconds,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    )
    return response.get("Messages", [])


def _move(sqs, dlq_url: str, source_url: str, batch: list[dict[str, Any]]) -> tuple[int, int]:
    """Send the batch to the source queue, then delete from the DLQ exactly the messages that were sent."""
    entries = [_send_entry(str(index), message) for index, message in enumerate(batch)]
    response = sqs.send_message_batch(QueueUrl=source_url, Entries=entries)
    sent = {entry["Id"] for entry in response.get("Successful", [])}
    if sent:
        sqs.delete_message_batch(
            QueueUrl=dlq_url,
            Entries=[
                {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                for index, message in enumerate(batch)
                if str(index) in sent
            ],
        )
    unsent = [(index, message) for index, message in enumerate(batch) if str(index) not in sent]
    if unsent:  # back into view now rather than after the visibility timeout
        _release(sqs, dlq_url, [message for _, message in unsent])
    return len(sent), len(unsent)


def _send_entry(entry_id: str, message: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"Id": entry_id, "MessageBody": message["Body"]}
    if message.get("MessageAttributes"):
        entry["MessageAttributes"] = message["MessageAttributes"]
    attributes = message.get("Attributes", {})
    if "MessageGroupId" in attributes:  # FIFO queues
        entry["MessageGroupId"] = attributes["MessageGroupId"]
        entry["MessageDeduplicationId"] = attributes.get("MessageDeduplicationId", message["MessageId"])
    return entry


def _release(sqs, url: str, messages: list[dict[str, Any]]) -> None:
    for start in range(0, len(messages), SQS_BATCH):
        sqs.change_message_visibility_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"], "VisibilityTimeout": 0}
                for index, message in enumerate(messages[start : start + SQS_BATCH])
            ],
        )


def _describe(message: dict[str, Any]) -> ReplayedMessage:
    attributes = message.get("Attributes", {})
    return ReplayedMessage(
        message_id=message["MessageId"],
        receive_count=int(attributes.get("ApproximateReceiveCount", 0)),
        first_received=_time(attributes.get("ApproximateFirstReceiveTimestamp")),
        sent=_time(attributes.get("SentTimestamp")),
        uploads=_upload_folders(message["Body"]),
    )


def _upload_folders(body: str) -> list[str]:
    try:
        records = json.loads(body).get("Records", [])
        keys = [record["s3"]["object"]["key"] for record in records]
    except (ValueError, AttributeError, KeyError, TypeError):
        return []
    return ["/".join(key.split("/")[:2]) + "/…" for key in keys]


def _time(milliseconds: str | None) -> str | None:
    if not milliseconds:
        return None
    return datetime.fromtimestamp(int(milliseconds) / 1000, UTC).isoformat(timespec="seconds")
