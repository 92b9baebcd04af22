"""Excel error values (#DIV/0!, #REF!, #N/A, ...) in .xlsx/.xlsm cells.

python-calamine reads an error cell as an empty string (dimastbk/python-calamine#105), so a broken
formula in the charge column would reach the provider as "charge amount missing". Error cells are
stored as <c t="e"><v>#REF!</v></c> in the sheet XML: guard.check_office_zip notes the sheets that
contain any while it unpacks them, and only those are parsed here (defusedxml), so the message can
name the error and the cell. Legacy .xls files keep calamine's reading (errors read as empty cells).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from io import BytesIO

import defusedxml.ElementTree as SafeET

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REFERENCE = re.compile(r"([A-Z]+)(\d+)")

ErrorCells = dict[tuple[int, int], str]  # (row index, column index), both from 0 -> "#DIV/0!"


def error_cells(data: bytes, parts: set[str]) -> dict[str, ErrorCells]:
    """For each sheet (by name) whose part is in `parts` (guard.check_office_zip saw t="e" in them):
    where its error cells are and what they show."""
    found: dict[str, ErrorCells] = {}
    if not parts:
        return found
    with zipfile.ZipFile(BytesIO(data)) as archive:
        for name, part in _sheet_parts(archive).items():
            if part in parts:
                found[name] = _errors_in(archive.read(part))
    return found


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part in the zip (xl/workbook.xml names the sheets, its rels the parts)."""
    workbook = SafeET.fromstring(archive.read("xl/workbook.xml"), forbid_dtd=True)
    rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"), forbid_dtd=True)
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_PACKAGE_REL}Relationship")}
    parts: dict[str, str] = {}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id", ""), "")
        if target:
            parts[sheet.get("name", "")] = (
                target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            )
    return parts


def _errors_in(xml: bytes) -> ErrorCells:
    errors: ErrorCells = {}
    for _, cell in SafeET.iterparse(BytesIO(xml), forbid_dtd=True):
        if cell.tag != f"{_MAIN}c":
            continue
        if cell.get("t") == "e":
            reference = _REFERENCE.fullmatch(cell.get("r", ""))
            value = cell.find(f"{_MAIN}v")
            if reference and value is not None and value.text:
                errors[(int(reference.group(2)) - 1, _column_index(reference.group(1)))] = value.text
        cell.clear()
    return errors


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1
