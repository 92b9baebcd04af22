"""Serve `lambda:Invoke` calls made through boto3 from Python handlers in this process.

moto's Step Functions interpreter (``mock_aws(config={"stepfunctions": {"execute_state_machine": True}})``)
runs Lambda tasks by calling ``lambda.invoke`` with a boto3 client it creates from boto3's default
session. This module answers those calls before any HTTP request is made, by calling the handler
registered for the function (the same ``functions/<name>/app.py`` handler Lambda would run):

    from claims_intake_dev.local.inprocess_lambda import InProcessLambda

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        lambdas = InProcessLambda({"arn:aws:lambda:us-west-2:123456789012:function:flow": app.handler})
        with lambdas:                      # registers on boto3's default session; unregisters on exit
            sfn.start_execution(...)       # Lambda tasks now run app.handler(event, context)

Notes:
- Install it *inside* ``mock_aws``: moto replaces ``boto3.DEFAULT_SESSION`` when a mock starts, and a
  client copies its session's event handlers when it is created, so clients created before install
  (or on another session) are not served. Pass ``session=`` to serve a specific boto3 Session.
- Functions are matched by name, ARN, or ARN with a version/alias qualifier; calls for any other
  function fall through to the normal endpoint (moto's Lambda, or AWS).
- A handler that raises becomes a Lambda function error (``FunctionError: Unhandled`` and the
  ``errorType``/``errorMessage``/``stackTrace`` payload), so Step Functions Retry/Catch see the
  exception class name as the error name, as they would in AWS.
- ``InvocationType=Event`` runs the handler at once and answers 202 with an empty payload.
- Invocations are serialized by a lock (one warm execution environment per registry); every call is
  recorded in ``invocations``.
"""

from __future__ import annotations

import io
import json
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import boto3
from botocore.awsrequest import AWSResponse
from botocore.response import StreamingBody

EVENT_NAME = "before-call.lambda.Invoke"
Handler = Callable[[Any, Any], Any]


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 1024
    timeout_seconds: int = 60
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_stream_name: str = "in-process"
    started: float = field(default_factory=time.monotonic)

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


@dataclass
class Invocation:
    function: str
    event: Any
    result: Any = None
    error: str | None = None  # the exception class name when the handler raised


def function_name_of(name_or_arn: str) -> str:
    """'arn:aws:lambda:r:a:function:name[:qualifier]' or 'name[:qualifier]' -> 'name'."""
    if name_or_arn.startswith("arn:"):
        parts = name_or_arn.split(":")
        return parts[6] if len(parts) > 6 else name_or_arn
    return name_or_arn.split(":", 1)[0]


class InProcessLambda:
    """A registry of handlers that answers boto3 ``lambda.invoke`` calls in this process."""

    def __init__(
        self, handlers: Mapping[str, Handler] | None = None, region: str = "us-west-2", account: str = "123456789012"
    ):
        self.region, self.account = region, account
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.RLock()
        self._session: boto3.Session | None = None
        self.invocations: list[Invocation] = []
        for name, handler in (handlers or {}).items():
            self.add(name, handler)

    def add(self, name_or_arn: str, handler: Handler) -> InProcessLambda:
        """Serve calls to this function (by name or ARN) with `handler(event, context)`."""
        self._handlers[function_name_of(name_or_arn)] = handler
        return self

    def arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{function_name_of(name)}"

    def paused(self) -> threading.RLock:
        """`with lambdas.paused(): ...`: no handler runs meanwhile (a moto Step Functions execution
        thread invoking one waits). moto's DynamoDB is not thread-safe, so a test that writes while a
        flow runs holds this around its own writes."""
        return self._lock

    # ---- boto3 event hook ----------------------------------------------------------------------

    def install(self, session: boto3.Session | None = None) -> InProcessLambda:
        """Register on `session` (default: boto3's default session, created if needed)."""
        self._session = session or boto3._get_default_session()
        self._session.events.register(EVENT_NAME, self, unique_id=f"in-process-lambda-{id(self)}")
        return self

    def uninstall(self) -> None:
        if self._session is not None:
            self._session.events.unregister(EVENT_NAME, unique_id=f"in-process-lambda-{id(self)}")
            self._session = None

    def __enter__(self) -> InProcessLambda:
        return self.install() if self._session is None else self

    def __exit__(self, *exc_info) -> None:
        self.uninstall()

    def __call__(self, model: Any = None, params: dict | None = None, **_: Any):
        """The `before-call.lambda.Invoke` handler: (http response, parsed response) or None to pass on."""
        params = params or {}
        name = _function_name(params)
        handler = self._handlers.get(function_name_of(name)) if name else None
        if handler is None:
            return None
        event = _event(params.get("body"))
        invocation_type = (params.get("headers") or {}).get("X-Amz-Invocation-Type", "RequestResponse")
        response: dict[str, Any] = {
            "StatusCode": 202 if invocation_type == "Event" else 200,
            "ExecutedVersion": "$LATEST",
        }
        payload = self.invoke(name, event, handler)
        if isinstance(payload, _Failure):
            response["FunctionError"] = "Unhandled"
            data = json.dumps(payload.body).encode()
        else:
            data = b"" if invocation_type == "Event" else json.dumps(payload).encode()
        response["Payload"] = StreamingBody(io.BytesIO(data), len(data))
        return AWSResponse(params.get("url", "https://lambda.local/"), response["StatusCode"], {}, None), response

    def invoke(self, name: str, event: Any, handler: Handler | None = None):
        """Run the function's handler on `event` (JSON-safe result, or a _Failure when it raised)."""
        handler = handler or self._handlers[function_name_of(name)]
        context = LambdaContext(function_name=function_name_of(name), invoked_function_arn=self.arn(name))
        record = Invocation(function=function_name_of(name), event=event)
        with self._lock:
            self.invocations.append(record)
            try:
                result = handler(event, context)
                record.result = result
                return json.loads(json.dumps(result, default=str))
            except Exception as error:
                record.error = type(error).__name__
                return _Failure(
                    {
                        "errorType": type(error).__name__,
                        "errorMessage": str(error),
                        "stackTrace": traceback.format_tb(error.__traceback__),
                    }
                )


@dataclass
class _Failure:
    body: dict[str, Any]


def _function_name(params: dict) -> str | None:
    # url_path is /2015-03-31/functions/{FunctionName}/invocations (the name URL-quoted)
    path = params.get("url_path") or ""
    if "/functions/" not in path:
        return None
    return unquote(path.split("/functions/", 1)[1].rsplit("/invocations", 1)[0])


def _event(body: bytes | str | None) -> Any:
    if not body:
        return {}
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    return json.loads(text) if text.strip() else {}
