"""S3 event notifications in the local stack, as AWS sends them.

What moto (5.2) does by itself (moto/s3/notifications.py): on PutObject, CopyObject, CompleteMultipartUpload,
POST uploads, deletes and restores it matches the bucket's notification configuration (event names with
`*` wildcards, prefix and suffix filters) and
- sends the event JSON to the configured SQS queues (`QueueConfigurations`) — delivered as in AWS;
- publishes it to SNS topics (`TopicConfigurations`);
- sends `s3:TestEvent` to queues and topics when the configuration is set, as AWS does;
- hands it to moto's own Lambda backend for `LambdaConfigurations` — which would need Docker and the
  function registered in moto, so nothing runs.

What this module adds, by wrapping two functions of moto.s3.notifications while the stack runs:
- the object key URL-encoded as AWS does it (spaces as `+`, `/` kept; moto encodes `/` as `%2F`);
- the record fields moto leaves out: `userIdentity`, `requestParameters`, `responseElements`,
  `s3.bucket.ownerIdentity`, `s3.object.sequencer`, and `s3.object.versionId` when the bucket is versioned
  (the idempotency key of the intake uses the version);
- `LambdaConfigurations` targets that are functions of the template are invoked in this process,
  asynchronously with Lambda's retry policy for asynchronous events (two retries after a failure).
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

from moto.s3 import notifications as moto_notifications

from .functions import FunctionError, FunctionRegistry

logger = logging.getLogger(__name__)

LOCAL_PRINCIPAL = "AWS:AIDALOCALSTACKUSER0"
_sequence = itertools.count(1)


def enrich_record(record: dict[str, Any], bucket: Any, key: Any) -> dict[str, Any]:
    """Add the fields of an AWS S3 event record that moto omits (same names and shapes as AWS)."""
    record.setdefault("userIdentity", {"principalId": LOCAL_PRINCIPAL})
    record.setdefault("requestParameters", {"sourceIPAddress": "127.0.0.1"})
    record.setdefault("responseElements", {"x-amz-request-id": f"LOCAL{next(_sequence):011d}", "x-amz-id-2": "local"})
    s3 = record["s3"]
    s3["bucket"].setdefault("ownerIdentity", {"principalId": LOCAL_PRINCIPAL})
    s3_object = s3["object"]
    s3_object["key"] = quote_plus(key.name, safe="/")  # AWS keeps "/" in the URL-encoded key; moto encodes it
    version_id = getattr(key, "version_id", None)
    if getattr(bucket, "is_versioned", False) and version_id and version_id != "null":
        s3_object["versionId"] = version_id
    s3_object.setdefault("sequencer", f"{time.time_ns():016X}{next(_sequence):04X}")
    return record


class AsyncInvoker:
    """Lambda's asynchronous invocation: an internal queue, one worker, retries after failures."""

    def __init__(self, registry: FunctionRegistry, retry_delays: tuple[float, ...] = (60.0, 120.0)):
        self.registry = registry
        self.retry_delays = retry_delays
        self._queue: queue.Queue = queue.Queue()
        self._pending = 0
        self._pending_lock = threading.Lock()
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._run, name="lambda-async", daemon=True)
        self.failures: list[tuple[str, dict]] = []  # (function, event) that failed every attempt

    def start(self) -> None:
        self._worker.start()

    def stop(self) -> None:
        self._stop.set()
        self._queue.put(None)
        self._worker.join(timeout=5)

    @property
    def pending(self) -> int:
        return self._pending

    def submit(self, function: str, event: dict) -> None:
        with self._pending_lock:
            self._pending += 1
        self._queue.put((function, event, 0, 0.0))

    def _run(self) -> None:
        while not self._stop.is_set():
            item = self._queue.get()
            if item is None:
                return
            function, event, attempt, not_before = item
            if time.monotonic() < not_before:  # a retry that is not due yet
                self._queue.put(item)
                time.sleep(0.05)
                continue
            try:
                self.registry.invoke(function, event, source="s3")
            except FunctionError as error:
                if attempt < len(self.retry_delays):
                    logger.warning("async invoke of %s failed (attempt %d), retrying: %s", function, attempt + 1, error)
                    self._queue.put((function, event, attempt + 1, time.monotonic() + self.retry_delays[attempt]))
                    continue
                logger.error("async invoke of %s failed after %d attempts: %s", function, attempt + 1, error)
                self.failures.append((function, event))
            with self._pending_lock:
                self._pending -= 1


class S3Notifications:
    """Installs the wrappers on moto.s3.notifications for the life of the stack."""

    def __init__(self, registry: FunctionRegistry, invoker: AsyncInvoker):
        self.registry = registry
        self.invoker = invoker
        self._saved: dict[str, Callable] = {}

    def install(self) -> None:
        original_event = moto_notifications._get_s3_event
        original_invoke = moto_notifications._invoke_awslambda
        self._saved = {"_get_s3_event": original_event, "_invoke_awslambda": original_invoke}

        def get_s3_event(event_name, bucket, key, notification_id):
            event = original_event(event_name, bucket, key, notification_id)
            for record in event["Records"]:
                enrich_record(record, bucket, key)
            return event

        def invoke_awslambda(account_id, event_body, fn_arn, region_name):
            if self.registry.find(fn_arn) is None:
                return original_invoke(account_id, event_body, fn_arn, region_name)
            self.invoker.submit(fn_arn, event_body)

        moto_notifications._get_s3_event = get_s3_event
        moto_notifications._invoke_awslambda = invoke_awslambda

    def uninstall(self) -> None:
        for name, function in self._saved.items():
            setattr(moto_notifications, name, function)
        self._saved = {}
