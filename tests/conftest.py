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


def _reset_model_data_on_a_snapshot() -> None:
    """moto's reset_model_data walks its class registry while iterating it; a moto module imported for the first
    time by another thread at that moment (a thread still running from an earlier test) adds a class and the
    teardown of `mock_aws()` fails with "dictionary changed size during iteration". The same reset, over
    a snapshot of the registry."""
    from moto.core.model_instances import model_data

    for models in list(model_data.values()):
        for model in list(models.values()):
            model.instances_tracked = []  # type: ignore[attr-defined]


def pytest_configure(config):
    import moto.core.models

    moto.core.models.reset_model_data = _reset_model_data_on_a_snapshot
