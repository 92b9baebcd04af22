"""DHCS invoice spreadsheets (.xlsx, .xlsm, .xls, .csv) into DHCS claims.

`read_spreadsheet(data, filename, kind, limits)` is called by `claims_intake.extract.extract_bytes`.
Whole-file problems (zip bomb, DTD in the XML, encryption, damage, too many rows, no header row)
raise IntakeError; everything else is an ExtractError naming the sheet, row and column, and the
rest of the file is still read. A sheet whose new layout has doubtful or unplaced columns gets a
"review" entry in its column map (spreadsheet/review.py): the intake holds the upload for staff. `safe_cell()` must wrap provider text written into any CSV/XLSX
the project produces (formula injection).
"""

from __future__ import annotations

import hashlib

from ..errors import IntakeError
from ..gc_pause import gc_paused
from ..limits import Limits
from ..model import ExtractResult, SourceInfo
from .grid import load_grids
from .mapping import ConfirmedMapping
from .review import needs_review, review_of
from .rows import read_sheet


def read_spreadsheet(
    data: bytes, filename: str, kind: str, limits: Limits, mapping: ConfirmedMapping | None = None
) -> ExtractResult:
    """Claims of every invoice sheet. `mapping`: columns someone confirmed (layout memory, a --mapping file)."""
    file_sha = hashlib.sha256(data).hexdigest()
    grids, notes = load_grids(data, filename, kind, limits)
    result = ExtractResult(source=SourceInfo(file=filename, kind=kind, sha256=file_sha, sheets=[g.name for g in grids]))
    sheets = {}
    for grid in grids:
        with gc_paused():
            sheet = read_sheet(grid, filename, file_sha, mapping)
        if sheet.column_map is not None and needs_review(sheet.column_map, sheet.errors, mapping):
            sheet.report["review"] = review_of(sheet.column_map, grid.name, sheet.errors)
        sheets[grid.name] = sheet.report
        result.claims.extend(sheet.claims)
        result.errors.extend(sheet.errors)
    if not any("header_row" in report for report in sheets.values()):
        raise IntakeError(
            "no_header_row",
            f"{filename}: no sheet has a header row naming the DHCS invoice columns (for example 'Invoice Number', "
            "'Member CIN', 'Procedure Code', 'Service Start Date', 'Units', 'Charge Amount'). Use the DHCS invoice template.",
        )
    result.source.column_map = {"sheets": sheets, **({"notes": notes} if notes else {})}
    return result
