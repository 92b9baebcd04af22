"""How long a provider waits for an upload URL: POST /api/uploads over HTTP on the local stack.

    PYTHONPATH=shared:devkit nice .venv/bin/python bench/bench_upload_url.py [runs]

The local stack (moto server, template.yaml's tables and bucket) and `claims-intake serve`'s app run in this
process; each request goes over HTTP with a development provider token through the API Gateway emulator to
the resolver, which signs the POST and records the request in the uploads table (one DynamoDB PutItem).
Prints wall time (median, p95, worst) and this process's CPU time per request (client, server and moto
together: an upper bound of the API's own CPU, robust to other jobs on the machine).
"""

from __future__ import annotations

import platform
import statistics
import sys
import time

import requests

from claims_intake.api import resolver
from claims_intake_dev.local.stack import LocalStack
from claims_intake_dev.local.web import WebServer

NPI = "1456700032"
BODY = {"file_name": "valley-lead-2026-11.csv", "content_type": "text/csv", "plan": "kp"}


def main(runs: int = 50) -> None:
    resolver.use_services(None)
    with LocalStack() as stack:
        web = WebServer(stack, app="claims_intake_dev.web_server:app").start()
        try:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer dev-provider-{NPI}"
            for _ in range(3):  # warm: imports, first connection, the services built from the environment
                assert session.post(f"{web.url}/api/uploads", json=BODY, timeout=30).status_code == 200
            walls, cpus = [], []
            for _ in range(runs):
                wall, cpu = time.perf_counter(), time.process_time()
                response = session.post(f"{web.url}/api/uploads", json=BODY, timeout=30)
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
                assert response.status_code == 200 and response.json()["key"].startswith(f"uploads/{NPI}/kp/")
        finally:
            web.stop()
    walls.sort()
    print(
        f"POST /api/uploads, {runs} requests over HTTP on the local stack ({platform.machine()}, "
        f"Python {platform.python_version()}):"
    )
    print(
        f"  wall ms: median {statistics.median(walls) * 1000:.1f}, p95 {walls[int(0.95 * (runs - 1))] * 1000:.1f}, "
        f"worst {walls[-1] * 1000:.1f}"
    )
    print(f"  CPU ms per request (whole process): median {statistics.median(cpus) * 1000:.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
