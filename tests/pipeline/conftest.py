import pytest
from moto import mock_aws

from claims_intake_dev.moto_speedup import speed_up_moto

from .stack import ROOT, build_stack, load_handler


@pytest.fixture
def stack(monkeypatch):
    with mock_aws():
        yield build_stack(monkeypatch)


@pytest.fixture
def intake_app(stack):
    return load_handler("intake")  # a fresh module: its cached clients belong to this test's mock


@pytest.fixture
def reference_app(stack):
    return load_handler("reference_loader")


@pytest.fixture
def reference_loaded(stack, reference_app):
    """samples/reference/*.csv uploaded to reference/ and loaded by the loader Lambda."""
    for path in sorted((ROOT / "samples" / "reference").glob("*.csv")):
        stack.upload(f"reference/{path.name}", path.read_bytes())
    responses = stack.poll("reference", reference_app.lambda_handler)
    assert all(not r["batchItemFailures"] for r in responses)
    return stack


speed_up_moto()  # otherwise moto's transactions and queries cost more as tables grow (see the module)
