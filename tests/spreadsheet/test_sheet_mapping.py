"""Columns placed from header words and content together; confirmed mappings; the wide layout generator."""

import json

import numpy as np
import pytest

from claims_intake.cli import main
from claims_intake.spreadsheet.columns import map_columns
from claims_intake.spreadsheet.headers import match_header
from claims_intake.spreadsheet.mapping import ConfirmedMapping
from claims_intake_dev.testdata.invoice_layouts import TUNING_SEEDS, evaluate, random_workbook
from claims_intake_dev.testdata.invoices import xlsx_bytes

from .sheet_helpers import HEADER, line


@pytest.mark.parametrize(
    "header,key",
    [
        ("Billing Phone", "billing_provider_phone"),
        ("Prov City", "billing_provider_city"),
        ("Prov State", "billing_provider_state"),
        ("Prov Zip", "billing_provider_zip"),
        ("Billing Entity", "billing_provider_name"),
        ("TIN/EIN", "billing_provider_tin"),
        ("Client First", "member_first_name"),
        ("Client Last", "member_last_name"),
        ("Client Street Address", "member_address"),
        ("Total Amount", "charge_amount"),
        ("CPT/HCPCS Code", "procedure_code"),
        ("Mbr DOB", "member_dob"),
        ("Svc Dt From", "service_start_date"),
        ("Chg Amt", "charge_amount"),
        ("Prior Auth #", "authorization_number"),
        ("Bene Medi-Cal No", "member_cin"),
        ("Rendering NPI", "rendering_provider_npi"),
        ("Pt Chart No", "medical_record_number"),
        ("member_zip_code", "member_zip"),
        ("Amount Due", "invoice_amount"),
    ],
)
def test_abbreviated_and_role_headers_name_their_element(header, key):
    assert match_header(header).key == key


@pytest.mark.parametrize(
    "header,key,number",
    [
        ("Modifier 2", "procedure_modifiers", 2),
        ("Mod1", "procedure_modifiers", 1),
        ("DX B", "diagnosis_codes", 2),
        ("Secondary Dx", "diagnosis_codes", 2),
        ("ICD-10 Code 3", "diagnosis_codes", 3),
        ("Dx 10", "diagnosis_codes", 10),
    ],
)
def test_numbered_headers_keep_their_number(header, key, number):
    match = match_header(header)
    assert (match.key, match.index) == (key, number)


def test_icd_10_alone_is_not_a_tenth_diagnosis():
    match = match_header("ICD-10")
    assert match.key == "diagnosis_codes" and match.index is None


def test_modifier_columns_are_read_in_the_order_of_their_numbers(read_rows):
    header = [*HEADER[:6], "Modifier 2", "Modifier 1", *HEADER[7:]]
    row = [*line()[:6], "GQ", "U2", *line()[7:]]
    result = read_rows([header, row])
    assert result.claims[0].lines[0].procedure_modifiers == ["U2", "GQ"]
    assert result.claims[0].lines[0].provenance["procedure_modifiers"].column == "H,G"


def test_every_value_read_from_a_column_carries_its_match_score(read_rows):
    result = read_rows([HEADER, line()])
    claim, line_read = result.claims[0], result.claims[0].lines[0]
    assert claim.provenance["member_cin"].match_score == 1.0
    assert all(source.match_score is not None for source in line_read.provenance.values() if not source.derived)
    assert 0 < line_read.provenance["procedure_code"].match_score <= 1


def test_values_that_contradict_the_header_lower_the_match_score(read_rows):
    result = read_rows([HEADER, line(cin="not a cin")])
    assert result.claims[0].provenance["member_cin"].match_score < 0.75


def test_the_assignment_is_joint_not_first_come():
    """'NPI' could be either NPI; with 'Billing NPI' present it is the rendering one only if nothing better fits."""
    column_map = map_columns(["Total Amount", "Invoice Total", "HCPCS"], 1)
    assert column_map.columns[0].key == "charge_amount" and column_map.columns[1].key == "invoice_amount"


def test_content_places_a_column_whose_header_names_nothing(read_rows):
    header = [h if h != "Member CIN" else "Reference" for h in HEADER]
    result = read_rows([header, line(), line(cin="90000002B", invoice="INV-2")])
    report = result.source.column_map["sheets"]["Invoice"]
    placed = next(c for c in report["columns"] if c["column"] == "D")
    assert placed["element"] == "member_cin" and placed["match"] < 0.75  # placed by its values: for review
    assert result.claims[0].member_cin == "90000001A"


def test_a_column_that_cannot_be_placed_is_named_with_the_reason(read_rows):
    header = [h if h != "Member CIN" else "Ref" for h in HEADER]
    result = read_rows([header, line(cin="90000001A"), line(cin="9000002", invoice="INV-2")])  # half fit a CIN
    (error,) = [e for e in result.errors if e.code == "unmapped_columns"]
    assert error.element == "member_cin" and "D ('Ref'): its header" in error.message
    assert "only 50% of its values fit member_cin" in error.message
    assert not [e for e in result.errors if e.code == "missing_column" and e.element == "member_cin"]
    assert [e for e in result.errors if e.code == "missing_column" and e.element == "member_dob"]  # no column holds it


def test_a_title_block_full_name_gives_first_and_last(read_rows):
    rows = [
        ["Member Name: GARCIA, ANA"],
        ["Invoice #: A-1"],
        [],
        ["HCPCS", "DOS From", "DOS To", "Units", "Charge Amount", "POS"],
        ["G9012", "03/04/2024", "03/04/2024", 1, 45, "04"],
    ]
    claim = read_rows(rows).claims[0]
    assert (claim.member_last_name, claim.member_first_name, claim.invoice_number) == ("GARCIA", "ANA", "A-1")


