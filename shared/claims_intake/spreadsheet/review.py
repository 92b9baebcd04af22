"""Which sheets of an upload need staff to confirm their column mapping, and what staff are shown.

A sheet needs review when its layout (header signature) is not one staff already confirmed for the
provider, and a column was placed with a joint score under `review_below` or a required element was
left unplaced while a column that may hold it could not be placed (`unmapped_columns`). Staff see
every column: its header, a few values, the proposed element and why.
"""

from __future__ import annotations

from typing import Any

from ..model import ExtractError
from .cells import cell_text, column_letter
from .headers import ColumnMap, synonyms
from .mapping import ConfirmedMapping, spec_text


def needs_review(column_map: ColumnMap, errors: list[ExtractError], mapping: ConfirmedMapping | None) -> bool:
    if mapping is not None and mapping.knows(column_map.signature):
        return False
    return bool(column_map.doubtful()) or any(e.code == "unmapped_columns" for e in errors)


def review_of(column_map: ColumnMap, sheet: str, errors: list[ExtractError]) -> dict[str, Any]:
    """The proposal staff confirm: every column with header, samples, proposed element, scores and why."""
    floor = synonyms().review_below
    header = column_map.header
    indexes = sorted(set(column_map.columns) | set(column_map.unplaced) | set(column_map.extras))
    columns = []
    for index in indexes:
        match = column_map.columns.get(index)
        entry: dict[str, Any] = {
            "column": column_letter(index),
            "header": cell_text(header[index]) if index < len(header) else "",
            "samples": column_map.samples.get(index, []),
            "proposed": spec_text((match.key, match.index)) if match else None,
        }
        if match:
            entry.update(match=match.match, content=match.content, doubtful=bool((match.match or 0) < floor))
        else:
            entry.update(why=column_map.unplaced.get(index, "not an invoice element"))
        columns.append(entry)
    problems = [e.message for e in errors if e.code == "unmapped_columns"]
    return {
        "sheet": sheet,
        "signature": column_map.signature,
        "header_row": column_map.header_row,
        "columns": columns,
        "problems": problems,
    }
