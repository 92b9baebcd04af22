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

import re
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

import numpy as np

from .digits import DigitNet, glyph_features, segment, text_rows
from .recognize import WORD_GAP

WEIGHTS = "data/fax_codes.npz"
CODE_LENGTH = 5  # a HCPCS Level II code: a letter and four digits
MODIFIER_LENGTH = 2
MODIFIER_SUFFIXES = ("", "a", "b", "c")  # mod1, mod1a, ...: the four modifier cells of a 24D line
LOG_FLOOR = 1e-4  # a character's probability is never taken below this (one bad cut must not veto)


def code_field(name: str) -> bool:
    """A 24D cell this reader reads: the code (cpt1) or a modifier (mod1, mod1a, ...)."""
    return re.fullmatch(r"(cpt\d|mod\d[a-c]?)", name.split(".")[0]) is not None


def code_pieces(slots) -> dict[str, np.ndarray]:
    """Each 24D cell's ink as the page reader cut it (its span of the composed line's image)."""
    pieces: dict[str, np.ndarray] = {}
    for slot in slots:
        image = np.asarray(slot.image, dtype=np.uint8)
        for name, x0, x1 in slot.members:
            if not code_field(name):
                continue
            if np.isinf(x0):
                pieces[name] = image
            else:
                pieces[name] = image[:, max(round(x0 + WORD_GAP / 2), 0) : round(x1 - WORD_GAP / 2)]
    return pieces


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
        features = np.vstack([glyph_features(text, x0, x1) for x0, x1 in segment(text, count)])
        return np.log(np.maximum(self.net.probabilities(features), LOG_FLOOR))


def spelling_score(logs: np.ndarray, value: str, alphabet: str) -> float:
    """Sum of the log-probabilities of `value`'s characters, one per row of `logs`."""
    index = [alphabet.find(ch) for ch in value]
    if len(index) != len(logs) or min(index) < 0:
        return float(np.log(LOG_FLOOR)) * len(logs)
    return float(logs[np.arange(len(value)), index].sum())


@cache
def code_net() -> CodeNet:
    with resources.files("claims_intake").joinpath(WEIGHTS).open("rb") as handle:
        data = np.load(handle)
        net = DigitNet(*(data[k].astype(np.float32) for k in ("mean", "scale", "w1", "b1", "w2", "b2")))
        return CodeNet(net, str(data["alphabet"]))


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
    totals = np.asarray([total for total, _, _ in scored])
    weights = np.exp(totals - totals.max())
    best = int(np.argmax(totals))
    return LineDecode(scored[best][1], scored[best][2], float(weights[best] / weights.sum()))


def second_code_reading(slots, readings: dict) -> dict:
    """The page's readings with each 24D line's catalog decode offered on its code cell (`alternatives`:
    'CODE MOD MOD', and the decode's share as `decode_share`) for the mapping to weigh."""
    from ..cms1500.parse import combination_options

    pieces = code_pieces(slots)
    out = dict(readings)
    for n in range(1, 7):
        current = out.get(f"cpt{n}")
        if current is None:
            continue
        decoded = decode_line(pieces, n, combination_options())
        if decoded is not None:
            out[f"cpt{n}"] = replace(current, alternatives=(decoded.text,), decode_share=decoded.share)
    return out
