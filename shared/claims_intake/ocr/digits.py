"""A second reader for the digit-only cells of bilevel (fax) pages, trained on fax-degraded glyphs.

At 200 dpi and below, and at 98 dpi vertical above all, a fax loses the thin strokes of Times and
Courier digits and breaks dot-matrix print into fragments; Tesseract's general model, trained on
clean print, then reads '26' as '20' or nothing. This reader knows only the ten digits, and it learnt
them from glyphs the test-data generator printed and degraded exactly as faxes are (the devkit's
`digit_training`, TUNING seeds only): each cell the page reader cut out (ocr/recognize.py, already
registered and with the form's ink erased) is split into its characters by the cell's known geometry
(a date cell holds two digits, an NPI ten; the digits of every font used are of one width, so the
ink divides evenly) and each character is classified by three small two-layer networks, averaged
(numpy only; the weights are data/fax_digits.npz).

Its reading is combined with Tesseract's with evidence (`combine`): agreement keeps the value and
raises its confidence; disagreement, or a value only this reader could read, goes to staff as a
repair, unless an independent check confirms it (the NPI check digit). It reads the cells of any page
printed in dots as well (a copy, a 16-bit scan, a rotated PDF: `scan.second_readings`), since it learnt
dotted glyphs from the faxes' dot-matrix pages.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
from PIL import Image

from ..validators import NPI_LENGTH
from .levels import INK
from .recognize import WORD_GAP, digit_field  # the cleaned crops' cell layout

GLYPH_SIZE = (12, 16)  # (width, height) each character is resampled to
WORD_GAP_SHARE = 0.45  # a blank run this share of the text height wide separates two words
MIN_TEXT_ROWS = 6


# Digits each cell holds, by field name: fixed-width cells are split evenly; the others (units,
# dollars) have their digit count estimated from the page's own digit pitch.
NPI_DIGITS = NPI_LENGTH


def npi_cell(field: str) -> bool:
    """24J and box 33a: an NPI's ten digits, which its check digit can choose among candidates."""
    return fixed_width(field) == NPI_DIGITS


def fixed_width(field: str) -> int | None:
    base = field.split(".")[0]
    if re.fullmatch(r"sv\d_(mm|dd|yy)_(from|end)", base) or base in ("birth_mm", "birth_dd"):
        return 2
    if base.startswith("place"):
        return 2
    if base == "birth_yy":
        return 4
    if base.startswith("local") or base == "pin":
        return NPI_DIGITS
    if base == "tax_id":
        return 9
    return None


