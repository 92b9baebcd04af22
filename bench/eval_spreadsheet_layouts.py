"""Accuracy of the spreadsheet reader on generated invoice layouts: tuning split, or the held-out split.

    PYTHONPATH=shared python bench/eval_spreadsheet_layouts.py [--split held-out|tuning] [--seeds N]

Each seed is one workbook drawn by claims_intake_dev.testdata.invoice_layouts (header words, orders, title
blocks, two-row headers, formats). A field is one element of one claim or line that the workbook holds; it
is right when the reader's value equals the truth. "Lost" counts required values left unread while the
column holding them was left unplaced. Only the held-out figure is reported in docs/spreadsheet.md; its
misses are not printed (they are never looked at while tuning the reader).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shared"))

from claims_intake_dev.testdata.invoice_layouts import HELD_OUT_SEEDS, TUNING_SEEDS, evaluate, random_workbook


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["held-out", "tuning"], default="held-out")
    parser.add_argument("--seeds", type=int, help="the first N seeds of the split (default: all)")
    args = parser.parse_args()
    seeds = HELD_OUT_SEEDS if args.split == "held-out" else TUNING_SEEDS
    seeds = seeds[: args.seeds] if args.seeds else seeds
    started = time.process_time()
    total, per_seed = evaluate(seeds)
    held = _held_for_review(seeds)
    perfect = sum(score.right == score.fields for score in per_seed.values())
    print(
        f"{args.split} split: {len(per_seed)} workbooks, {total.fields:,} fields, {total.right:,} right "
        f"({total.accuracy:.4%}); workbooks read perfectly: {perfect}/{len(per_seed)}; "
        f"required values lost to an unplaced column: {total.lost_to_unplaced}; "
        f"lines read that the workbooks do not hold: {total.extra_lines}; "
        f"workbooks a first upload would send to mapping review: {held}/{len(per_seed)}; "
        f"{time.process_time() - started:.1f} s CPU"
    )
    if args.split == "tuning":
        for seed, score in per_seed.items():
            for miss in score.misses[:3]:
                print(f"  seed {seed}: {miss}")
    return 0


def _held_for_review(seeds) -> int:
    from claims_intake.extract import IntakeError, extract_bytes

    held = 0
    for seed in seeds:
        workbook = random_workbook(seed)
        try:
            sheets = extract_bytes(workbook.data, workbook.filename).source.column_map.get("sheets", {})
        except IntakeError:
            continue
        held += any("review" in report for report in sheets.values())
    return held


if __name__ == "__main__":
    sys.exit(main())
