"""Find the header row and decide which column holds which DHCS element.

Header words vary between providers ('Member CIN', 'Medi-Cal ID', 'CIN #'). A header cell is
normalized and matched against the phrases in data/header_synonyms.yaml: an exact phrase scores
100, otherwise rapidfuzz's token_sort_ratio must reach the configured threshold. Each mapping
keeps its score so the column map shows how sure the match was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from ..elements import all_elements, element
from .cells import cell_text, column_letter, is_blank

# Column kinds that are not one DHCS element (see header_synonyms.yaml).
SERVICE_DATE, MEMBER_NAME, MINUTES = "service_date", "member_name", "minutes"
MAX_HEADER_COLUMNS = 256  # an invoice has a few dozen columns; beyond this a header cell is not matched
COMPOSITE_LEVEL = {SERVICE_DATE: "line", MEMBER_NAME: "claim", MINUTES: "line"}

_FORMAT_HINT = re.compile(r"\((mm|m)/(dd|d)/(yyyy|yy)\)|\bmm/dd/yyyy\b|\(s\)|\(optional\)|\(required\)|\*")
_NUMBER_WORDS = re.compile(r"#|\bno\.|\bno\b(?=\s*$)|\bnbr\b|\bnum\b")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_TRAILING_INDEX = re.compile(r"\s+(\d|[a-d])$")


@dataclass(frozen=True)
class Synonyms:
    phrases: dict[str, str]  # normalized phrase -> element key
    threshold: float
    min_elements: int
    search_rows: int
    multi_column: frozenset[str]
    may_be_absent: dict[str, str]
    total_words: frozenset[str]


@cache
def synonyms() -> Synonyms:
    config = yaml.safe_load(resources.files("claims_intake").joinpath("data/header_synonyms.yaml").read_text("utf-8"))
    phrases: dict[str, str] = {}
    for element_info in all_elements():
        phrases[normalize_header(element_info.label)] = element_info.key
    for key, words in config["synonyms"].items():
        for word in words:
            phrases.setdefault(normalize_header(word), key)
    return Synonyms(
        phrases=phrases,
        threshold=float(config["fuzzy_threshold"]),
        min_elements=int(config["header_min_elements"]),
        search_rows=int(config["header_search_rows"]),
        multi_column=frozenset(config["multi_column"]),
        may_be_absent=dict(config["may_be_absent"]),
        total_words=frozenset(normalize_header(w) for w in config["total_words"]),
    )


def normalize_header(text: Any) -> str:
    """'CIN #' -> 'cin number'; 'Member Date of Birth (MM/DD/YYYY)' -> 'member date of birth'."""
    text = str(text).lower().replace("&", " and ")
    text = _FORMAT_HINT.sub(" ", text)
    text = _NUMBER_WORDS.sub(" number ", text)
    text = text.replace("medi-cal", "medi cal").replace("e-mail", "email")
    return " ".join(_NON_WORD.sub(" ", text).split())


@dataclass(frozen=True)
class HeaderMatch:
    key: str
    score: float
    phrase: str


def match_header(text: Any) -> HeaderMatch | None:
    """The element a header cell names, with a score 0-100; None when nothing is close enough.

    'Tax ID (TIN)' is tried whole, without the parentheses ('Tax ID') and as what they hold ('TIN').
    """
    if is_blank(text) or not isinstance(text, str) or len(text) > 120:
        return None
    variants = [text]
    if match := _PARENTHESES.search(text):
        variants += [_PARENTHESES.sub(" ", text), match.group(1)]
    best = None
    for variant in variants:
        found = _match_one(normalize_header(variant))
        if found and (best is None or found.score > best.score):
            best = found
    return best


_PARENTHESES = re.compile(r"\(([^)]*)\)")


@lru_cache(maxsize=4096)
def _match_one(normalized: str) -> HeaderMatch | None:
    config = synonyms()
    if not normalized:
        return None
    if normalized in config.phrases:
        return HeaderMatch(config.phrases[normalized], 100.0, normalized)
    indexed = _TRAILING_INDEX.sub("", normalized)  # 'Modifier 3', 'Dx B': one of several columns
    if indexed != normalized and config.phrases.get(indexed) in config.multi_column:
        return HeaderMatch(config.phrases[indexed], 100.0, indexed)
    candidates = process.extract(normalized, config.phrases.keys(), scorer=fuzz.token_sort_ratio,
                                 score_cutoff=config.threshold, limit=5)
    for phrase, score, _ in candidates:
        if _kind_words(phrase) == _kind_words(normalized):
            return HeaderMatch(config.phrases[phrase], round(score, 1), phrase)
    return None


# Words that say what kind of value a column holds: a fuzzy match must agree on them, so
# 'Rendering Provider Name' is not taken for 'Rendering Provider NPI' (91% alike as text).
_KIND_WORDS = frozenset({"npi", "tin", "name", "date", "dob", "zip", "city", "state", "phone", "address", "code",
                         "number", "id", "amount", "cost", "rate", "units", "minutes", "first", "last", "from", "to"})


def _kind_words(text: str) -> frozenset[str]:
    return _KIND_WORDS.intersection(text.split())


def level_of(key: str) -> str:
    return COMPOSITE_LEVEL.get(key) or element(key).level


@dataclass
class ColumnMap:
    """Which column of a sheet became which element, and what was left as an extra."""

    header_row: int  # 1-based sheet row of the (last) header row: data starts below it
    header: list[Any] = field(default_factory=list)  # each column's header text
    first_header_row: int | None = None  # set when the header spans two rows
    columns: dict[int, HeaderMatch] = field(default_factory=dict)  # column index -> element
    extras: dict[int, str] = field(default_factory=dict)  # column index -> header text
    duplicates: list[tuple[str, list[int]]] = field(default_factory=list)  # element, its columns

    def columns_for(self, key: str) -> list[int]:
        return [index for index, match in self.columns.items() if match.key == key]

    def keys(self) -> set[str]:
        return {match.key for match in self.columns.values()}

    def describe(self) -> dict[str, Any]:
        header = self.header
        mapped = [
            {"column": column_letter(i), "header": cell_text(header[i]), "element": m.key, "score": m.score,
             **({"matched": m.phrase} if m.score < 100 else {})}
            for i, m in sorted(self.columns.items())
        ]
        extras = [{"column": column_letter(i), "header": text} for i, text in sorted(self.extras.items())]
        rows = {"header_rows": [self.first_header_row, self.header_row]} if self.first_header_row else {}
        return {"header_row": self.header_row, **rows, "columns": mapped, "extras": extras}


def find_header(rows: list[list[Any]]) -> ColumnMap | None:
    """The row that looks most like the invoice's header row (most distinct elements named)."""
    config = synonyms()
    best: ColumnMap | None = None
    for row_index, row in enumerate(rows[: config.search_rows]):
        candidate = map_columns(row, row_index + 1)
        keys = candidate.keys()
        levels = {level_of(key) for key in keys}
        if len(keys) < config.min_elements or levels != {"claim", "line"}:
            continue
        if best is None or len(keys) > len(best.keys()):
            best = candidate
    if best is not None and best.header_row < len(rows):
        return _with_second_header_row(best, rows[best.header_row - 1], rows[best.header_row]) or best
    return best


