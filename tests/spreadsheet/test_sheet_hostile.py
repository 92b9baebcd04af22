"""Hostile spreadsheets: refused before any parser opens them, with a clear message."""

import dataclasses
import json
import re

import pytest

from claims_intake.cli import main
from claims_intake.extract import IntakeError, extract_bytes
from claims_intake.limits import default_limits
from claims_intake.spreadsheet import read_spreadsheet, safe_cell
from claims_intake.spreadsheet.guard import SheetExtent
from claims_intake_dev.testdata.hostile import rewrite_zip
from claims_intake_dev.testdata.invoices import invoice_bytes, sample_claims, write_invoice

from .sheet_helpers import HEADER, line


def small_workbook():
    return invoice_bytes(sample_claims(count=1, lines=2), "dhcs_template", "xlsx")


def intake_error(data, filename, limits=None):
    with pytest.raises(IntakeError) as error:
        extract_bytes(data, filename, limits)
    return error.value


def test_zip_bomb_is_refused_before_opening():
    bomb = rewrite_zip(
        small_workbook(), lambda name, data: data + b" " * 30_000_000 if name == "xl/worksheets/sheet1.xml" else data
    )
    error = intake_error(bomb, "bomb.xlsx")
    assert error.code == "zip_bomb" and "limits" in error.message


def test_unzipped_size_limit_applies_even_at_a_modest_ratio():
    limits = dataclasses.replace(default_limits(), max_unzipped_bytes=20_000)
    assert intake_error(small_workbook(), "big.xlsx", limits).code == "zip_bomb"


@pytest.mark.parametrize(
    "part", ["xl/styles.xml", "xl/worksheets/sheet1.xml", "xl/workbook.xml", "[Content_Types].xml"]
)
def test_xml_entity_expansion_is_refused(part):
    laughs = b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n'
    poisoned = rewrite_zip(
        small_workbook(),
        lambda name, data: laughs + re.sub(rb"^<\?xml[^>]*\?>\s*", b"", data) if name == part else data,
    )
    error = intake_error(poisoned, "laughs.xlsx")
    assert error.code == "xml_entities" and part in error.message


def test_external_entity_is_refused():
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    poisoned = rewrite_zip(
        small_workbook(),
        lambda name, data: xxe + re.sub(rb"^<\?xml[^>]*\?>", b"", data) if name == "xl/styles.xml" else data,
    )
    assert intake_error(poisoned, "xxe.xlsx").code == "xml_entities"


def test_encrypted_workbook_is_named_as_such():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 500
    error = intake_error(ole, "locked.xlsx")
    assert error.code == "encrypted_workbook" and "password" in error.message


@pytest.mark.parametrize(
    "data,kind",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000, "xls"),
        (None, "xlsx"),
    ],
)
def test_corrupt_workbook_is_a_clear_error(data, kind):
    data = data or small_workbook()[:3000]
    with pytest.raises(IntakeError) as error:
        read_spreadsheet(data, f"broken.{kind}", kind, default_limits())
    assert error.value.code == "corrupt_workbook"


def test_million_row_csv_hits_the_row_limit_with_a_clear_message():
    data = (
        ",".join(HEADER) + "\n"
    ).encode() + b"INV-1,04/01/2024,1234567893,90000001A,X,G9012,U2,3/4/2024,3/4/2024,1,04,Z5901,45\n" * 1_000_000
    error = intake_error(data, "huge.csv", dataclasses.replace(default_limits(), max_file_bytes=200_000_000))
    assert error.code == "too_many_rows"
    assert f"1,000,001 rows is over the {default_limits().max_sheet_rows:,}-row limit" in error.message


def test_million_row_workbook_is_refused_from_its_declared_dimension():
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(1, 1_000_001))
    sheet = f'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:A1000000"/><sheetData>{rows}</sheetData></worksheet>'
    huge = rewrite_zip(
        small_workbook(), lambda name, data: sheet.encode() if name == "xl/worksheets/sheet1.xml" else data
    )
    assert intake_error(huge, "huge.xlsx").code == "too_many_rows"


