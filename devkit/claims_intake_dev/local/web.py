"""Serve the template's REST APIs and extra HTTP apps next to the local stack, on their own port.

- the REST APIs of template.yaml (functions' `Api` events), through api_gateway.ApiGatewayApp;
- a static folder at `/` (the staff page), index.html for `/`;
- a WSGI app at `mount` (default `/api`), or at `/` when there is no static folder.
API routes win; other paths go to the WSGI app or the static folder.

    server = WebServer(stack, app="claims_intake.api.local:app", static_dir=Path("web"), port=8080).start()
    ...
    server.stop()

Before the app is imported, the environment variables the template
gives its functions (table names, bucket, state machine ARN...) are set in this process, and boto3 already
points at the stack (AWS_ENDPOINT_URL), so the app finds its resources exactly as a handler would.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.shared_data import SharedDataMiddleware
from werkzeug.serving import make_server
from werkzeug.utils import redirect
from werkzeug.wrappers import Request

from .api_gateway import ApiGatewayApp
from .stack import LocalStack


def load_app(spec: str | Callable) -> Callable:
    """'package.module:attribute' -> the WSGI callable (a callable is returned as is)."""
    if callable(spec):
        return spec
    module_name, _, attribute = spec.partition(":")
    app = getattr(importlib.import_module(module_name), attribute or "app")
    if not callable(app):
        raise TypeError(f"{spec} is not a WSGI application")
    return app


def _not_found(environ, start_response):
    return NotFound()(environ, start_response)


def _index_redirect(static_dir: Path) -> Callable:
    def app(environ, start_response):
        request = Request(environ)
        if request.path == "/" and (static_dir / "index.html").is_file():
            return redirect("/index.html")(environ, start_response)
        return _not_found(environ, start_response)

    return app


class WebServer:
    def __init__(
        self,
        stack: LocalStack,
        *,
        app: str | Callable | None = None,
        static_dir: Path | None = None,
        mount: str = "/api",
        host: str = "127.0.0.1",
        port: int = 0,
        template_api: bool = True,
    ):
        self.stack = stack
        self.template_api = template_api
        self.app_spec = app
        self.static_dir = Path(static_dir) if static_dir else None
        self.mount = "/" + mount.strip("/") if mount.strip("/") else ""
        self.host = host
        self.requested_port = port
        self._server = None
        self._thread: threading.Thread | None = None

    def wsgi(self) -> Callable:
        for key, value in self.stack.function_environment().items():
            os.environ.setdefault(key, value)
        app = load_app(self.app_spec) if self.app_spec is not None else None
        static = (
            SharedDataMiddleware(_index_redirect(self.static_dir), {"/": str(self.static_dir)})
            if self.static_dir is not None
            else None
        )
        inner = DispatcherMiddleware(static, {self.mount or "/api": app}) if app and static else (app or static)
        routes = self.stack.plan.api_routes if self.template_api else []
        if routes:
            registry = self.stack.registry
            return ApiGatewayApp(
                routes,
                lambda arn, event: registry.invoke(arn, event, source="apigateway"),
                self.stack.region,
                self.stack.plan.account_id,
                fallback=inner,
            )
        if inner is None:
            raise ValueError("nothing to serve: no API in the template, no --app, no --static")
        return inner

    def start(self) -> WebServer:
        self._server = make_server(self.host, self.requested_port, self.wsgi(), threaded=True)
        self.port = self._server.server_port
        self.url = f"http://{self.host}:{self.port}"
        self.stack.allow_page_origin(self.url)  # the portal's browser posts files straight to the stack's S3
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-web", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
