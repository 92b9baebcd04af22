"""How long a provider waits on the portal's API: upload URLs and its claims, over HTTP on the local stack.

    PYTHONPATH=shared:devkit nice .venv/bin/python bench/bench_upload_url.py [runs]

The local stack (moto server, template.yaml's tables and bucket) and `claims-intake serve`'s app run in this
process; each request goes over HTTP with a development provider token through the API Gateway emulator to
the resolver. Timed, each `runs` times:

- POST /api/uploads: signs the POST and records the request in the uploads table (one DynamoDB PutItem);
- POST /api/claims/{id}/rfi/uploads: reads the claim (404 for another provider's), signs the POST under
  rfi/{claim}/{item}/ and audits it on the claim;
- GET /api/claims?limit=20: the provider's newest 20 of 100 stored claims, each row with its dates, amounts
  and letters (one read of each claim's items);
- GET /api/claims/{id}/in-words: one claim told in plain words.

Prints wall time (median, p95, worst) and this process's CPU time per request (client, server and moto
together: an upper bound of the API's own CPU, robust to other jobs on the machine).
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

import requests

from claims_intake.api import resolver
from claims_intake_dev.local import demo
from claims_intake_dev.local.stack import LocalStack
from claims_intake_dev.local.web import WebServer
from claims_intake_dev.testdata.decided import decided_results

NPI = "1456700032"
BODY = {"file_name": "valley-lead-2026-11.csv", "content_type": "text/csv", "plan": "kp"}
STORED_CLAIMS = 100


def store_claims(stack: LocalStack) -> str:
    """The provider's claims, generated decided claims billed under its NPI; the newest waits on an RFI."""
    store = demo.store_for(stack)
    claim_id = ""
    for number, result in enumerate(decided_results(STORED_CLAIMS, seed=7)):
        claim_id = f"C-bench-{number:04d}"
        result.claim.claim_id = claim_id
        result.claim.set_raw("billing_provider_npi", NPI)
        store.save_checked_claim(result, upload_key=None)
        store.record_letter(claim_id, "final", f"letters/{claim_id}/final.pdf", "flow")
    store.open_queue_item(claim_id, "RFI", None, datetime.now(UTC) + timedelta(days=30), reason="bench")
    return claim_id


def timed(session: requests.Session, runs: int, method: str, url: str, **kwargs) -> tuple[list[float], list[float]]:
    for _ in range(3):  # warm: imports, first connection, the services built from the environment
        assert session.request(method, url, timeout=30, **kwargs).status_code == 200
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        response = session.request(method, url, timeout=30, **kwargs)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        assert response.status_code == 200, response.text
    return sorted(walls), cpus


def report(name: str, runs: int, walls: list[float], cpus: list[float]) -> None:
    print(
        f"  {name}: wall ms median {statistics.median(walls) * 1000:.1f}, "
        f"p95 {walls[int(0.95 * (runs - 1))] * 1000:.1f}, worst {walls[-1] * 1000:.1f}; "
        f"CPU ms median {statistics.median(cpus) * 1000:.1f}"
    )


def main(runs: int = 50) -> None:
    resolver.use_services(None)
    with LocalStack() as stack:
        rfi_claim = store_claims(stack)
        web = WebServer(stack, app="claims_intake_dev.web_server:app").start()
        try:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer dev-provider-{NPI}"
            results = {
                "POST /api/uploads": timed(session, runs, "POST", f"{web.url}/api/uploads", json=BODY),
                "POST /api/claims/{id}/rfi/uploads": timed(
                    session,
                    runs,
                    "POST",
                    f"{web.url}/api/claims/{rfi_claim}/rfi/uploads",
                    json={"file_name": "lease.pdf", "content_type": "application/pdf"},
                ),
                "GET /api/claims?limit=20": timed(session, runs, "GET", f"{web.url}/api/claims?limit=20"),
                "GET /api/claims/{id}/in-words": timed(
                    session, runs, "GET", f"{web.url}/api/claims/{rfi_claim}/in-words"
                ),
            }
        finally:
            web.stop()
    print(
        f"{runs} requests each over HTTP on the local stack, {STORED_CLAIMS} claims stored "
        f"({platform.machine()}, Python {platform.python_version()}):"
    )
    for name, (walls, cpus) in results.items():
        report(name, runs, walls, cpus)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
