"""Bad input: every hostile upload gets a clear error (or is read with the danger
neutralised), and the `extract` and `check` verbs answer with a JSON error or one line on stderr and
a non-zero exit code, never a traceback. The files come from claims_intake_dev.testdata.hostile."""

import csv
import io
import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from claims_intake.cli import main
from claims_intake.extract import IntakeError, extract_bytes
from claims_intake.limits import default_limits
from claims_intake_dev.testdata import hostile
from claims_intake_dev.testdata.invoices import write_invoice

from .conftest import hostile_bytes


@pytest.fixture(autouse=True)
def runtime_logs_quiet():
    """A command-line process has no service logger printing to stdout; an earlier in-process test (a local
    stack function) may have left one in this process. No log record below ERROR while the CLI runs here."""
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "samples" / "reference"
REFUSED = [name for name, case in hostile.CASES.items() if case.refused]
OCR = pytest.mark.skipif(not __import__("shutil").which("tesseract"), reason="tesseract is not installed")


def params(names):
    return [pytest.param(name, marks=OCR) if hostile.CASES[name].needs_ocr else name for name in names]


def whole_file_error(name):
    """The file's IntakeError, or — for a scan that opens but yields no claim — its page errors."""
    case = hostile.CASES[name]
    try:
        result = extract_bytes(hostile_bytes(name), case.filename)
    except IntakeError as error:
        return error.code, error.message
    assert not result.claims, f"{name}: {len(result.claims)} claim(s) read from a hostile file"
    assert result.errors, f"{name}: no claim and no error"
    return result.errors[0].code, result.errors[0].message


@pytest.mark.parametrize("name", params(REFUSED))
def test_refused_upload_gets_a_clear_error_that_says_what_to_send(name):
    code, message = whole_file_error(name)
    assert code == hostile.CASES[name].code
    assert len(message) < 400 and "\n" not in message
    assert re.search(r"\b(send|upload|scan|save|split|remove|print|use)\b", message, re.I), message


def test_wrong_extension_names_both_the_claim_and_the_content():
    _code, message = whole_file_error("wrong_extension")
    assert ".pdf" in message and ".xlsx" in message


def test_limits_are_named_in_the_message():
    assert "500 pages is over the limit of 50" in whole_file_error("pdf_500_pages")[1]
    assert "200 TIFF pages is over the limit of 50" in whole_file_error("tiff_200_pages")[1]
    limit = default_limits().max_sheet_rows
    assert f"1,000,001 rows is over the {limit:,}-row limit" in whole_file_error("csv_million_rows")[1]
    assert "40,000,000 pixels" in whole_file_error("image_bomb")[1]


def test_macro_workbook_is_read_for_its_data_and_its_macros_never_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the payload would drop files here if anything executed it
    result = extract_bytes(hostile_bytes("xlsm_macros"), "invoice.xlsm")
    assert result.source.kind == "xlsm" and len(result.claims) == 1 and len(result.claims[0].lines) == 2
    assert "macros never run" in " ".join(result.source.column_map["notes"])
    assert list(tmp_path.iterdir()) == []


def test_formula_cells_are_read_as_text_and_written_back_escaped(tmp_path):
    result = extract_bytes(hostile_bytes("csv_formula_injection"), "invoice.csv")
    claim = result.claims[0]
    assert claim.billing_provider_name == '=cmd|" /C calc"!A0'
    assert claim.member_city.startswith("-2+3")
    for kind in ("csv", "xlsx"):
        path = write_invoice(tmp_path / f"out.{kind}", result.claims)
        if kind == "csv":
            cells = [cell for row in csv.reader(io.StringIO(path.read_text())) for cell in row]
        else:
            from openpyxl import load_workbook

            sheet = load_workbook(path).active
            assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
            cells = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
        assert not [c for c in cells if c.startswith(hostile.FORMULA_TRIGGERS) and not _number(c)], kind
        assert '\'=cmd|" /C calc"!A0' in cells


def _number(cell: str) -> bool:
    return bool(re.fullmatch(r"-?\d+(\.\d+)?", cell))


