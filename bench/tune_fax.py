"""Where the fax reader loses fields, on TUNING seeds only (never `mailroom.HELD_OUT_SEEDS`).

    nice .venv/bin/python bench/tune_fax.py --profiles fax200,fax_standard --pages 12
    nice .venv/bin/python bench/tune_fax.py --profiles fax200,rotated_pdf --pages 8 --dotted-only
    nice .venv/bin/python bench/tune_fax.py --profiles fax200,fax_standard --pages 24 --ink

Reads each generated fax through `extract_bytes` and tallies, per box kind (dates, amounts, NPIs,
codes, names, ...) and per print style of the generator (font, dot-matrix, black-printed form,
resolution), how many fields are right, wrong but flagged for staff, and silently wrong. The pages
are cached under --cache so repeated runs while trying a lever only pay for the reading. With --ink,
each page also says what share of its typing's ink the page kept (`ink_kept`): how legible it still is.
"""

from __future__ import annotations

import argparse
import io
import pickle
import sys
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shared"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ocr import CLASSIC, flagged

from claims_intake.extract import extract_bytes
from claims_intake.ocr.calibration import review_threshold
from claims_intake_dev.testdata import mailroom, scans

KINDS = {
    "address": ("city", "zip", "state", "address"),
    "date": ("date", "dob", "birth"),
    "amount": ("charge", "amount", "paid", "total"),
    "npi": ("npi",),
    "code": ("procedure", "modifier", "diagnos", "icd", "place", "pos"),
    "units": ("unit",),
    "name": ("name",),
    "id": ("cin", "member_id", "tax", "tin", "ein", "ssn"),
}


def kind_of(element: str) -> str:
    element = element.lower()
    for kind, parts in KINDS.items():
        if any(part in element for part in parts):
            return kind
    return "other"


def style_of(family: str, seed: int) -> dict:
    """The generator's print style for this case, as `mailroom.make_case` draws it."""
    if family in CLASSIC:  # the classic scanner profiles print one way: Helvetica, solid
        return {"font": "classic", "flush": False, "dots": False, "black_form": False}
    style = mailroom.print_style(family, seed)
    return {"font": style.font, "flush": style.flush_amounts, "dots": style.dot_matrix, "black_form": style.black_form}


def case(profile: str, seed: int, cache: Path):
    path = cache / f"{profile}-{seed}.pickle"
    if path.exists():
        return pickle.loads(path.read_bytes())
    if seed in mailroom.HELD_OUT_SEEDS:
        raise SystemExit("tuning seeds only")
    if profile in CLASSIC:
        sample = scans.sample_claim(seed)
        data = scans.make_scan([sample], profile, CLASSIC[profile], seed=seed)
        built = mailroom.Case(profile, seed, sample, data, f"{profile}-{seed}.{CLASSIC[profile]}")
    else:
        built = mailroom.make_case(profile, seed)
    path.write_bytes(pickle.dumps(built))
    return built


def element_values(output: dict | None, key: str):
    if not output:
        return None, None
    provenance = output.get("provenance", {})
    if key.startswith("lines["):
        index, element = int(key[6 : key.index("]")]) - 1, key.split(".", 1)[1]
        lines = output["lines"]
        if index >= len(lines):
            return None, None
        return lines[index].get(element), provenance.get("lines", [])[index].get(element)
    return output["elements"].get(key), provenance.get(key)


def expected_value(sample, key: str):
    if key.startswith("lines["):
        index, element = int(key[6 : key.index("]")]) - 1, key.split(".", 1)[1]
        return sample.expected["lines"][index].get(element)
    return sample.expected["elements"].get(key)


def ink_kept(built, profile: str, seed: int) -> float | None:
    """The share of the typing's solid glyphs (the claim typed in the page's font, no dots, placed where the
    generator put the form: `Case.template_to_page`) that are ink on the stored page: a measure of what is
    left to read, whatever reads it. None for a page without its placement or not stored as an image file
    upright (a PDF, the rotated PDFs)."""
    if built.template_to_page is None or profile == "rotated_pdf" or built.data[:4] == b"%PDF":
        return None
    style = replace(mailroom.print_style(profile, seed), dot_matrix=False, black_form=False)
    filled = np.asarray(mailroom.render(built.sample.pages[0], style, 300).convert("L"), np.float32)
    blank = np.asarray(mailroom.render({}, style, 300).convert("L"), np.float32)
    typing = ((blank - filled) > 100).astype(np.float32)
    page = np.asarray(Image.open(io.BytesIO(built.data)).convert("L"))
    # template points -> 300-dpi pixels, and pixel centres at +0.5 in the placement's continuous coordinates
    centre = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
    to_page = np.linalg.inv(centre) @ built.template_to_page @ np.diag([72 / 300, 72 / 300, 1.0]) @ centre
    size = (page.shape[1], page.shape[0])
    footprint = cv2.warpPerspective(typing, to_page, size, flags=cv2.INTER_AREA) > 0.5
    return float(((page < 128) & footprint).sum() / max(footprint.sum(), 1))


