"""Small cell helpers: column letters, blank tests, and formula-injection-safe output cells."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

# A cell starting with one of these is run as a formula by Excel/LibreOffice/Sheets when a CSV is
# opened (CSV injection, OWASP). Tab and carriage return start DDE payloads in some versions.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value` made safe to write into a CSV or XLSX cell the project produces.

    Text that a spreadsheet would run as a formula is prefixed with an apostrophe (shown as
    text, per OWASP's CSV injection guidance); numbers, dates and booleans pass unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def is_blank(value: Any) -> bool:
    if value is None or value == "":
        return True
    return value.__class__ is str and value.isspace()  # hot path: called for every cell


def cell_text(value: Any) -> str:
    """A cell as the provider sees it (for messages and Provenance.raw)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
