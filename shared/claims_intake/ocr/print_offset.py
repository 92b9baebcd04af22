"""Where the typing lies against the form: a printer feeding pre-printed CMS-1500 stock prints every value a
millimetre or a few off its box (the page registration finds the form, not the typing).

The typing left once the form's own ink is gone is laid, at every shift within `SEARCH_PT`, over the
rectangles of the boxes the reader reads (the template's widgets, each less its inner margin); the shift that
puts most typing inside them is the print offset. The service lines' 7-pt cells and their shaded rows, which no
box of the reader covers, make a shift of a row or a cell score far below the true one. Large free-text boxes
hold their value over a few points either way, so the best shifts form a plateau: down the page its centre is
taken; along the rows the cells alone decide, and the rightmost of their best shifts (a value is printed from
its box's left margin). A shift is taken only when it puts clearly more typing inside the boxes than none
(`MIN_GAIN`): a page printed in place keeps its boxes where they are.

At 75 dpi (about a point a pixel): every shift's score is the sum, over the boxes, of the typing inside
the shifted rectangle, read from one summed-area table.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from PIL import Image

from ..cms1500.template import PAGE_HEIGHT_PT, PAGE_WIDTH_PT, read_fields, text_boxes
from .levels import INK
from .profile_fit import Registration

COARSE_DPI = 75
SEARCH_PT = 14.0  # about 5 mm either way: beyond that a value sits in the next box
MIN_GAIN = 0.015  # share of all typing that must move inside the boxes for a shift to be taken
MIN_SHIFT_PT = 1.5  # nearer than this the boxes' padding already holds the typing
MIN_TYPING_PIXELS = 400  # a page with less typing than this (at 75 dpi) keeps its boxes
PLATEAU = 0.1  # shifts within this share of the best's gain (over none) of the best are as good as the best
CELLS_PLATEAU = 0.03  # along the rows, where the rightmost such shift is taken (a wider one leans right of it)
MAX_CELL_LENGTH = 4  # a box for this many characters or fewer is a cell: dates, place of service, units
INSET_PT = (2.0, 1.5)  # each box's rectangle less this margin left and right, top and bottom


def print_offset(source: Image.Image, registration: Registration, form_ink: np.ndarray) -> tuple[float, float]:
    """(dx, dy) in template points to add to every box to find its typing; (0, 0) when the typing is in place.

    `source`: the drop-out source page (grey: a grey page's form is still printed); `form_ink`: the blank
    form's ink at 75 dpi (`coarse_form_ink`), taken out of the page's dark pixels."""
    typing = _typing(source, registration) & ~form_ink
    total = int(typing.sum())
    if total < MIN_TYPING_PIXELS:
        return 0.0, 0.0
    scores, reach = _scores(typing, _box_pixels())
    best, in_place = float(scores.max()), float(scores[reach, reach])
    dy, dx = 0.0, 0.0
    if best - in_place >= MIN_GAIN * total:
        near = np.argwhere(scores >= best - PLATEAU * (best - in_place)) - reach
        dy, dx = near.mean(axis=0)
    # else the page's typing fits its boxes as well where it is: along the rows the wide free-text boxes hold a
    # line moved right, so only the cells can tell (an amount moved 4 pt right crosses its dollars/cents rule)
    # Along the rows the cells decide, and the rightmost of their best shifts: a value is printed from its
    # box's left margin, so the boxes can move left of it by their free room and still hold it, not right
    # (a free-text value may also run to the right margin: the whole page's plateau leaned towards none).
    cells = _scores(typing, _box_pixels(cells_only=True), row=round(dy))[0][0]
    cells_best, cells_in_place = float(cells.max()), float(cells[reach])
    if cells_best - cells_in_place >= MIN_GAIN * cells_best:
        dx = int(np.nonzero(cells >= cells_best - CELLS_PLATEAU * (cells_best - cells_in_place))[0].max()) - reach
    scale = 72 / COARSE_DPI
    dx_pt, dy_pt = dx * scale, dy * scale
    if max(abs(dx_pt), abs(dy_pt)) < MIN_SHIFT_PT:
        return 0.0, 0.0
    return dx_pt, dy_pt


def _typing(source: Image.Image, registration: Registration) -> np.ndarray:
    """The page's dark pixels at 75 dpi in template coordinates."""
    size = _coarse_size()
    page = source.transform(
        size,
        Image.Transform.PERSPECTIVE,
        registration.perspective_for(COARSE_DPI),
        resample=Image.Resampling.BILINEAR,
        fillcolor=255,
    )
    return np.asarray(page, dtype=np.uint8) < INK


def _coarse_size() -> tuple[int, int]:
    """(width, height) of the template page at 75 dpi."""
    return round(PAGE_WIDTH_PT * COARSE_DPI / 72), round(PAGE_HEIGHT_PT * COARSE_DPI / 72)


def coarse_form_ink(form_ink: np.ndarray) -> np.ndarray:
    """The blank form's ink at 300 dpi (template pixels, already widened for registration error) at 75 dpi:
    any ink in a pixel's 4 x 4 block, widened by one more pixel."""
    import cv2

    width, height = _coarse_size()
    block = form_ink[: height * 4, : width * 4]
    block = np.pad(block, ((0, height * 4 - block.shape[0]), (0, width * 4 - block.shape[1])))
    coarse = np.asarray(block.reshape(height, 4, width, 4).any(axis=(1, 3)), dtype=np.uint8)
    return np.asarray(cv2.dilate(coarse, np.ones((3, 3), np.uint8)), dtype=bool)


def _scores(typing: np.ndarray, boxes: tuple[np.ndarray, ...], row: int | None = None) -> tuple[np.ndarray, int]:
    """Typing inside the boxes for every shift (rows dy, columns dx, both from -reach to +reach); `row`: only the
    shifts down the page by that dy (one row of the grid, the same numbers)."""
    import cv2

    reach = round(SEARCH_PT * COARSE_DPI / 72)
    table = cv2.integral(typing.astype(np.uint8))  # (h+1, w+1): table[y, x] = typing above and left of (x, y)
    height, width = typing.shape
    x0, y0, x1, y1 = boxes
    shifts = np.arange(-reach, reach + 1)
    down = shifts if row is None else np.array([row])
    # every box at every shift: rows of the (dy, dx, box) grid, clipped to the page
    left = np.clip(x0[None, None, :] + shifts[None, :, None], 0, width)
    right = np.clip(x1[None, None, :] + shifts[None, :, None], 0, width)
    top = np.clip(y0[None, None, :] + down[:, None, None], 0, height) * (width + 1)
    bottom = np.clip(y1[None, None, :] + down[:, None, None], 0, height) * (width + 1)
    # table[y, x] as one look-up in the flat table (y * (w + 1) + x): the same sums without 2-D fancy indexing
    flat = table.ravel()
    inside = flat.take(bottom + right) - flat.take(top + right) - flat.take(bottom + left) + flat.take(top + left)
    return inside.sum(axis=2), reach


@cache
def _box_pixels(cells_only: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The read boxes' rectangles at 75 dpi (left, top, right, bottom arrays), each box once; `cells_only`:
    the boxes of a few characters (dates, place of service, states, units)."""
    rects = np.array(
        [
            box.rect
            for name, box in text_boxes().items()
            if name in read_fields() and (not cells_only or (box.max_length or 99) <= MAX_CELL_LENGTH)
        ],
        dtype=float,
    )
    # the widgets' inner margins: typing printed in place keeps clear of a box's sides (a value shifted
    # along a row of cells crosses from one cell into the next, still inside some box, but over their sides)
    rects += np.array([INSET_PT[0], INSET_PT[1], -INSET_PT[0], -INSET_PT[1]])
    scaled = np.rint(rects * COARSE_DPI / 72).astype(np.int64)
    return scaled[:, 0], scaled[:, 1], scaled[:, 2], scaled[:, 3]
