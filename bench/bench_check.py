"""Claim-check throughput: lines checked per second in-process against 100,000 prior history lines.

Synthetic, fake data: MEMBERS Partnership members, each eligible and authorized, with history
spread over the previous months; CLAIMS claims of LINES_PER_CLAIM lines (ECM core, housing
navigation, personal care with minutes, meals) checked two ways: one by one with `check_claim`, and as one
file with `check_extract` (what the CLI and the pipeline call: earlier claims of the file count as history
for later ones, and the collector is paused for the batch). Every rule runs, including the history ones
(each member's history is indexed once per history and kept by InMemoryHistory, so the first check_claim
run also builds the indexes: it is printed apart). Prints best and median CPU and wall time, and the collector's share of each run; see docs/rules.md.
With --kaiser-share 0.25 a quarter of the claims go to Kaiser (housing navigation instead of meals,
priced from the provider's contract rates on file: the contract-rate and per-member-per-month rules run).

    PYTHONPATH=shared python bench/bench_check.py [--history 100000] [--claims 5000] [--kaiser-share 0.25]

With --fingerprint it times nothing: it checks the claims once each way and prints a SHA-256 of the results' JSON,
so a speed change can be shown to leave every decision (findings, amounts, dispositions) byte-identical.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shared"))

from claims_intake.check import check_claim, check_extract
from claims_intake.gc_pause import freeze_long_lived
from claims_intake.model import Claim, ExtractResult, ServiceLine, SourceInfo
from claims_intake.reference import (
    Authorization,
    ContractRate,
    EligibilitySpan,
    HistoryLine,
    InMemoryHistory,
    InMemoryReference,
    Provider,
)
from claims_intake.validators import npi_check_digit

PLAN = "phc"
RECEIVED = date(2026, 11, 30)
NPI = "145670001" + npi_check_digit("145670001")
TIN = "941234501"
SERVICES = [  # code, modifiers, unit cost, units, minutes, service name
    ("G9008", ["U1"], Decimal("400.00"), 1, None, "ECM Core Service"),
    ("H0043", ["U6"], Decimal("386.00"), 1, None, "Housing Navigation"),
    ("T1019", ["U6"], Decimal("8.25"), 4, 60, "Personal Care Services"),
    ("S5170", ["U6"], Decimal("10.00"), 2, None, "Medically Tailored Meals"),
]
KAISER_SERVICES = [
    SERVICES[0],
    ("H2016", ["U6"], Decimal("386.00"), 1, None, "Housing Navigation"),
    SERVICES[2],
    ("T2040", ["U6"], Decimal("222.00"), 1, None, "Housing Tenancy and Sustaining Services"),
]
HISTORY_COMBOS = ["G9008-U1", "H0043-U6", "T1019-U6", "T2040-U6", "S9470-U6"]
PAYERS = {"phc": ("PHC01", "Partnership HealthPlan"), "kp": ("94135", "Kaiser Permanente")}


def cin(number: int) -> str:
    return f"{91000000 + number:08d}" + "ABCDEFGHJK"[number % 10]


def build_reference(members: int) -> InMemoryReference:
    spans = [
        EligibilitySpan(cin(m), plan, date(2025, 1, 1), None, county="Solano")
        for m in range(members)
        for plan in PAYERS
    ]
    tars = [
        Authorization(f"TAR-{m}-{code}", cin(m), NPI, PLAN, code, tuple(mods), date(2026, 1, 1), date(2026, 12, 31))
        for m in range(members)
        for code, mods, *_ in SERVICES
    ]
    rates = [
        ContractRate(NPI, "kp", "-".join([code, *mods]), cost, date(2026, 1, 1))
        for code, mods, cost, *_ in KAISER_SERVICES
    ]
    return InMemoryReference(spans, tars, [Provider(NPI, TIN, "Bench Community Care", tuple(PAYERS))], rates)


def build_history(lines: int, members: int, rng: random.Random) -> InMemoryHistory:
    rows = []
    for index in range(lines):
        start = date(2026, 1, 5) + timedelta(days=rng.randrange(0, 270))  # January to September 2026
        rows.append(
            HistoryLine(
                f"H-{index // 4}",
                cin(rng.randrange(members)),
                NPI,
                f"OLD-{index // 4}",
                rng.choice(HISTORY_COMBOS),
                start,
                start,
                Decimal(1),
                Decimal("100.00"),
                Decimal("100.00"),
                "PAYABLE",
            )
        )
    return InMemoryHistory(rows)


def build_claims(count: int, members: int, rng: random.Random, kaiser_share: float = 0.0) -> list[Claim]:
    claims = []
    for number in range(count):
        member = rng.randrange(members)
        day = date(2026, 11, 2) + timedelta(days=rng.randrange(0, 20))
        plan = (
            "kp" if kaiser_share and rng.random() < kaiser_share else PLAN
        )  # no draw by default: same claims as before
        services = KAISER_SERVICES if plan == "kp" else SERVICES
        lines = [
            ServiceLine(
                line_number=i,
                procedure_code=code,
                procedure_modifiers=mods,
                service_start_date=day,
                service_end_date=day,
                service_name=name,
                unit_count=Decimal(units),
                place_of_service="12",
                diagnosis_codes=["Z5901"],
                unit_cost=cost,
                charge_amount=cost * units,
                minutes=minutes,
            )
            for i, (code, mods, cost, units, minutes, name) in enumerate(services, start=1)
        ]
        claims.append(
            Claim(
                claim_id=f"bench-{number}",
                source_kind="spreadsheet",
                billing_provider_npi=NPI,
                billing_provider_tin=TIN,
                billing_provider_name="Bench Community Care",
                billing_provider_phone="7075551234",
                billing_provider_address="1 Main St",
                billing_provider_city="Fairfield",
                billing_provider_state="CA",
                billing_provider_zip="94534",
                member_cin=cin(member),
                member_first_name="Test",
                member_last_name="Member",
                member_homeless_indicator=True,
                member_address="2 Oak Ave",
                member_city="Vallejo",
                member_zip="94590",
                member_dob=date(1970, 1, 1),
                primary_payer_id=PAYERS[plan][0],
                payer_name=PAYERS[plan][1],
                invoice_amount=sum((line.charge_amount for line in lines), Decimal("0.00")),
                invoice_date=RECEIVED,
                invoice_number=f"NEW-{number}",
                lines=lines,
            )
        )
    return claims


def cpu_reference() -> float:
    """A fixed pure-Python loop, to compare runs made while other processes share the cores."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        sum(range(10**7))
        best = min(best, time.process_time() - started)
    return best


