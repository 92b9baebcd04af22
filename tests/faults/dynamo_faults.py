"""Faults injected into a botocore client the way the service would send them: an HTTP error response
returned from `before-send`, inside botocore's retry loop, so its real retry policy and backoff run."""

from __future__ import annotations

import json
import time
import types

from botocore.awsrequest import AWSResponse
from moto.core.botocore_stubber import MockRawResponse

THROTTLED = (
    400,
    {
        "__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
        "message": "Rate of requests exceeds the allowed throughput.",
    },
)
THROUGHPUT = (
    400,
    {
        "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        "message": "The level of configured provisioned throughput for the table was exceeded.",
    },
)
INTERNAL = (500, {"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "Internal server error"})
UNAVAILABLE = (503, {"__type": "com.amazonaws.dynamodb.v20120810#ServiceUnavailable", "message": "Service unavailable"})


def cancelled(*codes: str):
    """TransactionCanceledException with one cancellation reason per item ('None' for the items that were fine)."""
    return (
        400,
        {
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "message": f"Transaction cancelled, please refer cancellation reasons for specific reasons [{', '.join(codes)}]",
            "CancellationReasons": [{"Code": code} for code in codes],
        },
    )


class Faults:
    """Answer the next calls of a DynamoDB `operation` with `errors` (then let them through), counting calls.

    botocore emits `before-send` to every handler and takes the first response, so a handler of our own
    would not stop moto from also carrying out the request: the fault wraps moto's handler instead, and
    a faulted request never reaches moto (as a throttled request never reaches the table).
    """

    def __init__(self, monkeypatch, operation: str, errors=(), forever=None):
        from moto.core.botocore_stubber import BotocoreStubber

        self.errors = list(errors)
        self.forever = forever  # an error for every call, after `errors`
        self.calls = 0
        event = f"before-send.dynamodb.{operation}"
        moto_answers = BotocoreStubber.__call__

        def answer(stubber, event_name, request, **kwargs):
            if event_name == event:
                self.calls += 1
                error = self.errors.pop(0) if self.errors else self.forever
                if error is not None:
                    return _response(request, *error)
            return moto_answers(stubber, event_name, request, **kwargs)

        monkeypatch.setattr(BotocoreStubber, "__call__", answer)


def _response(request, status: int, body: dict) -> AWSResponse:
    return AWSResponse(
        request.url, status, {"Content-Type": "application/x-amz-json-1.0"}, MockRawResponse(json.dumps(body))
    )


def record_botocore_sleeps(monkeypatch) -> list[float]:
    """botocore's retry delays, recorded instead of slept."""
    import botocore.endpoint

    sleeps: list[float] = []
    shim = types.SimpleNamespace(**{name: getattr(time, name) for name in dir(time) if not name.startswith("_")})
    shim.sleep = sleeps.append
    monkeypatch.setattr(botocore.endpoint, "time", shim)
    return sleeps
