"""Encounter throughput: decided claims -> 837P, encounters per second on one core (CPU time).

Synthetic, fake data: CLAIMS decided claims from the encounter generator (claims_intake_dev.testdata.decided:
every plan, 1-6 lines, denied and reduced lines, hostile text). Timed, each REPEAT times: building the
encounters (`build_encounter`), writing the interchange (`write_encounters`), and the encounter checks on the
written text (`check_encounter_file`), which the scheduled job and the CLI run before writing. pyx12 is timed
once on a sample of SAMPLE claims (it validates in the tests, not in production). Prints best and median CPU
and wall time; see docs/encounters.md.

    python bench/bench_encounters.py [--claims 10000] [--repeat 3] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "shared"), str(ROOT / "devkit")]

from claims_intake.encounters import (
    NotEncodable,
    build_encounter,
    check_encounter_file,
    check_remittance_file,
    write_encounters,
    write_remittances,
)
from claims_intake_dev.testdata.decided import decided_results

TARGET_PER_SECOND = 2000
SAMPLE = 500


class Numbers:
    def __init__(self):
        self.last = 0

    def take(self, count):
        self.last += count
        return list(range(self.last - count + 1, self.last + 1))


def run_once(results):
    """(encoded, held, text, build+write cpu, build+write wall, checks cpu)."""
    cpu, wall = time.process_time(), time.perf_counter()
    encounters, held = [], 0
    for result in results:
        try:
            encounters.append(build_encounter(result, decided_on=date(2026, 11, 2)))
        except NotEncodable:
            held += 1
    written = write_encounters(encounters, Numbers(), created=datetime(2026, 11, 2, 9, 0))
    build_cpu, build_wall = time.process_time() - cpu, time.perf_counter() - wall
    cpu = time.process_time()
    problems = check_encounter_file(written.text)
    if problems:
        raise SystemExit(f"the encounter checks failed: {problems[:3]}")
    return len(encounters), held, written.text, build_cpu, build_wall, time.process_time() - cpu


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    results = decided_results(args.claims, args.seed)
    build_encounter(results[0], decided_on=date(2026, 11, 2)) if results[0].claim.member_address else None  # warm
    runs = [run_once(results) for _ in range(args.repeat)]
    encoded, held, text = runs[0][:3]
    build_cpu = [r[3] for r in runs]
    build_wall = [r[4] for r in runs]
    checks_cpu = [r[5] for r in runs]
    per_second = args.claims / min(build_cpu)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()} "
        "(shared with other jobs: CPU time is the figure to read)"
    )
    print(
        f"{args.claims} decided claims: {encoded} encounters, {held} held or with nothing to report; "
        f"{text.count('LX*')} service lines, {len(text) / 1e6:.1f} MB of X12"
    )
    print(
        f"build + write: CPU best {min(build_cpu):.2f} s, median {statistics.median(build_cpu):.2f} s; "
        f"wall best {min(build_wall):.2f} s"
    )
    print(f"encounter checks: CPU best {min(checks_cpu):.2f} s")
    print(
        f"encounters/s (claims in / CPU s, build + write, one core): {per_second:,.0f} "
        f"(target {TARGET_PER_SECOND:,}: {'met' if per_second >= TARGET_PER_SECOND else 'NOT met'}); "
        f"encounters written / CPU s: {encoded / min(build_cpu):,.0f}"
    )
    with_checks = args.claims / (min(build_cpu) + min(checks_cpu))
    print(f"encounters/s with the encounter checks (what the job and the CLI do): {with_checks:,.0f}")
    _time_remittances(results)
    _time_pyx12(results[:SAMPLE])
    return 0 if per_second >= TARGET_PER_SECOND else 1


def _time_remittances(results) -> None:
    cpu = time.process_time()
    files, _ = write_remittances(results, Numbers(), paid_on=date(2026, 11, 25), created=datetime(2026, 11, 25, 8))
    problems = [p for remittance in files for p in check_remittance_file(remittance.text)]
    spent = time.process_time() - cpu
    print(
        f"835 remittance advice: {len(files)} files (one per provider and plan) for {len(results)} claims, "
        f"{len(problems)} balancing problems, CPU {spent:.2f} s ({len(results) / spent:,.0f} claims/s, with checks)"
    )


def _time_pyx12(results) -> None:
    try:
        from claims_intake_dev.x12_validation import validate_x12
    except ImportError:
        return
    encoded, _, text, *_ = run_once(results)
    cpu = time.process_time()
    validation = validate_x12(text)
    spent = time.process_time() - cpu
    print(
        f"pyx12 (X222A1) on {encoded} encounters: {len(validation.errors)} errors, CPU {spent:.2f} s "
        f"({encoded / spent:,.0f} encounters/s)"
    )


if __name__ == "__main__":
    sys.exit(main())
