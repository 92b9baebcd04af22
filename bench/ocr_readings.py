"""Dump every value the scan reader gives for generated TUNING pages, to compare two versions of the reader.

    nice .venv/bin/python bench/ocr_readings.py --out before.json            # on the old code
    nice .venv/bin/python bench/ocr_readings.py --out after.json --diff before.json

Each file's claims are written whole (elements, lines, provenance with confidences) with its errors,
and the CPU seconds it took (this process's and its children's). `--diff` lists every field whose value
or confidence changed and counts, per file, the fields the generator's answer scores right before and
after (a speed change must leave every reading identical or better). Seeds are from the tuning split.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ocr import build

from claims_intake.errors import IntakeError
from claims_intake.extract import extract_bytes
from claims_intake_dev.testdata import mailroom, scans

# The claim id is a hash of the file's bytes, and a generated PDF carries its creation time: not a reading.
VARYING = ("claim_id",)
PROFILES = ("clean", "office", "gray200", "fax", "bw_copy", "fax200", "fax_standard", "photo", "deep16", "dpi600")


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def flatten(value, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flatten(item, f"{prefix}{key}.").items()}
    if isinstance(value, list):
        return {k: v for index, item in enumerate(value) for k, v in flatten(item, f"{prefix}{index}.").items()}
    return {prefix.rstrip("."): value}


def dump(profiles: list[str], pages: int, first_seed: int) -> dict[str, dict]:
    out = {}
    for profile in profiles:
        for index in range(pages):
            item = build(profile, first_seed + index)
            before = cpu_seconds()
            try:
                result = extract_bytes(item["data"], item["name"])
            except IntakeError as error:  # refused before reading (a generated file over the size limit)
                out[item["name"]] = {"claims": [], "errors": [error.code], "right": 0, "total": 0, "cpu": 0.0}
                print(f"{item['name']:<32} refused: {error.code}", flush=True)
                continue
            cpu = cpu_seconds() - before
            outputs = [claim.to_output() for claim in result.claims]
            right, total, _ = scans.field_accuracy(item["sample"], outputs[0] if outputs else None)
            out[item["name"]] = {
                "claims": outputs,
                "errors": [e.code for e in result.errors],
                "right": right,
                "total": total,
                "cpu": cpu,
            }
            print(f"{item['name']:<32} right {right}/{total} cpu {cpu:.2f} s", flush=True)
    return out


def diff(before: dict[str, dict], after: dict[str, dict]) -> None:
    changed = better = worse = 0
    for name, old in before.items():
        new = after.get(name)
        if new is None:
            continue
        a, b = flatten({"c": old["claims"], "e": old["errors"]}), flatten({"c": new["claims"], "e": new["errors"]})
        keys = sorted(set(a) | set(b))
        moved = [k for k in keys if a.get(k) != b.get(k) and not k.endswith(VARYING)]
        changed += bool(moved)
        better += new["right"] > old["right"]
        worse += new["right"] < old["right"]
        for key in moved:
            print(f"  {name}: {key}: {a.get(key)!r} -> {b.get(key)!r}")
        print(f"{name:<32} right {old['right']}->{new['right']}/{new['total']}  cpu {old['cpu']:.2f}->{new['cpu']:.2f}")
    cpu_old = sorted(v["cpu"] for v in before.values())
    cpu_new = sorted(v["cpu"] for v in after.values())
    print(
        f"\n{len(before)} files: {changed} with any field changed, {better} read better, {worse} worse; "
        f"median CPU {cpu_old[len(cpu_old) // 2]:.2f} -> {cpu_new[len(cpu_new) // 2]:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", default=",".join(PROFILES), type=lambda v: v.split(","))
    parser.add_argument("--pages", type=int, default=2)
    parser.add_argument("--first-seed", type=int, default=5000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--diff", type=Path, help="an earlier dump to compare with")
    parser.add_argument("--no-read", action="store_true", help="compare --out with --diff without reading again")
    args = parser.parse_args()
    assert args.first_seed in mailroom.TUNING_SEEDS, "tuning seeds only: the held-out split is for the bench"
    os.environ["OMP_THREAD_LIMIT"] = "1"
    if args.no_read:
        result = json.loads(args.out.read_text("utf-8"))
    else:
        result = dump(args.profiles, args.pages, args.first_seed)
        args.out.write_text(json.dumps(result, indent=1, default=str), "utf-8")
    if args.diff:
        diff(json.loads(args.diff.read_text("utf-8")), result)


if __name__ == "__main__":
    main()
