"""The writer's own rules: safe text, X12 numbers, service dates, envelopes, at most 5000 claims a transaction."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from claims_intake.encounters import x12
from claims_intake_dev.x12_validation import validate_x12

from .test_encounter_files import encounters_of


@pytest.mark.parametrize(
    "raw, limit, expected",
    [
        ("Peña Housing Partners, LLC", 60, "PENA HOUSING PARTNERS, LLC"),
        ("Lopez*Star~Tilde:Colon^Caret", 60, "LOPEZ STAR TILDE COLON CARET"),  # delimiters never reach the file
        ("  O'Brien   &  Sons ", 60, "O'BRIEN & SONS"),
        ("Nguyễn Văn", 35, "NGUYEN VAN"),
        ("x" * 80, 60, "X" * 60),
        (None, 10, ""),
    ],
)
def test_text_is_upper_case_x12_characters_cut_to_the_element(raw, limit, expected):
    assert x12.text(raw, limit) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (Decimal("150.00"), "150"),
        (Decimal("1.50"), "1.5"),
        (Decimal("0.01"), "0.01"),
        (Decimal("100"), "100"),
        (Decimal("1E+2"), "100"),
        (Decimal("0.00"), "0"),
        (Decimal("-12.30"), "-12.3"),
        (7, "7"),
    ],
)
def test_numbers_have_no_exponent_and_no_trailing_zeros(value, expected):
    assert x12.number(value) == expected


def test_one_day_is_d8_and_a_span_rd8():
    assert x12.service_dates(date(2026, 10, 1), None) == ("D8", "20261001")
    assert x12.service_dates(date(2026, 10, 1), date(2026, 10, 1)) == ("D8", "20261001")
    assert x12.service_dates(date(2026, 10, 1), date(2026, 10, 14)) == ("RD8", "20261001-20261014")


def test_trailing_empty_elements_are_dropped():
    assert x12._join(("SV1", "HC:G9008:U1", "100", "UN", "1", "", "", "")) == "SV1*HC:G9008:U1*100*UN*1~\n"


def test_more_than_5000_claims_split_into_transactions_that_each_validate(monkeypatch):
    monkeypatch.setattr(x12, "MAX_CLAIMS_PER_TRANSACTION", 7)
    encounters = encounters_of(40, seed=77)
    plan = encounters[0].plan
    same_plan = [e for e in encounters if e.plan == plan]
    assert len(same_plan) > 7
    text = _interchange(same_plan)
    transactions = [line for line in text.splitlines() if line.startswith("ST*")]
    assert len(transactions) == -(-len(same_plan) // 7)
    assert text.count("CLM*") == len(same_plan)
    assert validate_x12(text).errors == []


def _interchange(encounters):
    from claims_intake.encounters import write_encounters

    class Counter:
        def take(self, count):
            return list(range(500, 500 + count))

    return write_encounters(encounters, Counter(), created=datetime(2026, 11, 2, 9, 30)).text
