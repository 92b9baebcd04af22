"""Extract DHCS claims from one upload: detect its kind, apply the limits, hand it to the reader.

Readers (`spreadsheet.read_spreadsheet`, `ocr.read_scan`) return an ExtractResult with per-cell or
per-box errors; a file that cannot be read at all raises IntakeError with a code and a message that
tells the provider what to send instead.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from .budget import time_budget
from .errors import IntakeError
from .filetypes import EXTENSION_KINDS, SCAN_KINDS, SPREADSHEET_KINDS, detect_kind, extension, extension_matches
from .limits import Limits, default_limits
from .model import ExtractResult

if TYPE_CHECKING:
    from .spreadsheet.mapping import ConfirmedMapping

__all__ = ["IntakeError", "check_upload", "extract_bytes", "extract_file"]


def extract_file(
    path: str | Path, limits: Limits | None = None, mapping: ConfirmedMapping | None = None
) -> ExtractResult:
    path = Path(path)
    limits = limits or default_limits()
    try:
        size = path.stat().st_size
    except OSError as error:
        raise IntakeError("unreadable", f"{path.name}: cannot be opened ({error.strerror})") from None
    if size > limits.max_file_bytes:
        raise _too_large(path.name, size, limits)
    return extract_bytes(path.read_bytes(), path.name, limits, mapping)


def extract_bytes(
    data: bytes, filename: str, limits: Limits | None = None, mapping: ConfirmedMapping | None = None
) -> ExtractResult:
    """`mapping`: spreadsheet columns someone confirmed (the layout memory, a --mapping file)."""
    limits = limits or default_limits()
    kind = check_upload(data, filename, limits)
    with time_budget(limits.max_seconds_per_file, filename):
        if kind in SPREADSHEET_KINDS:
            from .spreadsheet.reader import read_spreadsheet

            result = read_spreadsheet(data, filename, kind, limits, mapping)
        else:
            from .ocr.scan import read_scan

            result = read_scan(data, filename, kind, limits)
    result.source.sha256 = result.source.sha256 or hashlib.sha256(data).hexdigest()  # the scan reader's own
    return result


def check_upload(data: bytes, filename: str, limits: Limits) -> str:
    """The file's kind, or IntakeError when it is empty, too large or of no kind we read."""
    if not data:
        raise IntakeError("empty_file", f"{filename}: the file is empty (0 bytes). Upload the invoice or claim again.")
    if len(data) > limits.max_file_bytes:
        raise _too_large(filename, len(data), limits)
    kind = detect_kind(data, filename)
    if kind is None:
        claimed = EXTENSION_KINDS.get(extension(filename))
        what = (
            f"is named .{extension(filename)} but is not a readable {claimed} file"
            if claimed
            else "is not a type we read"
        )
        raise IntakeError(
            "unsupported_type",
            f"{filename}: {what}. Send the DHCS invoice as .xlsx or .csv, or the CMS-1500 as PDF, TIFF, PNG or JPEG.",
        )
    if kind not in SPREADSHEET_KINDS | SCAN_KINDS:
        raise IntakeError("unsupported_type", f"{filename}: {kind} files are not accepted.")
    if not extension_matches(filename, kind):
        # A file that says one thing and is another is how polyglots and mislabelled exports arrive;
        # reading it as its content would surprise the provider and whoever opens it after us.
        raise IntakeError(
            "wrong_extension",
            f"{filename}: the name says .{extension(filename)} but the file is {KIND_NAMES[kind]}. "
            f"Save it again with the right type (.{kind}) and upload it again.",
        )
    return kind


KIND_NAMES = {
    "xlsx": "an Excel workbook (.xlsx)",
    "xlsm": "a macro-enabled Excel workbook (.xlsm)",
    "xls": "an Excel 97-2003 workbook (.xls)",
    "csv": "text (CSV)",
    "pdf": "a PDF",
    "tiff": "a TIFF image",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
}


def _too_large(filename: str, size: int, limits: Limits) -> IntakeError:
    return IntakeError(
        "file_too_large",
        f"{filename}: {size / 1048576:.1f} MiB is over the {limits.max_file_bytes / 1048576:.0f} MiB limit. "
        "Split the upload into smaller files.",
    )