def seeds_of(profile: str, first: int, pages: int, dotted_only: bool) -> list[int]:
    """`pages` seeds from `first`: every one, or only those the generator prints dot-matrix."""
    seeds, seed = [], first
    while len(seeds) < pages:
        if not dotted_only or style_of(profile, seed)["dots"]:
            seeds.append(seed)
        seed += 1
    return seeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", default="fax200,fax_standard", type=lambda v: v.split(","))
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--first-seed", type=int, default=5000)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/ocrfax-cases"))
    parser.add_argument("--show", action="store_true", help="print every wrong value")
    parser.add_argument(
        "--repairs", action="store_true", help="tally every repaired value: right or wrong, confirmed or not"
    )
    parser.add_argument("--dotted-only", action="store_true", help="only pages printed dot-matrix (--pages of them)")
    parser.add_argument("--ink", action="store_true", help="print the share of each page's typing ink the page kept")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    review = review_threshold()
    for profile in args.profiles:
        tallies: dict[str, Counter] = defaultdict(Counter)
        repairs: Counter = Counter()
        for seed in seeds_of(profile, args.first_seed, args.pages, args.dotted_only):
            if seed not in mailroom.TUNING_SEEDS:
                raise SystemExit("tuning seeds only")
            built = case(profile, seed, args.cache)
            style = style_of(profile, seed)
            result = extract_bytes(built.data, built.filename)
            output = result.claims[0].to_output() if result.claims else None
            right, total, wrong = scans.field_accuracy(built.sample, output)
            labels = [f"font={style['font']}", f"dots={style['dots']}", f"black_form={style['black_form']}"]
            labels.append(f"flush={style['flush']}")
            wrong_set = set(wrong)
            keys = [k for k, v in built.sample.expected["elements"].items() if v is not None]
            keys += [f"lines[{i + 1}].{k}" for i, line in enumerate(built.sample.expected["lines"]) for k in line]
            for key in keys:
                element = key.split(".", 1)[1] if key.startswith("lines[") else key
                verdict = "right"
                if key in wrong_set:
                    value, source = element_values(output, key)
                    silent = value not in (None, "", []) and not flagged(source, review)
                    verdict = "silent" if silent else "flagged"
                    if args.show:
                        print(
                            f"  {profile} {seed} {style['font']} dots={style['dots']} {key}: "
                            f"{expected_value(built.sample, key)!r} -> {value!r} "
                            f"conf={(source or {}).get('confidence')} raw={(source or {}).get('raw')!r} "
                            f"rep={(source or {}).get('repaired')!r}"
                            f"{' SILENT' if verdict == 'silent' else ''}"
                        )
                for label in (f"kind={kind_of(element)}", *labels, "all"):
                    tallies[label][verdict] += 1
                _, source = element_values(output, key)
                if args.repairs and source and source.get("repaired"):
                    confirmed = "confirmed by" in source["repaired"]
                    repairs[(kind_of(element), confirmed, verdict == "right")] += 1
                    if verdict != "right":
                        print(f"  wrong repair {profile} {seed} {key}: {source['repaired']!r}")
            share = ink_kept(built, profile, seed) if args.ink else None
            kept = f" ink kept {share:.2f}" if share is not None else ""
            print(f"{profile} {seed}: {right}/{total} {[e.code for e in result.errors]}{kept}", flush=True)
        for (kind, confirmed, right), count in sorted(repairs.items()):
            state = "confirmed" if confirmed else "for staff"
            print(f"{profile}: repairs kind={kind:<7} {state:<10} {'right' if right else 'wrong':<6} {count:>4}")
        print(f"\n{profile}: {'group':<20} {'fields':>6} {'right':>7} {'flagged':>8} {'silent':>7}")
        for label in sorted(tallies):
            t = tallies[label]
            n = sum(t.values())
            print(
                f"{profile}: {label:<20} {n:>6} {t['right'] / n:>7.1%} {t['flagged'] / n:>8.1%} {t['silent'] / n:>7.2%}"
            )


if __name__ == "__main__":
    main()
