"""Find a sheet's header row and place its columns (the words: headers.py; the assignment: assign.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .assign import assign_columns
from .cells import is_blank
from .headers import (
    HEADER_ROWS_AFTER,
    MAX_HEADER_COLUMNS,
    SERVICE_DATE,
    ColumnMap,
    level_of,
    match_header,
    named_keys,
    synonyms,
)
from .mapping import ConfirmedMapping


def find_header(rows: list[list[Any]], confirmed: ConfirmedMapping | None = None) -> ColumnMap | None:
    """The row that looks most like the invoice's header row (most distinct elements named), mapped.

    A header row names line-level elements, and claim-level ones either in the row or in a title block
    of 'Label: value' pairs above it (one invoice per sheet). A code list ('HCPCS | Modifier | Rate')
    names line-level elements only and is not an invoice.
    """
    config = synonyms()
    best_row: int | None = None
    best_keys: set[str] = set()
    for row_index, row in enumerate(rows[: config.search_rows]):
        if best_row is not None and row_index > best_row + HEADER_ROWS_AFTER:
            break  # data rows below a header do not name more elements than it
        keys = named_keys(row)
        if len(keys) < config.min_elements or len(keys) <= len(best_keys):
            continue
        levels = {level_of(key) for key in keys}
        if "line" not in levels:
            continue
        if "claim" not in levels and not _title_block_names_claim(rows[:row_index]):
            continue
        best_row, best_keys = row_index, keys
    if best_row is None:
        return None
    header, first_header_row = list(rows[best_row]), None
    if best_row + 1 < len(rows):
        combined = _with_second_header_row(rows[best_row], rows[best_row + 1], best_keys)
        if combined is not None:
            header, first_header_row, best_row = combined, best_row + 1, best_row + 1
    column_map = map_columns(header, best_row + 1, rows, confirmed)
    column_map.first_header_row = first_header_row
    return column_map


def _title_block_names_claim(rows: list[list[Any]]) -> bool:
    for row in rows:
        for value in row[:MAX_HEADER_COLUMNS]:
            match = match_header(value.partition(":")[0]) if value.__class__ is str else None
            if match is not None and level_of(match.key) == "claim":
                return True
    return False


def _with_second_header_row(top: list[Any], below: list[Any], single: set[str]) -> list[Any] | None:
    """A header over two rows ('Service Dates' merged above 'From' | 'To'): both rows' words, if they name more.

    The row below counts as a header row only if it is all text and mostly header words.
    """
    cells = [value for value in below if not is_blank(value)]
    if not cells or not all(isinstance(value, str) for value in cells):
        return None
    named = sum(match_header(value) is not None for value in cells)
    if named < 2 or named < len(cells) - named:
        return None
    combined, parent = [], ""
    for index in range(min(max(len(top), len(below)), MAX_HEADER_COLUMNS)):
        upper = top[index] if index < len(top) else ""
        lower = below[index] if index < len(below) else ""
        parent = upper if not is_blank(upper) else parent  # a merged cell's text is in its first column only
        if is_blank(lower):
            combined.append(upper)
        else:
            joined = f"{parent} {lower}".strip()
            alone, together = match_header(lower), match_header(joined)
            combined.append(joined if together and (alone is None or together.score >= alone.score) else lower)
    if len(named_keys(combined)) <= len(single):
        return None
    return combined


def map_columns(
    header: list[Any], header_row: int, rows: list[list[Any]] | None = None, confirmed: ConfirmedMapping | None = None
) -> ColumnMap:
    """Place every column: the whole column->element assignment chosen jointly from header and content scores.

    `rows` are the sheet's rows (data starts at `header_row`); without them only the header words count.
    Columns a confirmed mapping names are placed as it says. A second column for a one-column element stays
    an extra (and is reported as a duplicate).
    """
    column_map = ColumnMap(header_row, header=list(header))
    fixed = confirmed.for_header(column_map.header, column_map.signature) if confirmed else {}
    assign_columns(column_map, rows or [], fixed)
    _split_service_date_pair(column_map)
    return column_map


def _split_service_date_pair(column_map: ColumnMap) -> None:
    """'Service Date' + 'Service End Date' (or two 'DOS' columns): the first is the start date."""
    keys = column_map.keys()
    if SERVICE_DATE in keys and "service_start_date" not in keys and "service_end_date" in keys:
        (index,) = column_map.columns_for(SERVICE_DATE)
        column_map.columns[index] = replace(column_map.columns[index], key="service_start_date")
