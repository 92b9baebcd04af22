"""The embedded local AWS: moto's server in this process, holding what template.yaml declares.

    with LocalStack() as stack:
        s3 = stack.client("s3")
        s3.put_object(Bucket=stack.bucket(), Key="uploads/1456700016/claim.pdf", Body=...)
        stack.wait_until_settled()

Starting the stack: moto's ThreadedMotoServer on 127.0.0.1 (a free port unless one is given), Step Functions
set to execute state machines, the template read and translated (template.py), its buckets, queues, tables,
topics and state machines created through the AWS APIs, its functions imported (functions.py), one SQS poller
per event source mapping (event_source.py), S3 notifications wired to queues and in-process functions
(s3_events.py) and Step Functions' Lambda tasks answered in process (inprocess_lambda.py, on boto3's
default session, which moto's Step Functions interpreter uses).

While the stack runs, this process's boto3 talks to it: AWS_ENDPOINT_URL points at the server and the
credentials are fake (restored on stop), so nothing can reach a real AWS account.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.request
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from .event_source import SqsPoller
from .functions import FunctionError, FunctionRegistry
from .inprocess_lambda import InProcessLambda
from .s3_events import AsyncInvoker, S3Notifications
from .template import StackPlan, build_plan

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_TEMPLATE = REPO_ROOT / "template.yaml"
DEFAULT_REGION = "us-west-2"
ACCOUNT_ID = "123456789012"  # moto's default account
PARKED_EVENTS = {"TaskSubmitted", "WaitStateEntered"}  # an execution waiting for a task token or a Wait state

_FAKE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_SECURITY_TOKEN": "local",
}


class LocalStack:
    def __init__(
        self,
        template: Path = DEFAULT_TEMPLATE,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = DEFAULT_REGION,
        stack_name: str = "claims-intake-local",
        parameters: dict[str, str] | None = None,
        async_retry_delays: tuple[float, ...] = (60.0, 120.0),
        poll_seconds: int = 1,
        extra_environment: dict[str, str] | None = None,
        function_log: Path | None = None,
    ):
        self.template = Path(template)
        self.host = host
        self.requested_port = port
        self.region = region
        self.stack_name = stack_name
        self.parameters = parameters or {}
        self.async_retry_delays = async_retry_delays
        self.poll_seconds = poll_seconds
        self.extra_environment = extra_environment or {}
        self.function_log = Path(function_log) if function_log else None  # handlers' output; None: this process's
        self.plan: StackPlan | None = None
        self.registry: FunctionRegistry | None = None
        self.pollers: list[SqsPoller] = []
        self.queue_urls: dict[str, str] = {}
        self._server = None
        self._saved_environment: dict[str, str | None] = {}
        self._teardown: list[Callable[[], None]] = []

    # -- lifecycle --------------------------------------------------------------------------------------------
    def start(self) -> LocalStack:
        from moto.server import ThreadedMotoServer

        from claims_intake_dev.moto_speedup import speed_up_moto

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request otherwise
        speed_up_moto()  # moto's transactions, queries, flows and responses: cost flat as tables grow
        _require_free_port(self.host, self.requested_port)  # moto's server would wait forever for a busy port
        try:
            self._server = ThreadedMotoServer(ip_address=self.host, port=self.requested_port, verbose=False)
            self._server.start()
            self._teardown.append(self._server.stop)
            self.port = self._server.get_host_and_port()[1]
            self.endpoint = f"http://{self.host}:{self.port}"
            self._set_environment(
                {
                    **_FAKE_ENVIRONMENT,
                    "AWS_DEFAULT_REGION": self.region,
                    "AWS_REGION": self.region,
                    "AWS_ENDPOINT_URL": self.endpoint,
                    "MOTO_PORT": str(self.port),
                    **self.extra_environment,
                }
            )
            self._moto_api("reset", {})
            self._moto_api("config", {"stepfunctions": {"execute_state_machine": True}})
            self.plan = build_plan(
                self.template,
                endpoint=self.endpoint,
                region=self.region,
                account_id=ACCOUNT_ID,
                stack_name=self.stack_name,
                parameters=self.parameters,
            )
            log_stream = None
            if self.function_log:
                self.function_log.parent.mkdir(parents=True, exist_ok=True)
                log_stream = self.function_log.open("a", encoding="utf-8")
                self._teardown.append(log_stream.close)
            self.registry = FunctionRegistry(
                self.plan.functions,
                {"AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region, "AWS_ENDPOINT_URL": self.endpoint},
                log_stream=log_stream,
            )
            self._teardown.append(self.registry.unload)
            self._wire_functions()
            self._create_resources()
            self.registry.load_all()
            self._start_pollers()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        while self._teardown:
            step = self._teardown.pop()
            try:
                step()
            except Exception:  # keep tearing down the rest
                logger.exception("local stack: teardown step failed")
        for key, value in self._saved_environment.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_environment = {}

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def fire_schedule(self, logical_id: str | None = None, time: datetime | None = None) -> list[Any]:
        """Run a schedule's target functions now, with the event EventBridge sends (every schedule if none is
        named); returns what each handler returned. Nothing fires by the clock locally: the caller decides."""
        moment = (time or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        results = []
        for schedule in self.plan.schedules:
            if logical_id not in (None, schedule.logical_id) or not schedule.enabled:
                continue
            rule_arn = f"arn:aws:events:{self.region}:{ACCOUNT_ID}:rule/{schedule.logical_id}"
            event = {
                "version": "0",
                "id": str(uuid.uuid4()),
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "account": ACCOUNT_ID,
                "time": moment,
                "region": self.region,
                "resources": [rule_arn],
                "detail": {},
            }
            results += [self.registry.invoke(arn, event, source="events") for arn in schedule.function_arns]
        return results

    # -- access -----------------------------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        with self.registry.environment_frozen() if self.registry else nullcontext():
            return boto3.client(
                service,
                region_name=self.region,
                endpoint_url=self.endpoint,
                aws_access_key_id="local",
                aws_secret_access_key="local",
                config=Config(retries={"max_attempts": 2, "mode": "standard"}),
            )

    def physical_name(self, logical_id: str) -> str:
        return self.plan.physical_names()[logical_id]

    def bucket(self, logical_id: str | None = None) -> str:
        """A bucket's name; without a logical id, the bucket whose notifications feed a queue or function."""
        if logical_id:
            return self.physical_name(logical_id)
        for bucket in self.plan.buckets:
            notifications = bucket.properties.get("NotificationConfiguration") or {}
            if notifications.get("QueueConfigurations") or notifications.get("LambdaConfigurations"):
                return bucket.name
        raise LookupError("no bucket in the template has event notifications")

    def allow_page_origin(self, origin: str) -> None:
        """Let a page served on `origin` (the local web server) post to the buckets the template gives CORS
        rules: the local stand-in for the StaffSiteOrigin parameter, whose port is known only once bound."""
        from .resources import page_origin_cors

        s3 = self.client("s3")
        for bucket in self.plan.buckets:
            rules = page_origin_cors(bucket.properties, origin)
            if rules:
                s3.put_bucket_cors(Bucket=bucket.name, CORSConfiguration={"CORSRules": rules})

    def function_environment(self) -> dict[str, str]:
        """Every environment variable the template gives its functions (table names, ARNs...)."""
        merged: dict[str, str] = {}
        for function in self.plan.functions:
            merged.update(function.environment)
        return merged

    # -- waiting ----------------------------------------------------------------------------------------------
    def is_settled(self) -> bool:
        """No message queued or in flight, no handler running, no asynchronous event pending, and every running
        execution parked (waiting for a task token or in a Wait state)."""
        if self._async_invoker.pending or any(poller.busy for poller in self.pollers):
            return False
        sqs = self.client("sqs")
        for poller in self.pollers:
            attributes = sqs.get_queue_attributes(
                QueueUrl=poller.queue_url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                    "ApproximateNumberOfMessagesDelayed",
                ],
            )["Attributes"]
            if any(int(value) for value in attributes.values()):
                return False
        return not self.busy_executions()

    def busy_executions(self) -> list[str]:
        sfn = self.client("stepfunctions")
        busy = []
        pages = sfn.get_paginator("list_executions")
        for machine in self.plan.state_machines:
            running = (
                execution
                for page in pages.paginate(stateMachineArn=machine.arn, statusFilter="RUNNING")
                for execution in page["executions"]
            )
            for execution in running:
                # the whole history, last event last (moto ignores reverseOrder)
                events = sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
                if not events or events[-1]["type"] not in PARKED_EVENTS:
                    busy.append(execution["executionArn"])
        return busy

    def wait_until_settled(self, timeout: float = 300, quiet_checks: int = 2, interval: float = 0.25) -> None:
        """Block until is_settled() holds `quiet_checks` times in a row; TimeoutError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < quiet_checks:
            if time.monotonic() > deadline:
                raise TimeoutError(f"local stack still busy after {timeout:.0f} s")
            quiet = quiet + 1 if self.is_settled() else 0
            time.sleep(interval)

    # -- setup ------------------------------------------------------------------------------------------------
    def _set_environment(self, variables: dict[str, str]) -> None:
        for key, value in variables.items():
            self._saved_environment.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def _moto_api(self, action: str, body: dict) -> None:
        request = urllib.request.Request(
            f"{self.endpoint}/moto-api/{action}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def _freeze_environment_for_flow_clients(self) -> None:
        """moto's Step Functions threads create a Lambda client per task: under the registry's environment
        lock, as LocalStack.client does (see FunctionRegistry.environment_frozen)."""
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

        original = lambda_eval_utils.boto_client_for
        registry = self.registry

        def boto_client_for(*args, **kwargs):
            with registry.environment_frozen():
                return original(*args, **kwargs)

        lambda_eval_utils.boto_client_for = boto_client_for
        self._teardown.append(lambda: setattr(lambda_eval_utils, "boto_client_for", original))

    def _wire_functions(self) -> None:
        lambdas = InProcessLambda(region=self.region, account=ACCOUNT_ID)
        for function in self.plan.functions:
            lambdas.add(function.arn, _served_by(self.registry, function.logical_id))
        lambdas.install()
        self._teardown.append(lambdas.uninstall)
        self._freeze_environment_for_flow_clients()
        self._async_invoker = AsyncInvoker(self.registry, self.async_retry_delays)
        self._async_invoker.start()
        self._teardown.append(self._async_invoker.stop)
        notifications = S3Notifications(self.registry, self._async_invoker)
        notifications.install()
        self._teardown.append(notifications.uninstall)

    def _create_resources(self) -> None:
        from . import resources

        resources.create_all(self, self.plan)
        self._teardown.append(lambda: self._moto_api("reset", {}))

    def _start_pollers(self) -> None:
        sqs = self.client("sqs")
        for mapping in self.plan.event_source_mappings:
            if not mapping.enabled:
                continue
            queue_name = mapping.queue_arn.split(":")[-1]
            poller = SqsPoller(
                mapping, sqs, self.queue_urls[queue_name], self.region, self.registry, poll_seconds=self.poll_seconds
            )
            poller.start()
            self.pollers.append(poller)
            self._teardown.append(poller.stop)


def _served_by(registry: FunctionRegistry, logical_id: str):
    """A handler for InProcessLambda that runs the function through the registry (its environment and
    context) and re-raises the handler's own exception, whose class name Step Functions' Retry and Catch see."""

    def handler(event, _context):
        try:
            return registry.invoke(logical_id, event, source="states")
        except FunctionError as error:
            raise (error.__cause__ or error) from None

    return handler


def port_in_use(host: str, port: int) -> bool:
    """Something already listens on host:port (port 0 asks for any free port: never in use)."""
    import socket

    if not port:
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def _require_free_port(host: str, port: int) -> None:
    if port_in_use(host, port):
        raise OSError(f"port {port} on {host} is in use: stop what uses it or choose another port")
