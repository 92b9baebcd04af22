"""Where a scanned page's CPU goes, stage by stage, per profile, on TUNING pages.

    nice .venv/bin/python bench/profile_ocr.py                          # every profile, 3 pages each
    nice .venv/bin/python bench/profile_ocr.py --profiles deep16,dpi600 --cprofile deep.prof

Each stage of `read_scan` is wrapped with a CPU timer (this process's CPU: Tesseract runs in it,
through the loaded model), the stages' medians per page are printed per profile, and `--cprofile`
writes a cProfile of every read for a closer look (`python -m pstats FILE`). Timers are inclusive:
`slots` holds `dropout`, `crops` and `labels`; `ocr` holds every Tesseract run (`frames`: how many
frames a page sent). Pinned to one core with OMP_THREAD_LIMIT=1, as bench_ocr.py is.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ocr import PROFILES, build

from claims_intake.errors import IntakeError
from claims_intake.extract import extract_bytes
from claims_intake.ocr import recognize, scan
from claims_intake_dev.testdata import mailroom

STAGES: dict[str, float] = defaultdict(float)
FRAMES = [0]


def timed(module, name: str, stage: str, generator: bool = False) -> None:
    original = getattr(module, name)

    if generator:

        def wrapper(*args, **kwargs):
            iterator = original(*args, **kwargs)
            while True:
                start = time.process_time()
                try:
                    item = next(iterator)
                except StopIteration:
                    STAGES[stage] += time.process_time() - start
                    return
                STAGES[stage] += time.process_time() - start
                yield item

    else:

        def wrapper(*args, **kwargs):
            start = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                STAGES[stage] += time.process_time() - start

    setattr(module, name, wrapper)


def count_frames() -> None:
    original = recognize._tesseract

    def wrapper(frames, config):
        FRAMES[0] += len(frames)
        return original(frames, config)

    recognize._tesseract = wrapper


def instrument() -> None:
    timed(scan, "pdf_pages", "decode", generator=True)
    timed(scan, "image_pages", "decode", generator=True)
    timed(scan, "normalise", "normalise")
    timed(scan, "register_page", "register")
    timed(scan, "reading_slots", "slots")
    timed(recognize, "drop_out_source", "dropout")
    timed(recognize, "faint_typing_darkened", "faint")
    timed(recognize, "box_crops", "crops")
    timed(recognize, "version_slots", "labels")
    timed(scan, "read_prepared", "ocr+")
    timed(recognize, "_frame", "frame")
    count_frames()
    timed(recognize, "_tesseract", "tesseract")
    timed(scan, "claims_from_pages", "parse")
    timed(scan, "calibrate_claims", "calibrate")


COLUMNS = (
    "total",
    "decode",
    "normalise",
    "register",
    "slots",
    "dropout",
    "faint",
    "crops",
    "labels",
    "frame",
    "tesseract",
    "ocr+",
    "parse",
    "calibrate",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--profiles", default=",".join(PROFILES), type=lambda v: v.split(","))
    parser.add_argument("--first-seed", type=int, default=5000)
    parser.add_argument("--cprofile", type=Path, help="write a cProfile of every read here")
    args = parser.parse_args()
    assert args.first_seed in mailroom.TUNING_SEEDS, "tuning seeds only: the held-out split is for the bench"
    os.environ["OMP_THREAD_LIMIT"] = "1"
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    instrument()
    for warm in ("clean", "gray200"):
        item = build(warm, args.first_seed)
        extract_bytes(item["data"], item["name"])
    profiler = cProfile.Profile(time.process_time) if args.cprofile else None
    print(f"{'profile':<13}" + "".join(f"{c:>10}" for c in COLUMNS) + f"{'frames':>8}")
    for profile in args.profiles:
        rows = defaultdict(list)
        for index in range(args.pages):
            item = build(profile, args.first_seed + index)
            STAGES.clear()
            FRAMES[0] = 0
            start = time.process_time()
            if profiler:
                profiler.enable()
            try:
                result = extract_bytes(item["data"], item["name"])
            except IntakeError:  # a generated file over the size limit: not a page read
                continue
            finally:
                if profiler:
                    profiler.disable()
            pages = result.source.pages or 1
            rows["total"].append((time.process_time() - start) / pages)
            for column in COLUMNS[1:]:
                rows[column].append(STAGES[column] / pages)
            rows["frames"].append(FRAMES[0] / pages)
        if not rows["total"]:
            continue
        print(
            f"{profile:<13}"
            + "".join(f"{statistics.median(rows[c]):>10.3f}" for c in COLUMNS)
            + f"{statistics.median(rows['frames']):>8.0f}",
            flush=True,
        )
    if profiler:
        profiler.dump_stats(args.cprofile)


if __name__ == "__main__":
    main()
