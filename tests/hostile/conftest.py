"""Hostile uploads, built once per test session (some take a second or two to make)."""

from functools import cache

import pytest

from claims_intake_dev.testdata import hostile


@cache
def hostile_bytes(name: str) -> bytes:
    return hostile.CASES[name].build()


@pytest.fixture
def write_case(tmp_path):
    """write_case(name) -> path of the hostile file under its provider-given name."""

    def write(name: str):
        case = hostile.CASES[name]
        path = tmp_path / case.filename
        path.write_bytes(hostile_bytes(name))
        return path

    return write
