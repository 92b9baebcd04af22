"""Header rows are found below title blocks; varied header words map to elements with a score."""

import pytest

from claims_intake.extract import IntakeError, extract_bytes
from claims_intake.spreadsheet.columns import find_header, map_columns
from claims_intake.spreadsheet.headers import match_header, normalize_header
from claims_intake_dev.testdata.invoices import xlsx_bytes

from .sheet_helpers import HEADER, line


@pytest.mark.parametrize(
    "header,key",
    [
        ("Member CIN", "member_cin"),
        ("Medi-Cal ID", "member_cin"),
        ("CIN #", "member_cin"),
        ("Member Medi-Cal ID (CIN)", "member_cin"),
        ("DOS From", "service_start_date"),
        ("DOS To", "service_end_date"),
        ("HCPCS", "procedure_code"),
        ("Units", "unit_count"),
        ("Tax ID", "billing_provider_tin"),
        ("Line Total", "charge_amount"),
        ("Invoice No.", "invoice_number"),
        ("Procedure Code(s)", "procedure_code"),
        ("Member Date of Birth (MM/DD/YYYY)", "member_dob"),
        ("Homeless (Y/N)", "member_homeless_indicator"),
        ("Modifier 3", "procedure_modifiers"),
        ("Dx 4", "diagnosis_codes"),
        ("Date of Service", "service_date"),
        ("Service Minutes", "minutes"),
        ("Patient Name", "member_name"),
        ("Place of Service (POS)", "place_of_service"),
        ("Tax ID (TIN)", "billing_provider_tin"),
        ("Billing Provider Tax Identification Number (TIN)", "billing_provider_tin"),
        ("Servce Start Date", "service_start_date"),
        ("Client DOB", "member_dob"),
        ("Diagnosis Cd", "diagnosis_codes"),
    ],
)
def test_header_words_map_to_elements(header, key):
    assert match_header(header).key == key


def test_fuzzy_match_of_a_misspelled_header_reports_its_score():
    match = match_header("Procedur Code")
    assert match.key == "procedure_code" and 88 <= match.score < 100


@pytest.mark.parametrize(
    "header",
    [
        "Notes",
        "Case Manager",
        "Comments",
        "Program Year",
        "",
        "Rendering Provider Name",
        "Member Phone",
        "Member State",
    ],
)
def test_unrelated_headers_are_not_matched(header):
    assert match_header(header) is None


def test_normalize_header_reads_number_marks():
    assert normalize_header("CIN #") == "cin number"
    assert normalize_header("Invoice No.") == "invoice number"
    assert normalize_header("Homeless (Yes/No)") == "homeless yes no"


def test_header_row_below_a_title_block_is_found():
    rows = [["ACME Community Supports"], ["Invoice for March 2024"], [], ["Prepared by: billing"], HEADER, line()]
    column_map = find_header(rows)
    assert column_map.header_row == 5
    assert find_header([["HCPCS", "Modifier", "Service Name", "Rate"], ["G9012", "U2", "ECM", 45]]) is None


def test_column_report_names_each_column_and_keeps_extras(read_rows):
    result = read_rows([[*HEADER, "Case Manager"], [*line(), "Pat Jones"]])
    report = result.source.column_map["sheets"]["Invoice"]
    hcpcs = next(column for column in report["columns"] if column["column"] == "F")
    assert {"column": "F", "header": "HCPCS", "element": "procedure_code", "score": 100.0}.items() <= hcpcs.items()
    assert hcpcs["match"] == 1.0 and hcpcs["content"] == 1.0  # the header and the catalog code agree
    assert report["extras"] == [{"column": "N", "header": "Case Manager"}]
    assert result.claims[0].lines[0].extras == {"Case Manager": "Pat Jones"}


def test_missing_required_columns_are_errors_naming_them(read_rows):
    result = read_rows([HEADER, line()])
    missing = {error.element for error in result.errors if error.code == "missing_column"}
    assert {"billing_provider_tin", "member_dob", "member_homeless_indicator", "unit_cost", "payer_name"} <= missing
    assert "service_name" not in missing  # derived from the code catalog
    error = next(e for e in result.errors if e.element == "member_dob")
    assert "Member Date of Birth" in error.message and error.sheet == "Invoice" and error.row == 1
    assert len(result.claims) == 1  # the claim is still read


def test_two_columns_claiming_one_element_is_an_error_naming_both(read_rows):
    header = [*HEADER, "Medi-Cal ID"]
    result = read_rows([header, [*line(), "90000002B"]])
    (error,) = [e for e in result.errors if e.code == "duplicate_column"]
    assert (
        error.element == "member_cin" and "D ('Member CIN')" in error.message and "N ('Medi-Cal ID')" in error.message
    )
    assert result.claims[0].member_cin == "90000001A"
    assert result.claims[0].lines[0].extras == {"Medi-Cal ID": "90000002B"}  # kept, not dropped


def test_a_file_with_no_header_row_is_an_intake_error():
    data = xlsx_bytes({"Sheet1": [["hello", "world"], [1, 2]]})
    with pytest.raises(IntakeError) as error:
        extract_bytes(data, "notes.xlsx")
    assert error.value.code == "no_header_row"


def test_sheets_without_a_header_are_skipped_and_reported():
    data = xlsx_bytes({"Instructions": [["Fill one row per service"]], "Invoice": [HEADER, line()]})
    result = extract_bytes(data, "inv.xlsx")
    assert len(result.claims) == 1
    assert result.source.column_map["sheets"]["Instructions"] == {
        "skipped": "no header row naming the DHCS invoice columns"
    }


def test_header_map_keeps_several_modifier_and_diagnosis_columns():
    column_map = map_columns(["Invoice #", "Mod 1", "Mod 2", "Dx 1", "Dx 2", "HCPCS"], 1)
    assert column_map.columns_for("procedure_modifiers") == [1, 2]
    assert column_map.columns_for("diagnosis_codes") == [3, 4]
    assert column_map.duplicates == []


def test_a_header_with_no_rows_under_it_is_reported(read_rows):
    result = read_rows([HEADER])
    assert result.claims == [] and [(e.code, e.row) for e in result.errors if e.code == "no_rows"] == [("no_rows", 1)]


def test_header_over_two_rows_with_merged_group_cells(read_rows):
    top = ["Invoice #", "Member", None, "Medi-Cal ID", "HCPCS", "Service Dates", None, "Units", "Charge"]
    below = [None, "First", "Last", None, None, "From", "To", None, None]
    data = ["A1", "Ana", "Lopez", "90000001A", "G9012", "03/04/2024", "03/05/2024", 1, 45]
    result = read_rows([["ECM invoice"], top, below, data])
    report = result.source.column_map["sheets"]["Invoice"]
    assert report["header_rows"] == [2, 3]
    claim = result.claims[0]
    assert (claim.member_first_name, claim.member_last_name) == ("Ana", "Lopez")
    assert claim.lines[0].service_end_date.day == 5 and claim.lines[0].provenance["procedure_code"].row == 4


def test_first_data_row_is_not_taken_for_a_second_header_row(read_rows):
    result = read_rows([HEADER, line(), line()], "csv")
    assert "header_rows" not in result.source.column_map["sheets"]["upload.csv"]
    assert len(result.claims[0].lines) == 2
