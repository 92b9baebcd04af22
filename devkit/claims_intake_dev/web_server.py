"""The staff page and the /api routes on localhost: a WSGI app for `claims-intake serve` and tests.

    from claims_intake_dev.web_server import make_wsgi_app, serve_in_thread
    app = make_wsgi_app(services)               # mount in any WSGI server, or:
    server, url = serve_in_thread(services, port=8080)   # threaded, until server.shutdown()

- `/` and `/static/...`: the page (claims_intake/web/static), exactly the files S3 serves in AWS;
  `/portal.html`: the provider portal, its sibling page (sign-in with `dev-provider-<NPI>` tokens).
- `/config.json`: tells the page where the API is and that it signs in with the development token.
- `/api/...`: the template's route (`/api/{proxy+}`, Cognito authorizer) through the development kit's one
  API Gateway adapter (local/api_gateway.py) to the SAME resolver the Lambda function runs
  (claims_intake.api.resolver.app); the development token in `Authorization: Bearer ...` becomes the
  authorizer claims API Gateway's Cognito authorizer would put there (dev_auth.dev_claims). Nothing else is
  accepted as a token.

Bind it to 127.0.0.1 only: the development token is not a secret.
"""

from __future__ import annotations

import json
import mimetypes
import threading
import uuid
from collections.abc import Callable, Iterable
from http import HTTPStatus
from socketserver import ThreadingMixIn
from types import SimpleNamespace
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from claims_intake.api import resolver
from claims_intake.web import PAGES, STATIC

from .dev_auth import dev_claims, dev_staff_token
from .local.api_gateway import ApiGatewayApp
from .local.template import ApiRoute

REGION, ACCOUNT = "us-west-2", "000000000000"
RESOLVER_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:claims-intake-api-local"
STAFF_API = ApiRoute(
    api="StaffApi", path="/api/{proxy+}", method="ANY", function_arn=RESOLVER_ARN, authorizer="cognito_user_pools"
)  # template.yaml's ApiFunction event


def _lambda_context() -> SimpleNamespace:
    return SimpleNamespace(
        function_name="claims-intake-api-local",
        memory_limit_in_mb=1024,
        invoked_function_arn=RESOLVER_ARN,
        aws_request_id=str(uuid.uuid4()),
        get_remaining_time_in_millis=lambda: 30000,
    )


def _respond(start_response, status: int, headers: dict[str, str], body: bytes) -> Iterable[bytes]:
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
    start_response(f"{status} {reason}", [*headers.items(), ("Content-Length", str(len(body)))])
    return [body]


def make_wsgi_app(services=None, dev_token: str | None = None) -> Callable:
    """The page and the API as one WSGI application (services: claims_intake.api.service.Services)."""
    if services is not None:
        resolver.use_services(services)
    config = json.dumps({"apiRoot": "", "auth": "dev", "devToken": dev_token or dev_staff_token()}).encode()
    # One request at a time through the resolver, as one warm Lambda instance takes one event at a
    # time: the resolver keeps the current event and route on itself (the page asks in parallel).
    one_at_a_time = threading.Lock()

    def resolve(_arn: str, event: dict[str, Any]) -> dict[str, Any]:
        with one_at_a_time:
            return resolver.app.resolve(event, _lambda_context())

    def page(environ, start_response):
        if environ.get("PATH_INFO", "/") == "/config.json":
            return _respond(
                start_response, 200, {"Content-Type": "application/json", "Cache-Control": "no-store"}, config
            )
        return _static(environ.get("PATH_INFO", "/"), start_response)

    return ApiGatewayApp([STAFF_API], resolve, REGION, ACCOUNT, fallback=page, claims_for=dev_claims)


def _static(path: str, start_response) -> Iterable[bytes]:
    page = "index.html" if path == "/" else path.removeprefix("/")
    name = page if page in PAGES else path.removeprefix("/static/")
    if (page not in PAGES and not path.startswith("/static/")) or ".." in name or name.startswith("/"):
        return _respond(start_response, 404, {"Content-Type": "text/plain"}, b"not found")
    target = STATIC.joinpath(name)
    if not target.is_file():
        return _respond(start_response, 404, {"Content-Type": "text/plain"}, b"not found")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type in ("application/javascript",):
        content_type += "; charset=utf-8"
    return _respond(
        start_response, 200, {"Content-Type": content_type, "Cache-Control": "no-cache"}, target.read_bytes()
    )


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # request lines would carry claim ids; keep the console clean
        pass


def serve_in_thread(
    services=None, host: str = "127.0.0.1", port: int = 0, dev_token: str | None = None
) -> tuple[WSGIServer, str]:
    """Start the page and API on host:port (0: any free port) in a daemon thread; returns (server, base URL)."""
    server = make_server(
        host, port, make_wsgi_app(services, dev_token), server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="claims-intake-web", daemon=True)
    thread.start()
    return server, f"http://{host}:{server.server_port}"


# `claims-intake serve --app claims_intake_dev.web_server:app`: the page, config.json and the API, with the
# resources found from the environment (CLAIMS_TABLE, UPLOADS_BUCKET, AWS_ENDPOINT_URL) on first request.
app = make_wsgi_app()
