"""Find the header row and decide which column holds which DHCS element.

Header words vary between providers ('Member CIN', 'Medi-Cal ID', 'Client Index #'). A header cell's
words become canonical tokens and are scored against every element (header_words.py); the column's
values are scored against every element's validator (content.py); the whole assignment of columns to
elements is chosen jointly (assign.py). Each placed column keeps its header, content and joint scores,
so the column map shows how sure the reader was and why a column was left unplaced.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from ..elements import element
from .cells import cell_text, column_letter, is_blank
from .header_words import HeaderScores, normalize_header, score_header

if TYPE_CHECKING:
    from .mapping import ConfirmedMapping

# Column kinds that are not one DHCS element (see header_synonyms.yaml).
SERVICE_DATE, MEMBER_NAME, MINUTES = "service_date", "member_name", "minutes"
MAX_HEADER_LENGTH = 80  # longer text is a note or a title, not a column header
HEADER_ROWS_AFTER = 3  # rows still looked at below the best header row so far (a group row above a header)
MAX_HEADER_COLUMNS = 256  # an invoice has a few dozen columns; beyond this a header cell is not matched
COMPOSITE_LEVEL = {SERVICE_DATE: "line", MEMBER_NAME: "claim", MINUTES: "line"}



@dataclass(frozen=True)
class Synonyms:
    threshold: float
    header_accept: float
    assign_floor: float
    review_below: float
    min_elements: int
    search_rows: int
    multi_column: frozenset[str]
    may_be_absent: dict[str, str]
    total_words: frozenset[str]


@cache
def synonyms() -> Synonyms:
    config = yaml.safe_load(resources.files("claims_intake").joinpath("data/header_synonyms.yaml").read_text("utf-8"))
    return Synonyms(
        threshold=float(config["fuzzy_threshold"]),
        header_accept=float(config["header_accept"]),
        assign_floor=float(config["assign_floor"]),
        review_below=float(config["review_below"]),
        min_elements=int(config["header_min_elements"]),
        search_rows=int(config["header_search_rows"]),
        multi_column=frozenset(config["multi_column"]),
        may_be_absent=dict(config["may_be_absent"]),
        total_words=frozenset(normalize_header(w) for w in config["total_words"]),
    )


@dataclass(frozen=True)
class HeaderMatch:
    key: str
    score: float  # 0-100: how well the header's words name the element
    phrase: str
    index: int | None = None  # the number of a numbered header ('Modifier 2')
    match: float | None = None  # 0-1: header and content together (Provenance.match_score)
    content: float | None = None  # 0-1: how well the column's values fit the element's validator
    confirmed: bool = False  # placed by a mapping staff confirmed (or a --mapping file)


def header_scores(text: Any) -> HeaderScores:
    """Every element a header cell may name, with 0-1 scores. 'Tax ID (TIN)' is tried whole, without the
    parentheses ('Tax ID') and as what they hold ('TIN')."""
    if is_blank(text) or not isinstance(text, str) or len(text) > 120:
        return HeaderScores({}, {})
    return _header_scores(text)


@lru_cache(maxsize=8192)
def _header_scores(text: str) -> HeaderScores:
    variants = [text]
    if match := _PARENTHESES.search(text):
        variants += [_PARENTHESES.sub(" ", text), match.group(1)]
    best = HeaderScores({}, {})
    for variant in variants:
        found = score_header(normalize_header(variant))
        if found.scores and max(found.scores.values()) > max(best.scores.values(), default=0):
            best = found
    return best


def match_header(text: Any) -> HeaderMatch | None:
    """The element a header cell names by its words alone, with a score 0-100; None when nothing is close enough."""
    scores = header_scores(text)
    best = scores.best()
    if best is None or best[1] < synonyms().header_accept:
        return None
    key, score = best
    return HeaderMatch(key, round(score * 100, 1), scores.phrases[key], scores.index)


_PARENTHESES = re.compile(r"\(([^)]*)\)")


def level_of(key: str) -> str:
    return COMPOSITE_LEVEL.get(key) or element(key).level


@dataclass
class ColumnMap:
    """Which column of a sheet became which element, and what was left as an extra (and why)."""

    header_row: int  # 1-based sheet row of the (last) header row: data starts below it
    header: list[Any] = field(default_factory=list)  # each column's header text
    first_header_row: int | None = None  # set when the header spans two rows
    columns: dict[int, HeaderMatch] = field(default_factory=dict)  # column index -> element
    extras: dict[int, str] = field(default_factory=dict)  # column index -> header text
    duplicates: list[tuple[str, list[int]]] = field(default_factory=list)  # element, its columns
    unplaced: dict[int, str] = field(default_factory=dict)  # column index -> why it was not placed
    could_hold: dict[int, set[str]] = field(default_factory=dict)  # unplaced column -> elements its values fit
    samples: dict[int, list[str]] = field(default_factory=dict)  # column index -> a few values (mapping review)

    def columns_for(self, key: str) -> list[int]:
        """The columns of an element, numbered headers in the order of their numbers."""
        found = [(match.index or 0, index) for index, match in self.columns.items() if match.key == key]
        return [index for _, index in sorted(found)]

    def keys(self) -> set[str]:
        return {match.key for match in self.columns.values()}

    @property
    def signature(self) -> str:
        """The layout's fingerprint: its header cells, normalized, in order (what the layout memory is keyed by)."""
        cells = [normalize_header(cell_text(value)) for value in self.header[:MAX_HEADER_COLUMNS]]
        while cells and not cells[-1]:
            cells.pop()
        return hashlib.sha256("|".join(cells).encode()).hexdigest()[:16]

    def doubtful(self) -> list[int]:
        """Columns placed with a joint score under the review threshold (not confirmed by staff)."""
        floor = synonyms().review_below
        return [i for i, m in sorted(self.columns.items()) if not m.confirmed and (m.match or 0) < floor]

    def describe(self) -> dict[str, Any]:
        header = self.header
        mapped = [
            {"column": column_letter(i), "header": cell_text(header[i]) if i < len(header) else "", "element": m.key,
             "score": m.score, **({"matched": m.phrase} if m.score < 100 and m.phrase else {}),
             **({"number": m.index} if m.index else {}), "match": m.match, "content": m.content,
             **({"confirmed": True} if m.confirmed else {})}
            for i, m in sorted(self.columns.items())
        ]
        extras = [{"column": column_letter(i), "header": text} for i, text in sorted(self.extras.items())]
        unplaced = [{"column": column_letter(i), "header": cell_text(header[i]) if i < len(header) else "", "why": why}
                    for i, why in sorted(self.unplaced.items())]
        rows = {"header_rows": [self.first_header_row, self.header_row]} if self.first_header_row else {}
        return {"header_row": self.header_row, **rows, "columns": mapped, "extras": extras,
                **({"unplaced": unplaced} if unplaced else {}), "signature": self.signature}