def _with_second_header_row(single: ColumnMap, top: list[Any], below: list[Any]) -> ColumnMap | None:
    """A header over two rows ('Service Dates' merged above 'From' | 'To'): the map of both, if better.

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
    two_rows = map_columns(combined, single.header_row + 1)
    if len(two_rows.keys()) <= len(single.keys()):
        return None
    two_rows.first_header_row = single.header_row
    return two_rows


def map_columns(header: list[Any], header_row: int) -> ColumnMap:
    """Map each header cell; a second column for a one-column element stays an extra (and is reported)."""
    column_map = ColumnMap(header_row, header=list(header))
    matches = {i: match_header(cell) if i < MAX_HEADER_COLUMNS else None for i, cell in enumerate(header)}
    claimed: dict[str, list[int]] = {}
    found: dict[int, HeaderMatch] = {}
    for index, match in matches.items():
        if match is None:
            if not is_blank(header[index]):
                column_map.extras[index] = cell_text(header[index])
            continue
        found[index] = match
        claimed.setdefault(match.key, []).append(index)
    for key, indexes in claimed.items():
        if key in synonyms().multi_column or len(indexes) == 1:
            for index in indexes:
                column_map.columns[index] = found[index]
            continue
        keep = max(indexes, key=lambda i: (found[i].score, -i))
        column_map.columns[keep] = found[keep]
        for index in indexes:
            if index != keep:
                column_map.extras[index] = cell_text(header[index])
        column_map.duplicates.append((key, indexes))
    _split_service_date_pair(column_map)
    return column_map


def _split_service_date_pair(column_map: ColumnMap) -> None:
    """'Service Date' + 'Service End Date' (or two 'DOS' columns): the first is the start date."""
    keys = column_map.keys()
    if SERVICE_DATE in keys and "service_start_date" not in keys and "service_end_date" in keys:
        (index,) = column_map.columns_for(SERVICE_DATE)
        match = column_map.columns[index]
        column_map.columns[index] = HeaderMatch("service_start_date", match.score, match.phrase)
