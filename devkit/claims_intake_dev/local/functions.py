"""The template's Lambda functions, run in this process: the same `functions/<name>/app.py` handlers.

Each function's `app.py` is imported by path (as `sam local` would find it from `CodeUri` and `Handler`) with
its own environment variables from the template. Invocations are serialized by one lock, like one warm
Lambda execution environment per function: handlers need not be thread-safe, and a function's environment
variables are in `os.environ` only while it is being imported or invoked.
"""

from __future__ import annotations

import importlib.util
import io
import itertools
import logging
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from .template import Function

logger = logging.getLogger(__name__)


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: int
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


class FunctionError(Exception):
    """A handler raised: carries the error payload Lambda would return (errorMessage, errorType, stackTrace)."""

    def __init__(self, function: str, payload: dict[str, Any]):
        super().__init__(f"{function}: {payload['errorType']}: {payload['errorMessage']}")
        self.payload = payload


@dataclass
class Invocation:
    function: str
    source: str  # "sqs", "s3", "states", "direct"
    seconds: float
    error: str | None


class OutputSwitch(io.TextIOBase):
    """A stream handlers write to, whose target the running stack sets.

    Loggers keep the stream they saw when they were created (Powertools at import); they see this switch,
    so a later stack in the same process (tests) still gets its functions' lines in its own log."""

    def __init__(self, fallback: Callable[[], Any]):
        self.target = None
        self._fallback = fallback

    def write(self, text: str) -> int:
        return self._stream().write(text)

    def flush(self) -> None:
        self._stream().flush()

    def _stream(self) -> Any:
        if self.target is not None:
            return self.target
        stream = self._fallback()
        return stream if stream is not self else sys.__stdout__

    @property
    def encoding(self) -> str:
        return "utf-8"

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


FUNCTION_STDOUT = OutputSwitch(lambda: sys.stdout)  # no stack running: wherever stdout is now
FUNCTION_STDERR = OutputSwitch(lambda: sys.stderr)


def route_powertools_logs_to_the_switch() -> None:
    """Powertools loggers are process-wide, one per service name: a logger a handler module created
    before this stack (another test, an earlier stack) keeps the stream it saw then. Point them all at
    the switch, so the functions' lines reach the running stack's log."""
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    for logger in list(logging.Logger.manager.loggerDict.values()):
        for handler in getattr(logger, "handlers", []):
            if (
                type(handler) is logging.StreamHandler
                and isinstance(handler.formatter, LambdaPowertoolsFormatter)
                and handler.stream is not FUNCTION_STDOUT
            ):
                handler.setStream(FUNCTION_STDOUT)


_registries = itertools.count(1)


class FunctionRegistry:
    """Loads and invokes the template's functions by logical id, name or ARN.

    Each registry imports the handlers afresh (module-level clients and caches belong to one stack);
    `unload()` forgets them."""

    def __init__(self, functions: list[Function], base_environment: dict[str, str], log_stream: Any = None):
        self.functions = {function.logical_id: function for function in functions}
        self._by_name = {key: function for function in functions for key in (function.name, function.arn)}
        self._base_environment = base_environment
        self._handlers: dict[str, Callable] = {}
        self._lock = threading.RLock()
        self.invocations: list[Invocation] = []
        self.listeners: list[Callable[[Invocation], None]] = []
        self.serial = next(_registries)
        self._modules: list[str] = []
        # where handlers' stdout/stderr go (CloudWatch Logs' place); None: this process's streams
        FUNCTION_STDOUT.target = log_stream or sys.stdout
        FUNCTION_STDERR.target = log_stream or sys.stderr

    def find(self, name_or_arn: str) -> Function | None:
        """A function by logical id, name, ARN, or ARN with a version/alias qualifier."""
        if name_or_arn in self.functions:
            return self.functions[name_or_arn]
        if name_or_arn in self._by_name:
            return self._by_name[name_or_arn]
        parts = name_or_arn.split(":")
        if len(parts) == 8:  # arn:aws:lambda:region:account:function:name:qualifier
            return self._by_name.get(":".join(parts[:7]))
        return None

    def invoke(self, name_or_arn: str, event: Any, source: str = "direct") -> Any:
        """Run the handler synchronously; raises FunctionError with Lambda's error payload when it fails."""
        function = self.find(name_or_arn)
        if function is None:
            raise KeyError(f"no function {name_or_arn} in the template")
        error = None
        with self._lock, self._environment(function), self._output():
            started = time.monotonic()  # after the lock: the handler's own time
            handler = self._handler(function)
            context = LambdaContext(function.name, function.arn, function.memory, function.timeout)
            try:
                return handler(event, context)
            except Exception as exc:  # Lambda turns any exception into an error payload
                error = f"{type(exc).__name__}: {exc}"
                raise FunctionError(
                    function.logical_id,
                    {
                        "errorMessage": str(exc),
                        "errorType": type(exc).__name__,
                        "stackTrace": traceback.format_tb(exc.__traceback__),
                    },
                ) from exc
            finally:
                record = Invocation(function.logical_id, source, time.monotonic() - started, error)
                self.invocations.append(record)
                for listener in self.listeners:
                    listener(record)

    def environment_frozen(self) -> threading.RLock:
        """`with registry.environment_frozen(): ...`: no function's variables come or go from os.environ
        meanwhile. Creating a boto3 client reads the whole environment (proxy settings); a variable removed
        half-way makes it raise KeyError, so threads other than the handlers' create clients under this."""
        return self._lock

    def load_all(self) -> None:
        """Import every handler now, so import errors show when the stack starts, not on the first event."""
        for function in self.functions.values():
            with self._lock, self._environment(function), self._output():
                self._handler(function)

    def _handler(self, function: Function) -> Callable:
        if function.logical_id not in self._handlers:
            module_name, _, attribute = function.handler.rpartition(".")
            module = _import_by_path(function, module_name, f"_local_lambda_{self.serial}_{function.logical_id}")
            self._modules.append(module.__name__)
            self._handlers[function.logical_id] = getattr(module, attribute)
            route_powertools_logs_to_the_switch()
        return self._handlers[function.logical_id]

    def unload(self) -> None:
        for name in self._modules:
            sys.modules.pop(name, None)
        self._modules.clear()
        self._handlers.clear()
        FUNCTION_STDOUT.target = FUNCTION_STDERR.target = None

    @contextmanager
    def _output(self) -> Iterator[None]:
        """Handlers' prints and log lines (Powertools writes JSON to stdout) go to the log stream, as
        Lambda sends them to CloudWatch Logs."""
        with redirect_stdout(FUNCTION_STDOUT), redirect_stderr(FUNCTION_STDERR):
            yield
        FUNCTION_STDOUT.flush()

    @contextmanager
    def _environment(self, function: Function) -> Iterator[None]:
        variables = {
            **self._base_environment,
            **function.environment,
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        }
        saved = {key: os.environ.get(key) for key in variables}
        os.environ.update(variables)
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _import_by_path(function: Function, module_name: str, prefix: str) -> ModuleType:
    path = function.code_dir.joinpath(*module_name.split(".")).with_suffix(".py")
    if not path.is_file():
        raise FileNotFoundError(f"{function.logical_id}: handler module {path} not found (Handler {function.handler})")
    unique_name = f"{prefix}_{module_name.replace('.', '_')}"
    spec = importlib.util.spec_from_file_location(unique_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[unique_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[unique_name]
        raise
    return module
