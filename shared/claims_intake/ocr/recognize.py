"""Drop the form ink, find the filled boxes, and read them with one Tesseract run per page.

Red drop-out: the CMS-1500 is printed in red so that a scanner looking through the red channel
sees white paper where the form is and black where someone typed. A colour scan therefore keeps
only its red channel. A grey or bitonal scan (fax, photocopy) has lost the colour, so the blank
form's own ink, registered onto the page, is erased instead (rules only where the dark run across
them is as thin as a rule, so typed characters touching a rule keep their strokes).

Each box is resampled from the page straight into template coordinates (no full-page warp), cut to
its ink, and becomes one frame; Tesseract reads every frame as a single text line (--psm 7) on the
model the process keeps loaded (ocr/engine.py), and every word maps back to its box by frame number. Each box is then parsed by its own rules (cms1500.parse).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache, cached_property, lru_cache, partial
from itertools import pairwise
from typing import NamedTuple

import numpy as np
from PIL import Image

from ..cms1500.mapping import Reading
from ..cms1500.template import Box, read_fields, render_blank_form, text_boxes
from . import dots
from .byte_percentile import byte_percentile
from .levels import INK
from .print_offset import coarse_form_ink, print_offset
from .profile_fit import Registration

DPI = 300
SCALE = DPI / 72
MIN_INK_PIXELS = 40  # fewer dark pixels than this in a box is dust, not an entry
TEXT_HEIGHT = 30  # pixels: smaller writing (24G units, 24A dates: 7 pt) is enlarged to about this height
RULE_MIN_LENGTH = 8  # pixels: template ink runs at least this long are rules (dotted cell rules too), the rest dots
RULE_THICKNESS = 8  # pixels: a dark run this thin across a rule is the rule itself (blurred, at 300 dpi)
# No dictionaries (codes and names are not English words); no second pass on inverted text
# (white-on-black never occurs on the form; skipping it saves ~15% of the OCR time).
TESSERACT_CONFIG = "--oem 1 --psm 7 --dpi 300 -c load_system_dawg=0 -c load_freq_dawg=0 -c tessedit_do_invert=0"

# Boxes that hold only digits (dates, amounts, NPIs, the TIN, ZIP codes) are read in a second run
# that may return nothing else: a fax's '07' no longer reads 'OF', nor '1' as 'l' or '|'.
# The space must be in the whitelist, or the LSTM joins the cells' words into one.
DIGIT_CONFIG = f'{TESSERACT_CONFIG} -c "tessedit_char_whitelist=0123456789. "'
DIGIT_FIELDS = frozenset(
    {
        "pin",
        "tax_id",
        "pt_zip",
        *(f"local{n}" for n in range(1, 7)),
        *(f"place{n}" for n in range(1, 7)),
        *(f"day{n}" for n in range(1, 7)),
    }
)

# The boxes the DHCS elements come from (data/cms1500_elements.yaml; others on the form are not
# read: less to OCR, less to get wrong).
READ_FIELDS = read_fields()
# Cells that sit edge to edge (24A dates, box 3) get little horizontal padding; free-text boxes more.
PAD_CELL_PT, PAD_FREE_PT, PAD_Y_PT = 1.0, 4.0, 2.5


# The 7-pt cells of one service line are read together as lines of text: a lone '1' in 24G or 'A'
# in 24E is read far more reliably among words than cut out on its own (Tesseract took a lone '1'
# for a '4'). Each cell's ink is placed after the previous one with an ordinary word gap (the form's
# wide gaps made the LSTM invent characters), and words go back to cells by x. The dates and place of
# service and the units (24A, 24B, 24G: digits only) are one line, read with digits only (a lone
# '1' in 24G read '14' or '4' at the end of the codes' line on faxes); the codes (24C-24E) another,
# read with every character.
LINE_DATE_CELLS = (
    "sv{n}_mm_from",
    "sv{n}_dd_from",
    "sv{n}_yy_from",
    "sv{n}_mm_end",
    "sv{n}_dd_end",
    "sv{n}_yy_end",
    "place{n}",
    "day{n}",
)
LINE_CODE_CELLS = (
    "type{n}",
    "cpt{n}",
    "mod{n}",
    "mod{n}a",
    "mod{n}b",
    "mod{n}c",
    "diag{n}",
)
LINE_CELLS = LINE_DATE_CELLS + LINE_CODE_CELLS
WORD_GAP = 32  # pixels between cells composed into one line
BIRTH_CELLS = ("birth_mm", "birth_dd", "birth_yy")
# Money boxes (24F, 28) are read as two cells either side of the printed dollars/cents rule, so a
# last dollar digit printed flush against the rule ('400|00') stays a digit of the dollars.
MONEY_READ = (*(f"ch{n}" for n in range(1, 7)), "t_charge")
DOLLARS, CENTS = ".dollars", ".cents"
RULE_CLEARANCE_PT = 1.8  # from the dollars/cents rule to the cents' edge (the cell padding takes 1 pt back)
# The form's printed version labels (template points): the line under the title and the footer's end.
VERSION_FIELDS = ("_version_top", "_version_footer")
VERSION_RECTS = {"_version_top": (18.0, 72.0, 262.0, 84.0), "_version_footer": (398.0, 752.0, 594.0, 768.0)}
FORM_LEVEL_GAP = 45  # grey levels between the form's rules and typing for the typing to be told apart by level
RULE_LEVEL_MARGIN = 30  # a pixel this much darker than the rules' cores is typing, not rule
STREAK_SHARE = 0.95  # a pixel column dark over this share of the page is a scanner streak


@dataclass
class Slot:
    """One frame for Tesseract: a box, or a group of cells on one line, cut to its ink."""

    image: Image.Image
    members: list[tuple[str, float, float]]  # (field, x0, x1) in the frame image's pixels before scaling
    cents: dict[str, bool]  # money boxes: is there writing right of the dollars/cents rule?
    rule_x: dict[str, float] = field(default_factory=dict)  # money boxes: the dollars/cents rule's column
    dotted: bool = False  # cut from a page printed in dots, joined before reading (ocr/dots.py)
    fax: bool = False  # cut from a bilevel page at fax resolution (set by the page's reader, ocr/scan.py)
    doubts: dict[str, str] = field(default_factory=dict)  # why a field's value goes to staff, whatever it reads
    # the page's typing lies off its boxes (print_offset): the form's rules and lettering it crossed were
    # dropped or erased with part of it, so its cells get a second reader (ocr/lines.py, from their places)
    typing_off_boxes: bool = False
    recheck: Slot | None = None  # the same boxes with the form's marks the typing touched kept (with_touched_marks)
    # each member's place on the page as registered, the form's ink erased but not cut to the ink nor cleared
    # of specks (a faint or dotted character the speck filter thins is whole here): for a reader that learnt
    # such crops (ocr/lines.py)
    places: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def digits_only(self) -> bool:
        """Every field of the slot holds only digits: read with digits only."""
        return all(digit_field(name) for name, _, _ in self.members)

    def field_at(self, x: float) -> str:
        inside = [name for name, x0, x1 in self.members if x0 <= x <= x1]
        if inside:
            return inside[0]
        return min(self.members, key=lambda m: min(abs(x - m[1]), abs(x - m[2])))[0]


def digit_field(name: str) -> bool:
    base = name.split(".")[0]
    return (
        base in DIGIT_FIELDS
        or base in MONEY_READ
        or base in BIRTH_CELLS
        or any(part in base for part in ("_mm_", "_dd_", "_yy_"))
    )


@cache
def reading_boxes() -> dict[str, Box]:
    """The template's boxes plus each money box's dollars and cents halves."""
    boxes = dict(text_boxes())
    for name in MONEY_READ:
        box = boxes[name]
        x0, top, x1, bottom = box.rect
        assert box.cents_rule_x is not None, f"money box {name} has no dollars/cents rule in the template"
        # The dollars reach the rule (a digit printed flush against it keeps its strokes: drop-out erases
        # only the rule's thin parts); the cents start clear of it, so no remnant reads as a '1'.
        boxes[name + DOLLARS] = Box(name + DOLLARS, (x0, top, box.cents_rule_x, bottom))
        boxes[name + CENTS] = Box(name + CENTS, (box.cents_rule_x + RULE_CLEARANCE_PT, top, x1, bottom))
    return boxes


@cache
def reading_groups() -> tuple[tuple[str, ...], ...]:
    """Fields read together (service lines, box 3, money halves), then every other read field alone."""
    boxes = reading_boxes()
    groups = [
        tuple(c.format(n=n) for c in cells if c.format(n=n) in boxes)
        for n in range(1, 7)
        for cells in (LINE_DATE_CELLS, LINE_CODE_CELLS)
    ]
    groups.append(BIRTH_CELLS)
    groups += [(name + DOLLARS, name + CENTS) for name in MONEY_READ]
    grouped = {name for group in groups for name in group} | set(MONEY_READ)
    groups += [(name,) for name in sorted(READ_FIELDS - grouped) if name in boxes]
    return tuple(groups)


@dataclass(frozen=True)
class FormMasks:
    """The blank form's ink at 300 dpi, split by shape: vertical rules, horizontal rules, the rest
    (dots, specks of lettering), each widened for registration error."""

    vertical: np.ndarray
    horizontal: np.ndarray
    dots: np.ndarray
    # the long horizontal rules drawn across a pixel boundary (4-5 px thick): with the dots, as a fax thickens
    # them past what marks typing; also here, widened as the rules, for a page whose typing crosses them
    thick_rules: np.ndarray
    # the same ink not widened, as 0/1 float32: where each box's own rules lie (local_shift)
    x_marks: np.ndarray  # vertical rules and dots: they fix a box's horizontal position
    y_marks: np.ndarray  # horizontal rules and dots: its vertical position


@cache
def form_masks() -> FormMasks:
    blank = render_blank_form(DPI)
    ink = (255 - np.asarray(blank, dtype=np.uint8).min(axis=2)) > 40
    long_vertical, long_horizontal = run_lengths(ink.T).T >= RULE_MIN_LENGTH, run_lengths(ink) >= RULE_MIN_LENGTH
    vertical, horizontal = _thin_marks(long_vertical, axis=1), _thin_marks(long_horizontal, axis=0)
    thick_rules = _thin_marks(long_horizontal, axis=0, thickness=THICK_RULE_PX, min_length=THICK_RULE_LENGTH_PX)
    dots = ink & ~vertical & ~horizontal
    # bold parentheses and lettering: widened as far as the rules (their blurred feet reach as far)
    bold = (long_vertical | long_horizontal) & dots
    return FormMasks(
        _widen(vertical, 3, axis=1),
        _widen(horizontal, 3, axis=0),
        _widen(_widen(dots, 2, 0), 2, 1) | _widen(_widen(bold, 3, 0), 3, 1),
        _widen(thick_rules & ~horizontal, 3, axis=0),
        (vertical | dots).astype(np.float32),
        (horizontal | dots).astype(np.float32),
    )


@cache
def page_form_ink() -> np.ndarray:
    """The blank form's ink, widened, at print_offset's 75 dpi."""
    masks = form_masks()
    return coarse_form_ink(masks.vertical | masks.horizontal | masks.dots)


RULE_WIDTH_PX = 3  # a printed rule is this thin across (300 dpi); wider long runs are lettering or parentheses
BAR_PX = 100  # ... unless it is a bar or frame this wide
# a rule drawn across a pixel boundary is 4 or 5 px thick, and told from lettering by its length (a box's side)
THICK_RULE_PX, THICK_RULE_LENGTH_PX = 5, 80


def _thin_marks(runs: np.ndarray, axis: int, thickness: int = RULE_WIDTH_PX, min_length: int = 0) -> np.ndarray:
    """The long runs that are rules: marks at most `thickness` across `axis` (1: a vertical rule's width) and at
    least `min_length` along it. The sides of the form's bold parentheses and letters are long runs too, but
    wider; they go with the dots, which are erased however dark (a grey copy keeps a bold parenthesis darker
    than the hair rules, and it must not pass for typing crossing a rule)."""
    import cv2

    _, labels, stats, _ = cv2.connectedComponentsWithStats(runs.astype(np.uint8), connectivity=8)
    across = stats[:, cv2.CC_STAT_WIDTH if axis == 1 else cv2.CC_STAT_HEIGHT]
    along = stats[:, cv2.CC_STAT_HEIGHT if axis == 1 else cv2.CC_STAT_WIDTH]
    rule = ((across <= thickness) | (across >= BAR_PX)) & (along >= min_length)
    rule[0] = False
    return rule[labels]


SHIFT_SEARCH_PX = 5  # how far (300 dpi) a box's printed rules may lie from where the page registration puts them
MIN_SHIFT_EVIDENCE = 0.3  # share of the box's rule ink that must land on page ink at the best shift


# On a page whose typing lies off its boxes, a rule's dark pixels are those running on this far along its row once
# breaks of a grey copy's rule (up to RULE_GAP_PX) are closed: letters standing on the rule keep their feet.
LETTERING_RUN_PX, RULE_GAP_PX = 20, 5
RULE_RUN_PX = 40  # a dark run this long on a row is a rule: no typed word runs unbroken that far (3.4 mm)


def local_shift(
    region: np.ndarray, window: tuple[slice, slice], margin: int, typing_on_rules: bool = False
) -> tuple[int, int]:
    """The (dx, dy) that best lays the blank form's rules of `window` on the page's dark pixels of `region`
    (the window grown by `margin` on every side). The page registration is fitted at 100 dpi and, on a
    clear affine scan, not refined: boxes lie 1-5 px off at 300 dpi, and the rules' blurred edges and the
    printed parentheses of the phone box then survive the erase and read as '1' or 'i'. Each axis is
    found from the column (row) profile of the box's vertical (horizontal) rules; an axis with too little
    rule ink, or no shift that lays most of it on ink, stays where the registration put it.
    `typing_on_rules` (the page's typing lies off its boxes, print_offset): a line of typing over a box's
    top or bottom rule would draw the rows' profile to itself, so only long dark runs count for the rows."""
    ink = region < INK
    rows = in_runs_of(ink, RULE_RUN_PX, vertical=False) if typing_on_rules else ink
    form_columns, form_rows = _form_profiles(window[0].start, window[0].stop, window[1].start, window[1].stop)
    # dark pixels counted, not summed as floats: the same whole numbers (under 2**24), without a float copy
    return (
        _profile_shift(form_columns, np.count_nonzero(ink, axis=0).astype(np.float32), margin, region.shape[0]),
        _profile_shift(form_rows, np.count_nonzero(rows, axis=1).astype(np.float32), margin, region.shape[1]),
    )


@lru_cache(maxsize=1024)
def _form_profiles(top: int, bottom: int, left: int, right: int) -> tuple[np.ndarray, np.ndarray]:
    """The blank form's rule ink per column (vertical rules and dots) and per row (horizontal rules and dots) of
    a window: the same for a box on every page printed in place, so summed once."""
    masks = form_masks()
    window = (slice(top, bottom), slice(left, right))
    columns, rows = masks.x_marks[window].sum(axis=0), masks.y_marks[window].sum(axis=1)
    columns.flags.writeable = rows.flags.writeable = False  # shared by every call for the window
    return columns, rows


def _profile_shift(form: np.ndarray, page: np.ndarray, margin: int, across: int) -> int:
    """The shift within +-margin maximising the overlap of the form's profile with the page's (both
    counts of ink per column or row; the page's capped at the form's, so text beside a rule adds nothing)."""
    total = float(form.sum())
    if total < 2 * RULE_MIN_LENGTH:
        return 0
    # every shift's window of the page profile at once (row `shift + margin`); sums of whole counts: exact
    windows = np.lib.stride_tricks.sliding_window_view(page[: 2 * margin + len(form)], len(form))
    overlaps = np.minimum(form, windows).sum(axis=1).tolist()
    top = max(overlaps)
    if top < MIN_SHIFT_EVIDENCE * total:
        return 0
    # a plateau (a long rule along the axis, the same overlap for several shifts): the nearest to none
    return min((shift for shift in range(-margin, margin + 1) if overlaps[shift + margin] >= 0.97 * top), key=abs)


def _widen(mask: np.ndarray, by: int, axis: int) -> np.ndarray:
    widened = mask.copy()
    for step in range(1, by + 1):
        widened |= np.roll(mask, step, axis=axis) | np.roll(mask, -step, axis=axis)
    return widened


def run_lengths(dark: np.ndarray) -> np.ndarray:
    """For each dark pixel, the length of the horizontal run of dark pixels it belongs to."""
    padded = np.pad(dark, ((0, 0), (1, 1))).astype(np.int8)
    edges = np.diff(padded, axis=1).ravel()
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    lengths = ends - starts  # runs never cross rows: each row is padded with a blank on both sides
    out = np.zeros(dark.shape, dtype=np.int32)
    out[dark] = np.repeat(lengths, lengths)
    return out


def in_runs_of(dark: np.ndarray, length: int, vertical: bool) -> np.ndarray:
    """The dark pixels whose horizontal (vertical) run of dark pixels is at least `length` long:
    `run_lengths(dark) >= length` as one morphological opening by a line of that length (nothing
    beyond the edges counted dark), at a fifth of the CPU."""
    import cv2

    line = np.ones((length, 1) if vertical else (1, length), np.uint8)
    # the line's first pixel on each pixel whose run starts a full line, then every pixel such a line covers
    start, end = (0, 0), ((0, length - 1) if vertical else (length - 1, 0))
    starts = cv2.erode(dark.view(np.uint8), line, anchor=start, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    covered = cv2.dilate(starts, line, anchor=end, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return np.asarray(covered).view(bool)


def erase_form(
    region: np.ndarray,
    window: tuple[slice, slice],
    spare: slice | None = None,
    rule_level: float | None = None,
    typing_on_lettering: bool = False,
) -> np.ndarray:
    """Grey/bitonal scans: paint the registered blank form's ink white inside `region`; the vertical
    and dotted rules in the columns `spare` are left (the caller erases them itself). With the page's
    `rule_level` (how dark its printed rules are), typing clearly darker than the rules is kept even
    where it crosses one: on a grey scan of the red form, a character printed across a rule. With
    `typing_on_lettering` (the typing lies off its boxes: print_offset) such typing is kept over the form's
    lettering too, which a line of typing moved up a few points covers."""
    masks = form_masks()
    dark = region < INK
    erase = masks.dots[window].copy()
    vertical = masks.vertical[window]
    if spare is not None:  # a dotted rule there is in the dots mask: spared too
        vertical = vertical.copy()
        vertical[:, spare] = False
        erase[:, spare] = False
    rules = vertical & ~in_runs_of(dark, RULE_THICKNESS + 1, vertical=False)
    horizontal = masks.horizontal[window]
    if typing_on_lettering:  # a line of typing moved a few points down crosses the thick rules too
        thick = masks.thick_rules[window]
        erase &= ~thick
        horizontal = horizontal | thick
    horizontal = horizontal & ~in_runs_of(dark, RULE_THICKNESS + 1, vertical=True)
    if typing_on_lettering:
        horizontal &= ~dark | in_runs_of(_joined_along_rows(dark), LETTERING_RUN_PX, vertical=False)
    rules |= horizontal
    if rule_level is not None and level_can_tell(rule_level):  # only rules: the lettering may print darker
        typed = _darker_than_rules(region, dark, masks, window, rule_level)
        rules &= ~typed
        if typing_on_lettering:
            erase &= ~typed
    erase |= rules
    cleaned = region.copy()
    cleaned[erase] = 255  # the rules' grey fringes too: a blurred copy's rule is wider than its dark core
    return cleaned


def _joined_along_rows(dark: np.ndarray) -> np.ndarray:
    import cv2

    closed = cv2.morphologyEx(dark.view(np.uint8), cv2.MORPH_CLOSE, np.ones((1, RULE_GAP_PX), np.uint8))
    return np.asarray(closed).view(bool)


def level_can_tell(rule_level: float) -> bool:
    """Whether typing can be FORM_LEVEL_GAP darker than rules of this level at all (the darkest typing is 0): when
    not, `_darker_than_rules` finds nothing, whatever the region holds (a bilevel fax prints its rules black), and
    its percentile need not be taken."""
    return rule_level >= FORM_LEVEL_GAP


def _darker_than_rules(region: np.ndarray, dark: np.ndarray, masks: FormMasks, window, rule_level: float) -> np.ndarray:
    """Pixels clearly darker than the form's rules, when the typing in the region is (nothing on a
    black-printed form or a bilevel page: rules and typing equally dark)."""
    off_form = dark & ~(masks.vertical[window] | masks.horizontal[window] | masks.dots[window])
    if off_form.sum() < MIN_INK_PIXELS:
        return np.zeros(region.shape, dtype=bool)
    typed_level = float(np.percentile(region[off_form], 5))
    if rule_level - typed_level < FORM_LEVEL_GAP:
        return np.zeros(region.shape, dtype=bool)
    return region < max(rule_level - RULE_LEVEL_MARGIN, typed_level)


@cache
def rule_points() -> np.ndarray:
    """Template pixels (300 dpi) on the blank form's long rules, a sample of about 20,000: where the
    page's rule darkness is measured (typing covers a tiny share of them)."""
    blank = render_blank_form(DPI)
    ink = (255 - np.asarray(blank, dtype=np.uint8).min(axis=2)) > 40
    rules = (run_lengths(ink.T).T >= 4 * RULE_MIN_LENGTH) | (run_lengths(ink) >= 4 * RULE_MIN_LENGTH)
    ys, xs = np.nonzero(rules)
    step = max(1, len(xs) // 20000)
    return np.vstack([xs[::step], ys[::step]]).astype(np.float64)


def page_rule_level(source: Image.Image, registration: Registration) -> float:
    """How dark the page's printed rules are (0 black .. 255 white): the 25th percentile of the page
    under the registered rules (the rules' cores, not their blurred edges)."""
    level = _percentile_at(source, registration, rule_points(), 25)
    return 0.0 if level is None else level


def drop_out_source(page: Image.Image) -> tuple[Image.Image, bool]:
    """The grey image to read boxes from, and whether it came from a colour scan (red dropped).
    Either is divided by its local paper level (uneven light, a faint copy, a colour cast) and
    loses full-height scanner streaks."""
    if page.mode in ("RGB", "RGBA", "P") and is_color(page):
        rgb = page if page.mode == "RGB" else page.convert("RGB")
        return clean_grey(_without_dark_red(rgb), stretch=False), True
    return clean_grey(page if page.mode == "L" else page.convert("L")), False  # an L page is not copied first


DARK_RED = 100  # a pixel whose red exceeds its green and blue by this much is the form's ink, however dark


def _without_dark_red(rgb: Image.Image) -> Image.Image:
    """The red channel, the form's red dropped, and its darker reds too (a widget's maroon border, a dark
    print of the form), which the red channel alone keeps as grey ink; black typing has no such excess."""
    import cv2

    red, green, blue = cv2.split(np.asarray(rgb, dtype=np.uint8))  # split copies: red is ours to whiten
    red[cv2.subtract(red, cv2.max(green, blue)) > DARK_RED] = 255
    return Image.fromarray(red)


def clean_grey(grey: Image.Image, stretch: bool = True) -> Image.Image:
    """Paper brought to white everywhere, ink kept as dark as it is against its paper; streaks gone.
    `stretch`: a grey copy's darkest ink is taken back to black (not after red drop-out: there the
    darkest left may be the dropped form's own ink, on a form with nothing typed)."""
    import cv2

    level = np.asarray(grey, dtype=np.uint8)
    small = cv2.resize(level, (max(1, level.shape[1] // 8), max(1, level.shape[0] // 8)), interpolation=cv2.INTER_AREA)
    paper = cv2.blur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8)), (9, 9))
    paper = cv2.resize(np.maximum(paper, 1), (level.shape[1], level.shape[0]), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(level, paper, scale=255)
    # A faint copy's darkest ink is grey: stretch it back to black so thin strokes stay ink.
    darkest = byte_percentile(flat[::4, ::4], 0.5)
    if stretch and 20 < darkest < 200:
        flat = cv2.convertScaleAbs(flat, alpha=255 / (255 - darkest), beta=-darkest * 255 / (255 - darkest))
    # column counts by OpenCV's reduce: a third of numpy's mean over a boolean page
    dark_rows = cv2.reduce((flat < INK).view(np.uint8), 0, cv2.REDUCE_SUM, dtype=cv2.CV_32S)[0]
    streaks = dark_rows > STREAK_SHARE * flat.shape[0]
    if streaks.any():
        flat[:, streaks] = 255
    return Image.fromarray(flat)


def is_color(page: Image.Image) -> bool:
    rgb = page if page.mode == "RGB" else page.convert("RGB")  # convert() would copy an RGB page whole
    small = np.asarray(rgb.resize((170, 220), Image.Resampling.BOX), dtype=np.int16)
    redness = small[..., 0] - small[..., 1:].max(axis=2)
    return bool((redness > 40).mean() > 0.005)  # the red form shows up in a colour scan


# PIL's perspective data map an output pixel's centre to the input's, where pixel i's centre is i + 0.5;
# OpenCV's inverse map takes pixel i's centre as i. The same map for OpenCV: shift in, map, shift back.
_CENTRES_FROM_OPENCV = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
_CENTRES_TO_OPENCV = np.array([[1.0, 0.0, -0.5], [0.0, 1.0, -0.5], [0.0, 0.0, 1.0]])


class PageWindow:
    """Regions of the page resampled into template pixels (300 dpi) on demand."""

    def __init__(self, source: Image.Image, registration: Registration):
        self.source = source
        self.registration = registration

    @cached_property
    def pixels(self) -> np.ndarray:
        """The page in floats, so a sample is cut to a byte as PIL cuts it (truncated, not rounded)."""
        return np.asarray(self.source, dtype=np.float32)

    def region(self, left: int, top: int, right: int, bottom: int) -> np.ndarray:
        """Bilinear, paper outside the page: PIL's perspective transform, by OpenCV (eight times faster).
        OpenCV places a sample to 1/32 of a pixel, so a few pixels in a hundred thousand differ by one grey level,
        and within a pixel of the page's edge it blends the edge with paper where PIL repeats the edge."""
        import cv2

        to_page = self.registration.homography_for(DPI, left, top)
        warped = cv2.warpPerspective(
            self.pixels,
            _CENTRES_TO_OPENCV @ to_page @ _CENTRES_FROM_OPENCV,
            (right - left, bottom - top),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=255,
        )
        return warped.astype(np.uint8)


def box_crops(window: PageWindow, color: bool) -> list[Slot]:
    """The boxes (and cell groups) with something written in them, each cut to its line of ink."""
    regions = box_regions(window, color)
    dotted = dots.dotted([box.region for box in regions])
    if dotted:
        regions = [
            box._replace(region=dots.joined(box.region), kept=None if box.kept is None else dots.joined(box.kept))
            for box in regions
        ]
    slots = []
    for group, members, left, upper, pad_x, region, doubts, kept, off_boxes in regions:
        if len(members) == 2 and members[0].name.endswith(DOLLARS):  # colour: dollars and cents cells
            members = split_money_at_gap(region, members, left, pad_x, speckled=False)
        slot = _region_slot(region, group, members, left, upper, pad_x, color, dotted)
        if slot is not None:
            slot.dotted = dotted
            slot.doubts = doubts
            money_cells = len(group) == 2 and group[0].endswith(DOLLARS)  # colour: the amount whole, as on grey pages
            slot.places = (
                {group[0].removesuffix(DOLLARS): region} if money_cells else member_places(region, members, left, pad_x)
            )
            slot.typing_off_boxes = off_boxes
            if kept is not None:
                slot.recheck = _region_slot(kept, group, members, left, upper, pad_x, color, dotted)
                if slot.recheck is not None:
                    slot.recheck.dotted = dotted
            if len(group) == 2 and group[0].endswith(DOLLARS):
                # colour: the cents cell has writing, so the amount's last two digits are its cents even
                # when Tesseract ran the two cells' words together ('73 25' read '7325')
                slot.cents = {group[0].removesuffix(DOLLARS): any(n.endswith(CENTS) for n, _, _ in slot.members)}
            slots.append(slot)
    return slots


def _region_slot(
    region: np.ndarray,
    group: tuple[str, ...],
    members: list[Box],
    left: int,
    upper: int,
    pad_x: float,
    color: bool,
    dotted: bool,
) -> Slot | None:
    if len(group) > 1:
        return _group_slot(region, members, left, pad_x, speckled=not color, dotted=dotted)
    return _box_slot(region, members[0], left, upper, speckled=not color, dotted=dotted)


def member_places(region: np.ndarray, members: list[Box], left: int, pad_x: float) -> dict[str, np.ndarray]:
    """Each member's columns of the region (a box alone: the whole region), padded as the region is."""
    if len(members) == 1:
        return {members[0].name: region}
    places = {}
    for box in members:
        c0 = max(int((box.rect[0] - pad_x) * SCALE) - left, 0)
        c1 = min(int((box.rect[2] + pad_x) * SCALE) - left, region.shape[1])
        if c1 > c0:
            places[box.name] = region[:, c0:c1]
    return places


RULE_CROSSING_PT = 2.0  # typing this far along the row off its money box puts the printed rule into its digits


def rule_through_typing(typed: Box) -> str | None:
    """Why an amount read whole on a grey or bilevel page is in doubt when its typing lies off the box along the
    row: the form's printed dollars/cents rule then runs through a typed digit, which the erase can take with the
    rule, and every amount of the page loses the same digit, so box 28 and the 24F sum agree on the wrong values
    ('636 50' read '63 65' and '141 00' read '14 10': silent at P 0.999 on tuning copies)."""
    printed = reading_boxes()[typed.name].cents_rule_x
    if printed is None or typed.cents_rule_x is None:
        return None
    shift = typed.cents_rule_x - printed
    if abs(shift) < RULE_CROSSING_PT:
        return None
    return (
        f"the typing lies {abs(shift):.1f} pt {'right' if shift > 0 else 'left'} of its box: the printed "
        "dollars/cents rule runs through the amount, and a digit under it may be lost"
    )


class BoxRegion(NamedTuple):
    """A box (or cell group) to read, cut from the page in template pixels with the form's ink gone."""

    group: tuple[str, ...]
    members: list[Box]  # where the typing lies (moved with the page's print offset)
    left: int
    upper: int
    pad_x: float
    region: np.ndarray
    doubts: dict[str, str]  # why a box's value goes to staff whatever it reads (erased_from_typing)
    kept: np.ndarray | None = None  # with doubts: the region with the form's marks the typing touched kept
    typing_off_boxes: bool = False  # the page's print offset moved `members` off the form's boxes


TYPING_CUT = "the typing lies off its box, and the form's rule or mark it touched was erased with part of it"
TOUCHING_MIN_PX = 4  # erased pixels touching typing for a character to have lost a stroke (a speck touches fewer)


def erased_from_typing(
    before: np.ndarray, after: np.ndarray, window: tuple[slice, slice], members: list[Box], left: int
) -> dict[str, str]:
    """Why the boxes' values are in doubt on a grey or bilevel page whose typing lies off its boxes: the erase
    took dark pixels of the form (a box's edge or bottom rule, a cell divider, a bold parenthesis, lettering)
    that touched the typing, so the part of a character that lay on them went with them. What is left still
    reads as a character, and surely: 'ECM' read '3CM' with the E's stem gone, the 5 of '(530)' read 3 under
    the printed parenthesis, 'MISSION' read 'MTSSTON' with the I's feet on an erased rule (silent on tuning
    copies printed 3 mm off). Typing near a mark but clear of it touches nothing erased. The box whose typing
    was cut is in doubt, not its neighbours on the line. The dollars/cents rule has its own check
    (rule_through_typing)."""
    import cv2

    printed = reading_boxes()
    if all(box.rect == printed[box.name].rect for box in members):
        return {}  # typing in its boxes: the boxes' padding keeps it off their marks
    masks = form_masks()
    # what the erase kept on a horizontal rule is typing crossing it (a rule is erased wherever nothing crosses)
    typing = (after < INK) & ~(masks.vertical[window] | (masks.dots[window] & ~masks.thick_rules[window]))
    erased = (before < INK) & (after >= INK)
    touching = erased & (cv2.dilate(typing.view(np.uint8), np.ones((3, 3), np.uint8)) > 0)
    touched = np.count_nonzero(touching, axis=0)
    for box in members:
        cents_rule = printed[box.name].cents_rule_x
        if cents_rule is not None:
            rule = int(cents_rule * SCALE) - left
            touched[max(rule - RULE_SEARCH_PX, 0) : rule + RULE_SEARCH_PX] = 0
    why = TYPING_CUT
    doubts = {}
    for box in members:
        x0, x1 = (max(int(x * SCALE) - left, 0) for x in (box.rect[0], box.rect[2]))
        if np.sum(touched[x0:x1]) >= TOUCHING_MIN_PX:
            doubts[box.name] = why
    return doubts


KEPT_MARK_PX = 2  # erased form ink this near the typing is kept for the recheck (at 1 px a cut 'I' read 'T' again)


def with_touched_marks(before: np.ndarray, after: np.ndarray, window: tuple[slice, slice]) -> np.ndarray:
    """The erased region with the form's ink the erase took back where it lies within KEPT_MARK_PX of what is
    left of the typing: the strokes a character lost to a mark it lay on are there again (with a stub of the
    mark), and a mark clear of the typing stays erased."""
    import cv2

    masks = form_masks()
    typing = (after < INK) & ~(masks.vertical[window] | masks.horizontal[window] | masks.dots[window])
    size = 2 * KEPT_MARK_PX + 1
    near = cv2.dilate(typing.view(np.uint8), np.ones((size, size), np.uint8)) > 0
    restored = (before < INK) & (after >= INK) & near
    kept = after.copy()
    kept[restored] = before[restored]
    return kept


def box_regions(window: PageWindow, color: bool) -> list[BoxRegion]:
    """Every box (and cell group) to read, the form's ink gone (red dropped, or erased on a grey page)."""
    boxes = reading_boxes()
    rule_level = None if color else page_rule_level(window.source, window.registration)
    offset = print_offset(window.source, window.registration, page_form_ink())
    off_boxes = offset != (0.0, 0.0)  # the typing lies over the boxes' rules and lettering (grey pages)
    regions: list[BoxRegion] = []
    for group in reading_groups():
        if not color and group[0].endswith(DOLLARS):
            group = (group[0].removesuffix(DOLLARS),)  # grey/bilevel: the money box whole (money_region)
        members = [_typed_at(boxes[name], offset) for name in group]
        pad_x = PAD_CELL_PT if len(group) > 1 or _is_cell(members[0]) else PAD_FREE_PT
        left = max(int((min(b.rect[0] for b in members) - pad_x) * SCALE), 0)
        right = int((max(b.rect[2] for b in members) + pad_x) * SCALE)
        upper = max(int((min(b.rect[1] for b in members) - PAD_Y_PT) * SCALE), 0)
        lower = int((max(b.rect[3] for b in members) + PAD_Y_PT) * SCALE)
        if color:
            region = window.region(left, upper, right, lower)
            regions.append(BoxRegion(group, members, left, upper, pad_x, region, {}, typing_off_boxes=off_boxes))
            continue
        # the form's ink is erased: its rules must lie where the masks say
        region = before = _shifted_region(window, left, upper, right, lower, typing_on_rules=off_boxes)
        if members[0].cents_rule_x is not None:
            rule_x = boxes[group[0]].cents_rule_x or 0.0  # the printed rule stays where the form has it
            region = money_region(
                region,
                (slice(upper, lower), slice(left, right)),
                rule_x,
                left,
                rule_level=rule_level,
                typing_on_lettering=off_boxes,
            )
        else:
            region = erase_form(
                region,
                (slice(upper, lower), slice(left, right)),
                rule_level=rule_level,
                typing_on_lettering=off_boxes,
            )
        window_slices = (slice(upper, lower), slice(left, right))
        doubts = erased_from_typing(before, region, window_slices, members, left)
        kept = with_touched_marks(before, region, window_slices) if doubts else None
        cut_by_rule = rule_through_typing(members[0])
        if cut_by_rule:
            doubts[members[0].name] = cut_by_rule
        regions.append(BoxRegion(group, members, left, upper, pad_x, region, doubts, kept, off_boxes))
    return regions


def _typed_at(box: Box, offset: tuple[float, float]) -> Box:
    """The box where the typing of the page lies (print_offset): its rectangle and its cents' start moved."""
    dx, dy = offset
    if not dx and not dy:
        return box
    x0, top, x1, bottom = box.rect
    rule = None if box.cents_rule_x is None else box.cents_rule_x + dx
    return Box(box.name, (x0 + dx, top + dy, x1 + dx, bottom + dy), box.max_length, rule)


def _shifted_region(
    window: PageWindow, left: int, upper: int, right: int, lower: int, typing_on_rules: bool = False
) -> np.ndarray:
    """The region moved by its local_shift so the page's rules lie on the template's."""
    margin = SHIFT_SEARCH_PX
    wide = window.region(left - margin, upper - margin, right + margin, lower + margin)
    dx, dy = local_shift(wide, (slice(upper, lower), slice(left, right)), margin, typing_on_rules)
    return wide[margin + dy : margin + dy + lower - upper, margin + dx : margin + dx + right - left]


RULE_ROWS_SHARE = 0.35  # share of the box's top and bottom rows dark in a column pair for it to hold the rule
RULE_SEARCH_PX = 8  # how far from the template's dollars/cents rule the scanned rule may lie (300 dpi)


def money_region(
    region: np.ndarray,
    window: tuple[slice, slice],
    rule_x: float,
    left: int,
    rule_level: float | None = None,
    typing_on_lettering: bool = False,
) -> np.ndarray:
    """A grey/bilevel money box with the form erased, the dollars/cents rule precisely: a digit printed
    flush against the rule, or across it ('216|75' in a wide font), straddles the rule's columns, and
    the generic erase (any thin dark run on the rule's mask) cut it in half or took a '1' whole. Here
    the rule's own columns are found (the darkest near the template's x) and whitened only in rows
    where nothing dark touches them from either side; the box is read whole and its last two digits
    are the cents (split_cents). With the page's `rule_level`, typing clearly darker than the rules is kept
    on them, as erase_form keeps it."""
    expected = int(rule_x * SCALE) - left
    lo, hi = max(expected - RULE_SEARCH_PX, 1), min(expected + RULE_SEARCH_PX, region.shape[1] - 1)
    cleaned = erase_form(
        region, window, spare=slice(lo - 2, hi + 2), rule_level=rule_level, typing_on_lettering=typing_on_lettering
    )
    if hi <= lo:
        return cleaned
    dark = cleaned < INK
    # The rule runs the box's full height; a character's stroke does not reach its top and bottom
    # quarters (the padding above and below the line of text).
    quarter = max(dark.shape[0] // 4, 1)
    ends = np.vstack([dark[:quarter, lo:hi], dark[-quarter:, lo:hi]])
    # column pairs: a rule that falls between two pixel columns is half in each (and a copy's rule is
    # dashed, the dashes at either column)
    pairs = ends[:, :-1] | ends[:, 1:]
    counts = pairs.sum(axis=0)
    if counts.max() < RULE_ROWS_SHARE * ends.shape[0]:
        return cleaned  # no rule there (a drop-out copy, or the rule lost): nothing to erase
    columns = lo + np.nonzero(counts >= 0.6 * counts.max())[0]
    first, last = int(columns.min()), int(columns.max()) + 1
    touched = dark[:, first - 1] | dark[:, min(last + 1, dark.shape[1] - 1)]
    rule = np.zeros(dark.shape, dtype=bool)
    rule[~touched, first : last + 1] = True
    if rule_level is not None and level_can_tell(rule_level):
        rule &= ~_darker_than_rules(region, region < INK, form_masks(), window, rule_level)
    cleaned[rule] = 255
    return cleaned


def _box_slot(region: np.ndarray, box: Box, left: int, upper: int, speckled: bool, dotted: bool = False) -> Slot | None:
    free_text = not (_is_cell(box) or box.cents_rule_x or digit_field(box.name))
    digits_alone = digit_field(box.name) and not box.cents_rule_x  # an NPI, a TIN: no stroke as tall as the box
    inner = (int(box.rect[0] * SCALE) - left, int(box.rect[2] * SCALE) - left) if digits_alone else None
    cut = _ink_crop(region, speckled, free_text=free_text, dotted=dotted, rules_across=digits_alone, inner=inner)
    if cut is None:
        return None
    cents = {box.name: _has_cents(region, box, left, upper)} if box.cents_rule_x else {}
    rule = {box.name: box.cents_rule_x * SCALE - left - cut[1]} if box.cents_rule_x else {}
    return Slot(cut[0], [(box.name, float("-inf"), float("inf"))], cents, rule)


def _group_slot(
    region: np.ndarray, members: list[Box], left: int, pad_x: float, speckled: bool, dotted: bool = False
) -> Slot | None:
    """The group's cells that hold ink, side by side with a word gap, on their common text band."""
    inked = _ink_band(region, speckled, cells=True, dotted=dotted, rules_across=True)
    if inked is None:
        return None
    ink, first, last = inked
    band_ink, band = ink[first : last + 1], region[first : last + 1]
    pieces, spans, x = [], [], 0
    for box in members:
        c0 = max(int((box.rect[0] - pad_x) * SCALE) - left, 0)
        c1 = min(int((box.rect[2] + pad_x) * SCALE) - left, band.shape[1])
        cell_ink = band_ink[:, c0:c1]
        if speckled:
            cell_ink = _without_border_slivers(
                cell_ink, int(box.rect[0] * SCALE) - left - c0, int(box.rect[2] * SCALE) - left - c0
            )
        cols = np.nonzero(cell_ink.any(axis=0))[0]
        if cell_ink.sum() < MIN_INK_PIXELS // 2 or not len(cols):
            continue
        piece = band[:, c0 + cols[0] : c0 + cols[-1] + 1]
        if speckled:
            piece = np.where(band_ink[:, c0 + cols[0] : c0 + cols[-1] + 1], piece, 255).astype(np.uint8)
        pieces.append(piece)
        spans.append((box.name, x - WORD_GAP / 2, x + piece.shape[1] + WORD_GAP / 2))
        x += piece.shape[1] + WORD_GAP
    if not pieces or last - first < 10:
        return None
    line = np.full((band.shape[0], x - WORD_GAP), 255, dtype=np.uint8)
    for piece, (_, start, _) in zip(pieces, spans, strict=False):
        offset = int(start + WORD_GAP / 2)
        line[:, offset : offset + piece.shape[1]] = piece
    return Slot(Image.fromarray(line), spans, {})


SLIVER_PX = RULE_WIDTH_PX + 1  # a mark this narrow or narrower, wholly in a cell's padding, is no character


def _without_border_slivers(inked: np.ndarray, inner_left: int, inner_right: int) -> np.ndarray:
    """A cell's ink less the thin marks lying wholly in its padding, outside its own rectangle: what the
    erase left of the dotted divider or the rule between two cells when the page's rules lie a pixel or two
    off the template's (a fax). The padding is there for a character that reaches over the cell's edge,
    which has ink inside it too; a sliver on its own there made an empty line's cells look written and
    a date cell's '03' read as three digits ('|03')."""
    columns = inked.any(axis=0)
    kept = inked
    for start, end in _blank_runs(columns):
        outside = end <= inner_left or start >= inner_right
        if outside and end - start <= SLIVER_PX:
            if kept is inked:
                kept = inked.copy()
            kept[:, start:end] = False
    return kept


MONEY_SPLIT_WINDOW_PT = (1.5, 5.0)  # where the dollars may end: from before the rule to past it


def split_money_at_gap(region: np.ndarray, members: list[Box], left: int, pad_x: float, speckled: bool) -> list[Box]:
    """The dollars and cents cells divided at the widest blank column run near the printed rule
    instead of at the rule itself: a last dollar digit printed across the rule ('93|00' in a narrow
    font) stays whole in the dollars, not half a digit in each cell. No blank run: the rule."""
    dollars, cents = members
    inked = _ink_band(region, speckled)
    if inked is None:
        return members
    ink, first, last = inked
    rule = dollars.rect[2]
    start = max(int((rule - MONEY_SPLIT_WINDOW_PT[0]) * SCALE) - left, 0)
    stop = min(int((rule + MONEY_SPLIT_WINDOW_PT[1]) * SCALE) - left, ink.shape[1])
    blank = np.logical_not(ink[first : last + 1, start:stop].any(axis=0))
    runs = _blank_runs(blank)
    if not runs:
        return members
    rule_col = rule * SCALE - left - start
    run_start, run_end = max(runs, key=lambda r: (r[1] - r[0], -abs((r[0] + r[1]) / 2 - rule_col)))
    split = (start + (run_start + run_end) / 2 + left) / SCALE
    x0, top, _, bottom = dollars.rect
    _, c_top, x1, c_bottom = cents.rect
    return [
        Box(dollars.name, (x0, top, split - pad_x, bottom)),
        Box(cents.name, (split + pad_x, c_top, x1, c_bottom)),
    ]


def _blank_runs(blank: np.ndarray | np.bool_) -> list[tuple[int, int]]:
    """(first, end) column index pairs of each run of True, end exclusive."""
    edges = np.diff(np.concatenate([[0], blank.astype(np.int8), [0]]))
    return list(zip(np.nonzero(edges == 1)[0].tolist(), np.nonzero(edges == -1)[0].tolist(), strict=True))


def _is_cell(box: Box) -> bool:
    return (box.max_length or 99) <= 4 or any(part in box.name for part in ("_mm_", "_dd_", "_yy_"))


def _has_cents(region: np.ndarray, box: Box, left: int, upper: int) -> bool:
    """Whether anything is written right of the dollars/cents rule of a money box."""
    start = int(((box.cents_rule_x or 0) + 2) * SCALE) - left
    end = int(box.rect[2] * SCALE) - left
    rows = slice(max(int(box.rect[1] * SCALE) - upper, 0), int(box.rect[3] * SCALE) - upper)
    return int((region[rows, start:end] < INK).sum()) >= MIN_INK_PIXELS // 2


def _ink_crop(
    region: np.ndarray,
    speckled: bool,
    free_text: bool = False,
    dotted: bool = False,
    rules_across: bool = False,
    inner: tuple[int, int] | None = None,
) -> tuple[Image.Image, int] | None:
    """The region cut to its main line of ink, and the column where the cut starts. `free_text`: a name or
    an address, which ends with its last character, not with a thin mark far right of it. `dotted`: the
    page is printed in dots (ocr/dots.py). `rules_across`, `inner`: see _ink_band, _without_border_slivers
    (the box's own columns in the region)."""
    inked = _ink_band(region, speckled, dotted=dotted, rules_across=rules_across)
    if inked is None:
        return None
    ink, first, last = inked
    if last - first < 10:  # a stray rule fragment, not characters
        return None
    band = ink[first : last + 1]
    if free_text:
        band = _without_trailing_marks(band)
    if speckled and inner is not None:
        band = _without_border_slivers(band, *inner)
        if not band.any():
            return None
    cols = np.nonzero(band.any(axis=0))[0]
    crop = region[first : last + 1, cols[0] : cols[-1] + 1]
    if speckled:
        crop = np.where(band[:, cols[0] : cols[-1] + 1], crop, 255).astype(np.uint8)
    return Image.fromarray(crop), int(cols[0])


TRAILING_GAP_SHARE = 1.5  # a blank this many line heights wide ends a line of free text ...
TRAILING_MARK_SHARE = 0.4  # ... when all that follows it is marks narrower or flatter than this share of its height


def _without_trailing_marks(band: np.ndarray) -> np.ndarray:
    """The band's ink less the marks standing alone far right of the text: the ends of a neighbouring box's rules
    or parentheses that the box's padding took in (read '|', 'I', '!' after a name), and the dashes a rule or a
    label left when typing printed off its box lies on them (read '__ eee' after an authorisation number)."""
    height = band.shape[0]
    runs = _blank_runs(band.any(axis=0))
    cut = None
    for index in range(len(runs) - 1, 0, -1):
        if not _trailing_mark(band, *runs[index]):
            break
        if runs[index][0] - runs[index - 1][1] >= TRAILING_GAP_SHARE * height:
            cut = index
    if cut is None:
        return band
    kept = band.copy()
    kept[:, runs[cut - 1][1] :] = False
    return kept


def _trailing_mark(band: np.ndarray, start: int, end: int) -> bool:
    """A run of inked columns too narrow or too flat for a character of the line."""
    limit = TRAILING_MARK_SHARE * band.shape[0]
    rows = np.nonzero(band[:, start:end].any(axis=1))[0]
    return end - start <= limit or rows[-1] - rows[0] + 1 <= limit


def _ink_band(
    region: np.ndarray, speckled: bool, cells: bool = False, dotted: bool = False, rules_across: bool = False
) -> tuple[np.ndarray, int, int] | None:
    """The region's ink (despeckled on a speckled scan) and its main text band's first and last rows;
    None when there is too little ink to be writing. `cells`: the region holds only codes, digits and
    letters (no '.', '-'), so every mark much smaller than a character is a speck or a rule remnant.
    `rules_across`: the region holds only characters shorter than its box (cells, digit boxes), so a
    vertical rule the erase left is told from them by its length."""
    ink = region < INK
    if speckled and rules_across and ink.any():
        # a rule the erase left across the line (the page's rules a few pixels off the template's): a cell's
        # characters are shorter than the cell, so no stroke of theirs runs this far down
        ink &= ~in_runs_of(ink, RULE_RUN_PX, vertical=True)
    if speckled and ink.any():
        ink = _drop_marks(_despeckle(ink), cells, dotted)
    if ink.sum() < MIN_INK_PIXELS:
        return None
    # a rule the erase left (a bar the box's padding took in) is no line of text, however much ink it has
    text = ink & ~in_runs_of(ink, RULE_RUN_PX, vertical=False)
    if text.sum() < MIN_INK_PIXELS:
        return None
    first, last = _main_band(text.sum(axis=1))
    if speckled:  # keep the grey edges of the strokes kept: a thin stroke of a faint copy is mostly edge
        ink = with_four_neighbours(ink)
    return ink, first, last


def with_four_neighbours(ink: np.ndarray) -> np.ndarray:
    """`ink | np.roll(ink, 1, 0) | np.roll(ink, -1, 0) | np.roll(ink, 1, 1) | np.roll(ink, -1, 1)`: each pixel
    with its four neighbours, the first and last rows (columns) neighbours too, as np.roll wraps them. One
    dilation by a cross and the four wrapped edges: less than half the CPU of the rolled copies."""
    import cv2

    cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    grown = np.asarray(cv2.dilate(ink.view(np.uint8), cross, borderType=cv2.BORDER_CONSTANT, borderValue=0)).view(bool)
    grown[0] |= ink[-1]
    grown[-1] |= ink[0]
    grown[:, 0] |= ink[:, -1]
    grown[:, -1] |= ink[:, 0]
    return grown


def _despeckle(ink: np.ndarray) -> np.ndarray:
    """Drop isolated dark pixels (fax and photocopier specks): keep those with 2+ dark neighbours."""
    import cv2

    # the 3x3 sum, nothing beyond the region's edge counted
    neighbours = cv2.boxFilter(ink.astype(np.uint8), -1, (3, 3), normalize=False, borderType=cv2.BORDER_CONSTANT)
    return ink & (neighbours >= 3)  # itself + 2


MARK_SHARE = 0.45  # a mark lower and narrower than this share of the characters' height is no character
MIN_CHARACTER_PX = 12  # at 300 dpi: the smallest character height the form's entries have (7 pt digits ~ 20 px)


def _drop_marks(ink: np.ndarray, cells: bool, dotted: bool = False) -> np.ndarray:
    """Ink without the marks too small to be characters: fax specks and what is left of a dotted or
    broken rule after drop-out (read as '(', '.', ':' or '1' beside the digits). Dots one pixel apart
    (a dot-matrix printer's) join into their character first; on a page printed in dots, dots up to two
    dot pitches apart (`dots.mark_reach`). In a free-text box a small mark right beside a character ('-',
    '.', an 'i' dot) is kept; in cells (dates, codes, modifiers, amounts) none is."""
    import cv2

    reach = dots.mark_reach(dotted)
    joined = cv2.dilate(ink.astype(np.uint8), np.ones((reach, reach), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    if count <= 2:
        return ink
    widths, heights = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    character = max(float(np.percentile(heights, 90)), MIN_CHARACTER_PX)
    small = (heights < MARK_SHARE * character) & (widths < MARK_SHARE * character)
    if not small.any() or small.all():
        return ink
    if not cells:
        small &= ~_beside_characters(stats[1:], small, character)
    else:
        small &= ~_stacked_into_a_stroke(ink, labels, small, character)
    keep = np.concatenate([[False], ~small])
    return ink & np.take(keep, np.asarray(labels, dtype=np.int32))  # keep[labels] at half the CPU


STACK_GAP_SHARE = 0.4  # small marks up to this share of a character apart down a column: pieces of one stroke ...
STACK_MAX_SHARE = 1.25  # ... when together no taller than this share of a character (a dotted rule runs taller)


def _stacked_into_a_stroke(ink: np.ndarray, labels: np.ndarray, small: np.ndarray, character: float) -> np.ndarray:
    """Which small marks are the pieces of one upright stroke the fax broke: a Courier or Times '1' at 98 dpi
    rows prints as two or three marks one above the other, each too small to be a character, together as tall
    as one (POS '16' read '6' with its '1' dropped as specks). Only small marks are stacked, so a speck is not
    joined to the digit beside it; a dotted rule's dots stack far taller than a character."""
    import cv2

    pieces = ink & np.take(np.concatenate([[False], small]), np.asarray(labels, dtype=np.int32))
    gap = max(2, round(STACK_GAP_SHARE * character))
    stacked = cv2.dilate(pieces.view(np.uint8), np.ones((gap, 1), np.uint8))
    _, groups, stats, _ = cv2.connectedComponentsWithStats(stacked, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT] - (gap - 1)  # the dilation's reach above and below taken back
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    stroke = (heights >= MARK_SHARE * character) & (heights <= STACK_MAX_SHARE * character)
    stroke &= widths < MARK_SHARE * character
    in_stroke = pieces & np.take(np.concatenate([[False], stroke]), np.asarray(groups, dtype=np.int32))
    found = np.zeros(len(small), dtype=bool)
    found[np.unique(labels[in_stroke]) - 1] = True
    return found


def _beside_characters(stats: np.ndarray, small: np.ndarray, character: float) -> np.ndarray:
    """Which marks sit within a word: closer than half a character to a character's side, at its height."""
    import cv2

    left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    right, bottom = left + stats[:, cv2.CC_STAT_WIDTH], top + stats[:, cv2.CC_STAT_HEIGHT]
    big, marks = ~small, np.flatnonzero(small)
    # every mark (rows) against every character (columns) at once: the same comparisons as mark by mark
    gap = np.maximum(left[big][None, :] - right[marks][:, None], left[marks][:, None] - right[big][None, :])
    level = (top[marks][:, None] < bottom[big][None, :]) & (bottom[marks][:, None] > top[big][None, :] - character / 2)
    near = np.zeros(len(stats), dtype=bool)
    near[marks] = ((gap < character / 2) & level).any(axis=1)
    return near


def _main_band(row_ink: np.ndarray, max_gap: int = 4) -> tuple[int, int]:
    """The run of inked rows holding the most ink: the box's own line of text, not the tails of
    the line above or below that the padding let in."""
    runs, start, gap, end = [], None, 0, 0
    for index, count in enumerate(row_ink):
        if count:
            if start is None:
                start = index
            gap, end = 0, index
        elif start is not None:
            gap += 1
            if gap > max_gap:
                runs.append((start, end))
                start = None
    if start is not None:
        runs.append((start, end))
    return max(runs, key=lambda run: row_ink[run[0] : run[1] + 1].sum())


FRAME_MARGIN = (20, 15)


def _frame(image: Image.Image) -> tuple[Image.Image, float]:
    """One slot as Tesseract likes a text line: about 30 px tall, with a white margin; and the scale."""
    factor = 1.0
    if image.height < TEXT_HEIGHT:
        factor = min(TEXT_HEIGHT / image.height, 2.0)
        image = image.resize(
            (max(1, round(image.width * factor)), round(image.height * factor)), Image.Resampling.BICUBIC
        )
    framed = Image.new("L", (image.width + 2 * FRAME_MARGIN[0], image.height + 2 * FRAME_MARGIN[1]), 255)
    framed.paste(image, FRAME_MARGIN)
    return framed, factor


def read_boxes(slots: list[Slot]) -> dict[str, Reading]:
    """Every slot read as one line of text; confidence is the least sure word's (0-1)."""
    return read_pages([slots])[0]


def read_pages(
    pages: list[list[Slot]], dates_again: list[bool] | None = None, judge: Judge | None = None
) -> list[dict[str, Reading]]:
    """The slots of every page, read in two runs (digit-only slots, the rest) on the loaded model.
    `dates_again`: per page, whether unread 24A cells get a second Tesseract reading (not on pages
    whose digit cells ocr.digits reads again anyway). `judge`: another reader that chooses between a box's
    first reading and its recheck's (`_recovered`)."""
    count = len(pages)
    pages = pages + [[slot.recheck for slot in slots if slot.recheck is not None] for slots in pages]
    if dates_again is not None:
        dates_again = dates_again + [False] * count
    flat = [(index, slot) for index, slots in enumerate(pages) for slot in slots]
    if not flat:
        return [{} for _ in range(count)]
    framed = [_frame(_as_read(slot)) for _, slot in flat]
    words: dict[tuple[int, str], list[tuple[float, str, float]]] = {}
    for digits in (False, True):
        chosen = [index for index, (_, slot) in enumerate(flat) if slot.digits_only == digits]
        if not chosen:
            continue
        data = _tesseract([framed[index][0] for index in chosen], DIGIT_CONFIG if digits else TESSERACT_CONFIG)
        for frame, text, conf, left, width in zip(
            data["page_num"], data["text"], data["conf"], data["left"], data["width"], strict=False
        ):
            if not str(text).strip() or float(conf) < 0:
                continue
            index = chosen[int(frame) - 1]
            (page, slot), (image, factor) = flat[index], framed[index]
            x = (_word_centre(int(left), int(width), str(text).strip(), image.height) - FRAME_MARGIN[0]) / factor
            words.setdefault((page, slot.field_at(x)), []).append((x, str(text).strip(), float(conf) / 100))
    read_date_cells_again([(page, slot) for page, slot in flat if dates_again is None or dates_again[page]], words)
    read_lone_strokes(flat, words)
    readings: list[dict[str, Reading]] = [{} for _ in pages]
    for page, slot in flat:
        for name, _, _ in slot.members:
            found = sorted(words.get((page, name), []))
            if found:
                again = any(len(w) > 3 for w in found)  # from read_date_cells_again
                readings[page][name] = Reading(" ".join(w[1] for w in found), min(w[2] for w in found), again)
        if len(slot.members) == 1 and slot.members[0][0] not in readings[page]:
            readings[page][slot.members[0][0]] = Reading("", 0.0)  # ink but no characters recognised
    joined = [
        _split_cents(_join_money(page_readings), slots) for page_readings, slots in zip(readings, pages, strict=True)
    ]
    return [_with_doubts(joined[index], pages[index], joined[count + index], judge) for index in range(count)]


def _as_read(slot: Slot) -> Image.Image:
    """The slot's image as Tesseract gets it: on a fax printed in dots, its strokes thickened and softened
    (ocr/dots.py; on a grey 200-300 dpi page the dots are whole enough, and thickened they read worse); the
    fax digit and code readers keep the crop as cut."""
    return Image.fromarray(dots.for_recogniser(np.asarray(slot.image))) if slot.dotted and slot.fax else slot.image


CHARACTER_WIDTH_SHARE = 0.9  # a character is at most this wide for its line's height (wide capitals: 'M', 'W')


def _word_centre(left: int, width: int, text: str, frame_height: int) -> float:
    """Where a word sits in its frame, to find its cell. Tesseract's line model sometimes gives a line's
    first word a box reaching to the line's end ('G9008' over the modifiers too): its centre then falls
    in another cell. A box wider than its characters can be is taken from its left edge, at their width."""
    line_height = frame_height - 2 * FRAME_MARGIN[1]
    widest = len(text) * CHARACTER_WIDTH_SHARE * line_height
    return left + min(width, widest) / 2


# A 24A date cell whose first reading is not two digits (a fax lost the thin strokes of a Times or
# Courier digit) is read once more, its line enlarged and read as raw text (--psm 13: no layout
# analysis, which on these lines dropped a lone '0'). Only lines with such a cell; the cell keeps the
# second reading only when that one is two digits, marked (Reading.read_again: the mapping flags the
# date as repaired, since the reading was chosen because it parsed) and at a low confidence.
AGAIN_CONFIG = DIGIT_CONFIG.replace("--psm 7", "--psm 13")
AGAIN_SCALE = 2.0
AGAIN_CONFIDENCE = 0.5  # a value read only on a second try, chosen because it parsed: staff verify it
DATE_CELL_PARTS = ("_mm_", "_dd_", "_yy_")


def read_date_cells_again(flat: list[tuple[int, Slot]], words: dict[tuple[int, str], list]) -> None:
    """Second reading of the service lines' date cells that did not read as two digits (in place)."""
    unread = {
        index: names
        for index, (page, slot) in enumerate(flat)
        if (names := [name for name, _, _ in slot.members if _date_cell_unread(name, words.get((page, name), []))])
    }
    if not unread:
        return
    chosen = sorted(unread)
    frames = []
    for index in chosen:
        image = flat[index][1].image
        enlarged = image.resize(
            (round(image.width * AGAIN_SCALE), round(image.height * AGAIN_SCALE)), Image.Resampling.BICUBIC
        )
        frames.append(_frame(enlarged)[0])
    data = _tesseract(frames, AGAIN_CONFIG)
    again: dict[tuple[int, str], list[tuple[float, str, float]]] = {}
    for frame, text, conf, left, width in zip(
        data["page_num"], data["text"], data["conf"], data["left"], data["width"], strict=False
    ):
        if not str(text).strip() or float(conf) < 0:
            continue
        page, slot = flat[chosen[int(frame) - 1]]
        x = (int(left) + int(width) / 2 - FRAME_MARGIN[0]) / AGAIN_SCALE
        for piece_x, piece in _split_digit_pairs(x, str(text).strip(), int(width) / AGAIN_SCALE):
            again.setdefault((page, slot.field_at(piece_x)), []).append((piece_x, piece, float(conf) / 100))
    for index in chosen:
        page = flat[index][0]
        for name in unread[index]:
            found = again.get((page, name), [])
            text = "".join(w[1] for w in sorted(found))
            if len(text) == 2 and text.isdigit():
                words[(page, name)] = [(found[0][0], text, min(AGAIN_CONFIDENCE, min(w[2] for w in found)), True)]


def read_lone_strokes(flat: list[tuple[int, Slot]], words: dict[tuple[int, str], list]) -> None:
    """Units cells (24G) Tesseract left empty whose one mark is an upright stroke: '1', at a low
    confidence, since it was read by shape (ocr/strokes.py). In place."""
    from .strokes import LONE_STROKE_CONFIDENCE, UNITS_CELL, lone_stroke_units

    for page, slot in flat:
        empty = [name for name, _, _ in slot.members if name.startswith(UNITS_CELL) and not words.get((page, name))]
        if not empty:
            continue
        for name, x in lone_stroke_units(np.asarray(slot.image), slot.members, WORD_GAP).items():
            if name in empty:
                words[(page, name)] = [(x, "1", LONE_STROKE_CONFIDENCE)]


def _date_cell_unread(name: str, found: list) -> bool:
    if not any(part in name for part in DATE_CELL_PARTS):
        return False
    text = "".join(w[1] for w in found)
    return not (len(text) == 2 and text.isdigit())


def _split_digit_pairs(x: float, text: str, width: float) -> list[tuple[float, str]]:
    """A raw-line reading may run the cells' words together ('0607'): split a run of digits into
    its two-digit cells, each placed at its share of the word's width."""
    if not text.isdigit() or len(text) <= 2 or len(text) % 2:
        return [(x, text)]
    pairs = [text[i : i + 2] for i in range(0, len(text), 2)]
    left = x - width / 2
    return [(left + width * (2 * i + 1) / (2 * len(pairs)), pair) for i, pair in enumerate(pairs)]


def _tesseract(frames: list[Image.Image], config: str) -> dict:
    """One Tesseract run over `frames` as the pages of one document, on the model the process keeps
    loaded (ocr/engine.py): image_to_data's dictionary, as the CLI would give it."""
    from .engine import image_to_data

    return image_to_data(frames, config)


def _join_money(readings: dict[str, Reading]) -> dict[str, Reading]:
    """Each money box's dollars and cents halves back into one reading ('400 00')."""
    for name in MONEY_READ:
        dollars, cents = readings.pop(name + DOLLARS, None), readings.pop(name + CENTS, None)
        parts = [r for r in (dollars, cents) if r is not None and r.text]
        if parts:
            readings[name] = Reading(" ".join(r.text for r in parts), min(r.confidence for r in parts))
    return readings


def version_slots(page: Image.Image, registration: Registration, window: PageWindow | None = None) -> list[Slot]:
    """The form's own printed version labels (read from the page as scanned, form ink kept).
    `window`: on the page's clean_grey, when the caller has it already (a grey or bilevel page's read source)."""
    window = window or PageWindow(clean_grey(page.convert("L")), registration)
    slots = []
    for name, rect in VERSION_RECTS.items():
        left, top, right, bottom = (int(v * SCALE) for v in rect)
        cut = _ink_crop(window.region(left, top, right, bottom), speckled=True)
        if cut is not None:
            slots.append(Slot(cut[0], [(name, float("-inf"), float("inf"))], {}))
    return slots


def page_slots(page: Image.Image, registration: Registration) -> list[Slot]:
    """The filled boxes of one page registered to the template, ready for Tesseract."""
    source, color = drop_out_source(page)
    if color:
        source = faint_typing_darkened(source, registration)
    return box_crops(PageWindow(source, registration), color)


def reading_slots(page: Image.Image, registration: Registration) -> list[Slot]:
    """The filled boxes and the version labels of one page. A grey or bilevel page's read source is the
    same cleaned page the labels are read from: it is made once (a full-page pass)."""
    source, color = drop_out_source(page)
    if color:
        return box_crops(PageWindow(faint_typing_darkened(source, registration), registration), color) + (
            version_slots(page, registration)
        )
    window = PageWindow(source, registration)
    return box_crops(window, color) + version_slots(page, registration, window)


FAINT_TYPING = 60  # after red drop-out, typing whose darkest pixels are lighter than this is faint


def faint_typing_darkened(source: Image.Image, registration: Registration) -> Image.Image:
    """A colour page whose typing came out faint (a blurred phone photo of a dot-matrix or worn-ribbon
    print, a dot-matrix page at 200 dpi: strokes 100-190 grey) with the light gaps inside its strokes
    closed and stretched so the typing's darkest level is black and the dropped form's rules are white:
    the strokes read as ink again and the form's pale remains stay paper.
    Left as it is when the typing is dark already, or not clearly darker than the form's remains."""
    darkest = off_form_darkest(source, registration)
    if darkest is None or darkest <= FAINT_TYPING:
        return source
    rules = page_rule_level(source, registration)
    if rules - darkest < FORM_LEVEL_GAP:
        return source
    import cv2

    # Close the pixel-wide light gaps inside the strokes first (a dot-matrix print's dot grid at 200 dpi
    # is a stripe every second pixel); gaps two pixels wide (letters' counters) stay. An opening of the
    # paper: the 2x2 minimum, then the maximum anchored the other way, so the page does not shift.
    pair = np.ones((2, 2), np.uint8)
    level = cv2.dilate(cv2.erode(np.asarray(source, dtype=np.uint8), pair), pair, anchor=(0, 0))
    alpha = 255.0 / (rules - darkest)
    return Image.fromarray(cv2.convertScaleAbs(level, alpha=alpha, beta=-darkest * alpha))


OFF_FORM_STEP = 3  # template pixels (300 dpi) between the samples where typing is looked for


@cache
def off_form_grid() -> np.ndarray:
    """A 3-pixel grid over the template (300 dpi): True where the grid point is inside the form and off
    its printed ink, where typing is."""
    masks = form_masks()
    form = masks.vertical | masks.horizontal | masks.dots
    return ~form[::OFF_FORM_STEP, ::OFF_FORM_STEP]


def off_form_darkest(source: Image.Image, registration: Registration) -> float | None:
    """The darkest typing on the registered form: the 0.1th percentile of the page off the form's ink.
    The grid is sampled by one nearest-pixel warp (OpenCV) rather than by projecting its ~900,000
    points one by one in numpy: a tenth of the CPU, the same pixels."""
    import cv2

    grid_to_page = registration.homography_for(DPI) @ np.diag([OFF_FORM_STEP, OFF_FORM_STEP, 1.0])
    keep = off_form_grid()
    pixels = np.asarray(source, dtype=np.uint8)
    size, flags = (keep.shape[1], keep.shape[0]), cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP
    sampled = cv2.warpPerspective(pixels, grid_to_page, size, flags=flags, borderMode=cv2.BORDER_CONSTANT)
    on_page = np.full(pixels.shape, 255, dtype=np.uint8)
    inside = cv2.warpPerspective(on_page, grid_to_page, size, flags=flags, borderMode=cv2.BORDER_CONSTANT) > 0
    chosen = keep & inside
    if chosen.sum() < 100:
        return None
    return float(np.percentile(sampled[chosen], 0.1))


def _percentile_at(source: Image.Image, registration: Registration, points: np.ndarray, q: float) -> float | None:
    a, b, c, d, e, f, g, h = registration.perspective_for(DPI)
    xs, ys = points
    w = g * xs + h * ys + 1.0
    px, py = np.round((a * xs + b * ys + c) / w).astype(np.int64), np.round((d * xs + e * ys + f) / w).astype(np.int64)
    pixels = np.asarray(source, dtype=np.uint8)
    inside = (px >= 0) & (py >= 0) & (px < pixels.shape[1]) & (py < pixels.shape[0])
    if inside.sum() < 100:
        return None
    return float(np.percentile(pixels[py[inside], px[inside]], q))


def recognize_page(page: Image.Image, registration: Registration) -> dict[str, Reading]:
    """Box readings of one page registered to the template."""
    return read_boxes(page_slots(page, registration))


def _split_cents(readings: dict[str, Reading], slots: list[Slot]) -> dict[str, Reading]:
    """A money box read whole with writing right of the dollars/cents rule: its last two digits are
    the cents, however Tesseract spaced them ('12500', '125 00', '1250 0' -> '125 00'), as the printed
    rule says."""
    for slot in slots:
        for name, has_cents in slot.cents.items():
            reading = readings.get(name)
            digits = re.sub(r"\D", "", reading.text) if reading else ""
            if has_cents and reading and len(digits) >= 3 and re.fullmatch(r"[\d\s.,]+", reading.text):
                readings[name] = Reading(f"{digits[:-2]} {digits[-2:]}", reading.confidence)
    return readings


def _with_doubts(
    readings: dict[str, Reading], slots: list[Slot], rechecked: dict[str, Reading], judge: Judge | None = None
) -> dict[str, Reading]:
    """Each reading of a slot in doubt carries the reason, so its value goes to staff (as a reader's repair).
    A box whose typing the erase cut takes its reading with the marks the typing touched kept when the two
    differ in their letters or digits (`_recovered`), unless `judge` finds the first likelier on the box's
    recheck image; either way staff verify it."""
    for slot in slots:
        for name, doubt in slot.doubts.items():
            reading = readings.get(name)
            if doubt == TYPING_CUT and slot.recheck is not None:
                # a cell of a group is weighed by its own reader later
                likelier = partial(judge, slot.recheck.image) if judge is not None and len(slot.members) == 1 else None
                reading = _recovered(reading, rechecked.get(name), likelier)
            if reading is not None and reading.text:
                note = "; ".join(filter(None, [reading.repaired, doubt]))
                readings[name] = replace(reading, repaired=note)
    return readings


# A dash a fax thinned to a dot or two, in an account or reference number (box 26, box 23)
DASH_BAND = (0.3, 0.7)  # a dash's marks sit between these shares of the characters' height, from their top
DASH_MARK_SHARE = 0.3  # ... each no taller than this share of that height (a character's part is taller)
DASH_GAP_SHARE = 0.3  # a blank between characters this share of their height wide or more: a space, or a lost dash
DASHED_BOXES = frozenset({"pt_account", "prior_auth"})  # numbers a provider may type with dashes (not box 1a's ID)
DASHED_READING = re.compile(r"[A-Za-z0-9]+( [A-Za-z0-9]+)+")  # letters and digits in groups, nothing else read
LOST_DASH_NOTE = "a mark at mid-height in each gap of the number taken for the '-' a fax thinned to it"


def dashes_in_gaps(place: np.ndarray) -> int:
    """How many of the wide gaps between a line's characters hold a small mark at mid-height: what a fax left
    of a dash ('INV \u00b7 2026 \u00b7 53783'), which the readers read as a space. Read from the box's place as
    registered (`Slot.places`: the speck filter, which drops such marks, has not touched it)."""
    import cv2

    count, _, stats, _ = cv2.connectedComponentsWithStats((place < INK).view(np.uint8), connectivity=8)
    if count < 3:
        return 0
    left, top = stats[1:, cv2.CC_STAT_LEFT], stats[1:, cv2.CC_STAT_TOP]
    width, height = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    tall = height >= 0.5 * height.max()
    band_top, band_bottom = float(np.median(top[tall])), float(np.median((top + height)[tall]))
    size = band_bottom - band_top
    spans = sorted(zip(left[tall].tolist(), (left + width)[tall].tolist(), strict=True))
    centre = (top + height / 2 - band_top) / max(size, 1.0)
    mark = ~tall & (height <= DASH_MARK_SHARE * size) & (centre >= DASH_BAND[0]) & (centre <= DASH_BAND[1])
    found = 0
    for (_, gap_start), (gap_end, _) in pairwise(spans):
        if gap_end - gap_start < DASH_GAP_SHARE * size:
            continue
        inside = mark & (left >= gap_start) & (left + width <= gap_end)
        found += bool(inside.any())
    return found


def with_lost_dashes(slots: list[Slot], readings: dict[str, Reading]) -> dict[str, Reading]:
    """An account or reference number read as groups of letters and digits with gaps between them, whose box shows
    a small mark at mid-height in as many gaps (`dashes_in_gaps`), is read with a '-' in each, as a repair for
    staff."""
    for slot in slots:
        if len(slot.members) != 1 or slot.members[0][0] not in DASHED_BOXES:
            continue
        name = slot.members[0][0]
        reading, place = readings.get(name), slot.places.get(name)
        if reading is None or place is None:
            continue
        gaps = len(reading.text.split()) - 1
        if not DASHED_READING.fullmatch(reading.text.strip()) or dashes_in_gaps(place) != gaps:
            continue
        note = "; ".join(filter(None, [reading.repaired, LOST_DASH_NOTE]))
        readings[name] = replace(reading, text="-".join(reading.text.split()), repaired=note)
    return readings


RECHECK_NOTE = "read again with the form's marks the typing touched kept"


# Another reader's choice between two readings of a box: (the box's image, first text, second text) -> whether the
# first is the likelier (ocr/lines.py's recogniser, which the readers here cannot import)
Judge = Callable[[Image.Image, str, str], bool]


def _recovered(
    reading: Reading | None, recheck: Reading | None, first_likelier: Callable[[str, str], bool] | None = None
) -> Reading | None:
    """The reading of a box whose typing the erase cut: the recheck's (the touched marks kept) when it has
    other letters or digits than the first reading, unless `first_likelier` says the first is (the marks kept
    may join a character's strokes to a stub of the form's: `CS-2025` read `CS-2625`); a mark's stub read as
    punctuation ('BROWN; PATRICIA' for 'BROWN, PATRICIA', '_' under a line) is no recovered stroke."""
    if recheck is None or not recheck.text:
        return reading
    if reading is not None and _alphanumerics(recheck.text) == _alphanumerics(reading.text):
        return reading
    if reading is None or not reading.text:
        return replace(recheck, repaired=RECHECK_NOTE)
    confidence = min(recheck.confidence, reading.confidence)
    if first_likelier is not None and first_likelier(reading.text, recheck.text):
        note = f"{RECHECK_NOTE} as {recheck.text!r}, which the line recogniser finds less likely"
        return replace(reading, confidence=confidence, repaired="; ".join(filter(None, [reading.repaired, note])))
    return replace(recheck, confidence=confidence, repaired=f"{RECHECK_NOTE} (first read {reading.text!r})")


def _alphanumerics(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", text)


def thread_limit_env() -> None:
    """Tesseract's OpenMP threads fight over a small machine; one thread per process is faster."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
