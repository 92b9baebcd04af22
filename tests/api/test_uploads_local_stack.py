"""A provider's upload through the API on the whole local stack: the presigned POST goes to the stack's S3,
whose notification drives the unchanged intake; the upload record names who sent it and the claims read."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from claims_intake.api import resolver
from claims_intake.api.service import Services

from .conftest import call, provider_claims

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = "1456700032/kp/valley-lead-2026-10.csv"  # two claims (samples/uploads/expected.json)
NPI = "1456700032"


@contextmanager
def logging_restored() -> Iterator[None]:
    """The stack imports the functions in process; their Powertools loggers print to stdout at INFO. Put the
    loggers back as they were, so later tests that read a command's stdout see only the command's output."""
    loggers = logging.Logger.manager.loggerDict
    saved = {
        name: (logger.handlers[:], logger.level, logger.propagate)
        for name, logger in loggers.items()
        if isinstance(logger, logging.Logger)
    }
    root = (logging.root.handlers[:], logging.root.level)
    try:
        yield
    finally:
        for name, logger in list(loggers.items()):
            if isinstance(logger, logging.Logger):
                handlers, level, propagate = saved.get(name, ([], logging.NOTSET, True))
                logger.handlers[:] = handlers
                logger.setLevel(level)
                logger.propagate = propagate
                if name not in saved:  # a Powertools logger made here: the next Logger() sets it up anew
                    for mark in ("init", "powertools_handler"):
                        logger.__dict__.pop(mark, None)
        logging.root.handlers[:] = root[0]
        logging.root.setLevel(root[1])


@pytest.fixture(scope="module")
def local_stack():
    from claims_intake_dev.local import demo
    from claims_intake_dev.local.stack import LocalStack

    with logging_restored(), LocalStack() as stack:
        demo.load_reference(stack)
        store = demo.store_for(stack)
        resolver.use_services(
            Services(
                store=store, s3=stack.client("s3"), sfn=stack.client("stepfunctions"), uploads_bucket=stack.bucket()
            )
        )
        try:
            yield stack
        finally:
            resolver.use_services(None)


def wait_for_upload(claims: dict, key: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, page = call("GET", "/api/uploads", claims)
        assert status == 200, page
        listed = next((item for item in page["items"] if item["key"] == key), None)
        if listed and listed["status"] not in ("REQUESTED", "RECEIVED"):
            return listed
        time.sleep(0.5)
    raise AssertionError(f"{key} was not read within {timeout}s")


@pytest.mark.slow
def test_a_presigned_upload_is_read_by_the_intake_on_the_local_stack(local_stack):
    provider = provider_claims(NPI)
    status, presigned = call(
        "POST",
        "/api/uploads",
        provider,
        body={"file_name": "valley-lead-2026-10.csv", "content_type": "text/csv", "plan": "kp"},
    )
    assert status == 200, presigned
    content = (ROOT / "samples" / "uploads" / SAMPLE).read_bytes()
    response = requests.post(
        presigned["url"], data=presigned["fields"], files={"file": ("valley-lead-2026-10.csv", content)}, timeout=30
    )
    assert response.status_code in (200, 204), response.text
    listed = wait_for_upload(provider, presigned["key"])
    assert listed["status"] == "PROCESSED", listed
    assert listed["sent_by"] == provider["cognito:username"]
    assert listed["plan"] == "kp" and listed["kind"] == "csv" and len(listed["claim_ids"]) == 2
    assert call("GET", "/api/uploads", provider_claims("1456700016"))[1]["items"] == []
    local_stack.wait_until_settled(timeout=120)
