"""Format validators for the DHCS elements (csv notes column; seed 000 Tables 1-4)."""

from decimal import Decimal

import pytest

from claims_intake import validators as v
from claims_intake.normalize import parse_money, parse_units


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1679576722"])
def test_npi_with_right_check_digit(npi):
    assert v.is_valid_npi(npi)


@pytest.mark.parametrize("npi", ["1234567890", "123456789", "12345678931", "3234567893", "12345A7893", ""])
def test_npi_wrong_digit_length_or_prefix(npi):
    assert not v.is_valid_npi(npi)


def test_npi_check_digit_is_computed_with_80840_prefix():
    assert v.npi_check_digit("123456789") == "3"
    assert v.luhn_valid("80840" + "1234567893")


@pytest.mark.parametrize(
    "tin,ok",
    [("941234567", True), ("012345678", True), ("94123456", False), ("94-1234567", False), ("000000000", False)],
)
def test_tin(tin, ok):
    assert v.is_valid_tin(tin) is ok


@pytest.mark.parametrize(
    "cin,ok",
    [
        ("91234567A", True),
        ("12345678Z", True),
        ("912345678", False),
        ("9123456A", False),
        ("A12345678", False),
        ("91234567a", False),
    ],
)
def test_medi_cal_cin(cin, ok):
    assert v.is_valid_cin(cin) is ok


@pytest.mark.parametrize(
    "zip_code,ok", [("95814", True), ("958141234", True), ("9581", False), ("95814-1234", False), ("ABCDE", False)]
)
def test_zip(zip_code, ok):
    assert v.is_valid_zip(zip_code) is ok


@pytest.mark.parametrize(
    "phone,ok", [("9165551234", True), ("916555123", False), ("0165551234", False), ("91655512345", False)]
)
def test_phone(phone, ok):
    assert v.is_valid_phone(phone) is ok


@pytest.mark.parametrize(
    "pos,ok", [("04", True), ("12", True), ("99", True), ("4", False), ("00", False), ("A4", False)]
)
def test_place_of_service(pos, ok):
    assert v.is_valid_pos(pos) is ok


@pytest.mark.parametrize(
    "code,ok", [("G9008", True), ("T1016", True), ("g9008", False), ("99213", False), ("G900", False), ("GG008", False)]
)
def test_hcpcs(code, ok):
    assert v.is_valid_hcpcs(code) is ok


@pytest.mark.parametrize(
    "code,ok",
    [
        ("Z5901", True),
        ("Z590", True),
        ("Z59", True),
        ("F1020", True),
        ("Z59.01", False),
        ("2590", False),
        ("U071", False),
        ("Z", False),
    ],
)
def test_icd10_cm(code, ok):
    assert v.is_valid_icd10(code) is ok


def test_format_problem_says_what_is_expected():
    assert v.format_problem("cin", "91234567A") is None
    assert "8 digits then a letter" in v.format_problem("cin", "912345678")


@pytest.mark.parametrize("text", ["NAN", "nan", "Infinity", "-inf", "sNaN", float("nan")])
def test_nan_and_infinity_are_no_amount_and_no_unit_count(text):
    # Decimal accepts them; a workbook cell 'NAN' in a units column crashed the column match on comparison
    with pytest.raises(ValueError):
        parse_money(text)
    with pytest.raises(ValueError):
        parse_units(text)
    assert parse_money("(1,234.5)") == Decimal("-1234.50") and parse_units("1,000") == Decimal("1000")