def text_rows(piece: np.ndarray) -> np.ndarray | None:
    """The piece cut to the rows and columns its ink spans (None: too little ink to be digits)."""
    ink = piece < INK
    rows = np.nonzero(ink.any(axis=1))[0]
    cols = np.nonzero(ink.any(axis=0))[0]
    if len(rows) == 0 or rows[-1] - rows[0] + 1 < MIN_TEXT_ROWS:
        return None
    return piece[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def text_line(piece: np.ndarray) -> np.ndarray | None:
    """A free-text box's line of writing: its tallest run of inked rows (a fax speck above or below the line, or
    a rule's remnant, is left out; it would make the line taller and its word gaps wider), cut to its ink."""
    band = main_rows(piece)
    return text_rows(band) if band is not None else None


def text_words(text: np.ndarray) -> list[tuple[int, int]]:
    """The line's words, without the specks beside it (a mark too low to be a character)."""
    return [(a, b) for a, b in words(text) if text_rows(text[:, a:b]) is not None]


def words(text: np.ndarray) -> list[tuple[int, int]]:
    """Column spans of the piece's words: ink separated by a blank run wider than a character gap."""
    blank = np.asarray((text < INK).any(axis=0)) == 0
    gap = max(3, round(WORD_GAP_SHARE * text.shape[0]))
    spans, start, run = [], 0, 0
    for x, empty in enumerate(blank):
        if empty:
            run += 1
            continue
        if run >= gap and x - run > start:
            spans.append((start, x - run))
            start = x
        run = 0
    spans.append((start, len(blank) - run))
    return [(a, b) for a, b in spans if b > a]


SNAP_SHARE = 0.3  # a cut may move this share of a digit's width to fall in a blank gap


def segment(text: np.ndarray, count: int) -> list[tuple[float, float]]:
    """`count` characters' column spans across the text: even cuts (the digits of every font used are
    of one width), each moved into the blank gap between two characters when one lies near it (a
    narrow '1' leaves a wide blank beside it and shortens the ink's span)."""
    blank = np.asarray((text < INK).any(axis=0)) == 0
    width = text.shape[1]
    step = width / count
    reach = SNAP_SHARE * step
    cuts = [0.0]
    for i in range(1, count):
        nominal = i * step
        lo, hi = max(int(nominal - reach), cuts[-1] + 1), min(int(nominal + reach) + 1, width - 1)
        gaps = [x for x in range(int(lo), hi) if blank[x]]
        cuts.append(float(min(gaps, key=lambda x: abs(x - nominal))) if gaps else nominal)
    cuts.append(float(width))
    return list(itertools.pairwise(cuts))


def _columns(text: np.ndarray, x0: float, x1: float) -> np.ndarray:
    """The text's columns x0..x1, at least one, inside the text."""
    width = text.shape[1]
    left = min(max(math.floor(x0), 0), width - 1)  # math's floor and ceil: numpy's, without an array a call
    right = min(max(math.ceil(x1), left + 1), width)
    return text[:, left:right]


def glyph(text: np.ndarray, x0: float, x1: float) -> np.ndarray:
    """One character's columns, cut to its own rows of ink, resampled to GLYPH_SIZE, ink as 0..1."""
    part = _columns(text, x0, x1)
    return _bitmap(part, np.flatnonzero((part < INK).any(axis=1)))


def _bitmap(part: np.ndarray, ink_rows: np.ndarray) -> np.ndarray:
    """`glyph` of a character's columns whose inked rows are known."""
    if len(ink_rows):  # a narrow '1' keeps its height; a mark at mid-height (a '-') keeps its place
        part = part[max(ink_rows[0] - 1, 0) : ink_rows[-1] + 2]
    image = Image.fromarray(part.astype(np.uint8)).resize(GLYPH_SIZE, Image.Resampling.BOX)
    # the bytes straight into numpy: np.asarray of a PIL image costs more than the resize
    pixels = np.frombuffer(image.tobytes(), dtype=np.uint8).reshape(GLYPH_SIZE[1], GLYPH_SIZE[0])
    return 1.0 - pixels.astype(np.float32) / 255.0


def glyph_features(text: np.ndarray, x0: float, x1: float) -> np.ndarray:
    """The glyph bitmap and its shape: how wide and how tall its ink is against the text line's height.
    (The character's columns and their ink are found once, for the bitmap and the shape alike.)"""
    part = _columns(text, x0, x1)
    ink = part < INK
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    height = text.shape[0]
    shape = [
        (cols[-1] - cols[0] + 1) / height if len(cols) else 0.0,
        (rows[-1] - rows[0] + 1) / height if len(rows) else 0.0,
        rows[0] / height if len(rows) else 0.0,
        np.count_nonzero(ink) / ink.size,  # ink.mean(): the same count over the same size
    ]
    return np.concatenate([_bitmap(part, rows).ravel(), np.asarray(shape, dtype=np.float32)])


@dataclass(frozen=True)
class DigitNet:
    """Two layers: features -> hidden (ReLU) -> one output per character (softmax). The weights hold
    several such networks, fitted from different random starts (the first axis of w1, b1, w2, b2);
    their probabilities are averaged: members err on different glyphs, so together they err less."""

    mean: np.ndarray
    scale: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        x = (np.atleast_2d(features) - self.mean) / self.scale
        hidden = np.maximum(x @ self.w1 + self.b1[:, None, :], 0.0)  # (members, glyphs, hidden)
        logits = hidden @ self.w2 + self.b2[:, None, :]
        logits -= logits.max(axis=2, keepdims=True)
        odds = np.exp(logits)
        return (odds / odds.sum(axis=2, keepdims=True)).mean(axis=0)

    @classmethod
    def from_arrays(cls, data) -> DigitNet:
        return cls(*(data[k].astype(np.float32) for k in ("mean", "scale", "w1", "b1", "w2", "b2")))

    def save(self, path, **about) -> None:
        arrays: dict[str, Any] = {k: np.asarray(v) for k, v in about.items()}
        arrays.update(mean=self.mean, scale=self.scale, w1=self.w1, b1=self.b1, w2=self.w2, b2=self.b2)
        np.savez_compressed(path, **arrays)


WEIGHTS = "data/fax_digits.npz"


@cache
def digit_net() -> DigitNet:
    return DigitNet.from_arrays(load_weights(WEIGHTS))


def load_weights(name: str) -> dict[str, np.ndarray]:
    """A glyph network's shipped arrays (data/*.npz), read whole."""
    with resources.files("claims_intake").joinpath(name).open("rb") as handle, np.load(handle) as data:
        return {key: data[key] for key in data.files}


def cell_pieces(slots, wanted: Callable[[str], bool] = digit_field) -> dict[str, np.ndarray]:
    """Each wanted field's ink as the page reader cut it (by default the digit-only fields): a cell
    of a composed line (24A, 24B, 24G, box 3) is its own span of the line's image; a box read alone
    is its slot's image."""
    pieces: dict[str, np.ndarray] = {}
    for slot in slots:
        image = np.asarray(slot.image, dtype=np.uint8)
        for name, x0, x1 in slot.members:
            if not wanted(name):
                continue
            if np.isinf(x0):
                pieces[name] = image
            else:
                pieces[name] = image[:, max(round(x0 + WORD_GAP / 2), 0) : round(x1 - WORD_GAP / 2)]
    return pieces


MONEY_FIELDS = frozenset({*(f"ch{n}" for n in range(1, 7)), "t_charge"})
MIN_WORD_PX = 4  # narrower ink between blank gaps is a rule's remnant, not a digit


def main_rows(part: np.ndarray, max_gap: int = 2) -> np.ndarray | None:
    """The part cut to its tallest run of inked rows (a remnant of a rule above or below is left out)."""
    inked = np.asarray((part < INK).any(axis=1)).tolist()
    runs, start, gap = [], None, 0
    for y, has in enumerate(inked):
        if has:
            start, gap = (y if start is None else start), 0
        elif start is not None:
            gap += 1
            if gap > max_gap:
                runs.append((start, y - gap + 1))
                start, gap = None, 0
    if start is not None:
        runs.append((start, len(inked) - gap))
    if not runs:
        return None
    top, bottom = max(runs, key=lambda r: r[1] - r[0])
    return part[top:bottom] if bottom - top >= MIN_TEXT_ROWS else None


def money_spans(
    piece: np.ndarray, dollar_count: int, rule_x: float | None = None
) -> list[tuple[np.ndarray, float, float]] | None:
    """A money box's characters: the dollars left of the dollars/cents rule, the cents right of it,
    each part split into its digits. `rule_x`: the rule's column in the piece (the template's, as
    the page reader cut the box): the parts divide at the blank column nearest it, so a last dollar
    printed flush against the rule stays whole. Without it, the cents are the last word (right of
    the gap the rule leaves) and the dollars the ink before it."""
    if dollar_count < 1:
        return None
    parts = _parts_at_rule(piece, rule_x) if rule_x is not None else _parts_at_last_gap(piece)
    if parts is None:
        return None
    spans = []
    for (a, b), count in zip(parts, (dollar_count, 2), strict=True):
        text = main_rows(piece[:, a:b])
        if text is None:
            return None
        cols = np.nonzero((text < INK).any(axis=0))[0]
        text = text[:, cols[0] : cols[-1] + 1]
        spans += [(text, x0, x1) for x0, x1 in segment(text, count)]
    return spans


def _parts_at_last_gap(piece: np.ndarray) -> tuple[tuple[int, int], tuple[int, int]] | None:
    found = [(a, b) for a, b in words(piece) if b - a >= MIN_WORD_PX]
    if len(found) < 2:
        return None
    return (found[0][0], found[-2][1]), found[-1]


RULE_REACH_SHARE = 0.5  # the parts may divide this share of the text height either side of the rule


def _parts_at_rule(piece: np.ndarray, rule_x: float) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The dollars' and the cents' column spans, divided at the blank column nearest the rule; a
    remnant of the rule (ink narrower than a digit) is neither."""
    width = piece.shape[1]
    blank = np.asarray((piece < INK).any(axis=0)) == 0
    reach = max(2, round(RULE_REACH_SHARE * piece.shape[0]))
    near = [x for x in range(max(int(rule_x) - reach, 1), min(int(rule_x) + reach + 1, width - 1)) if blank[x]]
    split = min(near, key=lambda x: abs(x - rule_x)) if near else round(rule_x)
    if not 0 < split < width:
        return None
    dollars = [(a, b) for a, b in words(piece[:, :split]) if b - a >= MIN_WORD_PX]
    cents = [(a + split, b + split) for a, b in words(piece[:, split:]) if b - a >= MIN_WORD_PX]
    if not dollars or not cents:
        return None
    return (dollars[0][0], dollars[-1][1]), (cents[0][0], cents[-1][1])


TOP_K = 3  # choices kept per character, best first


@dataclass(frozen=True)
class DigitReading:
    digits: str
    probabilities: tuple[float, ...]  # each character's probability under the network
    # each character's TOP_K likeliest digits with their probabilities, best first (the first is `digits`)
    choices: tuple[tuple[tuple[str, float], ...], ...] = ()

    @property
    def least(self) -> float:
        return min(self.probabilities, default=0.0)


def read_spans(spans: list[tuple[np.ndarray, float, float]]) -> DigitReading:
    features = np.vstack([glyph_features(text, x0, x1) for text, x0, x1 in spans])
    probabilities = digit_net().probabilities(features)
    order = np.argsort(-probabilities, axis=1, kind="stable")[:, :TOP_K]
    choices = tuple(
        tuple((str(int(d)), float(row[d])) for d in ranks) for row, ranks in zip(probabilities, order, strict=True)
    )
    return DigitReading("".join(c[0][0] for c in choices), tuple(c[0][1] for c in choices), choices)


SECOND_CHOICE = 0.02  # a digit the network gives at least this probability is a candidate for its place
SURE_DIGIT = 0.9  # a character read at least this surely is taken as read when candidates are made
MAX_UNSURE_DIGITS = 2  # more unsure characters than this: the reading is too poor for one change to mend it


def npi_candidates(mine: DigitReading, tesseract_digits: str) -> tuple[str, ...]:
    """The ten-digit values the two readers make plausible: Tesseract's own reading, the fax reader's
    best, and the best with one of its unsure characters (probability < SURE_DIGIT) changed to that
    place's second or third choice (probability >= SECOND_CHOICE) or to the digit Tesseract read
    there. A reading with more than MAX_UNSURE_DIGITS unsure characters offers only the two readings:
    one change would not mend it, and among many candidates a wrong one passes the check digit by
    chance (one in ten)."""
    best = mine.digits
    options = {tesseract_digits} if len(tesseract_digits) == 10 else set()
    unsure = [index for index, p in enumerate(mine.probabilities) if p < SURE_DIGIT]
    if len(best) == 10 and len(unsure) <= MAX_UNSURE_DIGITS:
        options.add(best)
        for index in unsure:
            alternatives = {digit for digit, p in mine.choices[index][1:] if p >= SECOND_CHOICE}
            if len(tesseract_digits) == 10:
                alternatives.add(tesseract_digits[index])
            options |= {best[:index] + digit + best[index + 1 :] for digit in alternatives}
    return tuple(sorted(options))


RULE_OVERHANG_SHARE = 0.15  # a rule's remnant reaches this share of the digits' height above or below them


def without_edge_rules(piece: np.ndarray) -> np.ndarray:
    """The piece with a rule's remnant at its left or right edge whitened: ink narrower than a digit
    (MIN_WORD_PX), apart from the rest by a blank column, reaching above or below the rest's rows (a box's
    side rule the erase left, 1-2 px wide: Tesseract reads it as a '1', and it throws the even cuts a digit
    off). A narrow '1' standing apart is no taller than the digits beside it, and stays."""
    ink = piece < INK
    inked = np.asarray(ink.any(axis=0), dtype=np.int8)
    edges = np.diff(np.concatenate([[0], inked, [0]]))
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    if len(starts) < 2:
        return piece
    rest_rows = np.flatnonzero(ink[:, starts[1] : ends[-2]].any(axis=1))
    if len(rest_rows) == 0:
        return piece
    overhang = RULE_OVERHANG_SHARE * (rest_rows[-1] - rest_rows[0] + 1)
    out = piece.copy()
    for start, end in ((starts[0], ends[0]), (starts[-1], ends[-1])):
        rows = np.flatnonzero(ink[:, start:end].any(axis=1))
        reaches = rows[0] < rest_rows[0] - overhang or rows[-1] > rest_rows[-1] + overhang
        if end - start < MIN_WORD_PX and reaches:
            out[:, start:end] = 255
    return out


def cell_spans(
    field: str, piece: np.ndarray, count: int, rule_x: float | None = None
) -> list[tuple[np.ndarray, float, float]] | None:
    if field.split(".")[0] in MONEY_FIELDS:
        return money_spans(piece, count - 2, rule_x)
    text = text_rows(without_edge_rules(piece) if fixed_width(field) else piece)
    if text is None or count < 1:
        return None
    return [(text, x0, x1) for x0, x1 in segment(text, count)]


def read_cell(field: str, piece: np.ndarray, counts: list[int], rule_x: float | None = None) -> DigitReading | None:
    """The cell read as each candidate number of digits; the reading whose least sure character is
    surest wins (a wrong count cuts characters in halves or pairs, which the network is unsure of)."""
    readings = []
    for count in dict.fromkeys(counts):
        spans = cell_spans(field, piece, count, rule_x)
        if spans and len(spans) == count:
            readings.append(read_spans(spans))
    return max(readings, key=lambda r: r.least, default=None)


MAX_DIGITS = {"day": 3, "money": 7, "pt_zip": 9}


def candidate_counts(field: str, tesseract_digits: str) -> list[int]:
    """How many digits the cell may hold: fixed by the form, else what Tesseract read and one either side."""
    fixed = fixed_width(field)
    if fixed is not None:
        return [fixed]
    base = field.split(".")[0]
    if base == "pt_zip":
        return [5, 9]
    limit = MAX_DIGITS["money"] if base in MONEY_FIELDS else MAX_DIGITS["day"]
    lowest = 3 if base in MONEY_FIELDS else 1
    seen = len(tesseract_digits)
    if not seen:
        return list(range(lowest, limit + 1))
    return [n for n in (seen, seen - 1, seen + 1) if lowest <= n <= limit]


MONEY_ALTERNATIVE = 0.5  # the fax reader's least sure digit at least this for its amount to be offered
TAKE_OVER = 0.9  # the fax reader's least sure character at least this to be taken over Tesseract
DOUBTED_DIGIT = 0.5  # the fax reader's own digit where the readers differ at least this sure: staff read the box
DISAGREE_CONFIDENCE = 0.3  # two readers that disagree: staff read the box
FILL_SURE = 0.6  # a cell Tesseract read nothing in: the fax reader's least sure digit at least this, for staff
FILL_NEIGHBOURS = 3  # a cell Tesseract read nothing in is filled only on a line where this many cells hold ink
FILL_DIGIT_SHARE = 0.18  # ... and only at a digit count that gives each digit this share of the text's height


def fillable_counts(piece: np.ndarray, counts: list[int]) -> list[int]:
    """The counts at which a cell Tesseract read nothing in may be read: each digit as wide as a digit can
    be (a narrow '1' of a fax is a fifth of the line's height). A sliver cut in two is no pair of digits."""
    text = text_rows(piece)
    if text is None:
        return []
    return [n for n in counts if text.shape[1] >= n * FILL_DIGIT_SHARE * text.shape[0]]


def second_reading(slots, readings: dict) -> dict:
    """The page's Tesseract readings with every digit-only cell read again by the fax digit reader and
    the two combined (`combine`)."""
    out = dict(readings)
    rendering: dict[str, DigitReading] = {}
    for slot in slots:
        # the cells with ink as wide as a digit: a written line's dates, place and units; a speck or what is
        # left of a divider makes one such cell, not three
        pieces = cell_pieces([slot])
        written = sum(1 for piece in pieces.values() if fillable_counts(piece, [1]))
        for field, piece in pieces.items():
            if field in MONEY_FIELDS:
                out[field] = money_reading(field, piece, readings.get(field), slot.rule_x.get(field))
                continue
            tesseract = readings.get(field)
            seen = re.sub(r"\D", "", tesseract.text) if tesseract is not None else ""
            counts = candidate_counts(field, seen)
            if tesseract is None or not tesseract.text:
                if written < FILL_NEIGHBOURS:
                    continue
                counts = fillable_counts(piece, counts)
            mine = read_cell(field, piece, counts)
            combined = combine(field, tesseract, mine) if mine is not None else None
            if combined is not None:
                out[field] = combined
            if mine is not None and re.fullmatch(r"local\d", field):
                rendering[field] = mine
    read = location_zip_reading(slots, offer_common_npi(out, rendering))
    return phone_reading(slots, house_number_reading(slots, read))


LOCATION = "doc_location"  # box 33's city, state and ZIP, read by Tesseract as one line of text
LOCATION_ZIP = "doc_location zip"  # its ZIP read again by this reader: a reading of its own
ZIP_DIGITS = 5
# Below TAKE_OVER: the ZIP replaces no reading (Tesseract's gave no five digits) and goes to staff whatever it is;
# on tuning faxes the right ZIP's least sure digit was 0.6-0.88 where the wrong ones' were under 0.45.
ZIP_SURE = 0.5
ZIP_SHAPE = (1.8, 6.0)  # a five-digit word's width over its height, in every font used (wider: two words)


def location_zip_reading(slots, readings: dict) -> dict:
    """Box 33's ZIP read again when Tesseract's line gives none of five digits ('ORANGE VA THO', 'SOLEDAD CA
    Gsuet': the line is read without a digit whitelist, and a fax's thin digits read as letters): the line's
    last word, when it is shaped like five digits, split into five characters and read by this reader. Only a
    reading whose least sure character is at least ZIP_SURE is kept, under its own name, as a repair for staff
    (never confirmed: the ZIP code table then checks it against the city and state read). A ZIP Tesseract read
    as five digits is read again too (`_zip_second_opinion`)."""
    from ..cms1500.mapping import Reading
    from ..cms1500.parse import split_city_state_zip

    location = readings.get(LOCATION)
    if location is None or not location.text:
        return readings
    split = split_city_state_zip(location.text)
    if split and re.fullmatch(r"\d{9}", split[2]):
        return readings
    mine = _last_word_digits(cell_pieces(slots, lambda name: name == LOCATION).get(LOCATION))
    if split and re.fullmatch(r"\d{5}", split[2]):
        return _zip_second_opinion(readings, split[2], mine)
    if mine is None or mine.least < ZIP_SURE:
        return readings
    why = f"box 33's ZIP read by the fax digit reader as {mine.digits!r} (Tesseract read the line {location.text!r})"
    return {**readings, LOCATION_ZIP: Reading(mine.digits, mine.least, repaired=why)}


def _zip_second_opinion(readings: dict, seen: str, mine: DigitReading | None) -> dict:
    """A ZIP Tesseract read as five digits, against this reader's: a sure reading that differs is the ZIP, a
    repair for staff; a digit that differs and that this reader is DOUBTED_DIGIT sure of sends the ZIP to staff
    as read (two ZIPs of one town, 92545 and 92546, pass the ZIP code table alike)."""
    from ..cms1500.mapping import Reading

    if mine is None or mine.digits == seen:
        return readings
    if mine.least >= TAKE_OVER:
        why = f"box 33's ZIP read by the fax digit reader as {mine.digits!r} (Tesseract read {seen!r})"
        return {**readings, LOCATION_ZIP: Reading(mine.digits, mine.least, repaired=why)}
    if not _doubts(mine, seen):
        return readings
    why = f"box 33's ZIP: the fax digit reader read {mine.digits!r} where Tesseract read {seen!r}: staff read it"
    return {**readings, LOCATION_ZIP: Reading(seen, readings[LOCATION].confidence, repaired=why)}


def _doubts(mine: DigitReading, seen: str) -> bool:
    """This reader reads other digits than Tesseract's `seen` (as many), and is DOUBTED_DIGIT sure of one of them."""
    differing = [i for i, (a, b) in enumerate(zip(seen, mine.digits, strict=True)) if a != b]
    return bool(differing) and max(mine.probabilities[i] for i in differing) >= DOUBTED_DIGIT


def _last_word_digits(piece: np.ndarray | None) -> DigitReading | None:
    text = text_line(piece) if piece is not None else None
    spans = text_words(text) if text is not None else []
    if text is None or not spans:
        return None
    word = _last_word(text[:, : spans[-1][1]])
    if word is None or not ZIP_SHAPE[0] <= word.shape[1] / word.shape[0] <= ZIP_SHAPE[1]:
        return None
    return read_spans([(word, x0, x1) for x0, x1 in segment(word, ZIP_DIGITS)])


LINE_WORD_GAP_SHARE = 0.25  # between words of a printed line (a space); a character's gap is narrower, but a '1's
SPACE_SHARE_OF_WIDEST = 0.8  # a blank run this share of the line's widest word gap is a space too
ZIP_MIN_SHAPE = 3.0  # five digits of any font used are at least this wide for their height ('1's included)


def _last_word(line: np.ndarray) -> np.ndarray | None:
    """The line's last word shaped like five digits (`_cut_word`)."""
    return _cut_word(line, lambda word: ZIP_MIN_SHAPE <= word.shape[1] / word.shape[0] <= ZIP_SHAPE[1], last=True)


def _cut_word(line: np.ndarray, fits: Callable[[np.ndarray], bool], last: bool) -> np.ndarray | None:
    """The line's last (or first) word: of the blank runs at least a space's share of the line's height wide that
    leave a word that `fits` after (before) them, the nearest that end among the widest. A character's gap can be
    nearly as wide as a space (beside a narrow '1', between Courier's narrow digits); the spaces between words are
    the widest, and alike."""
    blank = ~np.asarray((line < INK).any(axis=0))
    gap = max(2, round(LINE_WORD_GAP_SHARE * line.shape[0]))
    cuts = []
    for start, end in _column_runs(blank):
        if end - start < gap or start == 0:
            continue
        word = text_rows(line[:, end:] if last else line[:, :start])
        if word is not None and fits(word):
            cuts.append((end - start, word))
    if not cuts:
        return None
    widest = max(width for width, _ in cuts)
    spaces = [word for width, word in cuts if width >= SPACE_SHARE_OF_WIDEST * widest]
    return spaces[-1] if last else spaces[0]  # the spaces of a line are alike: the one nearest that end


UNLISTED = 1e-3  # a digit outside a character's TOP_K choices: this probability when readings are pooled
COMMON_NPI_REACH = 3  # a line's reading at most this many digits from the pooled NPI is offered it


def offer_common_npi(readings: dict, rendering: dict[str, DigitReading]) -> dict:
    """24J NPIs of several lines pooled: most claims bill one rendering provider on every line, so the
    lines' fax readings are prints of one number read several times. Each place's digit is the one
    with the highest summed log-probability over the lines; when that NPI passes its check digit, it
    is offered (`alternatives`) to every line whose own reading is within COMMON_NPI_REACH digits of
    it, for the check digit to choose (a line with another rendering provider reads far from it).
    The offer is no one-change candidate of the line's own readers: what the check digit picks on
    that line is a repair for staff, never confirmed (`readers_agree` off)."""
    from ..validators import is_valid_npi

    pooled_from = [r for r in rendering.values() if len(r.digits) == 10 and len(r.choices) == 10]
    if len(pooled_from) < 2:
        return readings
    common = "".join(_pooled_digit([r.choices[place] for r in pooled_from]) for place in range(10))
    if not is_valid_npi(common):
        return readings
    out = dict(readings)
    for field, mine in rendering.items():
        current = out.get(field)
        if current is None or common in current.alternatives or _differing(mine.digits, common) > COMMON_NPI_REACH:
            continue
        out[field] = replace(current, alternatives=(*current.alternatives, common), readers_agree=False)
    return out


def _pooled_digit(choices: list[tuple[tuple[str, float], ...]]) -> str:
    scores = {
        digit: sum(np.log(max(dict(choice).get(digit, UNLISTED), UNLISTED)) for choice in choices)
        for digit in "0123456789"
    }
    return max(scores, key=lambda digit: scores[digit])


def _differing(first: str, second: str) -> int:
    """Characters two readings of one cell differ in (a reading of another length differs everywhere)."""
    if len(first) != len(second):
        return max(len(first), len(second))
    return sum(a != b for a, b in zip(first, second, strict=True))


def money_reading(field: str, piece: np.ndarray, tesseract, rule_x: float | None):  # -> Reading | None
    """An amount stays Tesseract's reading (the fax reader's alone read 39% of held-out amounts right);
    the fax reader's, split at the dollars/cents rule, is offered beside it (`alternatives`) when
    it differs, for box 28 and the 24F charges to choose between (mapping.choose_amounts)."""
    if tesseract is None or not tesseract.text:
        return tesseract
    seen = re.sub(r"\D", "", tesseract.text)
    counts = candidate_counts(field, seen) + money_glyph_count(piece, rule_x)
    mine = read_cell(field, piece, counts, rule_x)
    if mine is None or mine.digits == seen or mine.least < MONEY_ALTERNATIVE:
        return tesseract
    return replace(tesseract, alternatives=(money_text(mine.digits),))


def money_text(digits: str) -> str:
    """An amount's digits as a money box is written: the dollars (no leading zeros), a space, the cents."""
    return f"{int(digits[:-2])} {digits[-2:]}"


def money_glyph_count(piece: np.ndarray, rule_x: float | None) -> list[int]:
    """How many digits the amount's ink shows, as one more count to try: each run of inked columns left of the
    rule a dollar digit, when the cents show exactly two. Tesseract may lose digits ('127 25' read '1 27'); digits
    that touch make one run, so this is a candidate, never the only one."""
    parts = _parts_at_rule(piece, rule_x) if rule_x is not None else _parts_at_last_gap(piece)
    if parts is None:
        return []
    dollars, cents = (_ink_runs(piece[:, a:b]) for a, b in parts)
    return [dollars + 2] if cents == 2 and dollars >= 1 else []


def _ink_runs(part: np.ndarray) -> int:
    """Runs of inked columns at least a digit's stroke wide, each parted from the next by a blank column."""
    inked = np.asarray((part < INK).any(axis=0), dtype=np.int8)
    edges = np.diff(np.concatenate([[0], inked, [0]]))
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    return int(np.count_nonzero(ends - starts >= MIN_WORD_PX))


def combine(field: str, tesseract, mine: DigitReading):  # -> Reading | None
    """Evidence from two readers: agreement keeps Tesseract's text and raises its confidence to the
    fax reader's; a sure fax reading over an unsure or malformed Tesseract one is taken as a repair
    (the mapping caps its confidence, so staff verify it unless a check digit confirms it); any other
    disagreement keeps Tesseract's text at a confidence that sends it to staff. An NPI's reading
    carries the candidates the two readers make plausible (`npi_candidates`), for its check digit
    to choose among."""
    from ..cms1500.mapping import Reading

    text = tesseract.text if tesseract is not None else ""
    seen = re.sub(r"[\s.]", "", text)
    alternatives = npi_candidates(mine, re.sub(r"\D", "", text)) if npi_cell(field) else ()
    agree = bool(alternatives) and _differing(re.sub(r"\D", "", text), mine.digits) <= 1
    if tesseract is not None and seen == mine.digits:
        return Reading(
            text, max(tesseract.confidence, mine.least), tesseract.read_again, tesseract.repaired, alternatives, agree
        )
    fixed = fixed_width(field)
    well_formed = seen.isdigit() and (fixed is None or len(seen) == fixed)
    confidence = tesseract.confidence if tesseract is not None else 0.0
    if mine.least >= TAKE_OVER and (not well_formed or confidence < mine.least):
        shown = f"{mine.digits[:-2]} {mine.digits[-2:]}" if field in MONEY_FIELDS else mine.digits
        return Reading(
            shown,
            mine.least,
            repaired=f"read by the fax digit reader as {shown!r} (Tesseract read {text!r})",
            alternatives=alternatives,
            readers_agree=agree,
        )
    if tesseract is None or not text:
        # Tesseract read nothing in a cell with ink (a fax lost the thin strokes it needs): the fax reader's
        # value, unsure, is still something for staff to verify against the image; a blank would be lost
        if alternatives or mine.least >= FILL_SURE:  # an NPI's check digit may still choose among candidates
            why = f"read by the fax digit reader alone as {mine.digits!r}, unsure (Tesseract read nothing)"
            return Reading(mine.digits, DISAGREE_CONFIDENCE, repaired=why, alternatives=alternatives)
        return None  # nothing read by Tesseract and the fax reader unsure: the cell stays unread
    return Reading(text, min(confidence, DISAGREE_CONFIDENCE), tesseract.read_again, tesseract.repaired, alternatives)


STREETS = ("pt_street", "doc_street")  # box 5's and box 33's street lines, read by Tesseract as text
HOUSE_NUMBER = re.compile(r"\d{1,6}")
# A first word a house number is written as besides digits alone: a unit letter, a range, a fraction (12B, 10-12)
WRITTEN_NUMBER = re.compile(r"\d+[A-Za-z]|\d+[-/]\d+")
LONGEST_HOUSE_NUMBER = 6


def house_number_reading(slots, readings: dict) -> dict:
    """A street line's house number (its first word) read again by this reader: no table knows a street, so a
    second reader is the only evidence on its digits ('4306 MAIN ST' for 4305, '614% UNIVERSITY AVE'). The word
    is split into as many characters as Tesseract read (one fewer too when a mark is among them). A sure reading
    (every character at least TAKE_OVER) that differs from Tesseract's digits replaces them as a repair for staff
    when Tesseract was less sure or read a mark or letter among the digits; otherwise two readers disagree and the
    line goes to staff (DISAGREE_CONFIDENCE). Agreement changes nothing."""
    from ..cms1500.mapping import Reading

    out = dict(readings)
    for field, piece in cell_pieces(slots, lambda name: name in STREETS).items():
        tesseract = readings.get(field)
        words_read = tesseract.text.split() if tesseract is not None else []
        if tesseract is None or len(words_read) < 2:
            continue
        first = words_read[0]
        plain = bool(HOUSE_NUMBER.fullmatch(first))
        if not plain and (WRITTEN_NUMBER.fullmatch(first) or not re.search(r"\d", first)):
            continue  # a written form of a number, or no number at all ('PO BOX 12')
        if len(first) > LONGEST_HOUSE_NUMBER:
            continue
        counts = [len(first)] if plain else [len(first), len(first) - 1]
        mine = max(
            filter(None, (_first_word_digits(piece, n) for n in counts if n)), key=lambda r: r.least, default=None
        )
        if mine is None or mine.digits == first or mine.least < TAKE_OVER:
            continue
        if not plain or tesseract.confidence < mine.least:
            text = " ".join([mine.digits, *words_read[1:]])
            why = f"house number read by the fax digit reader as {mine.digits!r} (Tesseract read {first!r})"
            out[field] = Reading(text, tesseract.confidence, tesseract.read_again, why)
        else:
            out[field] = replace(tesseract, confidence=min(tesseract.confidence, DISAGREE_CONFIDENCE))
    return out


def _first_word_digits(piece: np.ndarray, count: int) -> DigitReading | None:
    text = text_line(piece)
    if text is None:
        return None
    word = _first_word(text, count)
    if word is None:
        return None
    return read_spans([(word, x0, x1) for x0, x1 in segment(word, count)])


# A digit of the fonts used, with its share of spacing, is this wide for its height (Times' '1' to Courier's);
# a first word outside `count` times these is not the house number (words run together, or part of one)
DIGIT_SHAPE = (0.6, 1.25)


def _first_word(line: np.ndarray, count: int) -> np.ndarray | None:
    """The line's first word shaped like `count` digits (`_cut_word`)."""
    low, high = (count * share for share in DIGIT_SHAPE)
    return _cut_word(line, lambda word: low <= word.shape[1] / word.shape[0] <= high, last=False)


# Box 33's phone: the area code's cell and the number's (three digits, a hyphen, four), read by Tesseract as text
PHONE_DIGITS = {"doc_phone area": (3,), "doc_phone": (3, 4)}
HYPHEN_HEIGHT_SHARE = 0.35  # a mark no taller than this share of the digits, off their top and bottom, is a hyphen


def phone_reading(slots, readings: dict) -> dict:
    """Box 33's phone read again by this reader: no table knows a provider's number, so a second reader is the
    only evidence on its digits (a 98-dpi fax's Helvetica 8 read 6 at 0.999). Where the two differ and this
    reader's digit there is at least DOUBTED_DIGIT sure, the box goes to staff with both readings in its note; when
    every digit of this reader's is at least TAKE_OVER sure, its digits are the value, a repair for staff (on
    tuning faxes it was right each time the two differed so). Agreement changes nothing."""
    out = dict(readings)
    for field, piece in cell_pieces(slots, lambda name: name in PHONE_DIGITS).items():
        tesseract = readings.get(field)
        if tesseract is None or tesseract.repaired:
            continue
        seen = re.sub(r"\D", "", tesseract.text)
        groups = PHONE_DIGITS[field]
        if len(seen) != sum(groups):
            continue  # a reading the parse already finds malformed goes to staff on its own
        mine = _digit_groups(piece, groups)
        if mine is None or mine.digits == seen:
            continue
        if mine.least >= TAKE_OVER:
            why = f"read by the fax digit reader as {mine.digits!r} (Tesseract read {seen!r})"
            out[field] = replace(tesseract, text=mine.digits, repaired=why)
            continue
        if _doubts(mine, seen):
            why = f"the fax digit reader read {mine.digits!r} where Tesseract read {seen!r}: staff read the box"
            out[field] = replace(tesseract, repaired=why)
    return out


def _digit_groups(piece: np.ndarray, groups: tuple[int, ...]) -> DigitReading | None:
    """The piece's digits read as `groups` runs (split at a hyphen when there are two), or None when the ink does
    not hold that shape (no hyphen where one belongs)."""
    text = text_line(piece)
    if text is None:
        return None
    parts = [text] if len(groups) == 1 else _split_at_hyphen(text)
    if parts is None:
        return None
    spans = []
    for part, count in zip(parts, groups, strict=True):
        part_text = text_rows(part)
        if part_text is None or part_text.shape[1] > count * part_text.shape[0]:  # wider than its digits
            return None
        spans += [(part_text, x0, x1) for x0, x1 in segment(part_text, count)]
    return read_spans(spans)


def _split_at_hyphen(text: np.ndarray) -> list[np.ndarray] | None:
    """The text left and right of its one hyphen: a run of inked columns whose ink is low and off the digits' top
    and bottom rows, with blank columns on both sides."""
    ink = text < INK
    height = text.shape[0]
    inked = np.asarray(ink.any(axis=0))
    hyphens = []
    for start, end in _column_runs(inked):
        rows = np.nonzero(ink[:, start:end].any(axis=1))[0]
        low = rows[-1] - rows[0] + 1 <= HYPHEN_HEIGHT_SHARE * height
        if low and rows[0] > 0 and rows[-1] < height - 1:
            hyphens.append((start, end))
    if len(hyphens) != 1:
        return None
    start, end = hyphens[0]
    return [text[:, :start], text[:, end:]]


def _column_runs(inked: np.ndarray) -> list[tuple[int, int]]:
    runs, start = [], None
    for x, on in enumerate(inked):
        if on and start is None:
            start = x
        elif not on and start is not None:
            runs.append((start, x))
            start = None
    if start is not None:
        runs.append((start, len(inked)))
    return runs
