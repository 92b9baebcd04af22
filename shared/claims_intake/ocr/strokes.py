"""A units cell (24G) whose only mark is one upright stroke reads '1' when Tesseract gave it nothing.

Tesseract's line model drops a lone '1' at the end of a service line's digit line when the '1' is a
bare stroke (Times or a dot-matrix print, blurred on a phone photo or a 200-dpi scan: the serifs
gone), and "1 visit" is the commonest 24G entry. Here such a cell's ink is looked at directly: one
mark, as tall as the line's characters and a third as wide or narrower, is a '1' (no other digit is
a single stroke: a '0' that lost its thin top and bottom is two strokes, so it is never taken).
The value is read by shape, not by the recogniser: it gets no recogniser confidence (0), so the
calibrated confidence falls below the review threshold and staff verify it.
"""

from __future__ import annotations

import numpy as np

from .levels import INK

UNITS_CELL = "day"  # 24G in the template's field names (day1 .. day6)
LONE_STROKE_CONFIDENCE = 0.0  # no recogniser confidence: calibrated below the review threshold, staff verify it
MAX_WIDTH_SHARE = 0.34  # a stroke's width at most this share of its height
MIN_HEIGHT_SHARE = 0.7  # ... and its height at least this share of the line's tallest mark


def lone_stroke_units(slot_image: np.ndarray, members: list[tuple[str, float, float]], gap: float) -> dict[str, float]:
    """Units cells of one composed service line that hold exactly one upright stroke: {cell: its x}.
    `members` are the line's cells with their spans in the image (each padded by half of `gap`)."""
    import cv2

    ink = slot_image < INK
    if not ink.any():
        return {}
    tallest = _tallest_mark(ink)
    found = {}
    for name, x0, x1 in members:
        if not name.startswith(UNITS_CELL):
            continue
        start, stop = max(int(x0 + gap / 2), 0), min(int(x1 - gap / 2) + 1, ink.shape[1])
        if stop <= start:
            continue
        # join a dot-matrix print's dots (one pixel apart) into their stroke; the dilation adds 2 px
        cell = cv2.dilate(ink[:, start:stop].astype(np.uint8), np.ones((3, 3), np.uint8))
        _, _, stats, _ = cv2.connectedComponentsWithStats(cell, connectivity=8)
        marks = [(int(w) - 2, int(h) - 2, int(left)) for left, _, w, h, _ in stats[1:]]
        marks = [m for m in marks if m[1] >= 0.3 * tallest]  # specks and stray dots are not marks
        if len(marks) != 1:
            continue
        width, height, left = marks[0]
        if height >= MIN_HEIGHT_SHARE * tallest and width <= MAX_WIDTH_SHARE * height:
            found[name] = start + left + width / 2
    return found


def _tallest_mark(ink: np.ndarray) -> int:
    """Height of the line's characters: the tallest mark's (dots of a dot-matrix print joined)."""
    import cv2

    joined = cv2.dilate(ink.astype(np.uint8), np.ones((3, 3), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    if count <= 1:
        return 0
    return int(stats[1:, cv2.CC_STAT_HEIGHT].max()) - 2