def named_keys(row: list[Any]) -> set[str]:
    """The elements a row's cells name by their words (cheap: what the header row search counts)."""
    keys = set()
    for value in row[:MAX_HEADER_COLUMNS]:
        if value.__class__ is str and len(value) <= MAX_HEADER_LENGTH and (match := match_header(value)) is not None:
            keys.add(match.key)
    return keys


def find_header(rows: list[list[Any]], confirmed: "ConfirmedMapping | None" = None) -> ColumnMap | None:
    """The row that looks most like the invoice's header row (most distinct elements named), mapped.

    A header row names line-level elements, and claim-level ones either in the row or in a title block
    of 'Label: value' pairs above it (one invoice per sheet). A code list ('HCPCS | Modifier | Rate')
    names line-level elements only and is not an invoice.
    """
    config = synonyms()
    best_row, best_keys = None, set()
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
            if value.__class__ is str and (match := match_header(value.partition(":")[0])) is not None:
                if level_of(match.key) == "claim":
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


def map_columns(header: list[Any], header_row: int, rows: list[list[Any]] | None = None,
                confirmed: "ConfirmedMapping | None" = None) -> ColumnMap:
    """Place every column: the whole column->element assignment chosen jointly from header and content scores.

    `rows` are the sheet's rows (data starts at `header_row`); without them only the header words count.
    Columns a confirmed mapping names are placed as it says. A second column for a one-column element stays
    an extra (and is reported as a duplicate).
    """
    from .assign import assign_columns

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
