"""Load an upload into plain grids of cell values (one per sheet), whatever its format.

Workbooks are read with python-calamine (Rust; data only: formulas give their cached values and
macros are never run). It was measured faster than openpyxl read-only (docs/spreadsheet.md). CSV
is decoded as UTF-8 (with or without BOM), else cp1252, else Latin-1, and its delimiter sniffed.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from ..errors import IntakeError
from ..limits import Limits
from .excel_errors import ErrorCells, error_cells
from .guard import SheetExtent, check_extents, check_office_zip, check_ole, check_row_count

CSV_DELIMITERS = ",;\t|"
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


@dataclass
class Grid:
    name: str
    rows: list[list[Any]]  # rows[0] is sheet row 1, rows[r][0] is column A
    notes: list[str] = field(default_factory=list)
    errors: ErrorCells = field(default_factory=dict)  # cells Excel shows as #REF! etc. (read as "")


def load_grids(data: bytes, filename: str, kind: str, limits: Limits) -> tuple[list[Grid], list[str]]:
    """The sheets of the upload (CSV: one), and notes about it (macros present, encoding used)."""
    if kind == "csv":
        return load_csv(data, filename, limits)
    return load_workbook(data, filename, kind, limits)


def load_workbook(data: bytes, filename: str, kind: str, limits: Limits) -> tuple[list[Grid], list[str]]:
    notes, errors = [], {}
    if kind in ("xlsx", "xlsm"):
        unpacked = check_office_zip(data, filename, limits)
        check_row_count(sum(unpacked.dimensions.values()), filename, limits)
        errors = error_cells(data, unpacked.parts_with_error_cells)
        if kind == "xlsm":
            notes.append("macro-enabled workbook: cell values read, macros never run")
    else:
        check_ole(data, filename)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = [sheet.name for sheet in workbook.sheets_metadata if str(sheet.typ).endswith("WorkSheet")]
        if len(names) > limits.max_sheets:
            raise IntakeError(
                "too_many_sheets",
                f"{filename}: {len(names)} sheets is over the {limits.max_sheets}-sheet limit. Send the invoice sheets only.",
            )
        grids, total, extents = [], 0, {}
        for name in names:
            sheet = workbook.get_sheet_by_name(name)
            total += sheet.height
            check_row_count(total, filename, limits)
            # .xls cannot be looked into before reading; its grid is refused before it becomes Python lists
            extents[name] = SheetExtent(last_row=sheet.height, last_column=sheet.width)
            check_extents(extents, filename, limits)
            grids.append(Grid(name, sheet.to_python(skip_empty_area=False), errors=errors.get(name, {})))
    except PasswordError:
        raise IntakeError(
            "encrypted_workbook", f"{filename}: the workbook is password protected. Remove the password and re-upload."
        ) from None
    except CalamineError as error:
        raise IntakeError(
            "corrupt_workbook",
            f"{filename}: the workbook cannot be read ({type(error).__name__}). Save it again from Excel and re-upload.",
        ) from None
    return grids, notes


def load_csv(data: bytes, filename: str, limits: Limits) -> tuple[list[Grid], list[str]]:
    text, encoding = decode_text(data)
    if "\x00" in text:
        raise IntakeError(
            "binary_content",
            f"{filename}: the file holds NUL bytes (binary data), so it is not a "
            "text CSV. Save the invoice again as CSV or .xlsx and upload that.",
        )
    notes = (
        []
        if encoding in ("utf-8", "utf-8-sig")
        else [
            f"CSV mixes encodings: read as {encoding}"
            if encoding.startswith("UTF-8 with")
            else f"CSV is not UTF-8: read as {encoding}"
        ]
    )
    delimiter = sniff_delimiter(text[:65536])
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if len(rows) > limits.max_sheet_rows:
                check_row_count(_count_lines(text), filename, limits)
    except csv.Error as error:
        raise IntakeError(
            "corrupt_csv", f"{filename}: the CSV cannot be read near line {len(rows) + 1} ({error})."
        ) from None
    sheet_name = filename.rsplit("/", 1)[-1]
    return [Grid(sheet_name, rows)], notes


def sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the most lines into the same, largest number of fields.

    csv.Sniffer is thrown off by title lines above the header; a table's rows agree on a width.
    """
    lines = sample.splitlines()[:60]
    best, best_width = ",", 0
    for delimiter in CSV_DELIMITERS:
        widths = [len(row) for row in csv.reader(lines, delimiter=delimiter) if len(row) > 1]
        repeated = [w for w in set(widths) if widths.count(w) >= 2] or widths[:1]
        width = max(repeated, default=0)
        if width > best_width:
            best, best_width = delimiter, width
    return best


def decode_text(data: bytes) -> tuple[str, str]:
    """The text and how it was decoded. A UTF-8 file with some rows saved by a Windows program is
    decoded sequence by sequence: valid UTF-8 as UTF-8, each byte that is not as Windows-1252, so
    neither half turns into mojibake; the encoding then names the lines read as Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        data, bom = data[3:], "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text" export
        return data.decode("utf-16", errors="replace"), "utf-16"
    else:
        bom = "utf-8"
    try:
        return data.decode("utf-8"), bom
    except UnicodeDecodeError:
        pass
    lines: list[int] = []
    token = _fallback_lines.set(lines)
    try:
        text = data.decode("utf-8", errors=_FALLBACK)
    finally:
        _fallback_lines.reset(token)
    if text.isascii() or not _has_utf8_sequences(data):
        return text, "cp1252"
    shown = ", ".join(str(n) for n in lines[:10]) + (" ..." if len(lines) > 10 else "")
    return text, f"UTF-8 with Windows-1252 on line(s) {shown}"


def _windows_1252(error: UnicodeError) -> tuple[str | bytes, int]:
    """Codec error handler: one undecodable byte read as Windows-1252, its line noted (the first 11)."""
    assert isinstance(error, UnicodeDecodeError)  # registered for decoding only
    lines = _fallback_lines.get()
    if len(lines) <= 10:
        line = error.object.count(b"\n", 0, error.start) + 1
        if line not in lines:
            lines.append(line)
    return bytes(error.object[error.start : error.start + 1]).decode("cp1252", errors="replace"), error.start + 1


_FALLBACK = "claims_intake_windows_1252"
_fallback_lines: ContextVar[list[int]] = ContextVar("fallback_lines")
codecs.register_error(_FALLBACK, _windows_1252)


def _has_utf8_sequences(data: bytes) -> bool:
    """A multi-byte UTF-8 character anywhere (a lead byte followed by continuation bytes)."""
    return _UTF8_SEQUENCE.search(data) is not None


def _count_lines(text: str) -> int:
    return text.count("\n") + (not text.endswith("\n"))
