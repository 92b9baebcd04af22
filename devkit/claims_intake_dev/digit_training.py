"""Train the fax glyph readers on glyphs of generated faxes, TUNING seeds only: the digit reader
(claims_intake.ocr.digits, data/fax_digits.npz) and the 24D code reader (claims_intake.ocr.codes,
data/fax_codes.npz: digits and capitals).

    make fax-digits                                   # collect + train + write data/fax_digits.npz
    make fax-codes                                    # the same for the code reader: data/fax_codes.npz
    python -m claims_intake_dev.digit_training collect --pages 300 --out .fax_digits/cells.pickle
    python -m claims_intake_dev.digit_training train .fax_digits/cells.pickle [--reader codes]
    python -m claims_intake_dev.digit_training evaluate --held-out --pages 24 [--reader codes]   # per-glyph figures

1. collect: the mailroom's bilevel fax families (200 dpi; 204 x 98 and 204 x 196 dpi, G3/G4) make
   pages from TUNING seeds (never `mailroom.HELD_OUT_SEEDS`); each page goes through the intake's own
   reader up to the cut-out cells (registration, drop-out, ink crops: `scan.prepare_page`), so the
   glyphs are exactly what the reader sees. Each digit-only cell, each code cell (24D code and
   modifiers, box 21, 24E) and box 1a when it holds a CIN is kept with the characters the generator
   printed in it.
2. train: each cell is split into its characters as the reader splits it (a digit cell by
   digits.cell_spans, a code cell by digits.segment with the printed count, box 1a by
   codes.cin_spans), each also cut a little off and drawn with its strokes changed (`restroke`), and
   three two-layer networks are fitted from different starts, to be averaged (numpy, Adam, fixed
   seeds: the same cells give the same weights). `train --validate` fits on four fifths of the pages
   and reports the per-glyph accuracy on the fifth held back.
3. evaluate: the same collection from another seed range (with --held-out, the bench's held-out
   seeds: measured, never tuned on) and the per-glyph and per-cell accuracy of the shipped weights.
"""

from __future__ import annotations

import argparse
import os
import pickle
import platform
import random
import re
import resource
import sys
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from string import ascii_uppercase

import cv2
import numpy as np

from claims_intake.limits import default_limits
from claims_intake.ocr import codes, digits
from claims_intake.ocr.levels import INK
from claims_intake.ocr.pages import image_pages
from claims_intake.ocr.scan import ocr_settings, prepare_page

from .testdata import mailroom

FAMILIES = ("fax200", "fax_standard")
FIRST_SEED = 20_000  # clear of the seeds bench/tune_fax.py reports on (5,000+), so those stay unseen
WEIGHTS_PATH = Path(__file__).resolve().parents[2] / "shared" / "claims_intake" / digits.WEIGHTS
CODE_WEIGHTS_PATH = WEIGHTS_PATH.parent.parent / codes.WEIGHTS


def print_style(family: str, seed: int) -> str:
    """The generator's print style of a page: 'dots' (dot-matrix), else its font; drawn exactly as
    `mailroom.make_case` draws it (the same random sequence), so no page is rendered to learn it."""
    rng = random.Random(seed * 7919 + zlib.crc32(family.encode()) % 1000)
    rng.randint(1, 6)  # the line count
    font = rng.choice(mailroom.FONTS)
    rng.random()  # flush amounts
    return "dots" if rng.random() < 0.15 else font


def page_cells(family: str, seed: int) -> list[tuple[str, str, str, int, np.ndarray]]:
    """(family, field, printed characters, seed, cell piece) for every digit-only cell and every 24D
    cell of one generated fax."""
    case = mailroom.make_case(family, seed)
    cells = []
    for page in image_pages(case.data, case.filename, "tiff", default_limits()):
        prepared = prepare_page(page, ocr_settings())
        if not hasattr(prepared, "slots"):
            continue  # not registered: no cells to learn from
        printed = case.sample.pages[0]
        pieces = {**digits.cell_pieces(prepared.slots), **codes.code_pieces(prepared.slots)}
        for name, piece in pieces.items():
            # a box-21 code keeps its period: the glyphs are split at it (codes.split_at_period)
            wanted = r"[^0-9A-Z.]" if codes.code_field(name) else r"\D"
            label = re.sub(wanted, "", printed.get(name.split(".")[0], "").upper())
            if label:
                cells.append((family, name, label, seed, piece))
        cells.extend((family, name, label, seed, piece) for name, label, piece in _cin_cells(prepared.slots, printed))
    return cells


