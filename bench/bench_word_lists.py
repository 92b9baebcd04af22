"""What the word lists do to names and addresses no list knows: faxes whose free-text boxes hold made-up words.

    nice python bench/bench_word_lists.py [--pages 40] [--seed 900000] [--families fax200,fax_standard]

The word lists (cms1500.words, ocr.lines.with_known_words and _judged_by_words) replace a fax reader's word that no
list knows with a known word near it when the evidence allows. The mailroom generator's names and streets are
mostly English words, so the tuning pages cannot show what the lists do to a provider called MBEKI or a street
called TRUXTUN. Here each free-text box holds, with the line trainer's odds, random text of about its length
(`line_training.randomised_case`: made-up pronounceable words, random letters, numbers, account-number shapes), on
HELD-OUT seeds (a measurement, not training). Each page is read twice, with the word lists and without them, and
each name or address box the lists may touch (`lines.WORD_BOXES`) is compared, as the readers leave it, with what
was printed: boxes right without the lists and wrong with them (made wrong), and the reverse (mended), for boxes
holding random text and boxes holding the generator's own text.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shared"))

from claims_intake.extract import extract_bytes
from claims_intake.ocr import lines
from claims_intake_dev.line_training import randomised_case
from claims_intake_dev.testdata import mailroom


def box_readings(data: bytes, filename: str, word_lists: bool) -> dict[str, str]:
    """The readers' final text of each WORD_BOXES box of the page (after the line recogniser was weighed)."""
    seen: dict[str, str] = {}
    weigh, known, judged = lines.weigh, lines.with_known_words, lines._judged_by_words

    def recording(field, current, mine, take_over=lines.TAKE_OVER):
        out = weigh(field, current, mine, take_over)
        if field in lines.WORD_BOXES:
            final = out if out is not None else current
            seen[field] = " ".join((final.text if final is not None else "").upper().split())
        return out

    lines.weigh = recording
    if not word_lists:
        lines.with_known_words = lambda mine: mine
        lines._judged_by_words = lambda field, current, mine: None
    try:
        extract_bytes(data, filename)
    finally:
        lines.weigh, lines.with_known_words, lines._judged_by_words = weigh, known, judged
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=40, help="pages a family")
    parser.add_argument("--seed", type=int, default=mailroom.HELD_OUT_SEEDS.start)
    parser.add_argument("--families", default="fax200,fax_standard", type=lambda v: v.split(","))
    parser.add_argument("--show", action="store_true", help="print each box the lists made wrong or mended")
    args = parser.parse_args()
    started = time.process_time()
    for family in args.families:
        tally: Counter = Counter()
        for seed in range(args.seed, args.seed + args.pages):
            case = randomised_case(family, seed)
            printed = case.sample.pages[0]
            without = box_readings(case.data, case.filename, word_lists=False)
            with_lists = box_readings(case.data, case.filename, word_lists=True)
            for field in sorted(set(without) | set(with_lists)):
                truth = " ".join(printed.get(field, "").upper().split())
                kind = "random" if field in case.sample.randomised else "generator"
                before, after = without.get(field) == truth, with_lists.get(field) == truth
                tally[(kind, "boxes")] += 1
                tally[(kind, "right without")] += before
                tally[(kind, "right with")] += after
                tally[(kind, "made wrong")] += before and not after
                tally[(kind, "mended")] += after and not before
                if args.show and before != after:
                    change = "mended" if after else "made wrong"
                    print(
                        f"  {family} {seed} {field} {kind}: {change}: {without.get(field)!r} -> {with_lists.get(field)!r}"
                    )
        for kind in ("random", "generator"):
            row = {
                name: tally[(kind, name)] for name in ("boxes", "right without", "right with", "made wrong", "mended")
            }
            print(f"{family:<13} {kind:<9} " + "  ".join(f"{name} {value}" for name, value in row.items()), flush=True)
    print(f"CPU {time.process_time() - started:.0f} s")


if __name__ == "__main__":
    main()
