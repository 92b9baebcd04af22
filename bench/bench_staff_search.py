"""Staff search on the local stack with 10,000 claims stored: GET /api/claims?q= must answer in <= 1 s.

    nice .venv/bin/python bench/bench_staff_search.py [--claims 10000] [--queries 40] [--seed 20261201]

1. Starts the local stack as `claims-intake serve` does: moto's server holding template.yaml's tables and
   indexes, and the template's API (the API function, in process) behind the development API Gateway on
   an HTTP port.
2. Stores N claims made by the development kit's generator (testdata/decided.py: 1-6 lines, every plan,
   names with accents, hyphens and apostrophes), reshaped as intake would store them: billed by a few
   hundred providers of very different sizes (a few bill hundreds of claims), each provider's claims
   arriving in files of 1-12 claims with intake's claim ids (`C-{upload ref}-{NNN}`) and invoice numbers
   in the provider's own style. The items are built by `ClaimStore.save_checked_claim` itself (header,
   lines, SEARCH# items, audit entry, running counters) and batch-written (local/bulk_load.py), because
   moto's transactions are too slow to store 10,000 claims one by one.
3. Times `GET /api/claims?q=` over HTTP, with the staff development token, for each kind of key: claim id,
   invoice number (whole and its first part), member CIN, member name (last name alone, and "first last"),
   billing NPI (first page), and a provider's own token searching a member's last name (every result
   checked to be its own, and another provider's claim id checked to find nothing). Each query is for a
   different claim drawn at random from those stored, so no query is tuned to a value.

Wall time is the HTTP round trip seen by the client. CPU time is this process's (client, API function and
moto's server run in it), so it counts moto's work too. p50 and p95 over the queries of each kind.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import string
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "shared"), str(ROOT / "devkit"), str(ROOT)]
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

from claims_intake.check.result import CheckResult
from claims_intake.pipeline.objects import S3Object, claim_id_for
from claims_intake_dev.testdata.decided import decided_results
from claims_intake_dev.testdata.invoices import sample_npi

TARGET_SECONDS = 1.0
PROVIDERS = 300


def stored_like_intake(count: int, seed: int, bucket: str) -> list[CheckResult]:
    """`count` decided claims from the generator, with providers, files, claim ids and invoices as intake
    would see them (see the module's docstring)."""
    rng = random.Random(seed)
    results = decided_results(count, seed=seed % 10_000)
    npis = [sample_npi(rng) for _ in range(PROVIDERS)]
    weights = [1 / rank for rank in range(1, PROVIDERS + 1)]  # Zipf: the largest bills ~16% of the claims
    styles = {npi: _invoice_style(rng) for npi in npis}
    invoice_numbers: dict[str, int] = {}
    position = 0
    while position < count:
        npi = rng.choices(npis, weights)[0]
        upload = S3Object(bucket, f"uploads/{npi}/claims-{position}.xlsx", f"v{rng.getrandbits(64):016x}")
        for index in range(1, rng.randint(1, 12) + 1):
            if position == count:
                break
            claim = results[position].claim
            claim.claim_id = claim_id_for(upload, index)
            claim.set_raw("billing_provider_npi", npi)
            invoice_numbers[npi] = invoice_numbers.get(npi, rng.randrange(1, 900)) + 1
            claim.set_raw("invoice_number", styles[npi].format(n=invoice_numbers[npi]))
            position += 1
    return results


def _invoice_style(rng: random.Random) -> str:
    prefix = "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(2, 4)))
    return rng.choice([f"{prefix}-2026-{{n:04d}}", f"{prefix}{{n:06d}}", "{n}", f"{prefix}/{{n:05d}}/26"])


def get(url: str, token: str) -> tuple[dict, float, float]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    wall, cpu = time.perf_counter(), time.process_time()
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
    return body, time.perf_counter() - wall, time.process_time() - cpu


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=40, help="queries of each kind, each for another claim")
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()
    from claims_intake_dev.cli.serve_cmd import STAFF_PAGE_APP
    from claims_intake_dev.dev_auth import DEV_PROVIDER_PREFIX, dev_staff_token
    from claims_intake_dev.local import bulk_load, demo
    from claims_intake_dev.local.stack import LocalStack
    from claims_intake_dev.local.web import WebServer

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f} at start (shared with other jobs)"
    )
    with LocalStack(function_log=ROOT / "out" / "bench-search-lambda.log") as stack:
        store = demo.store_for(stack)
        started, cpu = time.perf_counter(), time.process_time()
        made = stored_like_intake(args.claims, args.seed, stack.bucket())
        print(f"generated {len(made):,} claims in {time.process_time() - cpu:.1f} s CPU", flush=True)
        started, cpu = time.perf_counter(), time.process_time()
        writes = bulk_load.claim_writes(store, made)
        items = sum(len(table_items) for table_items in writes.items.values())
        print(f"built {items:,} items with the store's own code in {time.process_time() - cpu:.1f} s CPU", flush=True)
        started, cpu = time.perf_counter(), time.process_time()
        bulk_load.write(
            bulk_load.fast_client(stack),
            writes,
            progress=lambda n: n % 25_000 == 0 and print(f"  {n:,} items written", flush=True),
        )
        print(
            f"stored {len(made):,} claims ({items:,} items) in {time.perf_counter() - started:.0f} s wall, "
            f"{time.process_time() - cpu:.0f} s CPU",
            flush=True,
        )
        web = WebServer(stack, app=STAFF_PAGE_APP).start()
        try:
            run_queries(web.url, made, args, dev_staff_token(), DEV_PROVIDER_PREFIX)
        finally:
            web.stop()


