"""A second reader for the free-text boxes and the cells of bilevel (fax) pages: a small line recogniser
trained on fax-degraded lines.

At 98 rows an inch a fax keeps the vertical strokes of Times and Helvetica capitals and loses most of
the horizontal ones (`E` arrives as `I` with specks); Tesseract's general model, trained on clean print,
reads such a line as other words (`2937 EL CAMINO REAL` as `LUCE CAMINO REAL`). This reader learnt the
degradation itself: convolutions that see a few characters, then a bidirectional LSTM across the whole line (a
thinned glyph is told by its neighbours), read with connectionist temporal classification (CTC), fitted on the
boxes the intake's own page reader cut out of faxes the test-data generator printed and degraded (the devkit's
`line_training`, TUNING seeds only, most box texts replaced by random words and numbers so that it learns glyphs
rather than the generator's names, some lines with a form's rule drawn through them as typing laid off its boxes
puts it). It runs on OpenCV's DNN module from an ONNX file (data/fax_lines.onnx); no other library is needed.

It knows capitals, digits, the space and `-,./#&'()`; a line is read case-folded. It reads each free-text
box's frame (`second_line_reading`, before the digit and code readers) and, last, each cell from its place
on the page (`second_cell_reading`: the region not cut to the ink the speck filter kept, where a dotted
character is still whole). Its reading goes with the others through `weigh`: the same characters confirm
the box; a different reading the recogniser is sure of replaces the one there was as a repair for staff;
anything else leaves the reading there was, sent to staff. On a name or address line, word lists weigh in first
(`cms1500.words`): the recogniser's unsure words no list knows are taken for the known words its own probabilities
allow (`with_known_words`, by CTC's forward algorithm), and a reading whose words are all known is preferred to one
with words no list knows (`_judged_by_words`), each a change staff verify.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib import resources
from itertools import combinations

import cv2
import numpy as np
from PIL import Image

from ..cms1500.mapping import DIAGNOSIS_LETTERS, Reading
from ..cms1500.parse import NPI_CHECK, fix_cin
from ..cms1500.text_grammar import identifier_noise, street_end_noise, street_suffixes, text_noise
from ..cms1500.words import SHORTEST_CHECKED, checked_words, known_words, near_words, unknown_words
from ..validators import is_valid_cin, is_valid_hcpcs, is_valid_icd10, is_valid_modifier, is_valid_npi
from .digits import DISAGREE_CONFIDENCE, MONEY_FIELDS, NPI_DIGITS, fixed_width, main_rows, money_text, npi_cell
from .levels import INK
from .recognize import digit_field

ALPHABET = " ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-,./#&'()"  # index + 1 is the class; 0 is CTC's blank
HEIGHT = 32  # rows a line is resampled to
PAD = 2  # rows and columns of paper kept round the ink before resampling
MAX_WIDTH = 1600  # a wider line is squeezed: no box of the form holds more
STRIDE = 4  # input columns per output step of the network
# A line this many columns wide at least, paper added on both sides: a lone narrow glyph (a Helvetica '1' in 24G) cut
# to its ink is two steps wide, too few for CTC to place a character between blanks, and read as nothing
MIN_WIDTH = 4 * STRIDE
# The widths a fax's line is read at, as a share of its own: as cut, and as the narrowest and widest printer pitch the
# network learnt (`line_training._augmented`). Reading the three and taking the text they make likeliest together
# read 1.4 points more of the 204 x 98 fax's free-text lines exactly (88.5% -> 89.9%, 2,500 lines of tuning pages
# the network was not fitted on) and 0.4 point more of its cells (98.0% -> 98.4%), fax200 0.5 and 0.2; at three
# times the network's cost (about 2 ms a line), so only on faxes: a 300-dpi page's second readings are checks.
READ_WIDTHS = (1.0, 0.85, 1.15)
# crops whose probabilities are kept (`width_probabilities`): more than a page's cells and boxes
RECENT_CROPS = 128
WEIGHTS = "data/fax_lines.onnx"
MAX_BAND_GAP = 4  # blank rows a line's band may hold (a 98-dpi fax leaves gaps inside characters)
# The boxes read again: one line of free text each (the digit boxes, the phone and the date cells have the fax
# digit reader; 24D and box 21 the code reader), and box 31's date, which no other reader reads again
FREE_TEXT = (
    "insurance_name",
    "insurance_id",
    "pt_name",
    "pt_street",
    "pt_city",
    "pt_state",
    "pt_account",
    "doc_name",
    "doc_street",
    "doc_location",
    "prior_auth",
    "physician_date",
)
# Box 31's date as a provider types it (MM/DD/YY or MM/DD/YYYY, with slashes, spaces or dashes, or the digits
# alone): the recogniser's reading of the box is evidence only when it is such a date
DATE_BOXES = frozenset({"physician_date"})
STREET_BOXES = frozenset({"pt_street", "doc_street"})  # box 5 and box 33's street lines
# Free text by its grammar (cms1500.text_grammar): names and addresses, and account or reference numbers
TEXT_BOXES = frozenset({"insurance_name", "pt_name", "pt_street", "pt_city", "doc_name", "doc_street", "doc_location"})
IDENTIFIER_BOXES = frozenset({"insurance_id", "pt_account", "prior_auth"})
# The digit boxes and cells whose reading the recogniser's other digits doubt on a page that is not a fax: box 33's
# phone and every cell but the code cells (24D, 24E, box 21: `recognised_codes`). On a 300-dpi page the recogniser,
# trained at fax resolution, loses word breaks and letters; its digits hold (a dotted 5 Tesseract reads as 3). On a
# fax, and on a page typed off its boxes (the erase took its digits' strokes where they crossed the form's lettering;
# the recogniser reads them with the marks kept), the phone is weighed as the free text is (`scan.second_readings`),
# on its digits: '(707' and '707' agree.
PHONE_BOXES = frozenset({"doc_phone area", "doc_phone"})
CIN_BOX = "insurance_id"  # box 1a: the member's Medi-Cal CIN (cms1500.parse.fix_cin)
NAME_BOX = "pt_name"  # box 2: Last, First, Middle initial, as the form instructs
# The boxes whose misread words the word lists may replace (cms1500.words): the payer's and the provider's names,
# the street and city lines. Not the member's name: few people's names are on a word list (MEI, ANH).
WORD_BOXES = TEXT_BOXES - {NAME_BOX}
# A known word replaces a word the recogniser read, none of the lists knows, when the recogniser's own probabilities
# make the line with it at least e^-3 (1 in 20) as likely as the line as read: a letter it was unsure of ('RESPITF',
# its E as F), not one it saw plainly ('TRUXTUN' stays: TRUXTON is far less likely). Chosen on tuning faxes.
WORD_MARGIN = 3.0
WRITTEN_DATE = re.compile(r"\d{2}[/ -]?\d{2}[/ -]?(\d{2}|\d{4})")
# The cells read again from their place on the page (Slot.places: not cut to the ink the speck filter kept, so a
# faint or dotted character is whole): 24A dates, 24B place, 24D code and modifiers, 24E pointers, 24F charges,
# 24G units, 24J NPIs, box 3, box 21, box 5's ZIP, box 25, box 28, box 29 and box 33a
CELLS = re.compile(
    r"sv\d_(mm|dd|yy)_(from|end)|place\d|cpt\d|mod\d[a-c]?|diag\d|ch\d|day\d|local\d|t_charge|amt_paid"
    r"|birth_(mm|dd|yy)|diagnosis\d+|pt_zip|tax_id|pin"
)
POINTER_CELL = re.compile(r"diag\d")  # 24E
DATE_CELL = re.compile(r"sv\d_(mm|dd|yy)_(from|end)")  # 24A: another reading may put the From before the To
# What a code cell of the 02/12 form holds (spaces and an ICD-10 code's point aside): the data elements' own
# format checks, and 24E's one to four of box 21's letters
CODE_SHAPES: dict[str, Callable[[str], bool]] = {
    "cpt": is_valid_hcpcs,
    "mod": is_valid_modifier,
    "diag": lambda text: 1 <= len(text) <= 4 and all(letter in DIAGNOSIS_LETTERS for letter in text),
    "diagnosis": is_valid_icd10,
}
TAKE_OVER = 0.7  # the recogniser's least sure character at least this to replace the reading there was, for staff
# (measured on tuning faxes: at 0.7-0.9 sure it was right where it differed more often than the other readers)
# On a fax printed in dots (`Slot.dotted`) Tesseract reads far worse than the recogniser, so a less sure reading
# of the recogniser is still the likelier one where the two differ (tuning faxes: 0.4 and 0.0 alike, 0.7 less)
TAKE_OVER_DOTTED_FAX = 0.4
FILL_SURE = 0.6  # a box Tesseract read nothing in: the recogniser's reading, for staff, when this sure
NOTE_SURE = 0.6  # a free-text box's different reading this sure is named in the box's note, which sends it to staff


@dataclass(frozen=True)
class LineReading:
    text: str
    confidence: float  # the least sure character's probability (1.0 for an empty reading)
    # the network's probabilities per step, which `with_known_words` weighs known words with
    probabilities: np.ndarray | None = dataclasses.field(default=None, compare=False, repr=False)
    words_chosen: tuple[tuple[str, str], ...] = ()  # (word as read, the known word taken for it: `with_known_words`)


def line_image(piece: np.ndarray) -> np.ndarray | None:
    """A box's crop (uint8, ink dark) as the network reads it: the line's band of ink, `PAD` px of paper
    round it, resampled to `HEIGHT` rows; float32, ink 1.0 and paper 0.0. None: no line of writing."""
    band = main_rows(piece, MAX_BAND_GAP)  # a speck or a rule's remnant above or below is left out
    if band is None:
        return None
    ink = band < INK
    cols = np.nonzero(ink.any(axis=0))[0]
    band = np.pad(band[:, cols[0] : cols[-1] + 1], PAD, constant_values=255)
    scale = HEIGHT / band.shape[0]
    short = max(0, int(np.ceil(MIN_WIDTH / scale)) - band.shape[1])
    band = np.pad(band, ((0, 0), (short // 2, short - short // 2)), constant_values=255)
    width = int(min(MAX_WIDTH, max(STRIDE * 2, round(band.shape[1] * scale))))
    resized = cv2.resize(band, (width, HEIGHT), interpolation=cv2.INTER_AREA)
    return (1.0 - resized.astype(np.float32) / 255.0).clip(0.0, 1.0)


@cache
def _network() -> cv2.dnn.Net:
    data = resources.files("claims_intake").joinpath(WEIGHTS).read_bytes()
    return cv2.dnn.readNetFromONNX(np.frombuffer(data, dtype=np.uint8))


def class_probabilities(line: np.ndarray, net: cv2.dnn.Net | None = None) -> np.ndarray:
    """(steps, classes) probabilities of the network (the shipped one unless given) for one line from
    `line_image`."""
    net = net or _network()
    net.setInput(line[np.newaxis, np.newaxis])
    logits = np.asarray(net.forward())[0, :, 0, :].T.astype(np.float64)  # (steps, classes)
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def line_likelihood(probabilities: np.ndarray, text: str) -> float:
    """The natural log of the probability the network gives `text` over the line, summed over every way its
    steps can spell it (CTC's forward algorithm: each character on one or more steps, blanks between and
    around, a blank between two same characters)."""
    return float(line_likelihoods(probabilities, [text])[0])


def line_likelihoods(probabilities: np.ndarray, texts: list[str]) -> np.ndarray:
    """`line_likelihood` of each of `texts`, all in one pass over the steps (a shorter text's states padded after
    its end, which no path of its own reaches)."""
    labels = [[ALPHABET.index(char) + 1 for char in text if char in ALPHABET] for text in texts]
    lengths = np.array([len(label) for label in labels])
    states = np.zeros((len(texts), 2 * max(lengths, default=0) + 1), dtype=int)  # blank, first, blank, ..., blank
    for row, label in enumerate(labels):
        states[row, 1 : 2 * len(label) : 2] = label
    # a step may skip the blank between two characters when they differ
    may_skip = np.zeros(states.shape, dtype=bool)
    may_skip[:, 3::2] = states[:, 3::2] != states[:, 1:-2:2]
    logs = np.log(np.maximum(probabilities, 1e-30))
    alpha = np.full(states.shape, -np.inf)
    alpha[:, :2] = logs[0, states[:, :2]]
    never = np.full((len(texts), 2), -np.inf)
    for step in range(1, len(logs)):
        previous = np.concatenate((never[:, :1], alpha[:, :-1]), axis=1)
        skipped = np.where(may_skip, np.concatenate((never, alpha[:, :-2]), axis=1), -np.inf)
        alpha = np.logaddexp(np.logaddexp(alpha, previous), skipped) + logs[step, states]
    rows = np.arange(len(texts))
    last = alpha[rows, 2 * lengths]  # the blank after the last character
    return np.where(lengths > 0, np.logaddexp(last, alpha[rows, np.maximum(2 * lengths - 1, 0)]), last)


def first_likelier(image: Image.Image, first: str, second: str) -> bool:
    """Whether the network makes `first` likelier than `second` on one box's image (`recognize.Judge`): a choice
    between two readings of the same ink, read case-folded, each with its word breaks or without them (the network
    loses a break where a 300-dpi page sets words close), whichever it finds likelier. False when the image holds
    no line of writing."""
    line = line_image(np.asarray(image.convert("L")))
    if line is None:
        return False
    spelt = [" ".join("".join(char for char in text.upper() if char in ALPHABET).split()) for text in (first, second)]
    scores = line_likelihoods(class_probabilities(line), [*spelt, *(text.replace(" ", "") for text in spelt)])
    return max(scores[0], scores[2]) > max(scores[1], scores[3])


def with_known_words(mine: LineReading) -> LineReading:
    """The reading with each word no list knows (letters only, SHORTEST_CHECKED or more) replaced by the known word
    the network's own probabilities make likeliest (`cms1500.words.near_words`), when the line with it is within
    WORD_MARGIN of the line as read; the words taken are named in `words_chosen`, for staff."""
    if mine.probabilities is None:
        return mine
    words, chosen = mine.text.split(), []
    likelihood = line_likelihood(mine.probabilities, mine.text)
    for index, word in enumerate(words):
        if not word.isalpha() or len(word) < SHORTEST_CHECKED or word in known_words():
            continue
        trials = [(" ".join([*words[:index], other, *words[index + 1 :]]), other) for other in near_words(word)]
        scored = [(line_likelihood(mine.probabilities, line), other) for line, other in trials]
        best = max(scored, default=None)
        if best is not None and best[0] >= likelihood - WORD_MARGIN:
            likelihood, words[index] = best[0], best[1]
            chosen.append((word, best[1]))
    if not chosen:
        return mine
    return replace(mine, text=" ".join(words), words_chosen=(*mine.words_chosen, *chosen))


def decode(probabilities: np.ndarray) -> LineReading:
    """Best path: the likeliest class at each step, repeats merged, blanks dropped. A character's
    confidence is its steps' highest probability; a blank step between two characters counts against
    neither."""
    best = probabilities.argmax(axis=1)
    chars, sure, previous = [], [], 0
    for step, label in enumerate(best.tolist()):
        if label != 0 and label != previous:
            chars.append(ALPHABET[label - 1])
            sure.append(float(probabilities[step, label]))
        elif label != 0 and sure:
            sure[-1] = max(sure[-1], float(probabilities[step, label]))
        previous = label
    text = " ".join("".join(chars).split())
    return LineReading(text, min(sure) if sure else 1.0, probabilities)


def read_line(piece: np.ndarray, fax: bool = False) -> LineReading | None:
    """The recogniser's reading of one box's crop, or None when the crop holds no line of writing. On a `fax` the line
    is read at each of READ_WIDTHS; where the readings differ, the one the three readings' probabilities together make
    likeliest (CTC's forward algorithm on each) is taken, with its own confidence and probabilities."""
    widths = width_probabilities(piece, fax)
    if widths is None:
        return None
    readings = [decode(probabilities) for probabilities in widths]
    if len({reading.text for reading in readings}) == 1:
        return readings[0]
    together = sum(line_likelihoods(probabilities, [reading.text for reading in readings]) for probabilities in widths)
    return readings[int(np.argmax(together))]


def width_probabilities(piece: np.ndarray, fax: bool = False) -> tuple[np.ndarray, ...] | None:
    """The network's `class_probabilities` for one box's crop at each width `read_line` reads it at (READ_WIDTHS on a
    `fax`); None when the crop holds no line of writing. Kept for the last crops read, by their pixels: a fax's 24J
    cells and box 33a are read by `second_cell_reading` and scored again against the NPIs they may hold. The arrays are
    shared: read them, never write them."""
    piece = np.ascontiguousarray(piece)
    return _width_probabilities(piece.tobytes(), piece.shape, piece.dtype.str, fax)


@lru_cache(maxsize=RECENT_CROPS)
def _width_probabilities(pixels: bytes, shape: tuple, dtype: str, fax: bool) -> tuple[np.ndarray, ...] | None:
    line = line_image(np.frombuffer(pixels, dtype=dtype).reshape(shape))
    if line is None:
        return None
    widths = tuple(class_probabilities(_at_width(line, factor)) for factor in (READ_WIDTHS if fax else (1.0,)))
    for probabilities in widths:
        probabilities.flags.writeable = False
    return widths


def _at_width(line: np.ndarray, factor: float) -> np.ndarray:
    if factor == 1.0:
        return line
    width = int(min(MAX_WIDTH, max(STRIDE * 2, round(line.shape[1] * factor))))
    return cv2.resize(line, (width, HEIGHT), interpolation=cv2.INTER_LINEAR)


def second_line_reading(slots, readings: dict, fax: bool = False, boxes: Collection[str] = FREE_TEXT) -> dict:
    """The page's Tesseract readings with each free-text box (of `boxes`) read again by the recogniser and the two
    weighed (`weigh`; on a `fax` printed in dots the recogniser takes over from TAKE_OVER_DOTTED_FAX). A box the
    erase cut is read with the form's marks the typing touched kept (`Slot.recheck`): the strokes it lost are back."""
    out = dict(readings)
    for slot in slots:
        field = slot.members[0][0]
        if len(slot.members) != 1 or field not in boxes:
            continue
        mine = read_line(np.asarray((slot.recheck or slot).image.convert("L")), fax)
        take_over = _take_over(slot, fax)
        weighed = weigh(field, readings.get(field), mine, take_over) if mine is not None and mine.text else None
        if weighed is not None:
            out[field] = weighed
    return out


def second_cell_reading(slots, readings: dict, fax: bool = False) -> dict:
    """The page's readings (Tesseract's, weighed with the fax digit reader's) with each cell read again by the
    recogniser from its place on the page and weighed with them (`weigh`, as `second_line_reading`); the code
    reader decodes after it."""
    out = dict(readings)
    for slot in slots:
        take_over = _take_over(slot, fax)
        for field, place in slot.places.items():
            if not CELLS.fullmatch(field):
                continue
            mine = read_line(place, fax)
            weighed = weigh(field, out.get(field), mine, take_over) if mine is not None and mine.text else None
            if weighed is not None:
                out[field] = weighed
    return out


RENDERING_NPI = re.compile(r"local\d")  # 24J: each line's rendering provider's NPI
# A claim's lines mostly share one rendering provider. A 24J cell takes the NPI the page's 24J cells make likeliest
# together when the cell's own probabilities make it at most e^-12 less likely than the cell's likeliest reading: a
# fax's lost or blurred digits (up to e^-9.2 on tuning faxes), never a line that plainly read another NPI (two valid
# NPIs differ in two digits or more: a random other NPI was at least e^-31 less likely on the same cells).
SHARED_NPI_MARGIN = 12.0


def shared_rendering_npi(slots, readings: dict) -> dict:
    """The page's readings with each 24J cell that its own ink allows (SHARED_NPI_MARGIN) reading the NPI the
    recogniser finds likeliest over all the page's 24J cells together, among the valid NPIs the readers read there or
    one digit from what they read (the check digit allows one digit in each place): a repair, for staff, which the
    check digit cannot confirm (every candidate passes it)."""
    cells = {
        field: widths
        for slot in slots
        for field, place in slot.places.items()
        if RENDERING_NPI.fullmatch(field) and (widths := width_probabilities(place, fax=True)) is not None
    }
    candidates = sorted(_npi_candidates(cells, readings))
    if not candidates:
        return readings
    fits = {field: np.max([line_likelihoods(p, candidates) for p in widths], axis=0) for field, widths in cells.items()}
    best = int(np.argmax(sum(fits.values())))
    shared = candidates[best]
    out = dict(readings)
    for field, widths in cells.items():
        current = out.get(field) or Reading("", 0.0)
        if re.sub(r"\D", "", current.text) == shared:
            continue
        if fits[field][best] < _own_likelihood(widths) - SHARED_NPI_MARGIN:
            continue
        why = (
            f"24J read {current.text!r}: {shared}, the NPI the line recogniser finds likeliest on the claim's 24J cells"
        )
        out[field] = _npi_chosen(current, shared, why)
    return out


def _own_likelihood(widths) -> float:
    """The log likelihood of a crop's likeliest reading (its best path) at the likeliest of its widths."""
    return max(float(line_likelihoods(p, [decode(p).text])[0]) for p in widths)


def _npi_chosen(current, npi: str, why: str):  # -> Reading
    """`current` reading `npi`, chosen among values that pass the NPI check digit: a repair for staff, which the
    check digit cannot confirm."""
    return replace(
        current,
        text=npi,
        confidence=min(current.confidence, DISAGREE_CONFIDENCE),
        repaired="; ".join(filter(None, [current.repaired, why])),
        chosen_by=NPI_CHECK,
    )


def _npi_candidates(cells: dict, readings: dict, spare: int = 0) -> set[str]:
    """The valid NPIs one digit from the cells' readings (the readers', their alternatives, the recogniser's at each
    width) of ten digits, or, with `spare`, of up to that many digits more or one fewer (`_near_npis`)."""
    near = set()
    for field, widths in cells.items():
        current = readings.get(field)
        texts = [decode(p).text for p in widths] + ([current.text, *current.alternatives] if current else [])
        for text in texts:
            near |= _near_npis(re.sub(r"\D", "", text), spare)
    return near


def _near_npis(digits: str, spare: int) -> set[str]:
    """The valid NPIs a reading of `digits` may be: with up to `spare` of its digits dropped (marks of the form read as
    digits) or, when `spare` allows and one is missing, one put in; then any one digit changed."""
    if not NPI_DIGITS - min(spare, 1) <= len(digits) <= NPI_DIGITS + spare:
        return set()
    if len(digits) < NPI_DIGITS:
        tens = {digits[:place] + "0" + digits[place:] for place in range(NPI_DIGITS)}  # the changed digit fills it
    else:
        tens = {
            "".join(digit for index, digit in enumerate(digits) if index not in dropped)
            for dropped in combinations(range(len(digits)), len(digits) - NPI_DIGITS)
        }
    near = {
        ten[:place] + digit + ten[place + 1 :] for ten in tens for place in range(NPI_DIGITS) for digit in "0123456789"
    }
    return {npi for npi in near if is_valid_npi(npi)}


# Box 33a: the billing provider's NPI. Typed onto the form's thick bottom rule (typing off its box), it loses its
# lower half with the rule Tesseract's crop erases, and the recogniser reads the rule's ends as digits too.
BILLING_NPI = "pin"
SPARE_DIGITS = 2  # digits more than ten a reading of box 33a may hold: the rule's two ends


def likeliest_billing_npi(slots, readings: dict) -> dict:
    """The page's readings with box 33a, when what was read is no valid NPI, reading the valid NPI the recogniser finds
    likeliest on the box's place among those its readings allow (`_near_npis`: a mark read as a digit, a digit lost
    or misread), when its own ink allows it (SHARED_NPI_MARGIN): a repair for staff, which the check digit cannot
    confirm (every candidate passes it)."""
    current = readings.get(BILLING_NPI)
    if current is not None and is_valid_npi(re.sub(r"\D", "", current.text)):
        return readings
    cells = {
        field: widths
        for slot in slots
        for field, place in slot.places.items()
        if field == BILLING_NPI and (widths := width_probabilities(place, fax=True)) is not None
    }
    candidates = sorted(_npi_candidates(cells, readings, spare=SPARE_DIGITS))
    if not cells or not candidates:
        return readings
    widths = cells[BILLING_NPI]
    fits = np.max([line_likelihoods(p, candidates) for p in widths], axis=0)
    best = int(np.argmax(fits))
    if fits[best] < _own_likelihood(widths) - SHARED_NPI_MARGIN:
        return readings
    current = current or Reading("", 0.0)
    why = f"33a read {current.text!r}: {candidates[best]}, the valid NPI the line recogniser finds likeliest there"
    return {**readings, BILLING_NPI: _npi_chosen(current, candidates[best], why)}


# The code cells a parse rule repairs by their shape (box 21's ICD-10-CM codes, 24D's HCPCS code): where Tesseract's
# reading breaks the shape, the recogniser reads the cell too, and a repair that reaches its reading is confirmed
SHAPE_CHECKED = re.compile(r"diagnosis\d+|cpt\d")


def doubted_by_recogniser(slots, readings: dict, cells: bool = True) -> dict:
    """The page's readings with each digit box (and cell, unless `cells` is False: the recogniser weighed them
    already) whose digits the recogniser reads otherwise (at least NOTE_SURE sure) doubted: kept as read, with a
    note that sends it to staff whatever the calibration."""
    out = dict(readings)
    for slot in slots:
        pieces = []
        if len(slot.members) == 1 and slot.members[0][0] in PHONE_BOXES:
            pieces.append((slot.members[0][0], np.asarray(slot.image.convert("L"))))
        if cells:
            pieces += [(f, p) for f, p in slot.places.items() if CELLS.fullmatch(f) and _code_shape(f) is None]
        for field, piece in pieces:
            current = out.get(field)
            if current is None or not (theirs := re.sub(r"\D", "", current.text)):
                continue
            mine = read_line(piece)
            if mine is None or mine.confidence < NOTE_SURE:
                continue
            # fewer digits than Tesseract's is the recogniser's own loss at 300 dpi (it drops narrow digits): no doubt
            ours = re.sub(r"\D", "", mine.text)
            if len(ours) >= len(theirs) and ours != theirs:
                why = (
                    f"the line recogniser read {mine.text!r} where Tesseract read {current.text!r}: staff read the box"
                )
                note = "; ".join(filter(None, [current.repaired, why]))
                out[field] = replace(current, confidence=min(current.confidence, DISAGREE_CONFIDENCE), repaired=note)
    return out


def recognised_codes(slots, readings: dict) -> dict:
    """The page's readings with each code cell whose reading breaks its shape (`CODE_SHAPES`) given the
    recogniser's own reading of the cell, when the recogniser is sure of it (TAKE_OVER) and it keeps the shape:
    evidence that shares no recognition with Tesseract, for the mapping to confirm a shape repair with
    (`Reading.recognised`). The reading itself is left as it was."""
    out = dict(readings)
    for slot in slots:
        for field, place in slot.places.items():
            current = out.get(field)
            if current is None or not SHAPE_CHECKED.fullmatch(field) or _fits_shape(field, current.text):
                continue
            mine = read_line(place)
            if mine is not None and mine.confidence >= TAKE_OVER and _fits_shape(field, mine.text):
                out[field] = replace(current, recognised=mine.text)
    return out


def _code_shape(field: str) -> Callable[[str], bool] | None:
    """What a code cell holds (`CODE_SHAPES`: 24D's code and modifiers, 24E, box 21); None for any other box."""
    return CODE_SHAPES.get(re.sub(r"\d.*", "", field))


def _fits_shape(field: str, text: str) -> bool:
    """The text (spaces and an ICD-10 code's point aside) is what the code cell holds."""
    holds, code = _code_shape(field), re.sub(r"[\s.]", "", text).upper()
    return bool(code) and holds is not None and holds(code)


def _take_over(slot, fax: bool) -> float:
    return TAKE_OVER_DOTTED_FAX if fax and slot.dotted else TAKE_OVER


def agreeing_text(field: str, text: str) -> str:
    """What two readings of a box must share to agree: a digit cell's or an amount's digits, a code cell's letters
    and digits, a free-text box's words (case aside)."""
    if digit_field(field) or field in MONEY_FIELDS or field in PHONE_BOXES:
        return re.sub(r"\D", "", text)
    if CELLS.fullmatch(field):
        return re.sub(r"[^A-Z0-9]", "", text.upper())
    return " ".join(text.upper().split())


def weigh(field: str, current, mine: LineReading, take_over: float = TAKE_OVER):  # -> Reading | None
    """Evidence from two readers of one box: the same text (`agreeing_text`) keeps the reading there was and
    raises its confidence to the recogniser's; a different text the recogniser is sure of (every character at
    least `take_over`) replaces it as a repair, which staff verify (the mapping caps a repair's confidence), unless
    only the word breaks differ; any other difference leaves the reading there was at a confidence that sends it
    to staff, and on a free-text box a different reading at least NOTE_SURE sure also says so in its note (no
    table checks a name or a street). A box nothing was read in gets the recogniser's reading for staff when it
    is at least FILL_SURE (an NPI's less sure one is still offered to its check digit: `_unsure_candidate`).
    An amount's or an NPI's other reading stays among its `alternatives`, for box 28's sum or the NPI's check
    digit to choose."""
    written = _as_written(field, mine)
    if written is None:
        return None
    mine = with_known_words(written) if field in WORD_BOXES else written
    if current is None or not current.text.strip():
        if mine.confidence < FILL_SURE:
            return _unsure_candidate(field, current, mine)
        why = f"read by the line recogniser alone as {mine.text!r} (nothing read there before){_chosen(mine)}"
        return Reading(mine.text, DISAGREE_CONFIDENCE, repaired=why, alternatives=_offered(field, (), mine.text))
    if agreeing_text(field, current.text) == agreeing_text(field, mine.text):
        return replace(current, confidence=max(current.confidence, mine.confidence))
    by_words = _judged_by_words(field, current, mine)
    if by_words is not None:
        return by_words
    if field in IDENTIFIER_BOXES and _only_separators_differ(current.text, mine.text):
        if _separators(mine.text) > _separators(current.text):
            return _taken_over(field, current, mine, ", a '-' or '/' fewer")
        return replace(current, confidence=min(current.confidence, DISAGREE_CONFIDENCE))
    if (
        mine.confidence >= take_over
        and not _only_word_breaks_differ(current.text, mine.text)
        and not _breaks_grammar(field, current.text, mine.text)
    ):
        return _taken_over(field, current, mine, "")
    offered = _offered(field, current.alternatives, mine.text)
    doubted = replace(current, confidence=min(current.confidence, DISAGREE_CONFIDENCE), alternatives=offered)
    if field in FREE_TEXT and mine.confidence >= NOTE_SURE and not current.repaired:
        # no table knows a provider's name or a street: the other reader is the only evidence on its characters
        # (as on box 33's phone), so a fairly sure other reading sends the box to staff whatever the calibration
        why = f"the line recogniser read {mine.text!r} where Tesseract read {current.text!r}: staff read the box"
        return replace(doubted, repaired=why)
    return doubted


def _taken_over(field: str, current, mine: LineReading, reason: str):  # -> Reading
    """The recogniser's reading in place of the one there was, as a repair for staff."""
    why = f"read by the line recogniser as {mine.text!r} (read {current.text!r} before{reason}){_chosen(mine)}"
    offered = _offered(field, current.alternatives, current.text)
    return replace(
        current, text=mine.text, confidence=mine.confidence, repaired=why, read_again=False, alternatives=offered
    )


def _chosen(mine: LineReading) -> str:
    """The note's words on the known words `with_known_words` took for the recogniser's."""
    taken = ", ".join(f"{read!r} taken for {word}" for read, word in mine.words_chosen)
    return f"; {taken}: known words its own reading allows" if taken else ""


def _judged_by_words(field: str, current, mine: LineReading):  # -> Reading | None
    """Two readings of a name or address line (`WORD_BOXES`: not the member's name, few people's names are on a
    list) of which one has words no list knows (`cms1500.words`) and the other none: that one is the likelier
    reading whatever each reader's confidence ('HOUSING' beside 'HQUSING'). Tesseract's is kept, sent to staff; the
    recogniser's replaces Tesseract's as a repair for staff, unless it holds a mark no such line holds
    (`text_noise`). None: the lists cannot tell the two apart."""
    if field not in WORD_BOXES or not checked_words(current.text) or not checked_words(mine.text):
        return None  # a reading with no word the lists judge ('O', '12') is no evidence either way
    theirs, ours = unknown_words(current.text), unknown_words(mine.text)
    if ours and not theirs:
        why = (
            f"Tesseract read {current.text!r}, words a word list knows, where the line recogniser read {mine.text!r}"
            f" ({', '.join(ours)} on no list): staff read the box"
        )
        note = "; ".join(filter(None, [current.repaired, why]))
        return replace(current, confidence=min(current.confidence, DISAGREE_CONFIDENCE), repaired=note)
    if theirs and not ours and not text_noise(mine.text):
        return _taken_over(field, current, mine, f", {', '.join(theirs)} on no word list")
    return None


def _breaks_grammar(field: str, current: str, mine: str) -> bool:
    """The recogniser does not replace a reading that the field's grammar finds clean with one it finds noisy
    (text_grammar: a digit among a name's letters, '0ENTER'; a mark no account number holds), nor a street line
    ending in a USPS suffix with one whose last word is no suffix, directional or unit's number ('4324 TRUXTUN
    AVE', '... AV6'), nor box 1a's reading that parses as a Medi-Cal CIN with one that does not, nor box 2's
    name with one that lost a comma the form asks for between its parts ('MARTINEZ, ROBERT, A' read 'MARTINEZ
    ROBERT, A': the parse would take ROBERT into the last name): the grammar is evidence for the reading there
    was. The two still differ, so staff read the box."""
    noise = identifier_noise if field in IDENTIFIER_BOXES else text_noise if field in TEXT_BOXES else None
    if noise is not None and noise(mine) and not noise(current):
        return True
    if field == CIN_BOX and is_valid_cin(fix_cin(current).text) and not is_valid_cin(fix_cin(mine).text):
        return True  # a stray mark the CIN's parse drops as a word of its own ('... W A') read into it ('... W1')
    if field == NAME_BOX and mine.count(",") < min(current.count(","), 2):
        return True
    if field not in STREET_BOXES or not current.split():
        return False
    return current.split()[-1].upper().rstrip(".") in street_suffixes() and street_end_noise(mine)


def _unsure_candidate(field: str, current, mine: LineReading):  # -> Reading | None
    """A box nothing was read in, whose recogniser reading is too unsure to fill it: an NPI's reading is still
    offered as a candidate (`alternatives`), so that the check digit, an independent check, can choose it
    (parse.fix_npi: a repair, for staff); anything else is left unread."""
    if not npi_cell(field):
        return None
    empty = current if current is not None else Reading("", 0.0)
    offered = _offered(field, empty.alternatives, mine.text)
    return replace(empty, alternatives=offered) if offered != empty.alternatives else None


SEPARATORS = "-/"  # what an account or reference number's parts are written apart with, besides a space
APART = re.compile(rf"[\s{re.escape(SEPARATORS)}]")


def _only_separators_differ(read: str, mine: str) -> bool:
    """An account or reference number read alike but for its separators ('CS-2026-05515', 'CS-2026 05515'): a fax
    thins a '-' to nothing and never prints one, so the reading that kept more of them is the likelier."""
    return read != mine and APART.sub("", read.upper()) == APART.sub("", mine.upper())


def _separators(text: str) -> int:
    return sum(text.count(mark) for mark in SEPARATORS)


def _only_word_breaks_differ(read: str, mine: str) -> bool:
    """The same characters with other spaces between them: the recogniser reads a narrow space as none, so its
    word breaks never replace Tesseract's ('SOLANO CARE LINK' read 'SOLANO CARELINK'); the box goes to staff as
    any disagreement does, since one of the two spaced the line wrong."""
    return "".join(read.upper().split()) == "".join(mine.upper().split())


def _as_written(field: str, mine: LineReading) -> LineReading | None:
    """The recogniser's reading as the box is written: an amount's digits with its last two the cents (the gap at
    the dollars/cents rule may be lost, '400|00' read '40000'). None: a reading no such box holds (a letter in a
    digit cell, one digit in a date's two): the recogniser failed there, which says nothing of the others."""
    digits = re.sub(r"\D", "", mine.text)
    if field in MONEY_FIELDS:
        if len(digits) < 3 or re.search(r"[^\d .,]", mine.text):
            return None
        return replace(mine, text=money_text(digits))
    if digit_field(field):
        width = fixed_width(field)
        if not re.fullmatch(r"[\d ]+", mine.text) or (width is not None and len(digits) != width):
            return None
    if field in DATE_BOXES and not WRITTEN_DATE.fullmatch(mine.text):
        return None
    if _code_shape(field) is not None and not _fits_shape(field, mine.text):
        return None
    return mine


def _offered(field: str, alternatives: tuple[str, ...], other: str) -> tuple[str, ...]:
    """An amount's, an NPI's, a 24E pointer's or a 24A date cell's alternatives with another reader's reading among
    them, when it is one (box 28's sum, the check digit, box 21's filled letters or the line's From and To choose
    among them)."""
    digits = re.sub(r"\D", "", other)
    if field in MONEY_FIELDS and len(digits) >= 3:
        shown = money_text(digits)
    elif npi_cell(field) and len(digits) == NPI_DIGITS:
        shown = digits
    elif POINTER_CELL.fullmatch(field) and other.strip():
        shown = other.strip()
    elif DATE_CELL.fullmatch(field) and len(digits) == 2:
        shown = digits
    else:
        return alternatives
    return alternatives if shown in alternatives else (*alternatives, shown)
