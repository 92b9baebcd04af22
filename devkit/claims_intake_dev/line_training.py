"""Train the fax line recogniser (claims_intake.ocr.lines, data/fax_lines.onnx) on the free-text boxes
and the cells of generated faxes, TUNING seeds only.

    make fax-lines                                                # collect + train + write the ONNX file
    python -m claims_intake_dev.line_training collect --pages 300 --dotted-pages 200 --out .fax_lines/lines.pickle
    python -m claims_intake_dev.line_training train .fax_lines/lines.pickle [--epochs 6] [--start-from F.onnx]
    python -m claims_intake_dev.line_training evaluate --held-out --pages 24   # per-line and per-character

1. collect: pages of the mailroom's bilevel fax families (200 dpi; 204 x 98 and 204 x 196 dpi) from
   TUNING seeds (never `mailroom.HELD_OUT_SEEDS`), printed as `mailroom.make_case` prints them, except
   that most free-text boxes hold random text (`random_text`: made-up words, random letters, numbers
   and the punctuation forms carry) instead of the generator's few names and streets, so the network
   learns the glyphs, not the words; `--dotted-pages` more a family printed in dots. Each page goes through
   the intake's own reader up to the cut-out boxes (`scan.prepare_page`); each box that holds one line of
   free text is kept with its text, as its frame (`Slot.image`) and its place (`Slot.places`), and each cell
   as its place: what the runtime reads (`read_at_run_time`) is trained on.
2. train: convolutions and a bidirectional LSTM read with CTC (`network`; PyTorch, CPU; installed by
   `make fax-lines` only: the runtime reads the exported ONNX file with OpenCV), from scratch or going on from
   an exported network (`--start-from`), three lines in ten with a form's rule drawn through them
   (`_ruled`). Fixed seeds (PyTorch on several threads may still differ in the last digits of
   a weight). A tenth of the pages is held back and its figures printed; the PyTorch weights are kept in
   .fax_lines/network.pt.
3. evaluate: the same collection from another seed range (with --held-out, the bench's held-out seeds:
   measured, never tuned on) and the shipped recogniser's accuracy, on the free text and on the cells.
"""

from __future__ import annotations

import argparse
import os
import pickle
import random
import sys
import time
import zlib
from dataclasses import replace
from pathlib import Path
from string import ascii_uppercase, digits

import numpy as np

from claims_intake.limits import default_limits
from claims_intake.ocr import lines
from claims_intake.ocr.pages import image_pages
from claims_intake.ocr.scan import ocr_settings, prepare_page

from . import digit_training
from .testdata import mailroom, scans

FIRST_SEED = 40_000  # clear of the tuning seeds the benches and the glyph readers use
STATE_PATH = Path(".fax_lines/network.pt")
ONNX_PATH = Path(__file__).resolve().parents[2] / "shared" / "claims_intake" / lines.WEIGHTS
# The boxes the runtime reads again (lines.FREE_TEXT), the other one-line boxes and the single-box numbers: all
# their glyphs are the same
TEXT_BOXES = (
    *lines.FREE_TEXT,
    "insurance_address",
    "ins_name",
    "physician_signature",
    "physician_date",
    "doc_phone",
    "doc_phone area",
    "pt_zip",
    "tax_id",
    "pin",
)
RANDOMISED = {name for name in TEXT_BOXES if name not in ("physician_date", "pt_zip", "tax_id", "pin")}
RANDOM_SHARE = 0.6
VOWELS, CONSONANTS = "AEIOUY", "BCDFGHJKLMNPRSTVWXZ"
CONTEXT_UNITS = 128  # each direction of the LSTM
# the one-cycle schedule's peak: from scratch; going on from a fitted network, a quarter of it (5e-4) refined the
# shipped one without undoing it
LEARNING_RATE = 2e-3
RULED_SHARE = 0.3  # lines fitted with a form's rule drawn through them (`_ruled`)


