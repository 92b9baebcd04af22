"""Rows become service lines and claims the way a claims clerk reads them."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from .sheet_helpers import HEADER, line


def test_rows_group_into_claims_by_invoice_number_even_when_apart(read_rows):
    rows = [HEADER, line("INV-1"), line("INV-2", cin="90000002B"), line("INV-1", code="G9008", mods="U1")]
    result = read_rows(rows)
    assert [c.invoice_number for c in result.claims] == ["INV-1", "INV-2"]
    assert [l.procedure_code for l in result.claims[0].lines] == ["G9012", "G9008"]
    assert [l.line_number for l in result.claims[0].lines] == [1, 2]


def test_without_invoice_numbers_rows_group_by_provider_member_and_invoice_date(read_rows):
    header = [h for h in HEADER if h != "Invoice Number"]
    rows = [header] + [
        row[1:]
        for row in (
            line(cin="90000001A"),
            line(cin="90000001A", code="G9008"),
            line(cin="90000002B"),
            line(cin="90000001A", invoice_date="05/01/2024"),
        )
    ]
    result = read_rows(rows)
    assert [len(c.lines) for c in result.claims] == [2, 1, 1]
    assert result.source.column_map["sheets"]["Invoice"]["grouped_by"] == "billing_provider_npi+member_cin+invoice_date"


def test_blank_rows_total_rows_and_notes_are_skipped_and_listed(read_rows):
    total = [None] * len(HEADER)
    total[0], total[-1] = "Grand Total", "90.00"
    rows = [HEADER, line(), [], line(code="G9008"), total, ["Signature: ______________________"]]
    result = read_rows(rows)
    assert len(result.claims) == 1 and len(result.claims[0].lines) == 2
    assert result.source.column_map["sheets"]["Invoice"]["skipped_rows"] == [
        {"row": 5, "reason": "total"},
        {"row": 6, "reason": "note"},
    ]


def test_total_row_gives_the_invoice_amount_when_there_is_no_amount_column(read_rows):
    total = [None] * len(HEADER)
    total[0], total[-1] = "Total", "$90.00"
    result = read_rows([HEADER, line(), line(), total])
    claim = result.claims[0]
    assert claim.invoice_amount == Decimal("90.00")
    assert (
        claim.provenance["invoice_amount"].derived == "invoice total row"
        and claim.provenance["invoice_amount"].row == 4
    )


def test_claim_values_written_only_on_the_first_row_fill_down(read_rows):
    follow = line(code="G9008", mods="U1")
    follow[0:5] = [None] * 5
    result = read_rows([HEADER, line(), follow])
    (claim,) = result.claims
    assert len(claim.lines) == 2 and claim.member_cin == "90000001A"


@pytest.mark.parametrize(
    "cells,expected",
    [
        (["U2, GQ"], ["U2", "GQ"]),
        (["U2/GQ"], ["U2", "GQ"]),
        (["u2 gq"], ["U2", "GQ"]),
        ([""], []),
    ],
)
def test_modifiers_in_one_cell(read_rows, cells, expected):
    result = read_rows([HEADER, line(mods=cells[0])])
    assert result.claims[0].lines[0].procedure_modifiers == expected


def test_modifiers_and_diagnoses_in_separate_columns(read_rows):
    header = ["Invoice #", "Member CIN", "HCPCS", "Mod 1", "Mod 2", "Dx 1", "Dx 2", "DOS", "Units", "Charge"]
    rows = [
        header,
        ["A1", "90000001A", "G9012", "U2", "GQ", "Z59.01", "z60.0", "03/04/2024", 1, 40],
        ["A1", "90000001A", "G9012", "U2", None, "Z59.01", None, "03/05/2024", 1, 45],
    ]
    lines = read_rows(rows).claims[0].lines
    assert [l.procedure_modifiers for l in lines] == [["U2", "GQ"], ["U2"]]
    assert [l.diagnosis_codes for l in lines] == [["Z5901", "Z600"], ["Z5901"]]
    assert lines[0].provenance["procedure_modifiers"].column == "D,E"
    assert lines[0].service_start_date == lines[0].service_end_date == date(2024, 3, 4)  # one DOS column


def test_several_diagnosis_codes_in_one_cell(read_rows):
    result = read_rows([HEADER, line(dx="Z59.01; Z91.19, F32.9")])
    assert result.claims[0].lines[0].diagnosis_codes == ["Z5901", "Z9119", "F329"]


@pytest.mark.parametrize(
    "cell", [date(2024, 3, 4), datetime(2024, 3, 4), 45355, "45355", "03/04/2024", "3/4/2024", "2024-03-04"]
)
def test_date_styles(read_rows, cell):
    assert read_rows([HEADER, line(start=cell, end=cell)]).claims[0].lines[0].service_start_date == date(2024, 3, 4)


@pytest.mark.parametrize(
    "cell,expected", [(1234.5, "1234.50"), ("$1,234.50", "1234.50"), ("1234.5", "1234.50"), (45, "45.00")]
)
def test_money_styles(read_rows, cell, expected):
    assert read_rows([HEADER, line(charge=cell)]).claims[0].lines[0].charge_amount == Decimal(expected)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_leading_zeros_are_kept(read_rows, kind):
    header = [*HEADER, "Tax ID", "Member Zip"]
    text_cells = read_rows([header, [*line(pos="04"), "012345678", "09501"]], kind).claims[0]
    assert (text_cells.lines[0].place_of_service, text_cells.billing_provider_tin, text_cells.member_zip) == (
        "04",
        "012345678",
        "09501",
    )
    if kind == "xlsx":  # numbers that Excel already stripped are padded back to the element's width
        number_cells = read_rows([header, [*line(pos=4), 12345678, 9501]]).claims[0]
        assert (number_cells.lines[0].place_of_service, number_cells.billing_provider_tin, number_cells.member_zip) == (
            "04",
            "012345678",
            "09501",
        )


def test_minutes_homeless_and_service_name_columns(read_rows):
    header = [*HEADER, "Minutes", "Homeless Y/N", "Service Name"]
    rows = [
        header,
        [*line(), 38, "Y", "ECM In-Person"],
        [*line(), "45 min", "Y", "ECM"],
        [*line(), "about an hour", "Y", ""],
    ]
    result = read_rows(rows)
    claim = result.claims[0]
    assert claim.member_homeless_indicator is True
    assert [l.minutes for l in claim.lines] == [38, 45, None]
    assert claim.lines[2].invalid == {"minutes": "about an hour"}
    assert claim.lines[0].service_name == "ECM In-Person"
    (error,) = [e for e in result.errors if e.code == "invalid_value"]
    assert (error.row, error.column, error.element) == (4, "N", "minutes")


def test_member_full_name_column_is_split(read_rows):
    header = ["Invoice #", "Patient Name", "HCPCS", "DOS", "Units", "Charge"]
    claims = read_rows(
        [header, ["1", "DOE, JANE", "G9012", "3/4/2024", 1, 45], ["2", "Juan de la Cruz", "G9012", "3/4/2024", 1, 45]]
    ).claims
    assert (claims[0].member_last_name, claims[0].member_first_name) == ("DOE", "JANE")
    assert (claims[1].member_last_name, claims[1].member_first_name) == ("Cruz", "Juan de la")


def test_claim_values_that_differ_between_rows_are_an_error_naming_the_rows(read_rows):
    result = read_rows([HEADER, line(), line(npi="1245319599"), line(cin="90000009Z")])
    conflicts = [e for e in result.errors if e.code == "conflicting_value"]
    assert [(e.element, e.row, e.column) for e in conflicts] == [("billing_provider_npi", 3, "C")]
    assert "row 2 and row 3" in conflicts[0].message and "'1234567893' vs '1245319599'" in conflicts[0].message
    assert result.claims[0].billing_provider_npi == "1234567893" and len(result.claims[0].lines) == 2


def test_one_invoice_number_for_two_members_makes_two_claims_never_one(read_rows):
    """A second member under the same invoice number is never merged into the first member's claim."""
    result = read_rows([HEADER, line(), line(), line(cin="90000009Z"), line()])
    assert [(c.member_cin, len(c.lines)) for c in result.claims] == [("90000001A", 3), ("90000009Z", 1)]
    split = [e for e in result.errors if e.code == "invoice_two_members"]
    assert [(e.row, e.column) for e in split] == [(4, "D")]
    assert "90000009Z" not in split[0].message  # PHI values are not repeated in messages


