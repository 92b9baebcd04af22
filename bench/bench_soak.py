"""Bounded soak test on the embedded local stack: upload many files in bursts and account for
every one of them.

    PYTHONPATH=shared python bench/bench_soak.py                  # 1,000 files (about 20 minutes here)
    PYTHONPATH=shared python bench/bench_soak.py --files 100 --scans 3 --pause 5

The stack is `claims_intake_dev.local.LocalStack` (moto server in process, template.yaml's resources, an SQS
poller per event source mapping, Step Functions executing the flow's Lambda tasks in process): the same
machinery as `claims-intake demo`. The files are made here: DHCS invoice spreadsheets (CSV and XLSX, 1-3
invoices of 1-4 lines each), CMS-1500 scans (OCR; few, because a page costs seconds on this machine) and
hostile files from claims_intake_dev.testdata.hostile (quarantined). They are uploaded in bursts of --burst
files, --pause seconds apart, while intake drains the queue.

At the end every file must be accounted for: exactly one upload record in a final state (PROCESSED with
the number of claims its invoices hold, or QUARANTINED with the error its hostile file must give), one
stored claim per invoice (no duplicates: claim headers == claims expected), nothing in any dead-letter
queue, and (unless --no-flows) every claim's flow at rest: rejected with its letter, closed, or waiting
on an open RFI or REVIEW queue item, with no flow execution failed. The script prints files per minute
(until the last upload's record was final, and until every claim flow was at rest) and exits non-zero
if anything is unaccounted for. Not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "ClaimsIntakeSoak")

from claims_intake_dev.local.demo import load_reference, store_for
from claims_intake_dev.local.stack import LocalStack
from claims_intake_dev.testdata import hostile
from claims_intake_dev.testdata.invoices import invoice_bytes, sample_claims

PROVIDERS = ["1456700016", "1456700024", "1456700032", "1456700040"]  # samples/reference/providers.csv
# Hostile files that are quick to make and to refuse; the OCR ones and the 34 MB CSV are in the tests.
HOSTILE = [
    "empty_file",
    "wrong_extension",
    "unknown_type",
    "pdf_truncated",
    "pdf_garbage",
    "pdf_encrypted",
    "pdf_500_pages",
    "pdf_javascript",
    "pdf_embedded_file",
    "image_bomb",
    "image_truncated",
    "tiff_200_pages",
    "xlsx_zip_bomb",
    "xlsx_entity_expansion",
    "xlsx_encrypted",
    "xlsx_million_rows",
]


@dataclass
class SoakFile:
    key: str
    data: bytes
    kind: str  # spreadsheet, scan, hostile
    claims: int = 0  # claims the file holds (spreadsheets; scans: one per claim form)
    code: str | None = None  # the quarantine reason a hostile file must get


def say(text: str) -> None:
    """Progress on the terminal: while the stack runs, sys.stdout may be the functions' log stream."""
    print(text, file=sys.__stdout__, flush=True)


def make_files(count: int, scans: int, hostile_share: float, seed: int) -> list[SoakFile]:
    rng = random.Random(seed)
    hostile_count = int(count * hostile_share)
    sheets = count - scans - hostile_count
    files = []
    for index in range(sheets):
        invoices = rng.randint(1, 3)
        claims = sample_claims(count=invoices, lines=rng.randint(1, 4), seed=seed * 100_000 + index)
        for number, claim in enumerate(claims, start=1):
            claim.invoice_number = f"SOAK-{seed}-{index:05d}-{number}"
        kind = "xlsx" if index % 3 == 0 else "csv"
        provider = PROVIDERS[index % len(PROVIDERS)]
        files.append(
            SoakFile(
                f"uploads/{provider}/soak-{index:05d}.{kind}",
                invoice_bytes(claims, "dhcs_template", kind),
                "spreadsheet",
                claims=invoices,
            )
        )
    if scans:
        from claims_intake_dev.testdata.scans import make_scan, sample_claim

        for index in range(scans):
            sample = sample_claim(seed=seed * 1000 + index, lines=rng.randint(1, 4))
            profile = ["clean", "office", "fax"][index % 3]
            files.append(
                SoakFile(
                    f"uploads/{PROVIDERS[index % 4]}/soak-scan-{index:03d}.pdf",
                    make_scan([sample], profile, "pdf", seed=index),
                    "scan",
                    claims=1,
                )
            )
    built = {name: hostile.CASES[name].build() for name in HOSTILE}
    for index in range(hostile_count):
        case = hostile.CASES[HOSTILE[index % len(HOSTILE)]]
        files.append(
            SoakFile(
                f"uploads/{PROVIDERS[index % 4]}/soak-bad-{index:04d}-{case.filename}",
                built[case.name],
                "hostile",
                code=case.code,
            )
        )
    rng.shuffle(files)
    return files


