"""The DHCS claim model: 37 elements, typed values, provenance, unparseable values kept."""

from datetime import date
from decimal import Decimal

import pytest

from claims_intake.elements import all_elements, claim_keys, line_keys, required_keys
from claims_intake.model import Claim, ExtractResult, Provenance, ServiceLine, SourceInfo
from claims_intake.normalize import normalize


def test_model_fields_are_exactly_the_37_dhcs_elements():
    assert len(all_elements()) == 37
    assert set(claim_keys()) <= set(Claim.model_fields)
    assert set(line_keys()) <= set(ServiceLine.model_fields)
    assert len(claim_keys()) + len(line_keys()) == 37


def test_required_elements_follow_seed_000_tables():
    assert "rendering_provider_npi" not in required_keys("line")
    assert "member_homeless_indicator" in required_keys("claim")
    assert {"control_number", "authorization_number", "medical_record_number"}.isdisjoint(required_keys("claim"))


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("03/05/2025", date(2025, 3, 5)),
        ("3/5/2025", date(2025, 3, 5)),
        ("2025-03-05", date(2025, 3, 5)),
        (45721, date(2025, 3, 5)),
        ("45721", date(2025, 3, 5)),
        ("03 05 25", date(2025, 3, 5)),
        (date(2025, 3, 5), date(2025, 3, 5)),
    ],
)
def test_dates_are_dates(raw, expected):
    assert normalize("service_start_date", raw) == expected


@pytest.mark.parametrize("raw", ["02/30/2025", "yesterday", "13/01/2025"])
def test_bad_dates_raise_with_a_fix(raw):
    with pytest.raises(ValueError, match="MM/DD/YYYY"):
        normalize("member_dob", raw)


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("$1,234.50", Decimal("1234.50")),
        (400, Decimal("400.00")),
        ("386", Decimal("386.00")),
        (8.25, Decimal("8.25")),
        ("(12.00)", Decimal("-12.00")),
    ],
)
def test_money_is_decimal_with_cents(raw, expected):
    value = normalize("charge_amount", raw)
    assert value == expected and value.as_tuple().exponent == -2


def test_codes_are_normalized():
    assert normalize("procedure_code", " g9008 ") == "G9008"
    assert normalize("procedure_modifiers", "u2, gq") == ["U2", "GQ"]
    assert normalize("procedure_modifiers", "U2/GQ") == ["U2", "GQ"]
    assert normalize("diagnosis_codes", "Z59.01; z59.1") == ["Z5901", "Z591"]
    assert normalize("member_cin", "91234567a") == "91234567A"


@pytest.mark.parametrize(
    "key,raw,expected",
    [
        ("place_of_service", 4, "04"),
        ("place_of_service", "04", "04"),
        ("billing_provider_tin", 12345678, "012345678"),
        ("billing_provider_zip", "95814-1234", "958141234"),
        ("billing_provider_phone", "(916) 555-1234", "9165551234"),
        ("billing_provider_npi", 1234567893.0, "1234567893"),
    ],
)
def test_leading_zeros_are_kept(key, raw, expected):
    assert normalize(key, raw) == expected


def test_unit_counts_stay_as_written():
    assert str(normalize("unit_count", 10.0)) == "10"
    assert str(normalize("unit_count", "1.5")) == "1.5"


@pytest.mark.parametrize("raw", ["", "  ", None])
def test_an_empty_cell_of_a_list_element_is_no_codes(raw):
    line = ServiceLine()
    line.set_raw("diagnosis_codes", raw)
    line.set_raw("procedure_modifiers", raw)
    assert line.diagnosis_codes == [] and line.procedure_modifiers == []  # never None: every rule iterates them
    assert normalize("member_last_name", raw) is None


def test_unparseable_value_is_kept_with_its_source():
    claim = Claim()
    source = Provenance(file="inv.xlsx", sheet="Invoice", row=7, column="E")
    problem = claim.set_raw("member_dob", "31/12/1980", source)
    assert problem and claim.member_dob is None
    assert claim.invalid == {"member_dob": "31/12/1980"}
    assert claim.provenance["member_dob"].row == 7


def test_output_round_trips_with_provenance_and_confidence():
    claim = Claim(claim_id="c1", source_kind="scan")
    claim.set_raw("member_cin", "91234567A", Provenance(page=1, box="1a", confidence=0.97))
    line = ServiceLine(line_number=1)
    line.set_raw("charge_amount", "400", Provenance(page=1, box="24F.1", confidence=0.88))
    line.set_raw("procedure_modifiers", "U1 GQ")
    claim.lines.append(line)
    output = claim.to_output()
    assert output["lines"][0]["charge_amount"] == "400.00"
    assert output["lines"][0]["procedure_modifiers"] == ["U1", "GQ"]
    assert output["confidence"]["member_cin"] == 0.97
    assert output["confidence"]["lines"][0]["charge_amount"] == 0.88
    assert Claim.from_output(output).to_output() == output


def test_extract_result_shape():
    result = ExtractResult(source=SourceInfo(file="x.csv", kind="csv"), claims=[Claim()])
    output = result.to_output()
    assert set(output) == {"source", "claims", "errors"}
    assert set(output["claims"][0]) >= {"elements", "lines", "provenance"}


def test_combination_key():
    assert ServiceLine(procedure_code="G9008", procedure_modifiers=["U1", "GQ"]).combination == "G9008-U1-GQ"
    assert ServiceLine(procedure_code="G9007").combination == "G9007"
