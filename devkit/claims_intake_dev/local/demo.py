"""The demo on the local stack: reference data in, uploads in, S3 notifications drive the rest, results out.

Nothing here calls a handler or the check directly: the demo only does what a provider and a plan's
operations staff do — put objects in the bucket — and then reads what the pipeline stored in DynamoDB
and the letters the flow wrote to S3, as the staff API would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claims_intake.store import ClaimStore, Tables, Upload

from .stack import REPO_ROOT, LocalStack

SAMPLES_DIR = REPO_ROOT / "samples"
REFERENCE_DIR = SAMPLES_DIR / "reference"
UPLOADS_DIR = SAMPLES_DIR / "uploads"
REFERENCE_ORDER = ["providers.csv", "eligibility.csv", "authorizations.csv", "history.csv"]
UPLOAD_DONE = {"PROCESSED", "QUARANTINED"}
CLAIM_WORKING = {"CHECKED"}  # the flow has not given the claim a final or waiting status yet
STAGES = ["uploaded", "received", "checked", "letters"]


@dataclass
class FileProgress:
    key: str
    stage: str = "uploaded"
    claims_total: int = 0
    claims_settled: int = 0
    upload: Upload | None = None
    settled_ids: set[str] = field(default_factory=set)  # claims already seen settled: not read again

    @property
    def done(self) -> bool:
        return self.stage in ("done", "unreadable")


@dataclass
class ClaimSummary:
    claim_id: str
    invoice_number: str | None
    disposition: str
    status: str
    allowed_amount: str | None
    findings: list[dict[str, Any]]
    letters: list[str] = field(default_factory=list)  # paths written under out/

    def to_json(self) -> dict[str, Any]:
        return {
            "claim_id": self.claim_id,
            "invoice_number": self.invoice_number,
            "disposition": self.disposition,
            "status": self.status,
            "allowed_amount": self.allowed_amount,
            "findings": self.findings,
            "letters": self.letters,
        }


@dataclass
class FileSummary:
    file: str
    key: str
    status: str
    claims: list[ClaimSummary]
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file": self.file,
            "key": self.key,
            "status": self.status,
            "claims": [claim.to_json() for claim in self.claims],
        }
        if self.error:
            data["error"] = self.error
        return data


def store_for(stack: LocalStack) -> ClaimStore:
    names = stack.plan.physical_names()
    tables = Tables(
        **{
            field_name: names[logical_id]
            for field_name, logical_id in (
                ("claims", "ClaimsTable"),
                ("uploads", "UploadsTable"),
                ("reference", "ReferenceTable"),
                ("idempotency", "IdempotencyTable"),
            )
        }
    )
    return ClaimStore(tables, client=stack.client("dynamodb"))


def load_reference(
    stack: LocalStack, reference_dir: Path = REFERENCE_DIR, prefix: str = "reference/demo/", timeout: float = 120
) -> list[str]:
    """Upload the reference CSVs as plan operations would; the loader Lambda puts them in DynamoDB."""
    s3 = stack.client("s3")
    bucket = stack.bucket()
    keys = []
    for name in sorted(Path(reference_dir).glob("*.csv"), key=_reference_rank):
        key = prefix + name.name
        s3.put_object(Bucket=bucket, Key=key, Body=name.read_bytes(), ContentType="text/csv")
        keys.append(key)
    stack.wait_until_settled(timeout=timeout)
    return keys


def _reference_rank(path: Path) -> tuple[int, str]:
    return (REFERENCE_ORDER.index(path.name) if path.name in REFERENCE_ORDER else len(REFERENCE_ORDER), path.name)


def sample_files(uploads_dir: Path = UPLOADS_DIR) -> list[tuple[Path, str]]:
    """(file, S3 key) of every sample upload: samples/uploads/{provider}/... -> uploads/{provider}/..."""
    root = Path(uploads_dir)
    files = sorted(
        path for path in root.rglob("*") if path.is_file() and path.name != "expected.json" and path.parent != root
    )
    return [(path, "uploads/" + path.relative_to(root).as_posix()) for path in files]


def upload_files(stack: LocalStack, files: list[tuple[Path, str]]) -> list[FileProgress]:
    s3 = stack.client("s3")
    bucket = stack.bucket()
    progress = []
    for path, key in files:
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
        progress.append(FileProgress(key))
    return progress


def poll_progress(stack: LocalStack, store: ClaimStore, files: list[FileProgress]) -> None:
    """Update each file's stage from what the pipeline has stored so far (reads only what may have moved)."""
    pending = [item for item in files if not item.done]
    if not pending:
        return
    uploads = _latest_uploads(store)
    has_flow = bool(stack.plan.state_machines)
    for item in pending:
        upload = uploads.get(item.key)
        if upload is None:
            continue
        item.upload = upload
        if upload.status == "QUARANTINED":
            item.stage = "unreadable"
            continue
        if upload.status not in UPLOAD_DONE:
            item.stage = "received"
            continue
        item.claims_total = len(upload.claim_ids)
        for claim_id in upload.claim_ids:
            if claim_id in item.settled_ids:
                continue
            stored = store.get_claim(claim_id)
            if stored is not None and (not has_flow or stored.status not in CLAIM_WORKING):
                item.settled_ids.add(claim_id)
        item.claims_settled = len(item.settled_ids)
        item.stage = "done" if item.claims_settled == item.claims_total else "checked"