def random_word(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.35:  # made up but pronounceable, as names and streets are
        return "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(rng.randint(1, 5)))[
            : rng.randint(2, 10)
        ]
    if kind < 0.6:
        return "".join(rng.choice(ascii_uppercase) for _ in range(rng.randint(1, 9)))
    if kind < 0.8:
        return "".join(rng.choice(digits) for _ in range(rng.randint(1, 7)))
    if kind < 0.9:  # an account or authorisation number
        parts = [
            "".join(rng.choice(ascii_uppercase + digits) for _ in range(rng.randint(2, 5)))
            for _ in range(rng.randint(2, 3))
        ]
        return rng.choice("-/.").join(parts)
    word = "".join(rng.choice(ascii_uppercase) for _ in range(rng.randint(1, 7)))
    return rng.choice(
        [f"{word},", f"{word}.", f"#{rng.randint(1, 999)}", "&", f"({word})", f"O'{word}", f"{word}-{word[::-1]}"]
    )


def random_text(rng: random.Random, like: str) -> str:
    """Random words about as long as `like` (so the box's font size stays as the form prints it)."""
    length = max(2, len(like) + rng.randint(-6, 2))
    words: list[str] = []
    while len(" ".join(words)) < length:
        words.append(random_word(rng))
    return " ".join(words)[:length].strip(" ,") or "A"


def training_case(family: str, seed: int) -> mailroom.Case:
    """A fax as `mailroom.make_case` prints it, most free-text boxes holding random text (TUNING seeds only)."""
    if seed not in mailroom.TUNING_SEEDS:
        raise SystemExit(f"seed {seed} is not a tuning seed")
    return randomised_case(family, seed)


def randomised_case(family: str, seed: int) -> mailroom.Case:
    """A fax as `mailroom.make_case` prints it, each free-text box holding random text of about its length with
    RANDOM_SHARE chance (made-up words, letters, numbers, account-number shapes): names no list or network knows."""
    rng = random.Random(seed * 104_729 + zlib.crc32(family.encode()))
    original = scans.sample_claim
    try:

        def randomised(*args, **kwargs):
            sample = original(*args, **kwargs)
            fields, replaced = sample.pages[0], set()
            for name in sorted(RANDOMISED & set(fields)):  # in order: the same seed draws the same text
                if fields[name] and rng.random() < RANDOM_SHARE:
                    fields[name] = random_text(rng, fields[name])
                    replaced.add(name)
            return replace(sample, randomised=frozenset(replaced))

        scans.sample_claim = randomised
        return mailroom.make_case(family, seed)
    finally:
        scans.sample_claim = original


PLACE = "@place"  # a sample's box name ends with this when it is the box's place, not its cut slot image


def case_lines(case: mailroom.Case) -> list[tuple[str, str, str, int, np.ndarray]]:
    """(family, box, printed text, seed, crop) for one generated fax: each one-box free-text frame as the page
    reader cut it (Slot.image), and each free-text box's and cell's place on the page (Slot.places), its box
    name ending with PLACE."""
    printed = case.sample.pages[0]
    found = []

    def keep(name: str, crop: np.ndarray) -> None:
        text = " ".join(printed.get(name.removesuffix(PLACE), "").upper().split())
        if text and all(char in lines.ALPHABET for char in text):
            found.append((case.family, name, text, case.seed, crop))

    for page in image_pages(case.data, case.filename, "tiff", default_limits()):
        prepared = prepare_page(page, ocr_settings())
        for slot in getattr(prepared, "slots", []):  # a page not registered has no boxes to learn from
            name = slot.members[0][0]
            if len(slot.members) == 1 and name in TEXT_BOXES:
                keep(name, np.asarray(slot.image.convert("L")))
            for member, place in slot.places.items():
                if member in TEXT_BOXES or lines.CELLS.fullmatch(member):
                    keep(member + PLACE, place)
    return found


def _training_job(job: tuple[str, int]) -> list:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    return case_lines(training_case(*job))