def run_queries(base: str, made: list[CheckResult], args, staff_token: str, provider_prefix: str) -> None:
    rng = random.Random(args.seed + 1)
    by_provider: dict[str, list[str]] = {}
    for result in made:
        by_provider.setdefault(result.claim.billing_provider_npi, []).append(result.claim.claim_id)

    def claim():
        return rng.choice(made).claim

    kinds = [
        ("claim id", lambda c: c.claim_id, None),
        ("invoice number, whole", lambda c: c.invoice_number, None),
        ("invoice number, first 5 characters", lambda c: c.invoice_number[:5], None),
        ("member CIN", lambda c: c.member_cin, None),
        ("member last name", lambda c: c.member_last_name, None),
        ("member name, first and last", lambda c: f"{c.member_first_name} {c.member_last_name}", None),
        ("billing NPI (first page of 25)", lambda c: c.billing_provider_npi, None),
        ("provider's own token: member last name", lambda c: c.member_last_name, "own"),
    ]
    _, wall, cpu = get(f"{base}/api/claims?q=warmup", staff_token)  # moto_speedup groups the index's items once
    print(f"first search after the load: {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU")
    worst = 0.0
    print(f"{'search':<40} {'found (median)':>14} {'p50 wall':>9} {'p95 wall':>9} {'p50 CPU':>8} {'p95 CPU':>8}")
    for label, query_of, who in kinds:
        walls, cpus, founds = [], [], []
        for _ in range(args.queries):
            target = claim()
            token = staff_token if who is None else provider_prefix + target.billing_provider_npi
            url = f"{base}/api/claims?" + urllib.parse.urlencode({"q": query_of(target)})
            body, wall, cpu = get(url, token)
            ids = [item["claim_id"] for item in body["items"]]
            if who == "own":
                assert all(i["provider_npi"] == target.billing_provider_npi for i in body["items"]), "another's claim"
            elif label == "claim id":
                assert ids == [target.claim_id], (target.claim_id, ids)
            elif not body["next_token"]:
                assert target.claim_id in ids, (label, query_of(target), ids[:5])
            walls.append(wall)
            cpus.append(cpu)
            founds.append(len(ids))
        worst = max(worst, max(walls))
        print(
            f"{label:<40} {statistics.median(founds):>14.0f} {percentile(walls, 0.5) * 1000:>7.0f}ms "
            f"{percentile(walls, 0.95) * 1000:>7.0f}ms {percentile(cpus, 0.5) * 1000:>6.0f}ms "
            f"{percentile(cpus, 0.95) * 1000:>6.0f}ms",
            flush=True,
        )
    stranger = rng.choice(made).claim
    other = next(npi for npi in by_provider if npi != stranger.billing_provider_npi)
    body, _, _ = get(f"{base}/api/claims?q={urllib.parse.quote(stranger.claim_id)}", provider_prefix + other)
    assert body["items"] == [], "a provider found another provider's claim"
    print("a provider searching another provider's claim id: nothing found (checked)")
    print(f"worst of all {len(kinds) * args.queries} searches: {worst * 1000:.0f} ms wall (target <= 1000 ms)")


if __name__ == "__main__":
    main()
