"""Capacity: the largest file intake accepts, read and checked inside the intake Lambda's memory and time.

Two measurements, each in a fresh subprocess (its peak RSS is that file's, not the bench's):

1. The check's growth: `check_extract` on one file of N lines, for N = 10,000 and 100,000, first with
   the claims spread over many members, then with every claim for ONE member (the case that was
   quadratic: each claim re-read and re-scanned the member's growing history). The issue's bar: 100,000
   lines cost at most 12x the CPU time of 10,000.
2. The largest accepted spreadsheet: a CSV of `max_sheet_rows` rows (data/limits.yaml) through
   extract_bytes + check_extract, as intake runs it. The bar: peak RSS and CPU time at most half of the
   budget (1 GiB; the per-file budget `max_seconds_per_file`), i.e. a 2x margin.
   With --scan-pages N, also an N-page CMS-1500 scan PDF (OCR; needs tesseract) for the page limit.

Synthetic, fake data (bench/bench_check.py's members, plan and services). Prints CPU time (robust on a
shared machine), wall time and peak RSS.

    PYTHONPATH=shared:devkit nice python bench/bench_capacity.py [--scan-pages 4]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "shared"), str(ROOT / "devkit"), str(ROOT / "bench")]

MEMORY_BUDGET_MB = 1024  # the bar for any one file (the intake function has 3008 MB)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(kind: str, **options) -> dict:
    """One measurement in a fresh interpreter; its JSON answer."""
    command = [sys.executable, __file__, "--child", kind, "--options", json.dumps(options)]
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'shared'}:{ROOT / 'devkit'}:{ROOT / 'bench'}"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- children ----------------------------------------------------------------------------------

SHAPES = {
    "members": "4-line claims of 5,000 members",
    "one_member": "4-line claims of one member",
    "one_claim": "one invoice number: one claim",
}


def child_check(lines: int, shape: str) -> dict:
    from datetime import timedelta

    from bench_check import PLAN, RECEIVED, build_claims, build_reference

    from claims_intake.check import check_extract
    from claims_intake.model import ExtractResult, SourceInfo
    from claims_intake.reference import InMemoryHistory

    members = 5_000 if shape == "members" else 1
    claims = build_claims(lines // 4, members, random.Random(7))  # 4 lines a claim
    first = claims[0].lines[0].service_start_date.replace(day=1)
    for number, claim in enumerate(claims):
        day = first + timedelta(days=number % 300)
        for line in claim.lines:  # services spread over months (not all duplicates of each other)
            line.service_start_date = line.service_end_date = day
    if shape == "one_claim":  # every row under one invoice number: one claim of every line
        claims[0].lines = [line for claim in claims for line in claim.lines]
        for number, line in enumerate(claims[0].lines, start=1):
            line.line_number = number
        claims = claims[:1]
    result = ExtractResult(source=SourceInfo(file="bench.csv", kind="csv"), claims=claims)
    reference = build_reference(members)
    started, started_cpu = time.perf_counter(), time.process_time()
    checked = check_extract(result, PLAN, reference, InMemoryHistory(), received=RECEIVED)
    return {
        "lines": sum(len(c.lines) for c in claims),
        "claims": len(checked),
        "cpu": time.process_time() - started_cpu,
        "wall": time.perf_counter() - started,
        "rss_mb": peak_rss_mb(),
    }


def child_largest_sheet(rows: int, kind: str = "csv") -> dict:
    from bench_check import PLAN, RECEIVED, build_reference

    from claims_intake.check import check_extract
    from claims_intake.extract import extract_bytes
    from claims_intake.reference import InMemoryHistory
    from claims_intake_dev.testdata.invoices import invoice_bytes, sample_claims

    claims = sample_claims(count=(rows - 1) // 4, lines=4, seed=3)  # the header row counts too
    data = invoice_bytes(claims, "dhcs_template", kind)
    base_rss = peak_rss_mb()
    started, started_cpu = time.perf_counter(), time.process_time()
    result = extract_bytes(data, f"largest.{kind}")
    checked = check_extract(result, PLAN, build_reference(100), InMemoryHistory(), received=RECEIVED)
    return {
        "rows": sum(len(c.lines) for c in result.claims),
        "bytes": len(data),
        "claims": len(checked),
        "cpu": time.process_time() - started_cpu,
        "wall": time.perf_counter() - started,
        "rss_mb": peak_rss_mb(),
        "rss_before_mb": base_rss,
    }


def child_make_scan(pages: int, path: str) -> dict:
    """Write an N-page scan PDF (one filled CMS-1500 page per claim) for child_scan to read: made in a
    process of its own, so the pages drawn here do not count in the reader's peak memory."""
    import io

    from claims_intake_dev.testdata.scans import render_pages, sample_claim

    images = [render_pages(sample_claim(seed=seed, lines=6))[0] for seed in range(pages)]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=300.0, save_all=True, append_images=images[1:])
    Path(path).write_bytes(buffer.getvalue())
    return {"bytes": len(buffer.getvalue())}


