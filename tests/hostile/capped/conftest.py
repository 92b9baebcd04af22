"""Fixtures of the capped property tests: the moto API stack of tests/api, and fresh claims on it."""

import itertools

import pytest

from tests.api.conftest import aws, clock, services  # noqa: F401  (the API stack, reused)
from tests.api.queue_factories import queued

_numbers = itertools.count(1)


@pytest.fixture
def new_claim(services):
    """new_claim() -> (claim id, open item id): a fresh claim for each Hypothesis example (the stack is
    shared by a test's examples; what one example changed must not be what the next one looks at)."""

    def make():
        claim_id = f"C-{next(_numbers)}"
        return claim_id, queued(services, claim_id).item_id

    return make