def test_a_two_digit_birth_year_is_in_the_past(read_rows):
    header = [*HEADER, "DOB"]
    result = read_rows([header, [*line(), "03/15/55"]], "csv")
    assert result.claims[0].member_dob.isoformat() == "1955-03-15"


def test_a_confirmed_mapping_places_columns_as_given(read_rows, tmp_path, capsys):
    header = [h if h != "Member CIN" else "Ref" for h in HEADER]
    path = tmp_path / "upload.xlsx"
    path.write_bytes(xlsx_bytes({"Invoice": [header, line()]}))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"columns": {"Ref": "member_cin"}}))
    # 0 or 1: read (1 when this small sheet has problems elsewhere); what matters is where Ref went
    assert main(["extract", str(path), "--mapping", str(mapping), "--format", "json"]) in (0, 1)
    output = json.loads(capsys.readouterr().out)
    assert output["claims"][0]["elements"]["member_cin"] == "90000001A"
    assert output["claims"][0]["provenance"]["member_cin"]["match_score"] == 1.0
    assert not [e for e in output["errors"] if e["code"] == "unmapped_columns"]


def test_a_mapping_file_naming_an_unknown_element_is_refused(tmp_path, capsys):
    path = tmp_path / "upload.xlsx"
    path.write_bytes(xlsx_bytes({"Invoice": [HEADER, line()]}))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("columns:\n  Ref: member_shoe_size\n")
    assert main(["extract", str(path), "--mapping", str(mapping)]) == 2
    assert "member_shoe_size" in capsys.readouterr().err


def test_a_layout_mapping_applies_to_its_signature_only():
    column_map = map_columns(["Ref", "HCPCS", "Invoice #", "Units"], 1)
    mapping = ConfirmedMapping.from_dict({"layouts": {column_map.signature: {"A": "member_cin"}}})
    assert map_columns(["Ref", "HCPCS", "Invoice #", "Units"], 1, None, mapping).columns[0].key == "member_cin"
    assert 0 not in map_columns(["Ref", "HCPCS", "Invoice #", "Units", "POS"], 1, None, mapping).columns


def test_generated_layouts_vary():
    drawn = [random_workbook(seed).layout for seed in range(30)]
    assert len({tuple(h for h, _ in layout.columns) for layout in drawn}) == 30
    assert {layout.dates for layout in drawn} >= {"excel", "serial", "mdy2", "iso"}
    assert any(layout.per_sheet for layout in drawn) and any(layout.group_row for layout in drawn)


@pytest.mark.slow
def test_tuning_layouts_are_read_to_the_target():
    """A slice of the tuning seeds (the held-out figure is measured by bench/eval_spreadsheet_layouts.py)."""
    total, _ = evaluate(TUNING_SEEDS[:60])
    assert total.accuracy >= 0.995, total.misses[:5]
    assert total.lost_to_unplaced == 0
    assert total.extra_lines == 0  # no total, subtotal or note row read as a service line


def test_generated_workbooks_draw_totals_merged_group_cells_and_accounting_money():
    import io
    import zipfile

    drawn = [random_workbook(seed) for seed in range(200)]
    layouts = [workbook.layout for workbook in drawn]
    assert {layout.total_label for layout in layouts if layout.total_row} >= {"", "Subtotal", "Total for {invoice}"}
    assert {layout.total_at for layout in layouts if layout.total_row} == {"first", "code", "left_of_charge"}
    assert any(layout.date_group for layout in layouts) and any(layout.money == "accounting" for layout in layouts)
    merged = [
        workbook
        for workbook in drawn
        if workbook.kind == "xlsx"
        and b"<mergeCell " in zipfile.ZipFile(io.BytesIO(workbook.data)).read("xl/worksheets/sheet1.xml")
    ]
    assert merged and all(workbook.layout.group_row for workbook in merged)


@pytest.mark.parametrize(
    "matrix,keys",
    [
        # every row's best element is its own: taken as it is
        (
            [[0.9, 0.1, 0.2, 0.35, -1, -1], [0.2, 0.8, 0.1, -1, 0.35, -1], [0.1, 0.1, 0.3, -1, -1, 0.35]],
            ["a", "b", "c"],
        ),
        # two rows want 'a' most: the Hungarian method gives 'a' to the row that gains most from it
        ([[0.9, 0.85, 0.35, -1], [0.95, 0.2, -1, 0.35]], ["a", "b"]),
        # two rows want the modifier: two copies of it, one each
        ([[0.9, 0.9 - 1e-8, 0.1, 0.35, -1], [0.8, 0.8 - 1e-8, 0.1, -1, 0.35]], ["mod", "mod", "c"]),
    ],
)
def test_the_assignment_is_the_optimum_with_or_without_rivals(matrix, keys):
    from scipy.optimize import linear_sum_assignment

    from claims_intake.spreadsheet.assign import best_assignment

    matrix = np.array(matrix)
    rows, cols = best_assignment(matrix, keys)
    expected_rows, expected_cols = linear_sum_assignment(matrix, maximize=True)
    assert matrix[rows, cols].sum() == pytest.approx(matrix[expected_rows, expected_cols].sum(), abs=1e-6)
    assert len(set(cols)) == len(cols) == len(matrix)
