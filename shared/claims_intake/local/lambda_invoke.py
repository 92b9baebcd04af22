"""Serve `lambda:Invoke` calls made with boto3 (Step Functions Lambda tasks in moto) from the registry.

moto's Step Functions interpreter calls Lambda with boto3; a handler on boto3's default session for
`before-call.lambda.Invoke` answers the call in this process before any HTTP request is made, for the
functions of the template only (other names go on to the endpoint as usual).
"""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import unquote

import boto3
from botocore.awsrequest import AWSResponse
from botocore.response import StreamingBody

from .functions import FunctionError, FunctionRegistry

EVENT_NAME = "before-call.lambda.Invoke"


def _function_name(params: dict) -> str:
    # url_path is /2015-03-31/functions/{FunctionName}/invocations
    return unquote(params["url_path"].split("/functions/", 1)[1].rsplit("/invocations", 1)[0])


def _payload(data: bytes) -> tuple[AWSResponse, dict]:
    body = StreamingBody(io.BytesIO(data), len(data))
    return AWSResponse("http://127.0.0.1/lambda", 200, {}, None), body


class InvokeHook:
    def __init__(self, registry: FunctionRegistry):
        self.registry = registry
        self._session = None

    def __call__(self, model: Any = None, params: dict | None = None, **_: Any):
        name = _function_name(params or {})
        if self.registry.find(name) is None:
            return None
        body = params.get("body") or b"{}"
        event = json.loads(body.decode() if isinstance(body, bytes) else body or "{}")
        invocation_type = (params.get("headers") or {}).get("X-Amz-Invocation-Type", "RequestResponse")
        response: dict[str, Any] = {"StatusCode": 202 if invocation_type == "Event" else 200,
                                    "ExecutedVersion": "$LATEST"}
        try:
            result = self.registry.invoke(name, event, source="states")
            data = b"" if invocation_type == "Event" else json.dumps(result).encode()
        except FunctionError as error:
            response["FunctionError"] = "Unhandled"
            data = json.dumps(error.payload).encode()
        http, body_stream = _payload(data)
        response["Payload"] = body_stream
        return http, response

    def install(self) -> None:
        self._session = boto3._get_default_session()
        self._session.events.register(EVENT_NAME, self, unique_id="claims-intake-local-invoke")

    def uninstall(self) -> None:
        if self._session is not None:
            self._session.events.unregister(EVENT_NAME, unique_id="claims-intake-local-invoke")
            self._session = None
