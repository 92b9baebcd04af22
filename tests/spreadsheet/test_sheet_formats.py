"""Every invoice layout the maker writes comes back as the same claims, in every format we read."""

import pytest

from claims_intake.extract import extract_bytes
from claims_intake.model import Claim
from claims_intake_dev.testdata.invoices import LAYOUTS, PROVIDER_FIELDS, invoice_bytes, sample_claims

SPECIAL_FIELDS = {
    "member_name": ("member_first_name", "member_last_name"),
    "modifier:1": ("procedure_modifiers",),
    "dx:1": ("diagnosis_codes",),
}


def written_fields(layout_name):
    layout = LAYOUTS[layout_name]
    fields = set(PROVIDER_FIELDS) if layout.provider_block else set()
    for _, key in layout.columns:
        fields.update(SPECIAL_FIELDS.get(key, (key,)))
    return fields


def assert_same_claims(expected: list[Claim], got: list[Claim], fields: set[str]):
    assert len(got) == len(expected)
    for want, have in zip(expected, got, strict=False):
        for key in fields & set(Claim.model_fields):
            assert getattr(have, key) == getattr(want, key), key
        assert len(have.lines) == len(want.lines)
        for want_line, have_line in zip(want.lines, have.lines, strict=False):
            for key in fields & set(type(want_line).model_fields):
                assert getattr(have_line, key) == getattr(want_line, key), (key, have_line.line_number)
            if "minutes" in fields:
                assert have_line.minutes == want_line.minutes


@pytest.mark.parametrize("kind", ["xlsx", "xlsm", "xls", "csv"])
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_layout_and_format_round_trips(layout, kind):
    claims = sample_claims(count=3, lines=4, seed=11)
    result = extract_bytes(invoice_bytes(claims, layout, kind), f"invoice.{kind}")
    fields = written_fields(layout)
    assert_same_claims(claims, result.claims, fields - {"invoice_number"} if layout == "no_invoice_number" else fields)
    assert all(claim.source_kind == "spreadsheet" for claim in result.claims)
    unexpected = [e for e in result.errors if not (e.code == "missing_column" and e.element == "invoice_number")]
    assert unexpected == []


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_encodings_keep_accents(encoding):
    claims = sample_claims(count=1, lines=2, seed=3, provider_name="Peña Café Services")
    claims[0].member_last_name = "Muñoz"
    result = extract_bytes(invoice_bytes(claims, "dhcs_template", "csv", encoding=encoding), "invoice.csv")
    assert result.claims[0].billing_provider_name == "Peña Café Services"
    assert result.claims[0].member_last_name == "Muñoz"
    notes = result.source.column_map.get("notes", [])
    assert ("CSV is not UTF-8: read as cp1252" in notes) == (encoding == "cp1252")


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_csv_delimiter_is_sniffed(delimiter):
    claims = sample_claims(count=1, lines=2, seed=4)
    result = extract_bytes(invoice_bytes(claims, "title_block", "csv", delimiter=delimiter), "invoice.csv")
    assert [line.procedure_code for line in result.claims[0].lines] == [line.procedure_code for line in claims[0].lines]


def test_macro_workbook_is_read_as_data_and_says_macros_were_not_run():
    data = invoice_bytes(sample_claims(count=1, lines=1), "dhcs_template", "xlsm")
    result = extract_bytes(data, "invoice.xlsm")
    assert result.source.kind == "xlsm" and len(result.claims) == 1
    assert "macro-enabled workbook: cell values read, macros never run" in result.source.column_map["notes"]


def test_claim_ids_are_deterministic_and_distinct():
    data = invoice_bytes(sample_claims(count=3, lines=1), "fill_down", "xlsx")
    first, second = extract_bytes(data, "a.xlsx"), extract_bytes(data, "a.xlsx")
    ids = [claim.claim_id for claim in first.claims]
    assert ids == [claim.claim_id for claim in second.claims] and len(set(ids)) == 3
    assert all(claim_id.startswith(first.source.sha256[:12]) for claim_id in ids)


def test_every_value_carries_its_cell():
    claims = sample_claims(count=1, lines=2)
    result = extract_bytes(invoice_bytes(claims, "title_block", "xlsx"), "inv.xlsx")
    claim = result.claims[0]
    npi = claim.provenance["billing_provider_npi"]  # from the provider block above the header
    assert (npi.file, npi.sheet, npi.column) == ("inv.xlsx", "Invoice", "B") and npi.row < 13
    code = claim.lines[1].provenance["procedure_code"]
    assert code.row == 15 and code.raw == claims[0].lines[1].procedure_code
    assert claim.to_output()["provenance"]["lines"][1]["procedure_code"]["row"] == 15


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_maker_writes_invalid_and_missing_values_for_negative_tests(layout):
    claims = sample_claims(count=1, lines=2, seed=9)
    claims[0].member_dob = "13/45/1980"
    claims[0].billing_provider_npi = "12AB"
    claims[0].member_first_name = None
    claims[0].lines[1].charge_amount = "forty"
    result = extract_bytes(invoice_bytes(claims, layout, "xlsx"), "bad.xlsx")
    claim = result.claims[0]
    assert claim.invalid.get("member_dob") == "13/45/1980" and claim.invalid.get("billing_provider_npi") == "12AB"
    assert claim.lines[1].invalid == {"charge_amount": "forty"} and len(claim.lines) == 2
    assert {e.element for e in result.errors if e.code == "invalid_value"} == {
        "member_dob",
        "billing_provider_npi",
        "charge_amount",
    }