def _cin_cells(slots, printed: dict) -> list[tuple[str, str, np.ndarray]]:
    """Box 1a when a CIN is printed in it (eight digits and a letter): the code reader learns the CIN's
    letter, which no code, modifier or diagnosis may use (M, W, X, Y, ...)."""
    label = printed.get(codes.CIN_FIELD, "").strip().upper()
    if not re.fullmatch(rf"\d{{{codes.CIN_DIGITS}}}[A-Z]", label):
        return []
    pieces = digits.cell_pieces(slots, lambda name: name == codes.CIN_FIELD)
    return [(name, label, piece) for name, piece in pieces.items()]


def _page_job(job: tuple[str, int]) -> list:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    return page_cells(*job)


def seed_range(first_seed: int, pages: int, held_out: bool) -> range:
    """The seeds to collect from, all of the split asked for (else the run stops)."""
    seeds = range(first_seed, first_seed + pages)
    allowed = mailroom.HELD_OUT_SEEDS if held_out else mailroom.TUNING_SEEDS
    if not all(seed in allowed for seed in seeds):
        raise SystemExit(
            f"seeds {seeds.start}-{seeds.stop - 1} are not all {'held-out' if held_out else 'tuning'} seeds"
        )
    return seeds


def each_page(job: Callable[[tuple[str, int]], list], seeds: range, jobs: int) -> list:
    """`job` run on every (family, seed) of the fax families in `jobs` processes, its lists joined."""
    return each_job(job, [(family, seed) for seed in seeds for family in FAMILIES], jobs)


def each_job(job: Callable[[tuple[str, int]], list], work: list[tuple[str, int]], jobs: int) -> list:
    """`job` run on every (family, seed) of `work` in `jobs` processes, its lists joined."""
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return [item for found in pool.map(job, work) for item in found]


def collect(pages: int, first_seed: int, jobs: int, held_out: bool = False) -> list:
    return each_page(_page_job, seed_range(first_seed, pages, held_out), jobs)


@dataclass(frozen=True)
class Reader:
    """One glyph reader to train: its characters, the cells it learns from, where its weights go."""

    name: str
    alphabet: str
    reads: Callable[[str], bool]  # field name -> the reader learns from this cell
    weights: Path


READERS = {
    "digits": Reader(
        "digits", "0123456789", lambda name: not codes.code_field(name) and name != codes.CIN_FIELD, WEIGHTS_PATH
    ),
    # the code reader also learns the digit cells' digits: a code's four digits are the same glyphs
    "codes": Reader("codes", "0123456789" + ascii_uppercase, lambda name: True, CODE_WEIGHTS_PATH),
}