def upload_in_bursts(stack: LocalStack, files: list[SoakFile], burst: int, pause: float) -> float:
    s3 = stack.client("s3")
    bucket = stack.bucket()
    started = time.monotonic()
    for start in range(0, len(files), burst):
        for item in files[start : start + burst]:
            s3.put_object(Bucket=bucket, Key=item.key, Body=item.data)
        say(
            f"  burst {start // burst + 1}: {min(start + burst, len(files))}/{len(files)} uploaded "
            f"at {time.monotonic() - started:.0f} s"
        )
        if start + burst < len(files):
            time.sleep(pause)
    return started


def all_uploads(store) -> dict[str, list]:
    by_key: dict[str, list] = {}
    token = None
    while True:
        page, token = store.list_uploads(page_token=token, limit=500)
        for upload in page:
            by_key.setdefault(upload.key, []).append(upload)
        if not token:
            return by_key


def count(stack: LocalStack, request: dict) -> int:
    """Items a Query matches, every page (Select COUNT: no item leaves moto)."""
    dynamodb = stack.client("dynamodb")
    request = {**request, "Select": "COUNT"}
    total = 0
    while True:
        page = dynamodb.query(**request)
        total += page["Count"]
        if "LastEvaluatedKey" not in page:
            return total
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def final_records(stack: LocalStack, store) -> int:
    """Upload records of provider uploads (not the reference files) in a final state, on the by_status index."""
    return sum(
        count(
            stack,
            {
                "TableName": store.tables.uploads,
                "IndexName": "by_status",
                "KeyConditionExpression": "#s = :s",
                "FilterExpression": "begins_with(#k, :uploads)",
                "ExpressionAttributeNames": {"#s": "status", "#k": "key"},
                "ExpressionAttributeValues": {":s": {"S": status}, ":uploads": {"S": "uploads/"}},
            },
        )
        for status in ("PROCESSED", "QUARANTINED")
    )


def wait_for_final_records(
    stack: LocalStack, store, files: list[SoakFile], timeout: float, started: float
) -> dict[str, list]:
    deadline = time.monotonic() + timeout
    last_report = 0.0
    while True:
        final = final_records(stack, store)
        if final >= len(files) or time.monotonic() > deadline:
            return all_uploads(store)
        if time.monotonic() - last_report > 30:
            say(f"  {final}/{len(files)} files final at {time.monotonic() - started:.0f} s")
            last_report = time.monotonic()
        time.sleep(2)