def test_row_limit_also_holds_when_a_workbook_declares_no_dimension():
    undeclared = rewrite_zip(
        small_workbook(),
        lambda name, data: re.sub(rb"<dimension[^>]*/>", b"", data) if name.startswith("xl/worksheets/") else data,
    )
    limits = dataclasses.replace(default_limits(), max_sheet_rows=2)
    assert intake_error(undeclared, "rows.xlsx", limits).code == "too_many_rows"


@pytest.mark.parametrize(
    "value,expected",
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("ACME", "ACME"),
        (12.5, 12.5),
        (None, None),
    ],
)
def test_safe_cell_defuses_formula_triggers(value, expected):
    assert safe_cell(value) == expected


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_files_we_write_never_hold_a_live_formula(tmp_path, kind):
    claims = sample_claims(count=1, lines=1)
    claims[0].billing_provider_name = '=cmd|" /C calc"!A0'
    claims[0].member_address = "@SUM(1+1)"
    path = write_invoice(tmp_path / f"evil.{kind}", claims, "dhcs_template")
    if kind == "csv":
        text = path.read_text()
        assert "'=cmd" in text and not re.search(r"(^|,)\"?[=+@]", text, re.M)
    else:
        from openpyxl import load_workbook

        cells = [c for row in load_workbook(path).active.iter_rows() for c in row]
        assert not any(c.data_type == "f" for c in cells)
        assert any(c.value == "'@SUM(1+1)" for c in cells)


def test_provider_formula_text_is_read_as_text_never_evaluated(read_rows):
    result = read_rows([[*HEADER, "Provider Name"], [*line(), '=HYPERLINK("http://evil","x")']], "csv")
    assert result.claims[0].billing_provider_name == '=HYPERLINK("http://evil","x")'


@pytest.mark.parametrize(
    "make,code",
    [
        (
            lambda: rewrite_zip(
                small_workbook(), lambda n, d: d + b" " * 30_000_000 if n.endswith("sheet1.xml") else d
            ),
            "zip_bomb",
        ),
        (lambda: b"just,some\nwords,here\n", "no_header_row"),
    ],
)
def test_cli_answers_hostile_files_with_a_json_error_and_exit_code(tmp_path, capsys, make, code):
    path = tmp_path / ("x.xlsx" if code == "zip_bomb" else "x.csv")
    path.write_bytes(make())
    assert main(["extract", str(path), "--format", "json"]) == 2
    assert json.loads(capsys.readouterr().out)["errors"][0]["code"] == code
    assert main(["extract", str(path)]) == 2
    assert capsys.readouterr().err.startswith("error: ")


@pytest.mark.parametrize(
    "chunks",
    [
        [b'<row r="1"><c r="A1"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row><row r="2"><c r="B7"/></row>'],
        [b"<row><c><v>1</v></c><c/><c>", b"<v>2</v></c></row><row><c/></row>"],  # no references: counted along rows
        [b'<row r="3"><c r="AB3"/><c/><c t="s">', b'<v>1</v></c><c r="A9"/></row><row><c/><c/></row>'],  # mixed
        [b'<row r="1"><c r="A1"/><c r="B1"/>', b"<c/><c/><c/></row>"],  # the row goes on in the next chunk
        [b'<cols><col min="1" max="3"/></cols><row r="5"><c\nr="D5"/></row>'],
    ],
)
def test_the_extent_scan_counts_the_same_with_or_without_cell_references(chunks):
    fast, tag_by_tag = SheetExtent(), SheetExtent()
    for chunk in chunks:
        fast.scan(chunk)
        tag_by_tag._scan_tags(chunk)
    assert (fast.height, fast.width, fast.rows) == (tag_by_tag.height, tag_by_tag.width, tag_by_tag.rows)
