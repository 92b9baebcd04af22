"""Limits live in configuration (data/limits.yaml), an environment variable overrides each, and
docs/limits.md documents every one of them with its override."""

import dataclasses
from pathlib import Path

import pytest

from claims_intake.extract import IntakeError, extract_bytes
from claims_intake.limits import Limits, default_limits
from claims_intake_dev.testdata import hostile

ROOT = Path(__file__).resolve().parents[2]


def test_every_limit_is_documented_with_its_override():
    text = (ROOT / "docs" / "limits.md").read_text("utf-8")
    for field in dataclasses.fields(Limits):
        assert f"`{field.name}`" in text and f"`CLAIMS_INTAKE_{field.name.upper()}`" in text, field.name


def test_an_environment_variable_overrides_a_limit(monkeypatch):
    invoice = hostile.good_invoice_csv()
    configured = default_limits().max_sheet_rows
    assert extract_bytes(invoice, "invoice.csv").claims
    monkeypatch.setenv("CLAIMS_INTAKE_MAX_SHEET_ROWS", "1")
    default_limits.cache_clear()
    try:
        assert default_limits().max_sheet_rows == 1
        with pytest.raises(IntakeError) as error:
            extract_bytes(invoice, "invoice.csv")
        assert error.value.code == "too_many_rows" and "1-row limit" in error.value.message
    finally:
        monkeypatch.delenv("CLAIMS_INTAKE_MAX_SHEET_ROWS")
        default_limits.cache_clear()
    assert default_limits().max_sheet_rows == configured > 1
