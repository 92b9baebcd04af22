"""A second reader for 24D (procedure code and modifiers) on fax pages, decoded against the catalog.

On a fax, Tesseract reads a HCPCS code's letter and the modifiers' letters worst of all: 'TIOW' for
T1019, 'WB' for U8, at 204 x 98 dpi a third of the codes. Yet a 24D line can only hold one of a few
dozen things: a DHCS ECM/CS combination (code and modifiers, GQ where telehealth is allowed). So
this reader does not spell the line out; it scores every combination of the catalog against the
glyphs it sees. Each cell the page reader cut out (the code, five characters; each modifier, two)
is split into its characters by the cell's known count (`digits.segment`), and each character is
classified by a small network trained on fax-degraded glyphs of codes, modifiers and digits (numpy
only; weights in data/fax_codes.npz, trained by the devkit's `digit_training`, TUNING seeds only).
A combination's score is the sum of its characters' log-probabilities; the best combination's
share of the probability over all of them is how sure the reader is.

The reading is evidence, not a verdict (cms1500.mapping `_procedure`): when it and Tesseract's
reading (as read or snapped to the catalog) agree, two independent readers confirm the line; when
they differ, a sure decode is offered to staff as a repair, never passed on unverified.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from functools import cache

import numpy as np

from ..cms1500.mapping import CinDecode
from .digits import DigitNet, cell_pieces, glyph_features, load_weights, main_rows, segment, text_rows
from .levels import INK

WEIGHTS = "data/fax_codes.npz"
CODE_LENGTH = 5  # a HCPCS Level II code: a letter and four digits
MODIFIER_LENGTH = 2
MODIFIER_SUFFIXES = ("", "a", "b", "c")  # mod1, mod1a, ...: the four modifier cells of a 24D line
LOG_FLOOR = 1e-4  # a character's probability is never taken below this (one bad cut must not veto)


def code_field(name: str) -> bool:
    """A cell this reader reads: a 24D code (cpt1) or modifier (mod1, mod1a, ...), a 24E pointer (diag1),
    a box-21 diagnosis."""
    return re.fullmatch(r"(cpt\d|mod\d[a-c]?|diag\d|diagnosis\d+)", name.split(".")[0]) is not None


def code_pieces(slots) -> dict[str, np.ndarray]:
    """Each cell this reader reads, as the page reader cut it."""
    return cell_pieces(slots, code_field)


@dataclass(frozen=True)
class CodeNet:
    """The glyph network and the characters its outputs stand for."""

    net: DigitNet
    alphabet: str

    def log_probabilities(self, piece: np.ndarray, count: int) -> np.ndarray | None:
        """(count, alphabet) log-probabilities of the piece's characters; None when it holds no text."""
        text = text_rows(piece)
        if text is None:
            return None
        return self.span_log_probabilities([(text, x0, x1) for x0, x1 in segment(text, count)])

    def span_log_probabilities(self, spans: list[tuple[np.ndarray, float, float]]) -> np.ndarray:
        return self.feature_log_probabilities([glyph_features(text, x0, x1) for text, x0, x1 in spans])

    def feature_log_probabilities(self, features: list[np.ndarray]) -> np.ndarray:
        """(glyphs, alphabet) log-probabilities of glyphs' `glyph_features`, in one batch."""
        return np.log(np.maximum(self.net.probabilities(np.vstack(features)), LOG_FLOOR))


def spelling_score(logs: np.ndarray, value: str, alphabet: str) -> float:
    """Sum of the log-probabilities of `value`'s characters, one per row of `logs`."""
    index = [alphabet.find(ch) for ch in value]
    if len(index) != len(logs) or min(index) < 0:
        return float(np.log(LOG_FLOOR)) * len(logs)
    return float(logs[np.arange(len(value)), index].sum())


@cache
def code_net() -> CodeNet:
    data = load_weights(WEIGHTS)
    return CodeNet(DigitNet.from_arrays(data), str(data["alphabet"]))


def _best_and_share(scores: np.ndarray) -> tuple[int, float]:
    """The index of the highest log-score, and its share of the probability over all of them."""
    best = int(np.argmax(scores))
    return best, float(1.0 / np.exp(scores - scores[best]).sum())


PERIOD_SHARE = 0.35  # a mark at most this share of the text's height, on its baseline, is the period