def test_nothing_in_the_package_writes_csv_or_xlsx_without_safe_cell():
    """Any module that writes a CSV or workbook must escape provider text with spreadsheet.safe_cell."""
    package = ROOT / "shared" / "claims_intake"
    writers = re.compile(r"csv\.(writer|DictWriter)\(|openpyxl\.Workbook\(|\bWorkbook\(\)|xlsxwriter")
    for path in package.rglob("*.py"):
        text = path.read_text("utf-8")
        if writers.search(text) and path.name != "cells.py":
            assert "safe_cell" in text, f"{path.relative_to(ROOT)} writes CSV/XLSX without safe_cell"


@pytest.mark.parametrize("name,expected", [("csv_cp1252", "PEÑA-MUÑOZ"), ("csv_utf16", "NGUYỄN")])
def test_non_utf8_csv_is_decoded_right_and_says_how(name, expected):
    result = extract_bytes(hostile_bytes(name), "invoice.csv")
    assert [c.member_last_name for c in result.claims] == [expected]
    assert hostile.CASES[name].note in " ".join(result.source.column_map["notes"])
    assert len(result.claims[0].lines) == 2 and not result.errors


@OCR
def test_upside_down_scan_is_turned_and_read():
    result = extract_bytes(hostile_bytes("upside_down"), "claim.pdf")
    assert len(result.claims) == 1 and result.claims[0].lines
    assert any("upside down" in note for note in result.claims[0].extras["scan_notes"])


# ---- the command line ------------------------------------------------------------------------


def cli_variants(name):
    """OCR cases run the reader once per call: test the JSON extract and the plain check only."""
    if hostile.CASES[name].needs_ocr:
        return [("extract", "json"), ("check", "table")]
    return [(verb, fmt) for verb in ("extract", "check") for fmt in ("json", "table")]


CLI_CASES = [
    pytest.param(name, verb, fmt, marks=[OCR] if hostile.CASES[name].needs_ocr else [])
    for name in REFUSED
    for verb, fmt in cli_variants(name)
]


def cli_args(verb, path, fmt):
    args = [verb, str(path)] + (["--reference", str(REFERENCE)] if verb == "check" else [])
    return args + (["--format", "json"] if fmt == "json" else [])


@pytest.mark.parametrize("name,verb,fmt", CLI_CASES)
def test_cli_answers_a_hostile_file_with_an_error_and_a_nonzero_exit(name, verb, fmt, write_case, capsys):
    path = write_case(name)
    assert main(cli_args(verb, path, fmt)) == 2
    out, err = capsys.readouterr()
    if fmt == "json":
        answer = json.loads(out)
        assert answer["claims"] == [] and answer["errors"][0]["code"] == hostile.CASES[name].code
        assert answer["errors"][0]["message"]
    else:
        assert out == "" and err.count("\n") == 1 and err.startswith("error: "), err


@pytest.mark.parametrize("name", ["xlsx_zip_bomb", "pdf_garbage"])
def test_cli_as_a_process_prints_no_traceback(name, write_case):
    path = write_case(name)
    for fmt in ("json", "table"):
        run = subprocess.run(
            [sys.executable, "-m", "claims_intake", *cli_args("extract", path, fmt)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT / "shared"), "PATH": "/usr/bin:/bin"},
        )
        assert run.returncode == 2
        assert "Traceback" not in run.stdout + run.stderr
        if fmt == "json":
            assert json.loads(run.stdout)["errors"][0]["code"] == hostile.CASES[name].code
        else:
            assert run.stderr.count("\n") == 1 and run.stderr.startswith("error: ")


def test_cli_turns_an_unexpected_failure_into_one_line(monkeypatch, write_case, capsys):
    import claims_intake.cli.extract_cmd as extract_cmd

    def broken(path):
        raise KeyError("reader bug")

    monkeypatch.setattr(extract_cmd, "extract_file", broken)
    path = write_case("csv_cp1252")
    assert main(["extract", str(path), "--format", "json"]) == 3
    assert json.loads(capsys.readouterr().out)["errors"][0]["code"] == "internal_error"
    assert main(["extract", str(path)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: extract failed: KeyError") and err.count("\n") == 1