class CollectorClock:
    """CPU time the cyclic garbage collector takes, and its full (generation 2) collections, while it runs."""

    def __init__(self) -> None:
        self.cpu, self.full, self._started = 0.0, 0, 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.cpu += time.process_time() - self._started
            self.full += info["generation"] == 2

    def reset(self) -> None:
        self.cpu, self.full = 0.0, 0


def fingerprint(results: list) -> str:
    digest = hashlib.sha256()
    for result in results:
        digest.update(result.model_dump_json().encode())
        digest.update(b"\n")
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=100_000, help="prior history lines (default 100,000)")
    parser.add_argument("--members", type=int, default=10_000, help="members (default 10,000)")
    parser.add_argument("--claims", type=int, default=5_000, help="claims checked (4 lines each; default 5,000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs; the best and the median are reported")
    parser.add_argument("--kaiser-share", type=float, default=0.0, help="share of claims billed to Kaiser (default 0)")
    parser.add_argument(
        "--freeze", action="store_true", help="gc.freeze the loaded data first (gc_pause.freeze_long_lived)"
    )
    parser.add_argument(
        "--fingerprint", action="store_true", help="print a SHA-256 of each way's results as JSON and stop (no timing)"
    )
    args = parser.parse_args()
    rng = random.Random(20261122)
    reference = build_reference(args.members)
    history = build_history(args.history, args.members, rng)
    claims = build_claims(args.claims, args.members, rng, args.kaiser_share)
    plan = PLAN if not args.kaiser_share else None  # None: each claim's payer names its plan
    lines = sum(len(c.lines) for c in claims)

    for claim in claims[:200]:  # warm caches (catalog, plan limits, fuzzy names)
        check_claim(claim, plan, reference, history, received=RECEIVED)
    # --freeze: as a warm process could, freeze the loaded reference data and stored history out of the
    # collector's full walks (gc_pause.freeze_long_lived). Off by default: the pipeline and the CLI do not.
    frozen = freeze_long_lived() if args.freeze else 0
    one_file = ExtractResult(source=SourceInfo(file="bench.xlsx", kind="xlsx"), claims=claims)
    ways = {  # name -> one run, returning the results
        "check_claim, one claim at a time": lambda: [
            check_claim(claim, plan, reference, history, received=RECEIVED) for claim in claims
        ],
        "check_extract, the claims as one file": lambda: check_extract(
            one_file, plan, reference, history, received=RECEIVED
        ),
    }
    if args.fingerprint:
        for name, run in ways.items():
            print(f"{fingerprint(run())}  {name}")
        return
    print(
        f"claim check: {lines:,} lines in {len(claims):,} claims against {len(history):,} history lines "
        f"({args.members:,} members); {frozen:,} objects frozen after loading (gc.freeze)"
    )
    collector = CollectorClock()
    gc.callbacks.append(collector)
    for name, run in ways.items():
        walls, cpus, outcome, collected = [], [], Counter(), []
        for _ in range(args.repeat):
            collector.reset()
            started, started_cpu = time.perf_counter(), time.process_time()
            results = run()
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - started_cpu)
            collected.append((collector.cpu, collector.full))
            outcome = Counter(r.disposition.value for r in results)
            del results  # freed before the next run, as a service would between files
        # On a shared machine the wall clock includes time other processes held the core; CPU time does not.
        print(f"  {name}:")
        print(
            f"    CPU time,   best {min(cpus):.3f} s / median {statistics.median(cpus):.3f} s of {args.repeat}  ->  "
            f"{lines / min(cpus):,.0f} lines/s best, {lines / statistics.median(cpus):,.0f} median (one core)"
        )
        print(
            f"    wall clock, best {min(walls):.3f} s / median {statistics.median(walls):.3f} s  ->  "
            f"{lines / min(walls):,.0f} lines/s best, {lines / statistics.median(walls):,.0f} median"
        )
        print(
            f"    first run,  CPU {cpus[0]:.3f} s  ->  {lines / cpus[0]:,.0f} lines/s (the stored history's member "
            "indexes are built during the first check_claim run and kept by the history after it)"
        )
        print(
            f"    garbage collector: {', '.join(f'{cpu:.3f} s ({full} full)' for cpu, full in collected)} of CPU "
            "in the runs (included above; full collections walk every object the process holds)"
        )
        print(f"    dispositions (last run): {dict(outcome)}")
    print(f"  load average during the run: {', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(
        f"  CPU speed reference: sum(range(10**7)) takes {cpu_reference():.3f} s of CPU time "
        "(about 0.13 s on this machine when it is quiet)"
    )
    print(f"  python {platform.python_version()} on {platform.machine()}, {platform.processor() or 'cpu n/a'}")


if __name__ == "__main__":
    main()
