"""Choose the whole column -> element assignment at once, from header and content scores.

Greedy first matches go wrong the moment two columns look alike ('NPI' and 'Rendering NPI'; 'Total
Amount' and 'Invoice Total'): one column takes the element the other one deserved. Here every column
gets a joint score for every element, and scipy's linear_sum_assignment (the Hungarian method) picks
the assignment with the largest total, each element at most once (modifiers up to 4 columns,
diagnoses up to 12). A column stays unplaced when nothing beats the floor, and says why.

Joint score of column c for element e, with header score h (header_words.py) and content score k
(content.py), both 0-1:
    h >= header_accept:  h * (0.6 + 0.4 k)    the header decides, content confirms or doubts
    otherwise:           at most 0.74, from content alone (only kinds a validator recognises: NPI,
                         CIN, HCPCS, ICD-10...): a column placed this way always goes to review.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..elements import all_elements
from .cells import cell_text, column_letter, is_blank
from .content import COMPOSITE_KINDS, CONTENT_ONLY_WEIGHT, ColumnContent, element_kinds, latest_date, sample_values
from .header_words import HeaderScores
from .headers import MAX_HEADER_COLUMNS, ColumnMap, HeaderMatch, header_scores, synonyms

SLOTS = {"procedure_modifiers": 4, "diagnosis_codes": 12}
CONTENT_ONLY_CAP = 0.74
SAMPLES_SHOWN = 3
WIDTH_PROBE_ROWS = 20
Fixed = dict[int, tuple[str | None, int | None]]  # column -> (element or None for 'not an element', number)


def element_slots() -> list[str]:
    keys = [e.key for e in all_elements()] + list(COMPOSITE_KINDS)
    return [key for key in keys for _ in range(SLOTS.get(key, 1))]


def assign_columns(column_map: ColumnMap, rows: list[list[Any]], fixed: Fixed) -> None:
    """Fill column_map.columns, extras, duplicates, unplaced and samples."""
    header, start = column_map.header, column_map.header_row
    width = _width(header, rows[start : start + WIDTH_PROBE_ROWS])
    scores = [header_scores(header[i]) if i < len(header) else HeaderScores({}, {}) for i in range(width)]
    contents = [ColumnContent(sample_values(rows, i, start) if rows else []) for i in range(width)]
    latest = latest_date(contents)
    for content in contents:
        content.latest_date = latest
    column_map.samples = {
        i: [cell_text(v) for v in c.values[:SAMPLES_SHOWN]] for i, c in enumerate(contents) if c.values
    }
    _place_fixed(column_map, fixed, contents)
    taken = {m.key for m in column_map.columns.values() if m.key not in SLOTS}
    free = [i for i in range(width) if i not in fixed and (_has_header(header, i) or contents[i].values)]
    slots = [key for key in element_slots() if key not in taken]
    if free and slots:
        _solve(column_map, free, slots, scores, contents)
    _explain_unplaced(column_map, free, scores, contents)


def _width(header: list[Any], probe: list[list[Any]]) -> int:
    widest = max((len(row) for row in probe), default=0)
    return min(max(len(header), widest), MAX_HEADER_COLUMNS)


def _has_header(header: list[Any], index: int) -> bool:
    return index < len(header) and not is_blank(header[index])


def _place_fixed(column_map: ColumnMap, fixed: Fixed, contents: list[ColumnContent]) -> None:
    for index, (key, number) in fixed.items():
        if key is None:
            if _has_header(column_map.header, index):
                column_map.extras[index] = cell_text(column_map.header[index])
            continue
        content = contents[index].score(key) if index < len(contents) else None
        column_map.columns[index] = HeaderMatch(
            key, 100.0, "confirmed mapping", number, 1.0, None if content is None else round(content, 3), confirmed=True
        )


def joint_score(scores: HeaderScores, content: ColumnContent, key: str) -> tuple[float, float]:
    """(joint 0-1, content 0-1) of one column for one element."""
    config = synonyms()
    header = scores.scores.get(key, 0.0)
    if header >= config.header_accept:
        fit = content.score(key)
        return header * (0.6 + 0.4 * fit), fit
    weight = CONTENT_ONLY_WEIGHT.get(element_kinds()[key], 0.0)
    if not weight or not content.values:
        return 0.0, 0.0
    fit = content.score(key)
    return min(CONTENT_ONLY_CAP, weight * fit + 0.3 * header * fit), fit


def _solve(
    column_map: ColumnMap, free: list[int], slots: list[str], scores: list[HeaderScores], contents: list[ColumnContent]
) -> None:
    floor = synonyms().assign_floor
    keys = list(dict.fromkeys(slots))
    joint = np.zeros((len(free), len(keys)))
    fits = np.zeros((len(free), len(keys)))
    for row, index in enumerate(free):
        for col, key in enumerate(keys):
            joint[row, col], fits[row, col] = joint_score(scores[index], contents[index], key)
    slot_columns = [keys.index(key) for key in slots]
    matrix = joint[:, slot_columns]
    # ties: the earlier column, then the element listed first (billing before rendering NPI) wins
    matrix = matrix - 1e-6 * np.arange(len(free))[:, None] - 1e-8 * np.arange(len(slots))[None, :]
    unplaced = np.full((len(free), len(free)), -1.0)
    np.fill_diagonal(unplaced, floor)
    rows, cols = best_assignment(np.hstack([matrix, unplaced]), slots)
    for row, col in zip(rows, cols, strict=False):
        if col >= len(slots) or matrix[row, col] < floor:
            continue
        index, key = free[row], slots[col]
        k = slot_columns[col]
        phrase = scores[index].phrases.get(key, "")
        header = scores[index].scores.get(key, 0.0)
        column_map.columns[index] = HeaderMatch(
            key,
            round(header * 100, 1),
            phrase,
            scores[index].index if key in SLOTS else None,
            round(float(joint[row, k]), 3),
            round(float(fits[row, k]), 3),
        )


def best_assignment(matrix: np.ndarray, slot_keys: list[str]) -> tuple[list[int], list[int]]:
    """Rows and columns of the assignment with the largest total (each column once).

    When every row's own best column is free of rivals, that is the optimum, exactly: no assignment can
    give a row more. The copies of one element (modifier slots, diagnosis slots, then the unplaced
    columns, which have no key) are interchangeable, so rows that chose copies of one element get
    copies in order. Only when rows compete for one element does the Hungarian method decide (SciPy,
    imported then: it costs ~0.5 s CPU to import, and most sheets never need it)."""
    best = matrix.argmax(axis=1)
    wanted: dict[str, list[int]] = {}
    for row, col in enumerate(best):
        key = slot_keys[col] if col < len(slot_keys) else f"unplaced:{row}"
        wanted.setdefault(key, []).append(row)
    copies: dict[str, list[int]] = {}
    for col, key in enumerate(slot_keys):
        copies.setdefault(key, []).append(col)
    if all(len(rows) <= len(copies.get(key, [0])) for key, rows in wanted.items()):
        cols = [0] * len(best)
        for key, rows in wanted.items():
            for row, col in zip(rows, copies.get(key, [int(best[rows[0]])]), strict=False):
                cols[row] = col
        return list(range(len(best))), cols
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(matrix, maximize=True)
    return [int(r) for r in rows], [int(c) for c in cols]


def _explain_unplaced(
    column_map: ColumnMap, free: list[int], scores: list[HeaderScores], contents: list[ColumnContent]
) -> None:
    """Why each column with a header or values was left out; a column another one beat is a duplicate."""
    accept = synonyms().header_accept
    placed_by_key: dict[str, list[int]] = {}
    for index, match in column_map.columns.items():
        placed_by_key.setdefault(match.key, []).append(index)
    duplicates: dict[str, list[int]] = {}
    for index in free:
        if index in column_map.columns:
            continue
        header = column_map.header
        if _has_header(header, index):
            column_map.extras[index] = cell_text(header[index])
        best = scores[index].best()
        if best and best[1] >= accept and best[0] in placed_by_key and best[0] not in SLOTS:
            winner = placed_by_key[best[0]][0]
            column_map.unplaced[index] = f"its header names {best[0]}, which column {column_letter(winner)} holds"
            duplicates.setdefault(best[0], [winner]).append(index)
            continue
        column_map.unplaced[index] = _why_not(scores[index], contents[index], best)
        column_map.could_hold[index] = _could_hold(scores[index], contents[index])
    column_map.duplicates = [(key, sorted(indexes)) for key, indexes in duplicates.items()]


CANDIDATE_FIT = 0.4


def _could_hold(scores: HeaderScores, content: ColumnContent) -> set[str]:
    """Elements an unplaced column might hold: its values fit their format, or (text) its header partly names them."""
    if not content.values:
        return set()
    kinds = element_kinds()
    return {
        key
        for key, kind in kinds.items()
        if (kind == "text" and key in scores.scores)
        or (
            kind != "text"
            and (key in scores.scores or CONTENT_ONLY_WEIGHT.get(kind))
            and content.score(key) >= CANDIDATE_FIT
        )
    }


def _why_not(scores: HeaderScores, content: ColumnContent, best: tuple[str, float] | None) -> str:
    words = (
        "its header names no invoice element"
        if best is None
        else f"its header only partly names {best[0]} ({best[1]:.2f})"
    )
    if not content.values:
        return words + " and the column is empty"
    fits = {key: content.score(key) for key in element_kinds() if CONTENT_ONLY_WEIGHT.get(element_kinds()[key])}
    key = max(fits, key=fits.__getitem__) if fits else None
    if key is None or fits[key] < CANDIDATE_FIT:
        return words + " and its values fit no element's format"
    if fits[key] < 0.8:
        return words + f" and only {fits[key]:.0%} of its values fit {key}"
    return words + f" and its values look like {key} ({fits[key]:.0%} fit), which another column holds"