def test_a_bad_cell_is_reported_where_it_is_and_the_good_rows_are_kept(read_rows):
    result = read_rows([HEADER, line(), line(start="31/31/2024", charge="forty"), line(code="G9008")])
    claim = result.claims[0]
    assert len(claim.lines) == 3
    assert claim.lines[1].invalid == {"service_start_date": "31/31/2024", "charge_amount": "forty"}
    located = {(e.sheet, e.row, e.column, e.element) for e in result.errors if e.code == "invalid_value"}
    assert located == {("Invoice", 3, "H", "service_start_date"), ("Invoice", 3, "M", "charge_amount")}
    assert claim.lines[2].procedure_code == "G9008"


def test_title_block_values_apply_to_every_claim(read_rows):
    rows = [
        ["Provider NPI:", "1234567893"],
        ["Tax ID: 012345678"],
        [],
        [h for h in HEADER if h != "Billing Provider NPI"],
    ] + [[c for i, c in enumerate(line(invoice=n)) if i != 2] for n in ("A", "B")]
    result = read_rows(rows)
    assert [c.billing_provider_npi for c in result.claims] == ["1234567893"] * 2
    assert [c.billing_provider_tin for c in result.claims] == ["012345678"] * 2
    assert result.claims[0].provenance["billing_provider_tin"].column == "A"
    assert not [e for e in result.errors if e.element in ("billing_provider_npi", "billing_provider_tin")]