def child_scan(path: str) -> dict:
    from claims_intake.extract import extract_bytes

    data = Path(path).read_bytes()
    started, started_cpu = time.perf_counter(), time.process_time()
    result = extract_bytes(data, "scan.pdf")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "pages": result.source.pages,
        "claims": len(result.claims),
        "bytes": len(data),
        "cpu": time.process_time() - started_cpu,
        "tesseract_cpu": children.ru_utime + children.ru_stime,
        "wall": time.perf_counter() - started,
        "rss_mb": peak_rss_mb(),
    }


CHILDREN = {"check": child_check, "sheet": child_largest_sheet, "make_scan": child_make_scan, "scan": child_scan}


# ---- report ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=sorted(CHILDREN))
    parser.add_argument("--options", default="{}")
    parser.add_argument("--scan-pages", type=int, default=0, help="also OCR a scan of this many pages")
    parser.add_argument("--small", type=int, default=10_000, help="lines of the small check run")
    parser.add_argument("--large", type=int, default=100_000, help="lines of the large check run")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](**json.loads(args.options))))
        return

    from claims_intake.limits import default_limits

    limits = default_limits()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()} "
        "(shared with other jobs: CPU time is the figure to compare)"
    )
    print("1. check growth (check_extract, one file):")
    for shape, who in SHAPES.items():
        small = run_child("check", lines=args.small, shape=shape)
        large = run_child("check", lines=args.large, shape=shape)
        print(
            f"   {who}: {small['lines']:>7,} lines {small['cpu']:6.2f} s CPU | {large['lines']:>7,} lines "
            f"{large['cpu']:6.2f} s CPU ({large['rss_mb']:.0f} MB)  ->  x{large['cpu'] / small['cpu']:.1f} "
            f"for x{large['lines'] / small['lines']:.0f} lines (bar: x12)"
        )
    rows = limits.max_sheet_rows
    print(f"2. largest accepted spreadsheet ({rows:,} rows, max_sheet_rows), read + checked:")
    for kind in ("csv", "xlsx"):
        sheet = run_child("sheet", rows=rows, kind=kind)
        print(
            f"   {kind}: {sheet['bytes'] / 1e6:.1f} MB, {sheet['claims']:,} claims, {sheet['cpu']:.1f} s CPU / "
            f"{sheet['wall']:.1f} s wall, peak RSS {sheet['rss_mb']:.0f} MB  ->  margin: memory "
            f"x{MEMORY_BUDGET_MB / sheet['rss_mb']:.1f} of {MEMORY_BUDGET_MB} MB, time "
            f"x{limits.max_seconds_per_file / sheet['wall']:.1f} of {limits.max_seconds_per_file} s (bar: x2)"
        )
    if args.scan_pages:
        with tempfile.TemporaryDirectory() as folder:
            path = str(Path(folder) / "scan.pdf")
            run_child("make_scan", pages=args.scan_pages, path=path)
            scan = run_child("scan", path=path)
        per_page = (scan["cpu"] + scan["tesseract_cpu"]) / scan["pages"]
        print(
            f"3. scan of {scan['pages']} pages ({scan['bytes'] / 1e6:.1f} MB): {scan['claims']} claims, "
            f"{scan['cpu']:.1f} s CPU + {scan['tesseract_cpu']:.1f} s Tesseract CPU ({per_page:.2f} s a page), "
            f"{scan['wall']:.1f} s wall, peak RSS {scan['rss_mb']:.0f} MB"
        )
        print(
            f"   at max_pdf_pages={limits.max_pdf_pages}: ~{per_page * limits.max_pdf_pages:.0f} s CPU "
            f"(budget {limits.max_seconds_per_file} s)"
        )


if __name__ == "__main__":
    main()
