"""Fixtures of the check tests: the sample reference data and history."""

import pytest

from claims_intake.reference import InMemoryHistory, load_history_csv, load_reference_dir

from .builders import SAMPLES


@pytest.fixture(scope="session")
def reference():
    return load_reference_dir(SAMPLES)


@pytest.fixture
def history():
    return load_history_csv(SAMPLES / "history.csv")


@pytest.fixture
def empty_history():
    return InMemoryHistory()