def test_output_has_dhcs_keys_iso_dates_money_strings_and_lists(read_rows):
    output = read_rows([HEADER, line(mods="U2, GQ", dx="Z59.01, Z60.0")]).to_output()
    claim = output["claims"][0]
    assert claim["elements"]["invoice_date"] == "2024-04-01"
    assert claim["lines"][0]["charge_amount"] == "45.00"
    assert claim["lines"][0]["procedure_modifiers"] == ["U2", "GQ"]
    assert claim["lines"][0]["diagnosis_codes"] == ["Z5901", "Z600"]


@pytest.mark.parametrize("cell,minutes", [(38, 38), ("38", 38), ("45 min", 45), ("1:15", 75), ("0:38", 38), (38.0, 38)])
def test_minutes_styles(cell, minutes):
    from claims_intake.spreadsheet.rows import parse_minutes

    assert parse_minutes(cell) == minutes


def test_time_formatted_minutes_cells(read_rows):
    from datetime import time, timedelta

    header = [*HEADER, "Minutes"]
    claim = read_rows([header, [*line(), time(0, 38)], [*line(), timedelta(minutes=75)]]).claims[0]
    assert [l.minutes for l in claim.lines] == [38, 75]


def test_invoice_numbers_match_across_case_spaces_and_number_cells(read_rows):
    result = read_rows(
        [HEADER, line(invoice="inv-7"), line(invoice=" INV-7 "), line(invoice=1001), line(invoice="1001")]
    )
    assert [len(c.lines) for c in result.claims] == [2, 2]
    assert [e for e in result.errors if e.code == "conflicting_value"] == []


def test_without_an_end_date_column_the_service_is_one_day(read_rows):
    header = [h for h in HEADER if h != "DOS To"]
    claim = read_rows([header, [c for i, c in enumerate(line()) if i != 8]]).claims[0]
    line_read = claim.lines[0]
    assert line_read.service_end_date == line_read.service_start_date == date(2024, 3, 4)
    assert line_read.provenance["service_end_date"].derived.startswith("no service end date column")


def test_a_bad_single_date_of_service_cell_is_one_error(read_rows):
    header = ["Invoice #", "Member CIN", "HCPCS", "Date of Service", "Units", "Charge"]
    result = read_rows([header, ["A1", "90000001A", "G9012", "31/31/2024", 1, 45]])
    errors = [e for e in result.errors if e.code == "invalid_value"]
    assert [(e.row, e.column) for e in errors] == [(2, "D")] and "Date of Service in D2" in errors[0].message
    assert result.claims[0].lines[0].invalid == {"service_start_date": "31/31/2024", "service_end_date": "31/31/2024"}


def test_an_excel_error_cell_is_reported_with_the_error_it_shows(read_rows):
    """calamine reads #REF!/#DIV/0! as empty: the provider is told the cell shows an error, not that it is blank."""
    rows = [HEADER, line("INV-1", charge="#DIV/0!"), line("INV-2", cin="90000002B"), line("INV-3", units="#REF!")]
    result = read_rows(rows)
    errors = [(e.code, e.row, e.column, e.element) for e in result.errors if e.code == "excel_error"]
    assert errors == [("excel_error", 2, "M", "charge_amount"), ("excel_error", 4, "J", "unit_count")]
    assert "shows the Excel error #DIV/0!" in next(e.message for e in result.errors if e.row == 2)
    assert [c.invoice_number for c in result.claims] == ["INV-1", "INV-2", "INV-3"]  # the rest is still read
    assert result.claims[0].lines[0].charge_amount is None


