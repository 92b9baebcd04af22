"""CMS-1500 scan reader on the HELD-OUT split: accuracy, silent errors and CPU per profile.

    nice .venv/bin/python bench/bench_ocr.py                      # every profile, 6 pages each
    nice .venv/bin/python bench/bench_ocr.py --pages 3 --profiles fax200,photo --json out.json

1. Builds the pages from seeds of `mailroom.HELD_OUT_SEEDS` (never looked at while tuning the reader):
   the classic scanner profiles of `scans.PROFILES` and the mailroom families of `mailroom`
   (black-and-white copies, 200 dpi and 204 x 98 dpi faxes, phone photos, 16-bit, 600 dpi, rotated
   PDFs), and the older form versions, which must be refused with `cms1500_old_version`.
2. Reads each file through `extract_bytes` (file in, claims out), pinned to one core with
   OMP_THREAD_LIMIT=1; CPU seconds are this process's and its Tesseract children's (robust to the
   machine being shared), wall seconds are what a user waits.
3. Scores every DHCS element the form carries: right, wrong-but-flagged (confidence below the review
   threshold or repaired with no check confirming it: staff verify it), and SILENT (a wrong value that nobody is
   told to check).
   A refused page scores its fields as not read (not silent). "records" is the silent share once the
   claim check has compared the scanned values with the plan's records (check.records: member file,
   provider roster, TARs), those records holding what the provider wrote (testdata.records).
4. Prints, beside each accuracy, the range 95% of page resamples fall in (`page_interval`): the pages
   of a profile differ far more than its fields (a dot-matrix fax page reads 70%, a solid one 99%),
   so a dozen pages carry a wide margin, which a field count would hide.
5. Runs plain `tesseract PAGE - ` (one thread, the usual whole-page way) on the same decoded page and
   prints the reader's CPU as a ratio of it.
"""

from __future__ import annotations

import argparse
import json
import os

# as the intake function runs (template.yaml): OpenBLAS's worker threads, started at numpy's import, spin
# on the other core after each small product and would be counted as the page's CPU
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shared"))

from claims_intake.check.records import NO_RECORDS, compare_with_records
from claims_intake.errors import IntakeError
from claims_intake.extract import extract_bytes
from claims_intake.model import Provenance
from claims_intake.ocr.calibration import review_threshold
from claims_intake_dev.testdata import mailroom, scans
from claims_intake_dev.testdata.records import matching_reference, received_after, scan_truth

CLASSIC = {"clean": "pdf", "office": "pdf", "photocopy": "pdf", "gray200": "jpeg", "fax": "tiff", "upside_down": "pdf"}
PROFILES = (*CLASSIC, *mailroom.FAMILIES)
REFUSALS = {"old_version": "cms1500_old_version"}
PLAN_BY_PAYER = {name: plan for plan, name in scans.PAYERS.items()}


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def build(profile: str, seed: int) -> dict:
    if profile in CLASSIC:
        sample = scans.sample_claim(seed)
        data = scans.make_scan([sample], profile, CLASSIC[profile], seed=seed)
        return {
            "profile": profile,
            "seed": seed,
            "sample": sample,
            "data": data,
            "name": f"{profile}-{seed}.{CLASSIC[profile]}",
        }
    case = mailroom.make_case(profile, seed)
    return {
        "profile": profile,
        "seed": seed,
        "sample": case.sample,
        "data": case.data,
        "name": case.filename,
        "expected_error": case.expected_error,
    }


def read(item: dict) -> tuple[float, float, object]:
    """Seconds and the reading; a file the intake refuses whole (IntakeError) reads no field."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    try:
        result = extract_bytes(item["data"], item["name"])
    except IntakeError as error:
        result = SimpleNamespace(claims=[], errors=[error], source=SimpleNamespace(pages=1))
    return time.perf_counter() - wall, cpu_seconds() - cpu, result


def flagged(provenance: dict | None, review: float) -> bool:
    """Staff are told to check it: confidence below the review threshold, or a repair no check confirmed
    (Provenance.needs_verification, what the verification list and the check go by)."""
    if not provenance:
        return True  # no provenance: not an OCR value the reader vouches for
    return Provenance.model_validate(provenance).needs_verification(review)


def records_check(claim, sample: scans.SampleClaim):
    """The claim check's comparison with the plan's records as the provider wrote the claim (member file,
    roster, TARs), the claim received a week after its last date."""
    plan = PLAN_BY_PAYER[sample.expected["elements"]["payer_name"]]
    truth = scan_truth(sample)
    return compare_with_records(claim, matching_reference([truth], plan), received_after([truth]))


def score(item: dict, result, review: float) -> dict:
    output = result.claims[0].to_output() if result.claims else None
    right, total, wrong = scans.field_accuracy(item["sample"], output)
    records = records_check(result.claims[0], item["sample"]) if result.claims else NO_RECORDS
    silent, silent_after_records = [], []
    if output:
        provenance = output.get("provenance", {})
        for key in wrong:
            element, line = _value_ref(key)
            if line is not None:
                lines = output["lines"]
                value = lines[line - 1].get(element) if line <= len(lines) else None
                source = provenance.get("lines", [])[line - 1].get(element) if line <= len(lines) else None
            else:
                value, source = output["elements"].get(key), provenance.get(key)
            if value not in (None, "", []) and not flagged(source, review):
                silent.append(key)
                if (element, line) not in records.doubtful:
                    silent_after_records.append(key)
    return {
        "right": right,
        "total": total,
        "wrong": wrong,
        "silent": silent,
        "silent_after_records": silent_after_records,
        "errors": [e.code for e in result.errors],
    }


def _value_ref(key: str) -> tuple[str, int | None]:
    """A scored field name (`member_cin`, `lines[2].service_start_date`) as the check's (element, line)."""
    if key.startswith("lines["):
        return key.split(".", 1)[1], int(key[6 : key.index("]")])
    return key, None


