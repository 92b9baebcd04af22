import os

# Tests never reach AWS: moto answers, and no real credentials are ever picked up.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-west-2")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "ClaimsIntakeTest")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "claims-intake")
os.environ.setdefault("SAM_CLI_TELEMETRY", "0")

import logging

import pytest

POWERTOOLS_MARKS = ("init", "powertools_handler")


@pytest.fixture(autouse=True)
def powertools_loggers_set_up_anew():
    """A test (or a module fixture's teardown) that restores a logger's handlers can leave Powertools' marks on it
    without its handler; the next `Logger()` of that service then fails on `handlers[0]`. Before each test, such a
    logger is set up anew."""
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if not isinstance(logger, logging.Logger):
            continue
        handler = getattr(logger, "powertools_handler", None)
        if handler is not None and handler not in logger.handlers:
            for mark in POWERTOOLS_MARKS:
                logger.__dict__.pop(mark, None)
    yield