def test_error_cells_are_found_in_the_sheet_they_are_on():
    from claims_intake.limits import default_limits
    from claims_intake.spreadsheet.excel_errors import error_cells
    from claims_intake.spreadsheet.guard import check_office_zip
    from claims_intake_dev.testdata.invoices import xlsx_bytes

    data = xlsx_bytes({"Notes": [["fine"]], "Invoice": [["a", "b"], [1, "#N/A"]], "Totals": [["#VALUE!"]]})
    unpacked = check_office_zip(data, "upload.xlsx", default_limits())
    assert unpacked.parts_with_error_cells == {"xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"}
    assert error_cells(data, unpacked.parts_with_error_cells) == {
        "Invoice": {(1, 1): "#N/A"},
        "Totals": {(0, 0): "#VALUE!"},
    }
    assert error_cells(data, set()) == {}


def _total_row(**cells):
    row = [None] * len(HEADER)
    for header, value in cells.items():
        row[HEADER.index(header.replace("_", " "))] = value
    return row


def test_a_total_label_in_the_code_column_with_the_sums_beside_it_is_not_a_line(read_rows):
    total = _total_row(HCPCS="Subtotal", Units=2, Charge_Amount="90.00")
    grand = _total_row(HCPCS="GRAND TOTAL", Charge_Amount="135.00")
    rows = [HEADER, line(), line(code="G9008"), total, line("INV-2", cin="90000002B"), grand]
    result = read_rows(rows)
    assert [len(c.lines) for c in result.claims] == [2, 1]
    assert not [e for e in result.errors if e.code != "missing_column"]  # the test header has few columns
    skipped = result.source.column_map["sheets"]["Invoice"]["skipped_rows"]
    assert skipped == [{"row": 4, "reason": "total"}, {"row": 6, "reason": "total"}]


def test_a_row_of_only_column_sums_is_a_total_row_even_without_its_label(read_rows):
    block_sum = _total_row(Units=2, Charge_Amount="$90.00")
    rows = [HEADER, line(), line(code="G9008"), block_sum, [], line("INV-2", cin="90000002B", charge="30.00")]
    rows.append(_total_row(Charge_Amount=120))  # the sheet's grand total, after a blank-separated block
    result = read_rows(rows)
    assert [len(c.lines) for c in result.claims] == [2, 1]
    assert [r["reason"] for r in result.source.column_map["sheets"]["Invoice"]["skipped_rows"]] == ["total", "total"]


def test_a_line_is_still_a_line_beside_total_words_or_with_numbers_that_are_not_sums(read_rows):
    header = [*HEADER, "Service Name"]
    named = [*line(code="G9008"), "Total care coordination"]
    not_a_sum = [*_total_row(Charge_Amount="12.00"), None]  # a line the provider left incomplete
    code_says_total = [*_total_row(HCPCS="Total", DOS_From="03/05/2024", Charge_Amount="90.00"), None]
    result = read_rows([header, [*line(), None], named, not_a_sum, code_says_total])
    lines = result.claims[0].lines
    assert [l.procedure_code for l in lines] == ["G9012", "G9008", None, "TOTAL"]
    assert lines[1].service_name == "Total care coordination" and lines[2].charge_amount == Decimal("12.00")
    assert result.source.column_map["sheets"]["Invoice"]["skipped_rows"] == []


def test_a_total_row_labelled_in_the_code_column_is_not_a_service_line(read_rows):
    order = [HEADER.index("HCPCS"), *(i for i, h in enumerate(HEADER) if h != "HCPCS")]
    header = [HEADER[i] for i in order]
    code_first = [[row[i] for i in order] for row in (line(), line(code="G9008", mods="U1"))]
    total = [None] * len(header)
    total[0], total[-1] = "Total", "90.00"
    result = read_rows([header, *code_first, total])
    assert [l.procedure_code for l in result.claims[0].lines] == ["G9012", "G9008"]
    assert {"row": 4, "reason": "total"} in result.source.column_map["sheets"]["Invoice"]["skipped_rows"]
