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
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from ..catalog import plans_data
from ..elements import element
from .cells import cell_text, column_letter, is_blank
from .header_words import HeaderScores, normalize_header, score_header

# Column kinds that are not one DHCS element (see header_synonyms.yaml).
SERVICE_DATE, MEMBER_NAME, MINUTES = "service_date", "member_name", "minutes"
SURE_HEADER = 90.0  # a header score (0-100) from which the header alone settles which element a column holds
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


def match_score_threshold() -> float:
    """The one match-score setting (plans.yaml check.match_score_threshold): a column placed below it goes to
    staff mapping review on a new layout, and its values are doubtful for the check (check.doubt)."""
    return float(plans_data()["check"]["match_score_threshold"])


@cache
def synonyms() -> Synonyms:
    config = yaml.safe_load(resources.files("claims_intake").joinpath("data/header_synonyms.yaml").read_text("utf-8"))
    return Synonyms(
        threshold=float(config["fuzzy_threshold"]),
        header_accept=float(config["header_accept"]),
        assign_floor=float(config["assign_floor"]),
        review_below=match_score_threshold(),
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
        """Columns whose *placement* is in doubt: a joint score under the review threshold from a header that
        does not name the element surely. A sure header over odd values is a value problem (the values'
        match_score and the check's doubt), not a mapping to review."""
        config = synonyms()
        return [
            i
            for i, m in sorted(self.columns.items())
            if not m.confirmed and (m.match or 0) < config.review_below and m.score < SURE_HEADER
        ]

    def describe(self) -> dict[str, Any]:
        header = self.header
        mapped = [
            {
                "column": column_letter(i),
                "header": cell_text(header[i]) if i < len(header) else "",
                "element": m.key,
                "score": m.score,
                **({"matched": m.phrase} if m.score < 100 and m.phrase else {}),
                **({"number": m.index} if m.index else {}),
                "match": m.match,
                "content": m.content,
                **({"confirmed": True} if m.confirmed else {}),
            }
            for i, m in sorted(self.columns.items())
        ]
        extras = [{"column": column_letter(i), "header": text} for i, text in sorted(self.extras.items())]
        unplaced = [
            {"column": column_letter(i), "header": cell_text(header[i]) if i < len(header) else "", "why": why}
            for i, why in sorted(self.unplaced.items())
        ]
        rows = {"header_rows": [self.first_header_row, self.header_row]} if self.first_header_row else {}
        return {
            "header_row": self.header_row,
            **rows,
            "columns": mapped,
            "extras": extras,
            **({"unplaced": unplaced} if unplaced else {}),
            "signature": self.signature,
        }


def named_keys(row: list[Any]) -> set[str]:
    """The elements a row's cells name by their words (cheap: what the header row search counts)."""
    keys = set()
    for value in row[:MAX_HEADER_COLUMNS]:
        if value.__class__ is str and len(value) <= MAX_HEADER_LENGTH and (match := match_header(value)) is not None:
            keys.add(match.key)
    return keys