def wait_for_empty_queues(stack: LocalStack, timeout: float) -> None:
    """Intake's queues drained: nothing visible or in flight (a message still being retried would show)."""
    sqs = stack.client("sqs")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        depth = 0
        for poller in stack.pollers:
            attributes = sqs.get_queue_attributes(
                QueueUrl=poller.queue_url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            depth += sum(int(value) for value in attributes.values())
        if depth == 0 and not any(poller.busy for poller in stack.pollers):
            return
        time.sleep(1)


def claim_headers(stack: LocalStack, store) -> list[dict]:
    dynamodb = stack.client("dynamodb")
    headers, request = (
        [],
        {
            "TableName": store.tables.claims,
            "FilterExpression": "sk = :h",
            "ExpressionAttributeValues": {":h": {"S": "HEADER"}},
            "ProjectionExpression": "claim_id, disposition, #s, upload_key",
            "ExpressionAttributeNames": {"#s": "status"},
        },
    )
    while True:
        page = dynamodb.scan(**request)
        headers += [{k: v.get("S") for k, v in item.items()} for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return headers
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def queue_count(stack: LocalStack, store, queue_status: str) -> int:
    """Queue items in one queue and status ("RFI#OPEN"), on the by_queue index."""
    return count(
        stack,
        {
            "TableName": store.tables.claims,
            "IndexName": "by_queue",
            "KeyConditionExpression": "queue_status = :q",
            "ExpressionAttributeValues": {":q": {"S": queue_status}},
        },
    )


def finished_executions(stack: LocalStack) -> int:
    sfn = stack.client("stepfunctions")
    return sum(
        len(page["executions"])
        for machine in stack.plan.state_machines
        for status in ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine.arn, statusFilter=status)
    )


def flows_at_rest(stack: LocalStack, store) -> int:
    """How many of the claims' flows have done their work: finished (claim rejected with its letter, or
    closed), or parked on an open RFI or REVIEW item in the staff queue (letter sent, task token held).
    Counted on the queue index and the executions list: a scan of the claims table would cost moto more
    than the flows themselves."""
    parked = queue_count(stack, store, "RFI#OPEN") + queue_count(stack, store, "REVIEW#OPEN")
    return parked + finished_executions(stack)


def wait_for_flows(stack: LocalStack, store, claims: int, timeout: float, started: float) -> float | None:
    """Seconds from the first upload until every claim flow was at rest (None: not within the timeout)."""
    deadline = time.monotonic() + timeout
    last_report = 0.0
    while time.monotonic() < deadline:
        at_rest = flows_at_rest(stack, store)
        if at_rest >= claims:
            return time.monotonic() - started
        if time.monotonic() - last_report > 30:
            say(f"  {at_rest}/{claims} claim flows at rest at {time.monotonic() - started:.0f} s")
            last_report = time.monotonic()
        time.sleep(15)  # each look lists every execution: on moto that is not free
    return None


def flow_executions(stack: LocalStack) -> dict:
    """Claim flow executions by status; each failed, timed-out or aborted one with its error."""
    sfn = stack.client("stepfunctions")
    statuses: Counter = Counter()
    failures = []
    for machine in stack.plan.state_machines:
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine.arn):
            for execution in page["executions"]:
                statuses[execution["status"]] += 1
                if execution["status"] in ("FAILED", "TIMED_OUT", "ABORTED"):
                    described = sfn.describe_execution(executionArn=execution["executionArn"])
                    failures.append(
                        {
                            "name": execution["name"],
                            "status": execution["status"],
                            "error": described.get("error"),
                            "cause": (described.get("cause") or "")[:300],
                        }
                    )
    return {**dict(statuses), "failures": failures}