def plain_tesseract_cpu(item: dict) -> float | None:
    """CPU seconds of `tesseract PAGE -` (psm 3, one thread) on the file's first page as decoded."""
    from claims_intake.limits import default_limits
    from claims_intake.ocr.normalise import normalise
    from claims_intake.ocr.pages import image_pages, pdf_pages

    kind = item["name"].rsplit(".", 1)[1]
    kind = {"tif": "tiff", "jpg": "jpeg"}.get(kind, kind)
    pages = (
        pdf_pages(item["data"], item["name"], default_limits())
        if kind == "pdf"
        else image_pages(item["data"], item["name"], kind, default_limits())
    )
    page = next(iter(pages))
    image, dpi = normalise(page.image, page.dpi, page.vertical_dpi)
    with tempfile.NamedTemporaryFile(suffix=".png") as handle:
        image.save(handle.name, dpi=(dpi, dpi))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            ["tesseract", handle.name, "-", "--psm", "3"],
            capture_output=True,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            check=False,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


RESAMPLES = 2000


def page_interval(pages: list[tuple[int, int]], seed: int = 0) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of the share of fields right over page resamples with
    replacement (a bootstrap over pages, the unit the generator varies): (right, total) per page."""
    if not pages:
        return float("nan"), float("nan")
    draw = random.Random(seed)
    shares = []
    for _ in range(RESAMPLES):
        sample = draw.choices(pages, k=len(pages))
        total = sum(t for _, t in sample)
        shares.append(sum(r for r, _ in sample) / total if total else 0.0)
    shares.sort()
    return shares[int(0.025 * RESAMPLES)], shares[int(0.975 * RESAMPLES) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=6, help="files (one claim page each) per profile")
    parser.add_argument("--profiles", default=",".join(PROFILES), type=lambda v: v.split(","))
    parser.add_argument("--refusals", type=int, default=4, help="older-form files to check are refused")
    parser.add_argument("--first-seed", type=int, default=mailroom.HELD_OUT_SEEDS.start)
    parser.add_argument("--tesseract-pages", type=int, default=1, help="pages per profile timed with plain tesseract")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.first_seed not in mailroom.HELD_OUT_SEEDS:
        print(f"note: seed {args.first_seed} is outside the held-out split (a tuning run)")
    os.environ["OMP_THREAD_LIMIT"] = "1"
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    review = review_threshold()  # the check's one threshold, on calibrated confidences
    # warm the caches as a warm Lambda has them: a colour page and a grey one (the form masks)
    read(build("clean", args.first_seed))
    read(build("gray200", args.first_seed))

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, shared with other jobs; one core pinned, "
        f"OMP_THREAD_LIMIT=1; seeds {args.first_seed}.. (held-out split)\n"
    )
    header = (
        f"{'profile':<13} {'files':>5} {'fields':>6} {'right':>7} {'95% of resamples':>16} {'silent':>7} {'records':>7} {'cpu s/pg':>8} "
        f"{'wall s/pg':>9} "
        f"{'tess cpu':>8} {'ratio':>6}  refusals"
    )
    print(header)
    summary = {}
    for profile in args.profiles:
        items = [build(profile, args.first_seed + index) for index in range(args.pages)]
        right = total = silent = silent_after_records = 0
        cpus, walls, refusals, misses, per_page = [], [], [], [], []
        for item in items:
            wall, cpu, result = read(item)
            pages = result.source.pages or 1
            cpus.append(cpu / pages)
            walls.append(wall / pages)
            scored = score(item, result, review)
            right, total, silent = right + scored["right"], total + scored["total"], silent + len(scored["silent"])
            per_page.append((scored["right"], scored["total"]))
            silent_after_records += len(scored["silent_after_records"])
            refusals += scored["errors"]
            misses += [w.split(".")[-1] for w in scored["wrong"]]
        tesseract = [plain_tesseract_cpu(item) for item in items[: args.tesseract_pages]]
        tess = statistics.median(tesseract) if tesseract else float("nan")
        cpu = statistics.median(cpus)
        low, high = page_interval(per_page)
        print(
            f"{profile:<13} {len(items):>5} {total:>6} {right / total:>7.1%} {f'{low:.1%}-{high:.1%}':>16} "
            f"{silent / total:>7.2%} "
            f"{silent_after_records / total:>7.2%} {cpu:>8.2f} "
            f"{statistics.median(walls):>9.2f} {tess:>8.2f} {cpu / tess:>6.2f}  {','.join(sorted(set(refusals))) or '-'}",
            flush=True,
        )
        summary[profile] = {
            "files": len(items),
            "fields": total,
            "right": right,
            "accuracy": right / total,
            "accuracy_95_of_page_resamples": [low, high],
            "silent": silent,
            "silent_share": silent / total,
            "silent_after_records": silent_after_records,
            "silent_after_records_share": silent_after_records / total,
            "cpu_s_per_page": cpu,
            "wall_s_per_page": statistics.median(walls),
            "tesseract_cpu_s": tess,
            "refusals": refusals,
            "misses": sorted(set(misses)),
        }
    refused = []
    for index in range(args.refusals):
        item = build("old_version", args.first_seed + index)
        result = read(item)[2]
        refused.append([e.code for e in result.errors] == [item["expected_error"]] and not result.claims)
    if refused:
        print(f"\nolder form versions refused with cms1500_old_version: {sum(refused)}/{len(refused)}")
    summary["old_version_refused"] = f"{sum(refused)}/{len(refused)}"
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1, default=str), "utf-8")


if __name__ == "__main__":
    main()