def split_at_period(text: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """A box-21 code's ink left and right of its period ('Z59.01': 'Z59', '01'); None when no mark
    small and low enough, with ink on both sides, is there (a code written without its period)."""
    import cv2

    height = text.shape[0]
    count, _, stats, _ = cv2.connectedComponentsWithStats((text < INK).view(np.uint8), connectivity=8)
    inked = np.asarray((text < INK).any(axis=0))
    periods = []
    for x, y, w, h, _ in stats[1:count]:
        small = h <= PERIOD_SHARE * height and w <= PERIOD_SHARE * height
        if not small or y + h < 0.75 * height or not inked[:x].any() or not inked[x + w :].any():
            continue
        blank = int((~inked[max(x - w - 3, 0) : x]).sum() + (~inked[x + w : x + 2 * w + 3]).sum())
        periods.append((blank, x, w))
    if not periods:
        return None
    _, x, w = max(periods)
    return text[:, :x], text[:, x + w :]


def _inked_columns(part: np.ndarray) -> np.ndarray | None:
    cols = np.flatnonzero((part < INK).any(axis=0))
    return part[:, cols[0] : cols[-1] + 1] if len(cols) else None


def icd_spans(text: np.ndarray, head: int, tail: int) -> list[tuple[np.ndarray, float, float]] | None:
    """The characters of a box-21 code printed with its period: `head` left of it, `tail` right of
    it, each side split evenly by its own width (a period's gap would throw even cuts off)."""
    halves = _halves_at_period(text)
    if halves is None:
        return None
    return [
        (inked, x0, x1) for inked, count in zip(halves, (head, tail), strict=True) for x0, x1 in segment(inked, count)
    ]


def _halves_at_period(text: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The ink left and right of a box-21 code's period, each cut to its inked columns; None without a period or
    with nothing on one side."""
    split = split_at_period(text)
    if split is None:
        return None
    head, tail = (_inked_columns(part) for part in split)
    return None if head is None or tail is None else (head, tail)


ICD_LENGTHS = range(3, 8)  # an ICD-10-CM code: a category of three characters, up to seven
ICD_HEAD = 3  # characters before the period


@cache
def written_codes() -> frozenset[str]:
    """Every ICD-10-CM code a provider may write: billable in a release on file, or a category of one."""
    from ..codesets import icd10cm

    billable = set(icd10cm().masks)
    return frozenset(billable | {code[:length] for code in billable for length in range(ICD_HEAD, len(code))})


def spelling_scores(logs: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Each spelling's score, `logs[np.arange(length), index].sum(axis=1)` for spellings `index` (one row a
    spelling) given as its `columns` (`index.T`, one row a place): one place's log-probabilities gathered and
    added at a time, in the order numpy's row sums add them (first place first), without the 2-D gather."""
    scores = logs[0].take(columns[0])
    for place in range(1, len(columns)):
        scores += logs[place].take(columns[place])
    return scores


@cache
def icd_spellings() -> dict[int, tuple[tuple[str, ...], np.ndarray]]:
    """Every ICD-10-CM code a provider may write, by length: billable in a release on file, or a
    category of one; with its characters' indices in the code reader's alphabet, one row a place of the
    code (`spelling_scores`)."""
    written = written_codes()
    position = np.zeros(256, dtype=np.intp)  # character code -> its index in the alphabet
    for index, char in enumerate(code_net().alphabet):
        position[ord(char)] = index
    spellings = {}
    for length in ICD_LENGTHS:
        group = tuple(sorted(code for code in written if len(code) == length))
        characters = np.frombuffer("".join(group).encode("ascii"), dtype=np.uint8).reshape(len(group), length)
        spellings[length] = (group, np.ascontiguousarray(position[characters].T))
    return spellings


# A provider writes billable codes in box 21; a category alone (a code short of the specificity the code set
# has) is a mistake a few claims carry: taken as 2 codes in 100. Each spelling is weighed by it, so glyphs that
# fit a billable code and a category about as well ('I10' and 'J10' on a 98-dpi fax) read as the billable code.
CATEGORY_SHARE = 0.02


@cache
def category_log_priors() -> dict[int, np.ndarray]:
    """By length, each spelling of `icd_spellings`' log-prior against a billable code's: 0 for a billable code,
    less for a category (CATEGORY_SHARE of all written codes shared among the categories)."""
    from ..codesets import icd10cm

    billable = icd10cm().masks
    categories = len(written_codes()) - len(billable)  # every billable code is one a provider may write
    ratio = (CATEGORY_SHARE / categories) / ((1 - CATEGORY_SHARE) / len(billable))
    return {
        length: np.where(np.fromiter((code in billable for code in group), bool, len(group)), 0.0, np.log(ratio))
        for length, (group, _) in icd_spellings().items()
    }


def decode_icd(piece: np.ndarray, read: str = "") -> LineDecode | None:
    """The ICD-10-CM code whose spelling a box-21 cell's glyphs favour. Its length is not printed: each
    length is tried (with a period, only lengths past the category's three), and the one whose best
    code's characters are surest on average wins; the share is that code's among its length's codes. A
    category alone counts for less than a billable code (`category_log_priors`).

    Tesseract's reading `read`, when the box-21 parse makes it a code a provider may write, sets the least
    length: cut into fewer glyphs than it holds, the cell squeezes two characters into one glyph ('Z5941'
    decoded 'Z594')."""
    text = text_rows(piece)
    if text is None:
        return None
    net, with_period = code_net(), split_at_period(text) is not None
    least = _code_length_read(read)
    # with the period, the category's glyphs are cut alike for every length: their features are made once
    halves = _halves_at_period(text) if with_period else None
    head = [glyph_features(halves[0], x0, x1) for x0, x1 in segment(halves[0], ICD_HEAD)] if halves else []
    found = []
    for length in ICD_LENGTHS:
        if (with_period and length == ICD_HEAD) or length < least:
            continue
        if with_period:
            if halves is None:
                continue
            features = head + [glyph_features(halves[1], x0, x1) for x0, x1 in segment(halves[1], length - ICD_HEAD)]
        else:
            features = [glyph_features(text, x0, x1) for x0, x1 in segment(text, length)]
        codes, columns = icd_spellings()[length]
        scores = spelling_scores(first_glyph_as_letter(net.feature_log_probabilities(features), net.alphabet), columns)
        scores = scores + category_log_priors()[length]
        best, share = _best_and_share(scores)
        found.append((float(scores[best]) / length, codes[best], share))
    if not found:
        return None
    _, code, share = max(found)
    return LineDecode(code, (), share)


def _code_length_read(read: str) -> int:
    """How many characters `read` holds when the box-21 parse makes it a code a provider may write; 0 otherwise."""
    from ..cms1500.parse import fix_icd10

    spelled = fix_icd10(read).text if read else ""  # as the box-21 parse reads it: a leading 2 is a Z
    return len(spelled) if spelled in written_codes() else 0


# Digits a fax prints as the same shape as a capital letter: a 1 that lost its flag is an I, a 2 whose curve the
# fax flattened a Z. (Other pairs, 8 and B, 5 and S, differ in shape the network sees: their letters stand alone.)
FAX_TWINS = {"1": "I", "2": "Z"}


def first_glyph_as_letter(logs: np.ndarray, alphabet: str) -> np.ndarray:
    """An ICD-10-CM code starts with a letter: the first glyph's chance of being a digit a fax prints as a
    letter's twin (`FAX_TWINS`) counts for that letter, as the box-21 parse reads a leading 1 or 2."""
    out = logs.copy()
    for digit, letter in FAX_TWINS.items():
        to, of = alphabet.find(letter), alphabet.find(digit)
        if to >= 0 and of >= 0:
            out[0, to] = np.logaddexp(out[0, to], logs[0, of])
    return out


MAX_POINTERS = 4  # the form's 24E takes up to four pointers


def decode_pointers(piece: np.ndarray, filled: str, read: str = "") -> LineDecode | None:
    """The 24E pointers whose spelling the glyphs favour, among the box-21 letters that hold a code,
    each named once. The count is not printed: each count is tried, and the one whose best spelling's
    characters are surest on average wins; the share is that spelling's among its count's.

    Tesseract's reading `read`, when each of its letters is a different filled letter, sets the least count:
    cut into fewer glyphs than it holds, the cell squeezes two letters into one glyph, which the network (never
    trained on pairs) may still call sure ('AC' decoded 'C')."""
    net = code_net()
    found = []
    for count in range(max(1, _well_formed_pointers(read, filled)), min(MAX_POINTERS, len(filled)) + 1):
        logs = net.log_probabilities(piece, count)
        if logs is None:
            return None
        options = ["".join(letters) for letters in itertools.permutations(filled, count)]
        scores = np.asarray([spelling_score(logs, option, net.alphabet) for option in options])
        best, share = _best_and_share(scores)
        found.append((float(scores[best]) / count, options[best], share))
    if not found:
        return None
    _, letters, share = max(found)
    return LineDecode(letters, (), share)


def _well_formed_pointers(read: str, filled: str) -> int:
    """How many pointers `read` names when each is a different filled box-21 letter; 0 otherwise."""
    letters = read.replace(" ", "").upper()
    distinct = len(set(letters)) == len(letters)
    return len(letters) if letters and distinct and all(letter in filled for letter in letters) else 0


CIN_DIGITS = 8  # a Medi-Cal CIN: eight digits, then a letter (validators.is_valid_cin)
DIGITS, LETTERS = "0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CIN_SHAPE = 0.5  # each of the first eight glyphs at least this likely a digit, or the ink is no CIN
# the letter is at most this many digit widths and at least the second of them (Helvetica's and Times' W
# are 1.7-1.9 digits wide, their I half a digit; Courier's letters one)
LETTER_WIDTHS = (0.5, 1.8)


def decode_cin(piece: np.ndarray) -> CinDecode | None:
    """Box 1a's ink as eight digits and a letter. The digits of every font in use are of one width, the
    letter may not be, so the ink is divided where the letter may start (each blank column within
    LETTER_WIDTHS of the end, and the even cut) and the eight digits left of it cut evenly; the division
    whose digits the network is surest of wins. None when the ink is no CIN's (a letter among the first
    eight glyphs: some plans' member IDs are not CINs)."""
    division = _best_cin_division(piece)
    if division is None:
        return None
    _, shape, decoded, _ = division
    return decoded if shape >= CIN_SHAPE else None


def cin_spans(piece: np.ndarray) -> list[tuple[np.ndarray, float, float]] | None:
    """The nine glyphs of box 1a as `decode_cin` cuts them (its chosen division), for the trainer: the
    network learns the CIN's letters from the very crops it is shown when reading."""
    division = _best_cin_division(piece)
    return None if division is None else division[3]


def _best_cin_division(piece: np.ndarray):
    text = text_rows(piece)
    text = main_rows(text) if text is not None else None
    text = _inked_columns(text) if text is not None else None
    if text is None:
        return None
    found = [division for split in _distinct_divisions(text) if (division := _cin_at(text, split)) is not None]
    return max(found, key=lambda division: division[0]) if found else None


def _distinct_divisions(text: np.ndarray) -> list[int]:
    """The letter starts of `_letter_starts` that divide the ink differently: starts within one blank run leave
    the same inked columns either side, so the same glyphs and the same reading; the first of each is kept (the
    best division is the first of equal ones either way)."""
    inked = np.flatnonzero((text < INK).any(axis=0))
    starts, seen = [], set()
    for split in _letter_starts(text):
        cut = int(np.searchsorted(inked, split))  # inked[:cut] left of the start, inked[cut:] from it
        if cut not in seen:
            seen.add(cut)
            starts.append(split)
    return starts


def _letter_starts(text: np.ndarray) -> list[int]:
    width = text.shape[1]
    pitch = width / (CIN_DIGITS + 1)
    blank = np.flatnonzero(~(text < INK).any(axis=0))
    lo, hi = width - LETTER_WIDTHS[1] * pitch, width - LETTER_WIDTHS[0] * pitch
    return sorted({round(CIN_DIGITS * pitch), *(int(x) for x in blank if lo <= x < hi)})


def _cin_at(text: np.ndarray, split: int) -> tuple[float, float, CinDecode, list] | None:
    """The CIN read with the letter starting at column `split`: the digits' mean log-probability (how
    well the division fits), the least share of a digit glyph's probability on digits, the decode, the
    nine glyphs' spans."""
    digits, letter = _inked_columns(text[:, :split]), _inked_columns(text[:, split:])
    if digits is None or letter is None:
        return None
    net = code_net()
    spans = [(digits, x0, x1) for x0, x1 in segment(digits, CIN_DIGITS)] + [(letter, 0.0, float(letter.shape[1]))]
    p = net.net.probabilities(np.vstack([glyph_features(t, x0, x1) for t, x0, x1 in spans]))
    on_digits = p[:CIN_DIGITS, [net.alphabet.index(c) for c in DIGITS]]
    on_letters = p[CIN_DIGITS, [net.alphabet.index(c) for c in LETTERS]]
    mass = on_digits.sum(axis=1)
    shares = on_digits / np.maximum(mass, 1e-9)[:, None]
    best = shares.argmax(axis=1)
    best_shares = shares.max(axis=1)
    letter_index = int(on_letters.argmax())
    decoded = CinDecode(
        "".join(DIGITS[i] for i in best),
        float(np.prod(best_shares)),
        LETTERS[letter_index],
        float(on_letters[letter_index] / max(on_letters.sum(), 1e-9)),
    )
    fit = float(np.log(np.maximum(best_shares * mass, LOG_FLOOR)).mean())
    return fit, float(mass.min()), decoded, spans


@dataclass(frozen=True)
class LineDecode:
    code: str
    modifiers: tuple[str, ...]
    share: float  # the combination's share of the probability over every combination

    @property
    def text(self) -> str:
        return " ".join([self.code, *self.modifiers])


def decode_line(pieces: dict[str, np.ndarray], n: int, options) -> LineDecode | None:
    """The catalog combination whose characters best explain line n's code and modifier cells.
    Only combinations with as many modifiers as the line has inked modifier cells are scored: an
    empty cell is no modifier, and a modifier read where none is printed is a speck Tesseract reads
    too."""
    net = code_net()
    code_piece = pieces.get(f"cpt{n}")
    if code_piece is None:
        return None
    code_logs = net.log_probabilities(code_piece, CODE_LENGTH)
    if code_logs is None:
        return None
    modifier_logs = []
    for suffix in MODIFIER_SUFFIXES:
        piece = pieces.get(f"mod{n}{suffix}")
        logs = net.log_probabilities(piece, MODIFIER_LENGTH) if piece is not None else None
        if logs is not None:
            modifier_logs.append(logs)
    return rank(code_logs, modifier_logs, options, net.alphabet)


def rank(code_logs: np.ndarray, modifier_logs: list[np.ndarray], options, alphabet: str) -> LineDecode | None:
    """The option (code, modifiers) whose spelling the glyphs' log-probabilities favour, with its share
    of the probability over all options that have as many modifiers as were read."""
    scored = []
    for code, modifiers in options:
        if len(modifiers) != len(modifier_logs):
            continue
        total = spelling_score(code_logs, code, alphabet)
        total += sum(spelling_score(logs, mod, alphabet) for logs, mod in zip(modifier_logs, modifiers, strict=True))
        scored.append((total, code, tuple(modifiers)))
    if not scored:
        return None
    best, share = _best_and_share(np.asarray([total for total, _, _ in scored]))
    return LineDecode(scored[best][1], scored[best][2], share)


def second_code_reading(slots, readings: dict) -> dict:
    """The page's readings with each 24D line's catalog decode offered on its code cell (`alternatives`:
    'CODE MOD MOD', and the decode's share as `decode_share`), each box-21 code's decode on its cell,
    and each line's 24E pointers decoded among the box-21 letters that hold a code, for the mapping
    to weigh."""
    from ..cms1500.mapping import DIAGNOSIS_LETTERS
    from ..cms1500.parse import combination_options

    pieces = code_pieces(slots)
    out = dict(readings)
    filled = "".join(
        letter for index, letter in enumerate(DIAGNOSIS_LETTERS, 1) if (r := out.get(f"diagnosis{index}")) and r.text
    )
    for name, piece in pieces.items():
        current = out.get(name)
        if current is None or not current.text:
            if name.startswith("diag") and filled:
                out.update(_pointers_tesseract_missed(name, piece, filled))
            continue
        if name.startswith("cpt"):
            decoded = decode_line(pieces, int(name[3:]), combination_options())
        elif name.startswith("diagnosis"):
            decoded = decode_icd(piece, current.text)
        elif name.startswith("diag") and filled:
            decoded = decode_pointers(piece, filled, current.text)
        else:
            continue
        if decoded is not None:
            out[name] = replace(current, alternatives=(decoded.text,), decode_share=decoded.share)
    return _with_cin_decode(slots, out)


CIN_FIELD = "insurance_id"  # box 1a, the insured's ID: on a Medi-Cal claim, the member's CIN


def _with_cin_decode(slots, readings: dict) -> dict:
    """Box 1a with its CIN decode (`cin_decode`), for the mapping to weigh against Tesseract's reading."""
    current = readings.get(CIN_FIELD)
    piece = cell_pieces(slots, lambda name: name == CIN_FIELD).get(CIN_FIELD)
    if current is None or not current.text or piece is None:
        return readings
    decoded = decode_cin(piece)
    return readings if decoded is None else {**readings, CIN_FIELD: replace(current, cin_decode=decoded)}


def _pointers_tesseract_missed(name: str, piece: np.ndarray, filled: str) -> dict:
    """A 24E cell with ink that Tesseract gave no word: the line model ran its letter into the last modifier's
    word ('GQ A' read 'GOA', placed in the modifier's cell), so the line lost its diagnoses. The code reader's
    sure decode is the cell's reading, as a repair for staff (never confirmed by box 21: the decode chose
    among box 21's letters)."""
    from ..cms1500.mapping import SURE_DECODE, Reading

    decoded = decode_pointers(piece, filled)
    if decoded is None or decoded.share < SURE_DECODE:
        return {}
    why = f"pointers read by the fax code reader alone as {decoded.text!r} (Tesseract read nothing in the cell)"
    return {
        name: Reading(
            decoded.text, decoded.share, repaired=why, alternatives=(decoded.text,), decode_share=decoded.share
        )
    }