def account(stack: LocalStack, store, files: list[SoakFile], uploads: dict[str, list]) -> tuple[dict, list[str]]:
    problems = []
    expected_claims = 0
    statuses: Counter = Counter()
    for item in files:
        records = uploads.get(item.key, [])
        if len(records) != 1:
            problems.append(f"{item.key}: {len(records)} upload records")
            continue
        upload = records[0]
        statuses[f"{item.kind}:{upload.status}"] += 1
        if item.kind == "hostile":
            if upload.status != "QUARANTINED" or upload.error_code != item.code:
                problems.append(f"{item.key}: {upload.status} {upload.error_code}, expected QUARANTINED {item.code}")
            continue
        if upload.status != "PROCESSED":
            problems.append(f"{item.key}: {upload.status} {upload.error_code}")
            continue
        expected_claims += item.claims
        if item.kind == "spreadsheet" and len(upload.claim_ids) != item.claims:
            problems.append(f"{item.key}: {len(upload.claim_ids)} claims stored, {item.claims} invoices sent")
    headers = claim_headers(stack, store)
    ids = [h["claim_id"] for h in headers]
    if len(ids) != len(set(ids)):
        problems.append(f"duplicate claim ids: {len(ids) - len(set(ids))}")
    recorded = sum(len(records[0].claim_ids) for records in uploads.values() if len(records) == 1)
    if len(headers) != recorded:
        problems.append(f"{len(headers)} claims stored, {recorded} listed by the uploads")
    scans = [f for f in files if f.kind == "scan"]
    sheet_claims = sum(f.claims for f in files if f.kind == "spreadsheet")
    if len(headers) < sheet_claims:
        problems.append(f"{len(headers)} claims stored, at least {sheet_claims} expected")
    dead = {}
    sqs = stack.client("sqs")
    for name, url in stack.queue_urls.items():
        depth = int(
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
                "ApproximateNumberOfMessages"
            ]
        )
        if "Dead" in name or "dlq" in name.lower():
            dead[name] = depth
            if depth:
                problems.append(f"{name}: {depth} message(s) in the dead-letter queue")
    if "ERROR" in Counter(h.get("status") for h in headers):
        problems.append("claims in ERROR: a claim flow failed (see the function log)")
    executions = flow_executions(stack)
    for failed in executions.pop("failures"):
        problems.append(f"claim flow {failed['name']}: {failed['status']} {failed.get('error')}: {failed.get('cause')}")
    summary = {
        "files": len(files),
        "by_kind_and_status": dict(sorted(statuses.items())),
        "claims_stored": len(headers),
        "claims_from_spreadsheets": sheet_claims,
        "scans": len(scans),
        "dispositions": dict(Counter(h.get("disposition") for h in headers)),
        "claim_status": dict(Counter(h.get("status") for h in headers)),
        "dead_letter_queues": dead,
        "flow_executions": executions,
    }
    return summary, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--scans", type=int, default=20, help="CMS-1500 scans among the files (OCR: seconds each)")
    parser.add_argument("--hostile-share", type=float, default=0.08)
    parser.add_argument("--burst", type=int, default=100, help="files per burst")
    parser.add_argument("--pause", type=float, default=20.0, help="seconds between bursts")
    parser.add_argument("--timeout", type=float, default=7200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-flows",
        action="store_true",
        help="stop when every upload is final; do not wait for the claim flows' letters and queue items",
    )
    parser.add_argument("--flow-timeout", type=float, default=3600)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    print(f"making {args.files} files ({args.scans} scans, {args.hostile_share:.0%} hostile)...", flush=True)
    files = make_files(args.files, args.scans, args.hostile_share, args.seed)
    size = sum(len(f.data) for f in files)
    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    with LocalStack(function_log=workdir / "lambda.log") as stack:
        store = store_for(stack)
        load_reference(stack)
        say(
            f"uploading {len(files)} files ({size / 1048576:.1f} MiB) in bursts of {args.burst}, "
            f"{args.pause:.0f} s apart"
        )
        started = upload_in_bursts(stack, files, args.burst, args.pause)
        uploads = wait_for_final_records(stack, store, files, args.timeout, started)
        records_done = time.monotonic() - started
        wait_for_empty_queues(stack, args.timeout)
        claims = sum(len(records[0].claim_ids) for records in uploads.values() if records)
        settled = None if args.no_flows else wait_for_flows(stack, store, claims, args.flow_timeout, started)
        try:
            summary, problems = account(stack, store, files, uploads)
        except Exception as error:  # keep the figures of a long run even if the accounting breaks
            summary, problems = {}, [f"accounting failed: {type(error).__name__}: {error}"]
        if not args.no_flows and settled is None:
            problems.append(f"claim flows still working {args.flow_timeout:.0f} s after the last upload record")
    figures = {
        **summary,
        "megabytes": round(size / 1048576, 1),
        "burst": args.burst,
        "pause_seconds": args.pause,
        "seconds_until_every_upload_final": round(records_done, 1),
        "seconds_until_flows_at_rest": round(settled, 1) if settled else None,
        "files_per_minute_intake": round(len(files) / records_done * 60, 1),
        "files_per_minute_flows_at_rest": round(len(files) / settled * 60, 1) if settled else None,
        "load_average_at_end": os.getloadavg(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "function_log": str(workdir / "lambda.log"),
        "problems": problems,
    }
    say(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    flows = f", {figures['files_per_minute_flows_at_rest']} files/min with every claim flow at rest" if settled else ""
    say(
        f"{len(files)} files: {figures['files_per_minute_intake']} files/min to a final upload record{flows}; "
        + ("every file accounted for" if not problems else f"{len(problems)} PROBLEM(S)")
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
