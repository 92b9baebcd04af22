"""Intake throughput on moto: invoice files through upload -> S3 notification -> SQS -> intake handler ->
DynamoDB -> StartExecution, and the store's claim writes on their own.

Run: .venv/bin/python bench/bench_pipeline.py [files]   (prints figures; nothing is asserted)
moto answers in-process, so these are the pipeline's own CPU costs (extract, check, store, flow start
and the moto emulation of the AWS calls), not network latency to AWS.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]
for name, value in {
    "AWS_DEFAULT_REGION": "us-west-2",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "ClaimsIntakeBench",
    "POWERTOOLS_SERVICE_NAME": "claims-intake",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}.items():
    os.environ.setdefault(name, value)

from moto import mock_aws

from claims_intake_dev.moto_speedup import speed_up_moto
from tests.pipeline.invoices import PROVIDER, three_claim_invoice
from tests.pipeline.stack import ROOT as _ROOT
from tests.pipeline.stack import build_stack, load_handler
from tests.store.factories import checked_claim


class Env:
    def setenv(self, name, value):
        os.environ[name] = value


def main(files: int = 60, speedup: bool = True) -> None:
    if speedup:
        speed_up_moto()
    with mock_aws():
        stack = build_stack(Env())
        loader, intake = load_handler("reference_loader"), load_handler("intake")
        for path in sorted((_ROOT / "samples" / "reference").glob("*.csv")):
            stack.upload(f"reference/{path.name}", path.read_bytes())
        stack.poll("reference", loader.lambda_handler)

        for number in range(files):
            stack.upload(f"uploads/{PROVIDER}/invoice-{number:04d}.csv", three_claim_invoice(suffix=f"-{number}"))
        started = time.perf_counter()
        responses = stack.poll("intake", intake.lambda_handler, rounds=files)
        elapsed = time.perf_counter() - started
        failures = sum(len(r["batchItemFailures"]) for r in responses)
        uploads, _ = stack.store.list_uploads(provider=PROVIDER, limit=1000)
        claims = sum(len(u.claim_ids) for u in uploads)
        print(
            f"intake: {len(uploads)} files ({claims} claims, {failures} failures) in {elapsed:.1f} s: "
            f"{60 * len(uploads) / elapsed:.0f} files/min, {claims / elapsed:.1f} claims/s, "
            f"{1000 * elapsed / len(uploads):.0f} ms per 3-claim CSV file"
        )

        store = stack.store
        timings = []
        for lines in (1, 10, 30):
            for number in range(20):
                result = checked_claim(f"B-{lines}-{number}", lines=lines, invoice=f"B-{lines}-{number}")
                began = time.perf_counter()
                store.save_checked_claim(result, upload_key="bench")
                timings.append((lines, time.perf_counter() - began))
        for lines in (1, 10, 30):
            values = [t for n, t in timings if n == lines]
            print(f"store: save_checked_claim with {lines:2d} lines: median {1000 * statistics.median(values):.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60, speedup="--plain-moto" not in sys.argv)