def _latest_uploads(store: ClaimStore) -> dict[str, Upload]:
    latest: dict[str, Upload] = {}
    token = None
    while True:
        page, token = store.list_uploads(page_token=token, limit=100)
        for upload in page:
            current = latest.get(upload.key)
            if current is None or (upload.received_at or "") >= (current.received_at or ""):
                latest[upload.key] = upload
        if not token:
            return latest


def wait_for_files(
    stack: LocalStack,
    store: ClaimStore,
    files: list[FileProgress],
    timeout: float = 600,
    on_update: Callable[[list[FileProgress]], None] | None = None,
    interval: float = 1.0,
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        poll_progress(stack, store, files)
        if on_update:
            on_update(files)
        if all(item.done for item in files) and stack.is_settled():
            return
        if time.monotonic() > deadline:
            stuck = [item.key for item in files if not item.done]
            raise TimeoutError(f"not finished after {timeout:.0f} s: {', '.join(stuck) or 'the stack is still busy'}")
        time.sleep(interval)


def summarize(
    stack: LocalStack, store: ClaimStore, files: list[FileProgress], out_dir: Path | None
) -> list[FileSummary]:
    """One entry per file, its claims in file order; letters downloaded to out_dir when given."""
    summaries = []
    for item in files:
        upload = item.upload
        name = item.key.rsplit("/", 1)[-1]
        if upload is None:
            summaries.append(FileSummary(name, item.key, "MISSING", [], "no upload record"))
            continue
        claims = []
        for claim_id in upload.claim_ids:
            stored = store.get_claim(claim_id)
            if stored is None:
                continue
            letters = _download_letters(stack, stored, out_dir) if out_dir else []
            claims.append(
                ClaimSummary(
                    claim_id=claim_id,
                    invoice_number=stored.output.get("elements", {}).get("invoice_number"),
                    disposition=stored.disposition.value,
                    status=stored.status,
                    allowed_amount=stored.output.get("allowed_amount"),
                    findings=[f.to_output() for f in stored.findings if f.severity.value != "warning"],
                    letters=letters,
                )
            )
        error = upload.error_message if upload.status == "QUARANTINED" else None
        summaries.append(FileSummary(name, item.key, str(upload.status), claims, error))
    return summaries


def _download_letters(stack: LocalStack, stored, out_dir: Path) -> list[str]:
    s3 = stack.client("s3")
    written = []
    for letter in stored.letters:
        data = _get_object(s3, [bucket.name for bucket in stack.plan.buckets], letter.s3_key)
        if data is None:
            continue
        label = stored.output.get("elements", {}).get("invoice_number") or stored.claim_id
        suffix = Path(letter.s3_key).suffix or ".pdf"
        path = Path(out_dir) / f"{_safe(label)}-{letter.kind}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(str(path))
    return written


def _get_object(s3, buckets: list[str], key: str) -> bytes | None:
    if key.startswith("s3://"):
        bucket, _, key = key[5:].partition("/")
        buckets = [bucket]
    for bucket in buckets:
        try:
            return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except s3.exceptions.NoSuchKey:
            continue
        except Exception:  # a bucket that does not hold letters
            continue
    return None


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)


def main_findings(findings: list[dict[str, Any]], limit: int = 2, width: int = 110) -> str:
    """The findings that decided the claim, most severe first, one per element and line, shortened."""
    order = {"reject": 0, "rfi": 1, "review": 2, "deny": 3}
    ranked = sorted(findings, key=lambda f: order.get(f.get("severity"), 9))
    shown, seen = [], set()
    for finding in ranked:
        place = (finding.get("element"), finding.get("line"))
        if place in seen and place != (None, None):
            continue
        seen.add(place)
        text = f"{finding['category']}: {finding['message']}"
        shown.append(text if len(text) <= width else text[: width - 1].rstrip() + "…")
    more = len(shown) - limit
    return "\n".join(shown[:limit] + ([f"(+{more} more)"] if more > 0 else []))


@dataclass
class EncounterOutput:
    path: Path | None
    summary: dict[str, Any]
    x12_errors: list[dict[str, Any]]
    check_problems: list[str]


def run_encounters(stack: LocalStack, out_dir: Path) -> EncounterOutput:
    """Fire the daily encounter schedule as EventBridge would, and copy the 837 it wrote into out_dir,
    validated with pyx12 (X222A1) and the encounter checks."""
    from claims_intake.encounters import check_encounter_file

    from ..x12_validation import validate_x12

    summaries = [result for result in stack.fire_schedule() if isinstance(result, dict) and "s3_key" in result]
    summary = next((s for s in summaries if s.get("s3_key")), summaries[0] if summaries else {})
    if not summary.get("s3_key"):
        return EncounterOutput(None, summary, [], [])
    body = stack.client("s3").get_object(Bucket=stack.bucket(), Key=summary["s3_key"])["Body"].read().decode("ascii")
    path = Path(out_dir) / summary["s3_key"].rsplit("/", 1)[-1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="ascii")
    return EncounterOutput(path, summary, validate_x12(body).errors, check_encounter_file(body))
