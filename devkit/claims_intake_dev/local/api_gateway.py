"""The template's REST APIs (API Gateway, Lambda proxy integration) as a local WSGI app.

Routes come from the OpenAPI bodies SAM generates for functions' `Api` events (template.py reads them),
so a route added to template.yaml is served locally with no other change. Requests become API Gateway
REST (v1) proxy events — path and query parameters, multi-value headers, base64 bodies — invoked on the
same handler in this process; the handler's proxy response becomes the HTTP response. As `sam local
start-api` does, the API is served at the root (no stage prefix).

Authorizers are not run locally. For a route behind a Cognito user pool authorizer, the claims API
Gateway would pass come from the request's `Authorization` bearer token through claims_intake_dev.dev_auth
(`token_claims`: the development tokens only; no token, `garbage` or an unsigned `a.b.c` get no claims
and the API answers 401, as API Gateway would). The staff API decides what those claims allow,
exactly as it would behind API Gateway. This is the one HTTP-to-API-Gateway adapter of the development kit:
the local stack's template APIs and the staff page's server (web_server.py) both serve through it.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from ..dev_auth import LOCAL_CLAIMS, token_claims
from .functions import FunctionError
from .template import ApiRoute

__all__ = ["LOCAL_CLAIMS", "ApiGatewayApp", "token_claims"]

TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript", "application/x-www-form")
MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
Invoke = Callable[[str, dict[str, Any]], Any]  # (function ARN, proxy event) -> proxy response
ClaimsFor = Callable[[str | None], dict[str, str] | None]  # Authorization header -> authorizer claims


class _CompiledRoute:
    def __init__(self, route: ApiRoute):
        self.route = route
        pattern = ""
        for part in re.split(r"(\{[^}]+\})", route.path):
            if part.startswith("{") and part.endswith("+}"):
                pattern += f"(?P<{_group(part[1:-2])}>.+)"
            elif part.startswith("{"):
                pattern += f"(?P<{_group(part[1:-1])}>[^/]+)"
            else:
                pattern += re.escape(part)
        self.names = {_group(name): name for name in re.findall(r"\{([^}+]+)\+?\}", route.path)}
        self.regex = re.compile(f"^{pattern}/?$")
        self.greedy = "+}" in route.path

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.route.method not in ("ANY", method):
            return None
        found = self.regex.match(path)
        if not found:
            return None
        return {self.names[key]: value for key, value in found.groupdict().items()}


def _group(name: str) -> str:
    return re.sub(r"\W", "_", name)


class ApiGatewayApp:
    """WSGI app serving `routes`; `fallback` (e.g. a static folder) answers paths no route matches."""

    def __init__(
        self,
        routes: list[ApiRoute],
        invoke: Invoke,
        region: str,
        account_id: str,
        fallback: Callable | None = None,
        stage: str = "local",
        claims_for: ClaimsFor = token_claims,
    ):
        # exact routes before parameterized, greedy ({proxy+}) last, as API Gateway matches them
        compiled = [_CompiledRoute(route) for route in routes]
        self.routes = sorted(compiled, key=lambda c: (c.greedy, c.route.path.count("{"), -len(c.route.path)))
        self.invoke = invoke
        self.region = region
        self.account_id = account_id
        self.fallback = fallback
        self.stage = stage
        self.claims_for = claims_for

    def __call__(self, environ, start_response):
        request = Request(environ)
        for compiled in self.routes:
            parameters = compiled.match(request.method, request.path)
            if parameters is not None:
                return self._invoke(compiled.route, parameters, request)(environ, start_response)
        if self.fallback is not None:
            return self.fallback(environ, start_response)
        return _json_response(404, {"message": "Missing Authentication Token"})(environ, start_response)

    def _invoke(self, route: ApiRoute, parameters: dict[str, str], request: Request) -> Response:
        if (request.content_length or 0) > MAX_BODY:
            return _json_response(413, {"message": "Request Entity Too Large"})
        event = self.event(route, parameters, request)
        try:
            result = self.invoke(route.function_arn, event)
        except FunctionError:
            return _json_response(502, {"message": "Internal server error"})
        return _proxy_response(result)

    def event(self, route: ApiRoute, parameters: dict[str, str], request: Request) -> dict[str, Any]:
        body = request.get_data()
        is_text = not body or any(request.mimetype.startswith(kind) for kind in TEXT_TYPES)
        query = request.args
        headers = dict(request.headers.items())
        context: dict[str, Any] = {
            "accountId": self.account_id,
            "apiId": route.api.lower(),
            "stage": self.stage,
            "resourcePath": route.path,
            "httpMethod": request.method,
            "path": f"/{self.stage}{request.path}",
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000),
            "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "identity": {"sourceIp": request.remote_addr or "127.0.0.1", "userAgent": request.user_agent.string},
        }
        claims = (
            self.claims_for(request.headers.get("Authorization")) if route.authorizer == "cognito_user_pools" else None
        )
        if claims:
            context["authorizer"] = {"claims": claims}
        return {
            "resource": route.path,
            "path": request.path,
            "httpMethod": request.method,
            "headers": headers or None,
            "multiValueHeaders": {key: request.headers.getlist(key) for key in headers} or None,
            "queryStringParameters": {key: query.getlist(key)[-1] for key in query} or None,
            "multiValueQueryStringParameters": {key: query.getlist(key) for key in query} or None,
            "pathParameters": parameters or None,
            "stageVariables": None,
            "requestContext": context,
            "body": (body.decode() if is_text else base64.b64encode(body).decode()) if body else None,
            "isBase64Encoded": bool(body) and not is_text,
        }


def _proxy_response(result: Any) -> Response:
    if not isinstance(result, dict) or "statusCode" not in result:
        return _json_response(502, {"message": "Internal server error"})
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    response = Response(data, status=int(result["statusCode"]))
    for key, value in (result.get("headers") or {}).items():
        response.headers[key] = str(value)
    for key, values in (result.get("multiValueHeaders") or {}).items():
        response.headers.remove(key)
        for value in values:
            response.headers.add(key, str(value))
    return response


def _json_response(status: int, body: dict) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
