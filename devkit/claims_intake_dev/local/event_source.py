"""Lambda's SQS event source mapping, played by a poller thread per mapping.

As the Lambda service does (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html):
- long-polls the queue, gathers up to `BatchSize` messages (waiting at most
  `MaximumBatchingWindowInSeconds`), and invokes the function synchronously with an `aws:sqs` event;
- the messages stay in flight for the queue's visibility timeout while the function runs;
- success deletes the batch; an exception leaves every message to reappear after the visibility timeout;
- with `ReportBatchItemFailures`, only the ids in `batchItemFailures` stay (an unknown or empty id, or a
  response that cannot be read, fails the whole batch, as in AWS);
- a message received more than `maxReceiveCount` times is moved to the dead-letter queue by SQS itself
  (moto implements the queue's RedrivePolicy on receive).
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from typing import Any

from .functions import FunctionError, FunctionRegistry
from .template import EventSourceMapping

logger = logging.getLogger(__name__)

SQS_MAX_RECEIVE = 10


class SqsPoller:
    def __init__(
        self,
        mapping: EventSourceMapping,
        sqs_client: Any,
        queue_url: str,
        region: str,
        registry: FunctionRegistry,
        poll_seconds: int = 1,
    ):
        self.mapping = mapping
        self.sqs = sqs_client
        self.queue_url = queue_url
        self.region = region
        self.registry = registry
        self.poll_seconds = poll_seconds
        self.busy = False
        self.batches = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"esm-{mapping.logical_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.poll_seconds + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                messages = self._receive_batch()
                if messages:
                    self.busy = True
                    self._process(messages)
            except Exception:  # the poller never dies; Lambda's pollers retry too
                if not self._stop.is_set():
                    logger.exception("event source %s: polling failed", self.mapping.logical_id)
                    time.sleep(self.poll_seconds)
            finally:
                self.busy = False

    def _receive_batch(self) -> list[dict]:
        """Long-poll for the first message, then keep gathering until the batch is full or the batching
        window (from the first message) has passed."""
        messages: list[dict] = []
        deadline = None
        while len(messages) < self.mapping.batch_size and not self._stop.is_set():
            if deadline is None:
                wait = self.poll_seconds
            else:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                wait = max(0, min(self.poll_seconds, int(remaining)))
            response = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(SQS_MAX_RECEIVE, self.mapping.batch_size - len(messages)),
                WaitTimeSeconds=wait,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            received = response.get("Messages", [])
            if not messages and not received:
                break  # nothing yet: the caller polls again
            if received:
                self.busy = True
                messages.extend(received)
            if deadline is None:
                deadline = time.monotonic() + self.mapping.batching_window
            elif not received and wait == 0:
                time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        return messages

    def _process(self, messages: list[dict]) -> None:
        self.batches += 1
        event = {"Records": [self._record(message) for message in messages]}
        failed_ids = self._invoke(event, {m["MessageId"] for m in messages})
        done = [m for m in messages if m["MessageId"] not in failed_ids]
        for start in range(0, len(done), SQS_MAX_RECEIVE):
            chunk = done[start : start + SQS_MAX_RECEIVE]
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]} for index, m in enumerate(chunk)],
            )

    def _invoke(self, event: dict, message_ids: set[str]) -> set[str]:
        """The ids of the messages that failed (they stay on the queue)."""
        try:
            response = self.registry.invoke(self.mapping.function, event, source="sqs")
        except FunctionError as error:
            logger.warning(
                "event source %s: %s; %d message(s) will be retried", self.mapping.logical_id, error, len(message_ids)
            )
            return message_ids
        if not self.mapping.report_batch_item_failures:
            return set()
        failures = (response or {}).get("batchItemFailures", []) if isinstance(response, dict) else None
        if failures is None:
            return message_ids
        failed = {item.get("itemIdentifier") for item in failures if isinstance(item, dict)}
        if not failed <= message_ids:  # an empty or unknown id fails the whole batch, as in AWS
            return message_ids
        return failed

    def _record(self, message: dict) -> dict:
        attributes = message.get("Attributes", {})
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {
                key: attributes[key]
                for key in (
                    "ApproximateReceiveCount",
                    "SentTimestamp",
                    "SenderId",
                    "ApproximateFirstReceiveTimestamp",
                    "SequenceNumber",
                    "MessageGroupId",
                    "MessageDeduplicationId",
                    "AWSTraceHeader",
                )
                if key in attributes
            },
            "messageAttributes": {
                name: _lambda_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message.get("MD5OfBody"),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.mapping.queue_arn,
            "awsRegion": self.region,
        }


def _lambda_attribute(value: dict) -> dict:
    """SQS API attribute shape -> the camelCase shape of Lambda's SQS event."""
    return {
        "stringValue": value.get("StringValue"),
        "binaryValue": _base64(value.get("BinaryValue")),
        "stringListValues": value.get("StringListValues", []),
        "binaryListValues": [_base64(item) for item in value.get("BinaryListValues", [])],
        "dataType": value.get("DataType"),
    }


def _base64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()