def restroke(text: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The cell's ink as another fax might have printed it: strokes a pixel thicker or thinner, a
    share of the ink's pixels lost, or every second or third row or column blank (dot-matrix print):
    faxes print the same digit in more ways than the training pages show (docs/ocr.md, eleventh round)."""
    change = rng.integers(4)
    if change == 0:  # the ink (dark) spreads: a min filter
        return cv2.erode(text, np.ones(((2, 2), (1, 2), (2, 1))[rng.integers(3)], np.uint8))
    if change == 1:  # the paper (light) spreads: one pixel across or down, so one-pixel strokes survive the other way
        return cv2.dilate(text, np.ones(((1, 2), (2, 1))[rng.integers(2)], np.uint8))
    out = text.copy()
    if change == 2:
        out[(out < INK) & (rng.random(out.shape) < rng.uniform(0.1, 0.3))] = 255
        return out
    pitch = int(rng.integers(2, 4))
    if rng.random() < 0.5:
        out[:, rng.integers(pitch) :: pitch] = 255
    else:
        out[rng.integers(pitch) :: pitch, :] = 255
    return out


def glyph_set(
    cells: list, jitter: tuple[int, ...] = (0,), reader: Reader = READERS["digits"], variants: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels (index in the reader's alphabet), page keys (family, seed) and print styles of
    every printed character of the cells the reader learns from; with `jitter`, each character also
    cut that many pixels off where the reader cuts it (the reader's cuts are not exact: the network
    learns to read a character cut a little off-centre); with `variants`, each cell also that many
    times `restroke`d, each time cut up to the widest jitter off. Deterministic for the same cells."""
    rng = np.random.default_rng(0)
    reach = max(abs(shift) for shift in jitter)
    features, labels, pages, styles = [], [], [], []
    for family, name, label, seed, piece in cells:
        head, _, tail = label.partition(".")
        if not reader.reads(name) or any(char not in reader.alphabet for char in head + tail):
            continue
        style = print_style(family, seed)
        label = head + tail
        if not codes.code_field(name) and name != codes.CIN_FIELD:
            # a digit cell as the digit reader cuts it: a money box at its rule, a fixed-width cell
            # without a rule's remnant at its edge (digits.without_edge_rules)
            spans = digits.cell_spans(name, piece, len(label))
        elif name == codes.CIN_FIELD:  # cut as codes.decode_cin cuts it: eight digits, then the letter
            spans = codes.cin_spans(piece)
        elif tail:  # a box-21 code printed with its period: split there, as the reader does
            text = digits.text_rows(piece)
            spans = None if text is None else codes.icd_spans(text, len(head), len(tail))
        else:
            text = digits.text_rows(piece)
            spans = None if text is None else [(text, x0, x1) for x0, x1 in digits.segment(text, len(label))]
        if not spans or len(spans) != len(label):
            continue
        drawn = [(spans, shift) for shift in jitter]
        for _ in range(variants):
            restroked = {id(text): restroke(text, rng) for text, _, _ in spans}  # a money box cuts two texts
            shift = int(rng.integers(-reach, reach + 1))
            drawn.append(([(restroked[id(text)], x0, x1) for text, x0, x1 in spans], shift))
        for cut, shift in drawn:
            for (text, x0, x1), char in zip(cut, label, strict=True):
                features.append(digits.glyph_features(text, x0 + shift, x1 + shift))
                labels.append(reader.alphabet.index(char))
                pages.append(zlib.crc32(f"{family}-{seed}".encode()))
                styles.append(style)
    return np.asarray(features, dtype=np.float32), np.asarray(labels), np.asarray(pages), np.asarray(styles)


def weighted(features: np.ndarray, labels: np.ndarray, styles: np.ndarray, dots_weight: int):
    """The glyphs with those of dot-matrix pages repeated `dots_weight` times in all (1: as generated)."""
    extra = np.repeat(np.nonzero(styles == "dots")[0], max(dots_weight - 1, 0))
    return np.concatenate([features, features[extra]]), np.concatenate([labels, labels[extra]])


def by_style(net, features: np.ndarray, labels: np.ndarray, styles: np.ndarray) -> str:
    """Per-glyph accuracy per print style: 'dots 91.2% of 812, Cour ...'."""
    parts = []
    for style in ("dots", *mailroom.FONTS):
        chosen = styles == style
        if chosen.any():
            parts.append(f"{style} {accuracy(net, features[chosen], labels[chosen]):.2%} of {int(chosen.sum())}")
    return ", ".join(parts)


def fit(
    features: np.ndarray,
    labels: np.ndarray,
    hidden: int = 96,
    epochs: int = 40,
    seed: int = 0,
    classes: int = 10,
    members: int = 1,
):
    """`members` two-layer networks on the same glyphs, each from its own random start (seed, seed + 1,
    ...), stacked for the reader to average; deterministic for a seed."""
    mean = features.mean(axis=0)
    scale = features.std(axis=0) + 1e-3
    x = (features - mean) / scale
    fitted = [_fit_member(x, labels, hidden, epochs, np.random.default_rng(seed + m), classes) for m in range(members)]
    stacked = {key: np.stack([params[key] for params in fitted]) for key in fitted[0]}
    return digits.DigitNet(mean.astype(np.float32), scale.astype(np.float32), **stacked)


def _fit_member(x: np.ndarray, labels: np.ndarray, hidden: int, epochs: int, rng: np.random.Generator, classes: int):
    """One two-layer network, softmax cross-entropy with a little L2, Adam."""
    n, d = x.shape
    params = {
        "w1": rng.normal(0, np.sqrt(2 / d), (d, hidden)).astype(np.float32),
        "b1": np.zeros(hidden, np.float32),
        "w2": rng.normal(0, np.sqrt(2 / hidden), (hidden, classes)).astype(np.float32),
        "b2": np.zeros(classes, np.float32),
    }
    moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in params.items()}
    onehot = np.eye(classes, dtype=np.float32)[labels]
    step, rate, decay, batch = 0, 2e-3, 1e-4, 128
    for epoch in range(epochs):
        order = rng.permutation(n)
        lr = rate * (0.5 ** (epoch // 15))
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            xb, yb = x[idx], onehot[idx]
            h = np.maximum(xb @ params["w1"] + params["b1"], 0)
            logits = h @ params["w2"] + params["b2"]
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            g_logits = (p - yb) / len(idx)
            grads = {"w2": h.T @ g_logits + decay * params["w2"], "b2": g_logits.sum(axis=0)}
            g_h = (g_logits @ params["w2"].T) * (h > 0)
            grads["w1"] = xb.T @ g_h + decay * params["w1"]
            grads["b1"] = g_h.sum(axis=0)
            step += 1
            for key, grad in grads.items():
                m, v = moments[key]
                m[:] = 0.9 * m + 0.1 * grad
                v[:] = 0.999 * v + 0.001 * grad * grad
                m_hat, v_hat = m / (1 - 0.9**step), v / (1 - 0.999**step)
                params[key] -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)
    return params


def accuracy(net, features: np.ndarray, labels: np.ndarray) -> float:
    return float((net.probabilities(features).argmax(axis=1) == labels).mean()) if len(labels) else float("nan")


def cell_accuracy(net_cells: list) -> tuple[int, int]:
    """Cells whose every digit the shipped reader reads right, as the intake reads them (count chosen
    by `candidate_counts` from the printed count for variable cells: the per-glyph figure's companion)."""
    right = 0
    for _, name, label, _, piece in net_cells:
        field = name.split(".")[0]
        reading = digits.read_cell(field, piece, digits.candidate_counts(field, label))
        right += reading is not None and reading.digits == label
    return right, len(net_cells)


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


JITTER = (-3, -1, 0, 1, 3)
STROKE_VARIANTS = 3  # each cell also learnt three times `restroke`d
MEMBERS = 3  # networks averaged: on fresh tuning pages three err 8-10% less than one, five no less than three
DOTS_WEIGHT = 1  # dot-matrix glyphs as often as the generator prints them (15% of pages)


def validate(
    cells: list, hidden: int, epochs: int, dots_weight: int = 1, reader: Reader = READERS["digits"], members: int = 1
) -> None:
    """Per-glyph accuracy on a fifth of the pages (whole pages) held back from a fit on the rest."""
    features, labels, pages, styles = glyph_set(cells, reader=reader)
    shifted, shifted_labels, shifted_pages, shifted_styles = glyph_set(cells, JITTER, reader, STROKE_VARIANTS)
    held_back = shifted_pages % 5 == 0
    net = fit(
        *weighted(shifted[~held_back], shifted_labels[~held_back], shifted_styles[~held_back], dots_weight),
        hidden=hidden,
        epochs=epochs,
        classes=len(reader.alphabet),
        members=members,
    )
    validation = pages % 5 == 0
    print(
        f"validation pages: {accuracy(net, features[validation], labels[validation]):.2%} of {validation.sum()} glyphs"
    )
    print(f"  by style: {by_style(net, features[validation], labels[validation], styles[validation])}")


def train(
    cells: list,
    out: Path,
    hidden: int,
    epochs: int,
    dots_weight: int = 1,
    reader: Reader = READERS["digits"],
    members: int = 1,
) -> None:
    features, labels, pages, styles = glyph_set(cells, reader=reader)
    shifted, shifted_labels, _, shifted_styles = glyph_set(cells, JITTER, reader, STROKE_VARIANTS)
    started = _cpu()
    # the shipped weights: every page
    net = fit(
        *weighted(shifted, shifted_labels, shifted_styles, dots_weight),
        hidden=hidden,
        epochs=epochs,
        classes=len(reader.alphabet),
        members=members,
    )
    print(f"training glyphs: {accuracy(net, features, labels):.2%} of {len(labels)}; fit {_cpu() - started:.0f} s CPU")
    print(f"  by style: {by_style(net, features, labels, styles)}")
    extra = {"alphabet": reader.alphabet} if reader.name != "digits" else {}
    net.save(
        out,
        **extra,
        trained_on=(
            f"{len(labels)} glyphs (each also cut {JITTER} px off, each cell also {STROKE_VARIANTS} times restroked) "
            f"of {len(set(pages.tolist()))} fax pages, families {','.join(FAMILIES)}, {members} networks of "
            f"{hidden} hidden units averaged, {epochs} epochs, dot-matrix glyphs weighted {dots_weight}x"
        ),
        seeds=f"{min(c[3] for c in cells)}-{max(c[3] for c in cells)} (mailroom.TUNING_SEEDS)",
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        machine=f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
    )
    print(f"wrote {out}")


def evaluate(cells: list, reader: Reader = READERS["digits"]) -> None:
    """The shipped weights' per-glyph accuracy; for the digit reader also its per-cell accuracy."""
    digits.digit_net.cache_clear()
    codes.code_net.cache_clear()
    net = digits.digit_net() if reader.name == "digits" else codes.code_net().net
    cells = [cell for cell in cells if reader.reads(cell[1])]
    features, labels, _, styles = glyph_set(cells, reader=reader)
    print(f"glyphs: {accuracy(net, features, labels):.2%} of {len(labels)}")
    print(f"  by style: {by_style(net, features, labels, styles)}")
    if reader.name != "digits":
        return
    by_kind: dict[str, list] = {}
    for cell in cells:
        by_kind.setdefault(_kind(cell[1]), []).append(cell)
    for kind, group in sorted(by_kind.items()):
        right, total = cell_accuracy(group)
        print(f"cells {kind:<8} {right / total:.2%} of {total}")


def _kind(name: str) -> str:
    base = name.split(".")[0]
    for kind, test in (
        ("date", lambda b: "_mm_" in b or "_dd_" in b or "_yy_" in b or b.startswith("birth")),
        ("money", lambda b: b in digits.MONEY_FIELDS),
        ("npi", lambda b: b.startswith("local") or b == "pin"),
        ("units", lambda b: b.startswith("day")),
        ("place", lambda b: b.startswith("place")),
    ):
        if test(base):
            return kind
    return base


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="digit_training", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("collect", "evaluate", "all"):
        command = sub.add_parser(name)
        command.add_argument("--pages", type=int, default=150, help="seeds per family")
        command.add_argument("--first-seed", type=int, default=None)
        command.add_argument("--jobs", type=int, default=2)
        command.add_argument("--out", type=Path, default=Path(".fax_digits/cells.pickle"))
        command.add_argument("--held-out", action="store_true", help="evaluate: the bench's held-out seeds")
    trainer = sub.add_parser("train")
    trainer.add_argument("cells", type=Path)
    trainer.add_argument("--validate", action="store_true", help="only the per-glyph accuracy on held-back pages")
    for command in (trainer, sub.choices["all"]):
        command.add_argument("--hidden", type=int, default=96)
        command.add_argument("--epochs", type=int, default=30)
        command.add_argument("--dots-weight", type=int, default=DOTS_WEIGHT, help="dot-matrix glyphs repeated")
        command.add_argument("--members", type=int, default=MEMBERS, help="networks averaged")
    for command in (trainer, sub.choices["all"], sub.choices["evaluate"]):
        command.add_argument("--reader", choices=sorted(READERS), default="digits")
    trainer.add_argument("--weights", type=Path, default=None, help="default: the reader's shipped weights")
    args = parser.parse_args(argv)
    if args.command == "train":
        reader = READERS[args.reader]
        cells = pickle.loads(args.cells.read_bytes())
        if args.validate:
            validate(cells, args.hidden, args.epochs, args.dots_weight, reader, args.members)
        else:
            weights = args.weights or reader.weights
            train(cells, weights, args.hidden, args.epochs, args.dots_weight, reader, args.members)
        return
    held_out = args.command == "evaluate" and args.held_out
    first = args.first_seed or (mailroom.HELD_OUT_SEEDS.start if held_out else FIRST_SEED)
    started = time.time()
    cells = collect(args.pages, first, args.jobs, held_out=held_out)
    print(f"{len(cells)} cells from seeds {first}-{first + args.pages - 1}, {time.time() - started:.0f} s wall")
    if args.command == "evaluate":
        evaluate(cells, READERS[args.reader])
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(pickle.dumps(cells))
    if args.command == "all":
        reader = READERS[args.reader]
        train(cells, reader.weights, args.hidden, args.epochs, args.dots_weight, reader, args.members)


if __name__ == "__main__":
    main(sys.argv[1:])
