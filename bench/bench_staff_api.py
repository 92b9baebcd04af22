"""Staff API response times on moto: a claim with the crops of its scanned values, and a queue page.

    PYTHONPATH=shared:. .venv/bin/python bench/bench_staff_api.py

Prints the median and worst of several calls through the resolver (moto for DynamoDB and S3, in
process): what a staff member waits for when opening an item, without network or Lambda cold start.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "shared"), str(Path(__file__).resolve().parents[1])]
os.environ.setdefault("AWS_DEFAULT_REGION", "us-west-2")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

import boto3
from moto import mock_aws

from claims_intake.api import resolver
from claims_intake.api.service import Services
from claims_intake.check.result import CheckResult, ClaimDisposition
from claims_intake.extract import extract_bytes
from claims_intake.store import ClaimStore, Tables
from claims_intake_dev.local.moto_stack import create_tables
from claims_intake_dev.testdata import scans

BUCKET = "bench-uploads"
STAFF = {"sub": "b", "cognito:username": "bench", "cognito:groups": "staff"}


def call(path: str, query: dict | None = None) -> dict:
    event = {
        "path": path,
        "httpMethod": "GET",
        "headers": {},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "requestContext": {"authorizer": {"claims": STAFF}},
        "body": None,
        "isBase64Encoded": False,
    }
    response = resolver.app.resolve(event, None)
    assert response["statusCode"] == 200, response["body"][:300]
    return json.loads(response["body"])


def timed(label: str, runs: int, action) -> None:
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - start)
    print(
        f"{label:<58} median {statistics.median(seconds) * 1000:7.0f} ms   worst {max(seconds) * 1000:7.0f} ms   ({runs} runs)"
    )


def main() -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        create_tables(dynamodb, Tables())
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
        store = ClaimStore(Tables(), client=dynamodb)
        resolver.use_services(Services(store=store, s3=s3, sfn=boto3.client("stepfunctions"), uploads_bucket=BUCKET))

        sample = scans.sample_claim(seed=11, lines=4)
        for profile, file_format in (("office", "pdf"), ("fax", "tiff")):
            data = scans.make_scan([sample], profile, file_format, seed=3)
            claim = extract_bytes(data, f"claim.{file_format}").claims[0]
            claim.claim_id = f"bench-{profile}"
            key = f"uploads/bench/{claim.claim_id}.{file_format}"
            s3.put_object(Bucket=BUCKET, Key=key, Body=data)
            store.save_checked_claim(CheckResult(claim=claim, plan="kp", disposition=ClaimDisposition.REVIEW), key)
            values = len(call(f"/api/claims/{claim.claim_id}")["values"])
            timed(
                f"GET claim, {profile} {file_format} scan, {values} values with crops",
                5,
                lambda claim=claim: call(f"/api/claims/{claim.claim_id}"),
            )
            timed(
                f"GET claim, {profile} {file_format} scan, crops=false",
                5,
                lambda claim=claim: call(f"/api/claims/{claim.claim_id}", {"crops": "false"}),
            )

        for number in range(60):
            result = CheckResult(
                claim=claim.model_copy(update={"claim_id": f"q-{number:03d}"}),
                plan="kp",
                disposition=ClaimDisposition.RFI,
            )
            store.save_checked_claim(result, None)
            store.open_queue_item(f"q-{number:03d}", "RFI", None, f"2026-12-{1 + number % 28:02d}", reason="bench")
        timed("GET queue, page of 50 (of 60 open RFI items)", 10, lambda: call("/api/queue", {"limit": "50"}))
        timed("GET metrics (62 claims, 60 open items)", 5, lambda: call("/api/metrics"))


if __name__ == "__main__":
    main()
