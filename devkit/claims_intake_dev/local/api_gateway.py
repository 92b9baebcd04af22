"""The template's REST APIs (API Gateway, Lambda proxy integration) as a local WSGI app.

Routes come from the OpenAPI bodies SAM generates for functions' `Api` events (template.py reads them),
so a route added to template.yaml is served locally with no other change. Requests become API Gateway
REST (v1) proxy events — path and query parameters, multi-value headers, base64 bodies — invoked on the
same handler in this process; the handler's proxy response becomes the HTTP response. As `sam local
start-api` does, the API is served at the root (no stage prefix).

Authorizers are not run locally. For a route behind a Cognito user pool authorizer, the claims API
Gateway would pass come from the request's `Authorization` bearer token, which must be one of the
development tokens `claims_intake.api.auth.dev_claims` defines (`dev-staff`, `dev-provider-<NPI>`).
Anything else (no token, `garbage`, an unsigned `a.b.c`) gets no claims, so the API answers 401 as
API Gateway would: a local stack reachable from a network is not an open door. The staff API decides
what the claims allow, exactly as it would behind API Gateway.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from typing import Any, Callable

from werkzeug.wrappers import Request, Response

from .functions import FunctionError, FunctionRegistry
from .template import ApiRoute

TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript", "application/x-www-form")


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

    def __init__(self, routes: list[ApiRoute], registry: FunctionRegistry, region: str, account_id: str,
                 fallback: Callable | None = None, stage: str = "local"):
        # exact routes before parameterized, greedy ({proxy+}) last, as API Gateway matches them
        compiled = [_CompiledRoute(route) for route in routes]
        self.routes = sorted(compiled, key=lambda c: (c.greedy, c.route.path.count("{"), -len(c.route.path)))
        self.registry = registry
        self.region = region
        self.account_id = account_id
        self.fallback = fallback
        self.stage = stage

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
        event = self.event(route, parameters, request)
        try:
            result = self.registry.invoke(route.function_arn, event, source="apigateway")
        except FunctionError:
            return _json_response(502, {"message": "Internal server error"})
        return _proxy_response(result)

    def event(self, route: ApiRoute, parameters: dict[str, str], request: Request) -> dict[str, Any]:
        body = request.get_data()
        is_text = not body or any(request.mimetype.startswith(kind) for kind in TEXT_TYPES)
        query = request.args
        headers = {key: value for key, value in request.headers.items()}
        context: dict[str, Any] = {
            "accountId": self.account_id, "apiId": route.api.lower(), "stage": self.stage,
            "resourcePath": route.path, "httpMethod": request.method, "path": f"/{self.stage}{request.path}",
            "requestId": str(uuid.uuid4()), "requestTimeEpoch": int(time.time() * 1000),
            "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "identity": {"sourceIp": request.remote_addr or "127.0.0.1", "userAgent": request.user_agent.string},
        }
        if route.authorizer == "cognito_user_pools":
            context["authorizer"] = {"claims": token_claims(request.headers.get("Authorization"))}
        return {
            "resource": route.path, "path": request.path, "httpMethod": request.method,
            "headers": headers or None,
            "multiValueHeaders": {key: request.headers.getlist(key) for key in headers} or None,
            "queryStringParameters": {key: query.getlist(key)[-1] for key in query} or None,
            "multiValueQueryStringParameters": {key: query.getlist(key) for key in query} or None,
            "pathParameters": parameters or None, "stageVariables": None, "requestContext": context,
            "body": (body.decode() if is_text else base64.b64encode(body).decode()) if body else None,
            "isBase64Encoded": bool(body) and not is_text,
        }


def token_claims(authorization: str | None) -> dict[str, Any]:
    """The claims of a development token; {} (unauthorized) for no token or any other token."""
    from claims_intake.api.auth import dev_claims

    return dev_claims(authorization) or {}


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
