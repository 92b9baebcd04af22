"""functions/api/app.py on its sample event (events/api_get_queue.json, usable with `sam local invoke -e`)."""

import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import boto3

from claims_intake.api import resolver
from claims_intake.store import Tables
from claims_intake_dev.local.moto_stack import create_tables

from .queue_factories import queued

ROOT = Path(__file__).resolve().parents[2]


def load_handler():
    spec = importlib.util.spec_from_file_location("api_app", ROOT / "functions" / "api" / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lambda_handler


def test_the_handler_answers_its_sample_event_with_resources_from_the_environment(aws, monkeypatch, clock):
    create_tables(boto3.client("dynamodb", region_name="us-west-2"), Tables(claims="claims-dev"))
    monkeypatch.setenv("CLAIMS_TABLE", "claims-dev")
    monkeypatch.setenv("UPLOADS_BUCKET", "uploads-dev")
    resolver.use_services(None)
    try:
        queued(resolver.services(), "C-1")
        context = SimpleNamespace(
            function_name="api",
            memory_limit_in_mb=1536,
            aws_request_id="r-1",
            invoked_function_arn="arn:aws:lambda:us-west-2:123456789012:function:api",
        )
        event = json.loads((ROOT / "events" / "api_get_queue.json").read_text())
        response = load_handler()(event, context)
        assert response["statusCode"] == 200
        items = json.loads(response["body"])["items"]
        assert [item["claim_id"] for item in items] == ["C-1"]
    finally:
        resolver.use_services(None)


def test_no_phi_reaches_the_logs(aws, monkeypatch, clock, capsys, caplog):
    """A staff session through the Lambda handler, with member names, CIN and birth date in requests
    and answers: none of it is logged (Powertools logs go to stdout)."""
    create_tables(boto3.client("dynamodb", region_name="us-west-2"), Tables(claims="claims-dev"))
    monkeypatch.setenv("CLAIMS_TABLE", "claims-dev")
    monkeypatch.setenv("UPLOADS_BUCKET", "uploads-dev")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    resolver.use_services(None)
    try:
        queued(resolver.services(), "C-1")
        handler = load_handler()
        context = SimpleNamespace(
            function_name="api",
            memory_limit_in_mb=1536,
            aws_request_id="r-2",
            invoked_function_arn="arn:aws:lambda:us-west-2:123456789012:function:api",
        )
        base = json.loads((ROOT / "events" / "api_get_queue.json").read_text())
        requests = [
            ("GET", "/api/claims/C-1", None),
            ("PATCH", "/api/claims/C-1/values", {"element": "member_last_name", "value": "Quintanilla"}),
            ("PATCH", "/api/claims/C-1/values", {"element": "member_dob", "value": "03/14/1957"}),
            ("PATCH", "/api/claims/C-1/values", {"element": "member_cin", "value": "not a cin at all 1957"}),
        ]
        for method, path, body in requests:
            event = {
                **base,
                "httpMethod": method,
                "path": path,
                "queryStringParameters": None,
                "multiValueQueryStringParameters": None,
                "body": json.dumps(body) if body else None,
            }
            assert handler(event, context)["statusCode"] in (200, 400)
    finally:
        resolver.use_services(None)
    logged = capsys.readouterr().out + capsys.readouterr().err + caplog.text
    for phi in ("Rosalind", "Quintero", "Quintanilla", "9123456A", "1957", "not a cin"):
        assert phi not in logged, phi
