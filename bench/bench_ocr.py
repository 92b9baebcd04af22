"""CMS-1500 scan reader: field accuracy per degradation profile, seconds per page, Lambda cost.

    PYTHONPATH=shared python bench/bench_ocr.py [--pages 8] [--repeat 3] [--json out.json]

1. Generates `--pages` claims per profile (seeded, so every run reads the same files), encodes them
   as a provider would send them (PDF, TIFF, JPEG), and reads each file end to end
   (`extract_bytes`: file in, claims out) with the process pinned to one core and
   OMP_THREAD_LIMIT=1. Each file is read `--repeat` times; the median counts (the machine is shared).
2. Scores every DHCS element the form carries against the values filled in (field accuracy), and
   checks the confidence: how many wrong values were flagged for verification, how many right ones.
3. Compares Tesseract with OMP_THREAD_LIMIT=1 and with its default threads (not pinned).
4. Prices 1,000 pages on Lambda from the measured seconds and peak memory, next to Textract.

Prints wall seconds (what a user waits; inflated when other processes share the core) and CPU
seconds (this process and its Tesseract children: what one idle core would take).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shared"))

from claims_intake import ocr
from claims_intake.extract import extract_bytes
from claims_intake_dev.testdata import scans

# What each profile is sent as: scanners make PDFs or JPEGs, fax servers TIFF G4.
PROFILE_FORMATS = {"clean": "pdf", "office": "pdf", "skewed": "jpeg", "photocopy": "pdf", "gray200": "jpeg",
                   "fax": "tiff", "upside_down": "pdf"}

# List prices, US East (N. Virginia), as published by AWS (lambda/pricing, textract/pricing) in 2025;
# not re-checked on the day of the run (no network on the bench machine).
LAMBDA_X86_GB_SECOND = 0.0000166667
LAMBDA_ARM_GB_SECOND = 0.0000133334
LAMBDA_REQUEST = 0.20 / 1_000_000
TEXTRACT_FORMS_PER_PAGE = 0.050  # AnalyzeDocument FORMS, first 1M pages a month ($0.040 beyond)
LAMBDA_FULL_VCPU_MB = 1769  # Lambda gives one full vCPU at 1,769 MB


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def peak_memory_mb(item: dict) -> tuple[float, float]:
    """Peak resident memory (MiB) of a fresh Python process reading one file, and of its Tesseract
    run (measured by GNU time around the tesseract binary, which a forked child's own rusage
    would overstate with the parent's pages)."""
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix="-" + item["name"]) as handle:
        handle.write(item["data"])
        handle.flush()
        probe = ("import resource,sys; sys.path.insert(0,'shared'); from claims_intake.extract import extract_file; "
                 "extract_file(sys.argv[1]); print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
        out = subprocess.run([sys.executable, "-c", probe, handle.name], capture_output=True, text=True, check=True,
                             cwd=Path(__file__).resolve().parents[1])
        python_mb = int(out.stdout.split()[-1]) / 1024
    tesseract_mb = float("nan")
    if Path("/usr/bin/time").exists():
        from claims_intake.ocr import recognize
        from claims_intake.ocr.register import register

        assert hasattr(recognize, "drop_out_source"), "claims_intake.ocr.recognize must be the module"

        page = scans.degrade(scans.render_pages(item["sample"])[0], item["profile"], seed=1)
        source, color = recognize.drop_out_source(page)
        slots = recognize.box_crops(recognize.PageWindow(source, register(page, page.width / 8.5)), color)
        frames = [recognize._frame(slot.image)[0] for slot in slots]
        with tempfile.NamedTemporaryFile(suffix=".tif") as tif:
            frames[0].save(tif.name, save_all=True, append_images=frames[1:], compression="tiff_lzw")
            timed = subprocess.run(["/usr/bin/time", "-f", "%M", "tesseract", tif.name, "-", "--psm", "7"],
                                   capture_output=True, text=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
            tesseract_mb = int(timed.stderr.strip().split()[-1]) / 1024
    return python_mb, tesseract_mb


def build_files(pages: int, profiles: list[str], seed: int) -> list[dict]:
    files = []
    for profile in profiles:
        for index in range(pages):
            number = seed + index
            sample = scans.sample_claim(number)
            data = scans.make_scan([sample], profile, PROFILE_FORMATS[profile], seed=number)
            files.append({"profile": profile, "sample": sample, "data": data,
                          "name": f"{profile}-{number}.{PROFILE_FORMATS[profile]}"})
    return files


def read_once(item: dict) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = extract_bytes(item["data"], item["name"])
    return time.perf_counter() - wall, cpu_seconds() - cpu, result


def score(item: dict, result, review: float) -> dict:
    output = result.claims[0].to_output() if result.claims else None
    right, total, wrong = scans.field_accuracy(item["sample"], output)
    flagged = set((output or {}).get("extras", {}).get("needs_verification", []))
    wrong_flagged = sum(1 for key in wrong if key in flagged)
    return {"right": right, "total": total, "wrong": wrong, "wrong_flagged": wrong_flagged,
            "right_flagged": len(flagged - set(wrong)), "errors": [e.code for e in result.errors]}


def measure(files: list[dict], repeat: int) -> None:
    review = ocr.ocr_settings()["review_confidence"]
    for number, item in enumerate(files, start=1):
        runs = [read_once(item) for _ in range(repeat)]
        print(f"  {number}/{len(files)} {item['name']}: {statistics.median(r[0] for r in runs):.2f} s", flush=True)
        item["wall"] = statistics.median(r[0] for r in runs)
        item["cpu"] = statistics.median(r[1] for r in runs)
        item["pages"] = runs[0][2].source.pages or 1
        item["score"] = score(item, runs[0][2], review)


def thread_comparison(files: list[dict], repeat: int) -> dict:
    """Seconds per page with OMP_THREAD_LIMIT=1 and with Tesseract's default threads (all cores)."""
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    original = ocr.thread_limit_env
    timings = {}
    try:
        for label in ("OMP_THREAD_LIMIT=1", "default threads"):
            if label == "default threads":
                os.environ.pop("OMP_THREAD_LIMIT", None)
                ocr.thread_limit_env = lambda: None
            else:
                os.environ["OMP_THREAD_LIMIT"] = "1"
            walls = []
            for item in files:
                walls.append(statistics.median(read_once(item)[0] for _ in range(repeat)) / (item.get("pages") or 1))
            timings[label] = statistics.median(walls)
    finally:
        ocr.thread_limit_env = original
        os.environ["OMP_THREAD_LIMIT"] = "1"
    return timings


def whole_page_comparison(item: dict, repeat: int) -> dict:
    """CPU seconds of Tesseract on a whole page (--psm 3, the usual way) as scanned and after red
    drop-out, against this reader's box frames: why the reader OCRs boxes, not pages."""
    import pytesseract

    from claims_intake.ocr import recognize
    from claims_intake.ocr.register import register

    page = scans.degrade(scans.render_pages(item["sample"])[0], "office", seed=1)
    dropped, color = recognize.drop_out_source(page)
    slots = recognize.box_crops(recognize.PageWindow(dropped, register(page, page.width / 8.5)), color)

    def child_cpu(run) -> float:
        samples = []
        for _ in range(repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            run()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            samples.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        return statistics.median(samples)

    return {
        "whole page, colour as scanned (psm 3)": child_cpu(lambda: pytesseract.image_to_string(page, config="--psm 3")),
        "whole page, red channel (psm 3)": child_cpu(lambda: pytesseract.image_to_string(dropped, config="--psm 3")),
        "filled boxes as frames (psm 7, this reader)": child_cpu(lambda: recognize.read_boxes(slots)),
    }


def fillable_seconds(repeat: int) -> float:
    data = scans.fill_form(scans.sample_claim(999).pages[0])
    return statistics.median(read_once({"data": data, "name": "fillable.pdf"})[0] for _ in range(max(repeat, 5)))


def lambda_cost(seconds_per_page: float, memory_mb: int, gb_second: float) -> float:
    """Dollars per 1,000 pages, one page per invocation (the worst case for request charges)."""
    return 1000 * (memory_mb / 1024 * seconds_per_page * gb_second + LAMBDA_REQUEST)


def report(files: list[dict], threads: dict, fillable: float, memory: tuple[float, float], args) -> dict:
    print(f"\nmachine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the end (other engineers' jobs share it)")
    print(f"files: {args.pages} per profile, each read {args.repeat}x (median), pinned to one core, OMP_THREAD_LIMIT=1\n")
    print(f"{'profile':<12} {'format':<6} {'fields':>7} {'accuracy':>9} {'wall s/page':>12} {'cpu s/page':>11} "
          f"{'wrong flagged':>14} {'right flagged':>14}")
    summary = {"profiles": {}}
    for profile in args.profiles:
        items = [f for f in files if f["profile"] == profile]
        right = sum(f["score"]["right"] for f in items)
        total = sum(f["score"]["total"] for f in items)
        wrong = total - right
        wall = statistics.median(f["wall"] / f["pages"] for f in items)
        cpu = statistics.median(f["cpu"] / f["pages"] for f in items)
        wrong_flagged = sum(f["score"]["wrong_flagged"] for f in items)
        right_flagged = sum(f["score"]["right_flagged"] for f in items)
        print(f"{profile:<12} {PROFILE_FORMATS[profile]:<6} {total:>7} {right / total:>9.2%} {wall:>12.2f} {cpu:>11.2f} "
              f"{wrong_flagged:>6}/{wrong:<7} {right_flagged:>6}/{right:<7}")
        summary["profiles"][profile] = {"fields": total, "right": right, "accuracy": right / total,
                                        "median_wall_s_per_page": wall, "median_cpu_s_per_page": cpu,
                                        "wrong_flagged": wrong_flagged, "wrong": wrong, "right_flagged": right_flagged,
                                        "misses": sorted({w.split(".")[-1] for f in items for w in f["score"]["wrong"]})}
    degraded = [p for p in args.profiles if p not in ("clean",)]
    all_wall = statistics.median(f["wall"] / f["pages"] for f in files)
    all_cpu = statistics.median(f["cpu"] / f["pages"] for f in files)
    deg_right = sum(summary["profiles"][p]["right"] for p in degraded)
    deg_total = sum(summary["profiles"][p]["fields"] for p in degraded)
    print(f"\nall degraded profiles: {deg_right / deg_total:.2%} of {deg_total} fields")
    print(f"median per page, all files: wall {all_wall:.2f} s, cpu {all_cpu:.2f} s (one core)")
    print(f"fillable PDF (fields, no OCR): {fillable:.3f} s per file")
    for label, seconds in threads.items():
        print(f"Tesseract {label:<20} median wall {seconds:.2f} s/page (all cores, not pinned)")
    own_mb, child_mb = memory
    lambda_mb = max(1024, int((own_mb + child_mb) * 1.25 // 64 + 1) * 64)  # both resident, 25% headroom
    print(f"peak memory: python reading one file {own_mb:.0f} MiB; tesseract {child_mb:.0f} MiB (runs after the page is read)")
    costs = {}
    for label, seconds in (("cpu (idle core)", all_cpu), ("wall (this shared machine)", all_wall)):
        for memory_mb in sorted({lambda_mb, LAMBDA_FULL_VCPU_MB}):
            # Below 1,769 MB Lambda gives a fraction of a vCPU: the time stretches in proportion.
            stretched = seconds * max(1.0, LAMBDA_FULL_VCPU_MB / memory_mb)
            x86 = lambda_cost(stretched, memory_mb, LAMBDA_X86_GB_SECOND)
            arm = lambda_cost(stretched, memory_mb, LAMBDA_ARM_GB_SECOND)
            costs[f"{label}, {memory_mb} MB"] = {"seconds": stretched, "x86": x86, "arm64": arm}
            print(f"Lambda {memory_mb} MB, {stretched:.2f} s/page from {label}: ${x86:.3f} (x86) / ${arm:.3f} (arm64) per 1,000 pages")
    print(f"Textract AnalyzeDocument (Forms): ${TEXTRACT_FORMS_PER_PAGE * 1000:.2f} per 1,000 pages "
          "(+ the same Lambda to call it and map its key-values to DHCS elements)")
    summary.update({"median_wall_s_per_page": all_wall, "median_cpu_s_per_page": all_cpu,
                    "degraded_accuracy": deg_right / deg_total, "fillable_s": fillable, "threads": threads,
                    "peak_memory_mib": {"python": own_mb, "tesseract": child_mb}, "lambda_cost_per_1000": costs,
                    "textract_forms_per_1000": TEXTRACT_FORMS_PER_PAGE * 1000})
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=8, help="claims (pages) per profile")
    parser.add_argument("--repeat", type=int, default=3, help="reads per file; the median counts")
    parser.add_argument("--profiles", default=",".join(PROFILE_FORMATS), type=lambda v: v.split(","))
    parser.add_argument("--seed", type=int, default=5000)
    parser.add_argument("--thread-pages", type=int, default=4, help="files for the OMP_THREAD_LIMIT comparison")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--whole-page-only", action="store_true", help="only compare whole-page and box OCR time")
    args = parser.parse_args()
    if args.whole_page_only:
        os.environ["OMP_THREAD_LIMIT"] = "1"
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        item = build_files(1, ["clean"], args.seed)[0]
        for label, seconds in whole_page_comparison(item, args.repeat).items():
            print(f"Tesseract CPU, {label}: {seconds:.2f} s")
        return

    files = build_files(args.pages, args.profiles, args.seed)
    print(f"generated {len(files)} files", flush=True)
    os.environ["OMP_THREAD_LIMIT"] = "1"
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    read_once(files[0])  # warm the caches (template masks, profiles) as a warm Lambda would have them
    measure(files, args.repeat)
    try:
        memory = peak_memory_mb(files[0])
    except Exception as error:  # the figures above must not be lost to the memory probe
        print(f"memory probe failed: {error!r}")
        memory = (float("nan"), float("nan"))
    fillable = fillable_seconds(args.repeat)
    threads = thread_comparison([f for f in files if f["profile"] in ("clean", "fax")][: args.thread_pages], args.repeat)
    summary = report(files, threads, fillable, memory, args)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1, default=str), "utf-8")


if __name__ == "__main__":
    main()