def _held_out_job(job: tuple[str, int]) -> list:
    """Held-out pages exactly as the bench makes them (no random text: the bench's own boxes)."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    return case_lines(mailroom.make_case(*job))


DOTTED_FIRST_SEED = FIRST_SEED + 5_000  # where the extra dot-matrix pages are looked for


def collect(
    pages: int,
    first_seed: int,
    jobs: int,
    held_out: bool = False,
    dotted_pages: int = 0,
    dotted_first_seed: int = DOTTED_FIRST_SEED,
) -> list:
    """The lines of `pages` seeds a family from `first_seed`, and of `dotted_pages` more a family printed in dots
    from `dotted_first_seed` (the generator prints one page in seven so: too few to learn dotted characters from)."""
    seeds = digit_training.seed_range(first_seed, pages, held_out)
    found = digit_training.each_page(_held_out_job if held_out else _training_job, seeds, jobs)
    if dotted_pages:
        extra = [
            (family, seed)
            for family in digit_training.FAMILIES
            for seed in dotted_seeds(family, dotted_pages, dotted_first_seed)
        ]
        found += digit_training.each_job(_training_job, extra, jobs)
    return found


def dotted_seeds(family: str, count: int, first: int = DOTTED_FIRST_SEED) -> list[int]:
    """The first `count` tuning seeds from `first` whose `family` page the generator prints in dots."""
    seeds, seed = [], first
    while len(seeds) < count:
        if mailroom.print_style(family, seed).dot_matrix:
            seeds.append(seed)
        seed += 1
    if seeds and seeds[-1] not in mailroom.TUNING_SEEDS:
        raise SystemExit("the dotted pages ran out of tuning seeds")
    return seeds


# ---------------------------------------------------------------- the network (PyTorch, training only)


def network(classes: int):
    """Convolutions that see a few characters (each output step four input columns), then a bidirectional LSTM
    across the whole line: a fax's thinned glyph is told by its neighbours and the word it is in (an `E` whose
    bars are lost beside `L` and `CAMINO`), which the convolutions' window of about three characters cannot."""
    import torch
    import torch.nn as nn

    def block(cin: int, cout: int, pool: tuple[int, int] | None) -> list:
        layers = [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU()]
        return layers + ([nn.MaxPool2d(pool, pool)] if pool else [])

    class LineRecogniser(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.trunk = nn.Sequential(
                *block(1, 24, (2, 2)),  # 16 x W/2
                *block(24, 48, (2, 2)),  # 8 x W/4
                *block(48, 64, None),
                *block(64, 64, (2, 1)),  # 4 x W/4
                *block(64, 96, (4, 1)),  # 1 x W/4
                nn.Conv2d(96, 128, (1, 3), padding=(0, 1)),
                nn.ReLU(),
                nn.Conv2d(128, 128, (1, 3), padding=(0, 1)),
                nn.ReLU(),
            )
            self.context = nn.LSTM(128, CONTEXT_UNITS, bidirectional=True)
            self.dropout = nn.Dropout(0.2)
            self.classes = nn.Linear(2 * CONTEXT_UNITS, classes)

        def forward(self, line: torch.Tensor) -> torch.Tensor:  # (N, 1, 32, W) -> (N, classes, 1, W/4)
            steps = self.trunk(line)[:, :, 0, :].permute(2, 0, 1)  # (T, N, 128)
            context, _ = self.context(steps)
            return self.classes(self.dropout(context)).permute(1, 2, 0).unsqueeze(2)

    return LineRecogniser()


def encode(text: str) -> list[int]:
    return [lines.ALPHABET.index(char) + 1 for char in text]


def batches(samples: list, size: int, rng: np.random.Generator, augment: bool):
    """Batches of lines of about the same width, padded with paper on the right."""
    order = sorted(range(len(samples)), key=lambda i: samples[i][0].shape[1] + rng.uniform(0, 40))
    groups = [order[i : i + size] for i in range(0, len(order), size)]
    rng.shuffle(groups)
    for group in groups:
        images = [_augmented(samples[i][0], rng) if augment else samples[i][0] for i in group]
        width = max(image.shape[1] for image in images)
        batch = np.zeros((len(group), 1, lines.HEIGHT, width), np.float32)
        for row, image in enumerate(images):
            batch[row, 0, :, : image.shape[1]] = image
        yield batch, [samples[i][1] for i in group], [image.shape[1] for image in images]


def _augmented(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A little wider or narrower, as another printer's pitch or a fax's scale would make it; on some lines a rule
    of the form through the typing, as a provider's printer that lays the typing off its boxes puts it
    (`_ruled`)."""
    import cv2

    factor = rng.uniform(0.85, 1.15)
    width = max(lines.STRIDE * 2, round(image.shape[1] * factor))
    resized = cv2.resize(image, (width, lines.HEIGHT), interpolation=cv2.INTER_LINEAR)
    return _ruled(resized, rng) if rng.random() < RULED_SHARE else resized


def _ruled(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The line with a form's rule drawn through it: a horizontal rule at any height, often running on past the
    typing (the cell's own rule: the typing sits on it), or a vertical divider (the dollars/cents rule, a date
    cell's); grey to black, one to ten rows (a third of the line: box 33a's bar, typing sat on it) or one to
    three columns."""
    height, width = image.shape
    ink = rng.uniform(0.4, 1.0)
    if rng.random() < 0.7:
        before, after = (round(width * rng.uniform(0.0, 0.3)) if rng.random() < 0.5 else 0 for _ in range(2))
        image = np.pad(image, ((0, 0), (before, after)))
        thickness = int(rng.integers(1, 11))
        top = int(rng.integers(1, height - thickness))
        start = int(rng.integers(0, max(1, image.shape[1] // 5)))
        image[top : top + thickness, start:] = np.maximum(image[top : top + thickness, start:], ink)
        return image
    thickness = int(rng.integers(1, 4))
    left = int(rng.integers(0, max(1, width - thickness)))
    image = image.copy()
    image[:, left : left + thickness] = np.maximum(image[:, left : left + thickness], ink)
    return image


def read_at_run_time(name: str) -> bool:
    """The runtime reads a free-text box's cut frame (Slot.image) and a cell's place (Slot.places); a free-text
    box's place is collected for measuring, not trained on."""
    if not name.endswith(PLACE):
        return True
    return lines.CELLS.fullmatch(name.removesuffix(PLACE)) is not None


def prepared_samples(found: list) -> list[tuple[np.ndarray, str, str, str, int]]:
    samples = []
    for family, name, text, seed, crop in found:
        if not read_at_run_time(name):
            continue
        image = lines.line_image(crop)
        if image is not None and image.shape[1] // lines.STRIDE >= 2 * len(text) + 1:
            samples.append((image, text, family, name, seed))
    return samples


def fit(samples: list, epochs: int, seed: int = 7, start: Path | None = None, rate: float = LEARNING_RATE):
    """The network fitted to `samples`: from scratch, or (`start`) going on from a fitted one's ONNX file, at a
    one-cycle learning rate peaking at `rate`."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    rng = np.random.default_rng(seed)
    model = network(len(lines.ALPHABET) + 1)
    if start is not None:
        _load_onnx(model, start)
    optimiser = torch.optim.AdamW(model.parameters(), lr=rate, weight_decay=1e-4)
    steps = epochs * ((len(samples) + 31) // 32)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=rate, total_steps=steps, pct_start=0.15)
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    for epoch in range(epochs):
        model.train()
        if start is not None:
            _hold_batch_norms(model)
        started, total, count = time.time(), 0.0, 0
        for batch, texts, widths in batches(samples, 32, rng, augment=True):
            logits = model(torch.from_numpy(batch))[:, :, 0, :]  # (N, C, T)
            log_probs = logits.permute(2, 0, 1).log_softmax(2)  # (T, N, C)
            targets = torch.tensor([c for text in texts for c in encode(text)], dtype=torch.long)
            loss = ctc(
                log_probs,
                targets,
                torch.tensor([w // lines.STRIDE for w in widths], dtype=torch.long),
                torch.tensor([len(text) for text in texts], dtype=torch.long),
            )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total, count = total + loss.item(), count + 1
        print(f"epoch {epoch + 1}: loss {total / max(count, 1):.3f}, {time.time() - started:.0f} s", flush=True)
    model.eval()
    return model


def _load_onnx(model, path: Path) -> None:
    """The weights of an exported network: the trunk's convolutions (their batch norms folded into them, so each
    batch norm here starts as the identity and stays in inference mode, `_hold_batch_norms`), and the LSTM's and
    the classes' where the file has them (an older network of convolutions only gives its trunk; the context and
    classes are then fitted afresh)."""
    import onnx
    import torch
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    arrays = {item.name: numpy_helper.to_array(item).copy() for item in graph.initializer}
    exported = [node for node in graph.node if node.op_type == "Conv"]
    convolutions = [layer for layer in model.trunk if isinstance(layer, torch.nn.Conv2d)]
    for node, layer in zip(exported, convolutions, strict=False):
        layer.weight.data = torch.from_numpy(arrays[node.input[1]])
        layer.bias.data = torch.from_numpy(arrays[node.input[2]])
    for layer in model.trunk:
        if isinstance(layer, torch.nn.BatchNorm2d):
            layer.running_mean.zero_()
            layer.running_var.fill_(1.0 - layer.eps)
    recurrent = [node for node in graph.node if node.op_type == "LSTM"]
    if recurrent:
        _load_lstm(model.context, *(arrays[name] for name in recurrent[0].input[1:4]))
        (matmul,) = (node for node in graph.node if node.op_type == "MatMul" and node.input[1] in arrays)
        (add,) = (node for node in graph.node if node.op_type == "Add" and matmul.output[0] in node.input)
        model.classes.weight.data = torch.from_numpy(arrays[matmul.input[1]].T.copy())
        model.classes.bias.data = torch.from_numpy(next(arrays[name] for name in add.input if name in arrays))


def _load_lstm(lstm, weights: np.ndarray, recurrences: np.ndarray, biases: np.ndarray) -> None:
    """ONNX's LSTM weights into PyTorch's: ONNX orders the gates input, output, forget, cell; PyTorch input,
    forget, cell, output; ONNX's biases are the input's and the recurrence's, one after the other."""
    import torch

    def gates(array: np.ndarray) -> torch.Tensor:
        i, o, f, c = np.split(array, 4)
        return torch.from_numpy(np.concatenate([i, f, c, o]))

    for direction, suffix in enumerate(("", "_reverse")):
        input_bias, recurrence_bias = np.split(biases[direction], 2)
        getattr(lstm, f"weight_ih_l0{suffix}").data = gates(weights[direction])
        getattr(lstm, f"weight_hh_l0{suffix}").data = gates(recurrences[direction])
        getattr(lstm, f"bias_ih_l0{suffix}").data = gates(input_bias)
        getattr(lstm, f"bias_hh_l0{suffix}").data = gates(recurrence_bias)


def _hold_batch_norms(model) -> None:
    import torch

    for layer in model.trunk:
        if isinstance(layer, torch.nn.BatchNorm2d):
            layer.eval()


def _save_state(model, path: Path) -> None:
    """The fitted network's weights for PyTorch (not shipped): a later round can go on from them."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)


def export(model, path: Path) -> None:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    example = torch.zeros(1, 1, lines.HEIGHT, 256)
    torch.onnx.export(
        model,
        example,
        str(path),
        input_names=["line"],
        output_names=["logits"],
        dynamic_axes={"line": {3: "width"}, "logits": {3: "steps"}},
        opset_version=13,
        dynamo=False,
    )


def scores(samples: list, read) -> dict[str, float]:
    """Share of lines read exactly, and of characters (1 - edit distance / length), by family and by what was
    read (free-text frames, cells' places)."""
    import difflib

    tallies: dict[str, list[float]] = {}
    for image, text, family, name, _ in samples:
        got = read(image)
        ratio = difflib.SequenceMatcher(None, got, text).ratio()
        tally = tallies.setdefault(f"{family} {'cells' if name.endswith(PLACE) else 'free text'}", [0, 0.0, 0])
        tally[0] += got == text
        tally[1] += ratio
        tally[2] += 1
    return {f"{group}, read exactly": t[0] / t[2] for group, t in tallies.items()} | {
        f"{group}, characters": t[1] / t[2] for group, t in tallies.items()
    }


def onnx_reader(path: Path):
    import cv2

    net = cv2.dnn.readNetFromONNX(str(path))
    return lambda image: lines.decode(lines.class_probabilities(image, net)).text


def train(found: list, epochs: int, path: Path, start: Path | None = None, rate: float = LEARNING_RATE) -> None:
    samples = prepared_samples(found)
    pages = sorted({(s[2], s[4]) for s in samples})
    held_back = set(random.Random(11).sample(pages, max(1, len(pages) // 10)))
    fitting = [s for s in samples if (s[2], s[4]) not in held_back]
    checking = [s for s in samples if (s[2], s[4]) in held_back]
    print(f"{len(fitting)} lines to fit, {len(checking)} held back ({len(held_back)} pages)", flush=True)
    before = scores(checking, onnx_reader(start)) if start is not None else {}
    model = fit(fitting, epochs, start=start, rate=rate)
    export(model, path)
    _save_state(model, STATE_PATH)
    for label, value in scores(checking, onnx_reader(path)).items():
        was = f" (the network it went on from: {before[label]:.3f})" if label in before else ""
        print(f"held back, {label}: {value:.3f}{was}")


def evaluate(found: list) -> None:
    samples = prepared_samples(found)
    for label, value in scores(samples, onnx_reader(ONNX_PATH)).items():
        print(f"{label}: {value:.3f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="line_training", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("collect", "evaluate", "all"):
        command = sub.add_parser(name)
        command.add_argument("--pages", type=int, default=600, help="seeds per family")
        command.add_argument("--first-seed", type=int, default=None)
        command.add_argument("--jobs", type=int, default=2)
        command.add_argument("--out", type=Path, default=Path(".fax_lines/lines.pickle"))
        command.add_argument("--held-out", action="store_true", help="evaluate: the bench's held-out seeds")
        command.add_argument("--dotted-pages", type=int, default=0, help="more pages a family printed in dots")
        command.add_argument("--dotted-first-seed", type=int, default=DOTTED_FIRST_SEED, help="where they start")
    trainer = sub.add_parser("train")
    trainer.add_argument("found", type=Path)
    for command in (trainer, sub.choices["all"]):
        command.add_argument("--epochs", type=int, default=12)
        command.add_argument("--weights", type=Path, default=ONNX_PATH)
        command.add_argument("--start-from", type=Path, default=None, help="an ONNX network to go on from")
        command.add_argument("--learning-rate", type=float, default=LEARNING_RATE, help="the one-cycle peak")
    args = parser.parse_args(argv)
    if args.command == "train":
        train(pickle.loads(args.found.read_bytes()), args.epochs, args.weights, args.start_from, args.learning_rate)
        return
    held_out = args.command == "evaluate" and args.held_out
    first = args.first_seed or (mailroom.HELD_OUT_SEEDS.start if held_out else FIRST_SEED)
    started = time.time()
    found = collect(
        args.pages,
        first,
        args.jobs,
        held_out=held_out,
        dotted_pages=args.dotted_pages,
        dotted_first_seed=args.dotted_first_seed,
    )
    print(f"{len(found)} lines from seeds {first}-{first + args.pages - 1}, {time.time() - started:.0f} s wall")
    if args.command == "evaluate":
        evaluate(found)
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(pickle.dumps(found))
    if args.command == "all":
        train(found, args.epochs, args.weights, args.start_from, args.learning_rate)


if __name__ == "__main__":
    main(sys.argv[1:])
