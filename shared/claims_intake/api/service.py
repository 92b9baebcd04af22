"""The staff queue's business logic, as plain functions over the store, S3 and Step Functions.

The REST resolver (api/resolver.py) only parses requests, calls these and shapes the answers.
Every change goes through ClaimStore, which writes the audit trail (who, when, old and new value).
Answering or rejecting an item resumes the claim's flow with SendTaskSuccess on the task token
the flow left on the queue item; the flow then checks the claim again (or rejects it).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from PIL import Image

from ..check.doubt import is_element, provenance_doubt
from ..clocks import CleanClaimClock, as_date, targets_from_counts
from ..flow.start import start_flow
from ..model import Provenance
from ..store import counters
from ..store.claims import ClaimStore, ConcurrentUpdate, QueueItemNotOpen
from ..store.records import ClaimStatus, QueueItem, QueueStatus, StoredClaim
from .auth import Caller
from .crops import BoxGeometry, CropError, cms1500_box, cms1500_page, crop_box_label, crop_png

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
LETTER_LINK_SECONDS = 15 * 60  # a letter link opens the PDF for a quarter of an hour
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
MAX_DOCUMENT_NAME = 120


class NotFound(LookupError):
    """No such claim or item, or one the caller may not see (a provider never learns which)."""


class Conflict(Exception):
    """The item is no longer open, or the flow no longer waits for it."""


class BadRequest(ValueError):
    pass


@dataclass
class Services:
    """What the queue logic needs; built from the environment in Lambda, injected in tests."""

    store: ClaimStore
    s3: Any
    sfn: Any
    uploads_bucket: str | None
    documents_prefix: str = "documents/"
    state_machine_arn: str | None = None  # the claim flow: a reopened review starts a new run of it
    # Where a value's box is on the form template, and the scanned page turned onto that template.
    locate_box: Callable[[str, str | None], BoxGeometry | None] = cms1500_box
    template_page: Callable[[bytes, int], Image.Image] = cms1500_page
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # reads a held upload again after staff confirm its column mapping (api/mapping_reviews.py)
    reread: Callable[[dict[str, Any]], None] | None = None

    @classmethod
    def from_env(cls) -> Services:
        # SigV4: letter links and provider upload forms are presigned, and objects under a KMS key (the bucket's
        # default) accept only SigV4 signatures; boto3 would sign a presigned POST with SigV2.
        s3 = boto3.client("s3", config=Config(signature_version="s3v4"))
        return cls(
            store=ClaimStore(),
            s3=s3,
            sfn=boto3.client("stepfunctions"),
            uploads_bucket=os.environ.get("UPLOADS_BUCKET"),
            documents_prefix=os.environ.get("DOCUMENTS_PREFIX", "documents/"),
            state_machine_arn=os.environ.get("STATE_MACHINE_ARN"),
            reread=intake_rereader(),
        )

    def today(self) -> date:
        return self.clock().date()


def intake_rereader(environ: Mapping[str, str] | None = None) -> Callable[[dict[str, Any]], None] | None:
    """Asks the intake function (INTAKE_FUNCTION) to read a held upload again, asynchronously."""
    function = (os.environ if environ is None else environ).get("INTAKE_FUNCTION")
    if not function:
        return None
    client = boto3.client("lambda")

    def reread(upload: dict[str, Any]) -> None:
        client.invoke(FunctionName=function, InvocationType="Event", Payload=json.dumps({"reread": upload}).encode())

    return reread


# ---- reading ---------------------------------------------------------------------------------


def _hours_between(start: str, now: datetime) -> float:
    opened = datetime.fromisoformat(start.replace("Z", "+00:00"))
    return (now - opened).total_seconds() / 3600


def queue_item_view(item: QueueItem, services: Services, received: str | None = None) -> dict[str, Any]:
    """A queue row with its clocks: age since opened, time left to the due date, clean-claim clock."""
    now = services.clock()
    view = item.model_dump(exclude={"task_token"}, exclude_none=True)
    age_hours = _hours_between(item.opened_at, now)
    due_hours = -_hours_between(item.due, now)
    view["age"] = {"hours": round(age_hours, 1), "days": int(age_hours // 24)}
    view["due_in"] = {"hours": round(due_hours, 1), "days": int(due_hours / 24), "overdue": due_hours < 0}
    if received and item.plan:
        view["clean_claim_clock"] = CleanClaimClock.for_plan(item.plan, received, services.today()).to_output()
    return view


def list_queue(
    services: Services,
    caller: Caller,
    queue: str,
    status: str = QueueStatus.OPEN.value,
    plan: str | None = None,
    provider: str | None = None,
    min_age_days: int | None = None,
    due_before: date | None = None,
    limit: int = 50,
    next_token: str | None = None,
    assigned_to_me: bool = False,
) -> dict[str, Any]:
    """One page of a queue, soonest due first. A provider is always limited to its own items."""
    if not caller.is_staff:
        if provider and provider != caller.provider_npi:
            return {"items": [], "next_token": None}
        provider = caller.provider_npi
    try:
        page = services.store.list_queue(
            queue=queue,
            status=status,
            plan=plan,
            provider=provider,
            due_before=due_before,
            page_token=next_token,
            limit=limit,
            assigned_to=caller.user if assigned_to_me else None,
        )
    except ValueError as problem:  # a page token that is not ours
        raise BadRequest(str(problem)) from problem
    items = [item for item in page.items if caller.may_see(item.provider_npi)]
    if min_age_days is not None:
        cutoff = services.clock() - timedelta(days=min_age_days)
        items = [item for item in items if datetime.fromisoformat(item.opened_at.replace("Z", "+00:00")) <= cutoff]
    received = services.store.claim_received_dates([item.claim_id for item in items])
    return {
        "items": [queue_item_view(item, services, received.get(item.claim_id)) for item in items],
        "next_token": page.next_token,
    }


def get_claim(services: Services, caller: Caller, claim_id: str, crops: bool = True) -> dict[str, Any]:
    stored = _visible_claim(services, caller, claim_id)
    output = stored.to_output()
    output["disposition"] = stored.disposition.value
    if stored.plan:  # a claim naming no plan we serve has no plan's clock
        output["clean_claim_clock"] = CleanClaimClock.for_plan(
            stored.plan,
            stored.created_at,
            services.today(),
            finalized_on(stored.status, stored.disposition.value, stored.updated_at),
        ).to_output()
    output["queue_items"] = [queue_item_view(item, services, stored.created_at) for item in stored.queue_items]
    output["values"] = scanned_values(services, stored, crops)
    output["letters"] = [letter_view(services, letter) for letter in output.get("letters", [])]
    if not caller.is_staff:
        output.pop("audit", None)  # who did what inside the plan is staff business
        # What staff still verify is not told to the provider as the provider's error (check/doubt.py).
        output["findings"] = [f for f in output.get("findings", []) if f.get("severity") != "review"]
        for item in output["queue_items"]:
            item.pop("doubts", None)
    return output


def finalized_on(status: str, disposition: str, updated_at: str) -> str | None:
    """When the claim was finalized (closed with a final disposition), or None while it is open.

    The remittance date stands for the payment date of the targets: this system stops at the
    decision; the plan's payment run is outside it (docs/api.md)."""
    return counters.finalized_on(status, disposition, updated_at)


def letter_view(services: Services, letter: dict[str, Any]) -> dict[str, Any]:
    """A letter with a presigned link that opens its PDF (the bucket stays private)."""
    view = dict(letter)
    if services.uploads_bucket and letter.get("s3_key"):
        view["url"] = services.s3.generate_presigned_url(
            "get_object",
            ExpiresIn=LETTER_LINK_SECONDS,
            Params={
                "Bucket": services.uploads_bucket,
                "Key": letter["s3_key"],
                "ResponseContentType": "application/pdf",
                "ResponseContentDisposition": f'inline; filename="{letter["s3_key"].rsplit("/", 1)[-1]}"',
            },
        )
    return view


SEARCH_FILTERS = ("plan", "status", "disposition", "provider_npi")


def search_claims(
    services: Services,
    caller: Caller,
    query: str,
    filters: dict[str, str | None],
    limit: int = 25,
    next_token: str | None = None,
) -> dict[str, Any]:
    """Claims found by claim id, invoice number, member CIN, member name or billing NPI (store/search.py).
    A provider's search reads only its own claims' index partition."""
    wanted = {name: value for name, value in filters.items() if name in SEARCH_FILTERS and value}
    provider = None if caller.is_staff else caller.provider_npi
    if provider and wanted.get("provider_npi", provider) != provider:
        return {"items": [], "next_token": None}
    try:
        found, token = services.store.search_claims(
            query, provider=provider, filters=wanted, page_token=next_token, limit=limit
        )
    except ValueError as problem:  # nothing to search for, or a page token that is not ours
        raise BadRequest(str(problem)) from problem
    return {"items": [listed_claim(services, summary) for summary in found], "next_token": token}


def listed_claim(services: Services, summary: dict[str, Any]) -> dict[str, Any]:
    """A claim summary as the API lists it (search, a provider's claims): its clean-claim clock added."""
    summary.pop("search_terms", None)
    summary["clean_claim_clock"] = CleanClaimClock.for_plan(
        summary["plan"],
        summary["created_at"],
        services.today(),
        finalized_on(summary["status"], summary["disposition"], summary["updated_at"]),
    ).to_output()
    return summary


def _visible_claim(services: Services, caller: Caller, claim_id: str) -> StoredClaim:
    stored = services.store.get_claim(claim_id)
    if stored is None or not caller.may_see(stored.output.get("elements", {}).get("billing_provider_npi")):
        raise NotFound(f"no claim {claim_id}")
    return stored


PROVENANCE_KEYS = frozenset(Provenance.model_fields)


def scanned_values(services: Services, stored: StoredClaim, with_crops: bool) -> list[dict[str, Any]]:
    """Each value read from a scan (a page on its provenance), with the crop of its box as a data URL."""
    output = stored.output
    located: list[tuple[int | None, str, dict[str, Any], Any]] = []
    provenance = output.get("provenance", {})
    for element, source in provenance.items():
        if element != "lines" and isinstance(source, dict) and source.get("page"):
            located.append((None, element, source, output.get("elements", {}).get(element)))
    for line, sources in zip(output.get("lines", []), provenance.get("lines", []), strict=False):
        for element, source in sources.items():
            if source.get("page"):
                located.append((line["line_number"], element, source, line.get(element)))
    if not located:
        return []
    scan = _scan_bytes(services, stored) if with_crops else None
    pages: dict[int, Image.Image | CropError] = {}  # each page is registered once per request
    crops: dict[tuple, tuple[str | None, str | None]] = {}  # values read from the same box share its crop
    values = []
    for line, element, source, value in located:
        entry = {
            "element": element,
            "line": line,
            "value": value,
            "raw": source.get("raw"),
            "confidence": source.get("confidence"),
            "page": source.get("page"),
            "box": source.get("box"),
            "corrected": bool(source.get("derived", "") and str(source.get("derived")).startswith("corrected")),
            **({"verified": source["verified"]} if source.get("verified") else {}),
        }
        doubt = provenance_doubt(Provenance.model_validate({k: v for k, v in source.items() if k in PROVENANCE_KEYS}))
        if doubt is not None:  # the check's own doubt (its one threshold): staff verify this value
            entry["doubt"] = doubt[1]
        invalid = (
            output.get("invalid", {})
            if line is None
            else next((out.get("invalid", {}) for out in output["lines"] if out["line_number"] == line), {})
        )
        if element in invalid:
            entry["invalid"] = invalid[element]
        entry["box"] = crop_box_label(element, source.get("box"), source.get("derived"), element in invalid)
        source = {**source, "box": entry["box"]}
        if scan is not None:
            entry["crop"], problem = _crop(services, scan, element, source, pages, crops)
            if problem:
                entry["crop_problem"] = problem
        values.append(entry)
    return values


def scan_location(upload_key: str | None, default_bucket: str | None) -> dict[str, str] | None:
    """Where the claim's original upload is: intake records `s3://bucket/key?versionId=...` (the very
    version it read, store.records.upload_id); a plain key is in the uploads bucket."""
    if not upload_key:
        return None
    if upload_key.startswith("s3://"):
        # Written unquoted (store.records.upload_id): split by hand, the key may hold any character.
        bucket, _, rest = upload_key.removeprefix("s3://").partition("/")
        key, marker, version = rest.rpartition("?versionId=")
        if not marker:
            key = rest.rpartition("?etag=")[0] or rest
        location = {"Bucket": bucket, "Key": key}
        if marker:
            location["VersionId"] = version
        return location
    return {"Bucket": default_bucket, "Key": upload_key} if default_bucket else None


def _scan_bytes(services: Services, stored: StoredClaim) -> bytes | None:
    location = scan_location(stored.upload_key, services.uploads_bucket)
    if location is None:
        return None
    try:
        return services.s3.get_object(**location)["Body"].read()
    except ClientError:
        return None


def _crop(
    services: Services,
    scan: bytes,
    element: str,
    source: dict[str, Any],
    pages: dict[int, Image.Image | CropError],
    crops: dict[tuple, tuple[str | None, str | None]],
) -> tuple[str | None, str | None]:
    box_name = source.get("box")
    geometry = services.locate_box(element, box_name)
    if geometry is None:
        return None, f"no template geometry for {element} in box {box_name!r}"
    number = int(source["page"])
    if (number, geometry) not in crops:
        crops[(number, geometry)] = _cut(services, scan, number, geometry, pages)
    return crops[(number, geometry)]


def _cut(
    services: Services, scan: bytes, number: int, geometry: BoxGeometry, pages: dict[int, Image.Image | CropError]
) -> tuple[str | None, str | None]:
    if number not in pages:
        try:
            pages[number] = services.template_page(scan, number)
        except CropError as problem:
            pages[number] = problem
    page = pages[number]
    if isinstance(page, CropError):
        return None, str(page)
    try:
        png = crop_png(page, number, geometry)
    except CropError as problem:
        return None, str(problem)
    return "data:image/png;base64," + base64.b64encode(png).decode(), None


def metrics(services: Services, caller: Caller) -> dict[str, Any]:
    """Queue counts with their clocks, and the clean-claim payment targets (000; 004 IV.B.2), from the
    running counters (store/counters.py) and counts on the queue index: no read of every claim."""
    caller.require_staff()
    today = services.today()
    tomorrow = (today + timedelta(days=1)).isoformat()
    counts = services.store.queue_counters()
    by_plan, statuses = counters.day_counts_by_plan(services.store.claim_counters())
    queues = {}
    for queue in ("RFI", "REVIEW"):
        running = counts.get(queue, {})
        oldest = services.store.oldest_open(queue)
        queues[queue] = {
            "open": running.get("open", 0),
            "overdue": services.store.count_due(queue, None, today.isoformat()),
            "due_today": services.store.count_due(queue, today.isoformat(), tomorrow),
            "unassigned": running.get("unassigned", 0),
            "oldest_days": round(_hours_between(oldest, services.clock()) / 24, 1) if oldest else None,
            "stopped_claims": 0,
        }
    # reopened MAX_REVIEW_REOPENINGS times: the flow stopped, staff act
    queues["REVIEW"]["stopped_claims"] = statuses.get(ClaimStatus.REVIEW_OVERDUE.value, 0)
    return {"as_of": today.isoformat(), "queues": queues, "payment_targets": targets_from_counts(by_plan, today)}


# ---- actions (staff only) --------------------------------------------------------------------


def _open_item(services: Services, caller: Caller, claim_id: str, item_id: str) -> tuple[StoredClaim, QueueItem]:
    caller.require_staff()
    stored = _visible_claim(services, caller, claim_id)
    item = next((i for i in stored.queue_items if i.item_id == item_id), None)
    if item is None:
        raise NotFound(f"no queue item {item_id} on claim {claim_id}")
    if item.status != QueueStatus.OPEN.value:
        raise Conflict(f"queue item {item_id} is {item.status}, not OPEN")
    return stored, item


def assign(services: Services, caller: Caller, claim_id: str, item_id: str) -> dict[str, Any]:
    _open_item(services, caller, claim_id, item_id)
    return queue_item_view(services.store.assign_queue_item(claim_id, item_id, caller.user), services)


def correct_value(
    services: Services,
    caller: Caller,
    claim_id: str,
    element: str,
    line: int | None,
    value: Any,
    note: str | None = None,
) -> dict[str, Any]:
    caller.require_staff()
    _visible_claim(services, caller, claim_id)
    try:
        services.store.correct_value(claim_id, element, line, value, caller.user, note)
    except ValueError as problem:
        raise BadRequest(str(problem)) from problem
    return get_claim(services, caller, claim_id, crops=False)


def extend_due(
    services: Services, caller: Caller, claim_id: str, item_id: str, due: date, note: str | None = None
) -> dict[str, Any]:
    _, item = _open_item(services, caller, claim_id, item_id)
    if due <= as_date(item.due):
        raise BadRequest(
            f"the new due date {due.isoformat()} is not after the current one {as_date(item.due).isoformat()}"
        )
    # Due at the end of that day (UTC), like the response windows the flow opens.
    end_of_day = datetime(due.year, due.month, due.day, 23, 59, 59, tzinfo=UTC)
    # The flow's wait has a fixed timeout: spend its token on {"action": "extended"} so it waits again,
    # on this same item, until the new due date (the token comes off the item until the flow attaches
    # its new one; an answer meanwhile is picked up by the flow from the item).
    try:
        extended = services.store.extend_queue_item(
            claim_id, item_id, end_of_day, caller.user, note, release_token=item.task_token
        )
    except QueueItemNotOpen as problem:
        raise Conflict(f"queue item {item_id} changed meanwhile; reload it ({problem})") from problem
    view = queue_item_view(extended, services)
    if item.task_token:
        payload = {
            "action": "extended",
            "due": extended.due,
            "note": note,
            "claim_id": claim_id,
            "item_id": item_id,
            "queue": item.queue,
            "actor": caller.user,
        }
        _resume(services, caller, claim_id, item_id, item.task_token, payload)
        view["flow_resumed"] = True
    return view


def answer(
    services: Services,
    caller: Caller,
    claim_id: str,
    item_id: str,
    corrections: list[dict[str, Any]],
    documents: list[dict[str, str]],
    note: str | None = None,
) -> dict[str, Any]:
    """Record the provider's answer (RFI) or the verification (REVIEW), then resume the flow.

    Corrections are applied one by one (each audited with its old value); documents are stored in
    S3 under documents/{claim}/; answering a REVIEW item confirms every other doubtful value it lists
    as read (staff verified them against the upload: the re-check takes them as sure); the item is
    closed as ANSWERED (only one staff member can) and the flow gets {"action": "answered", ...}
    through SendTaskSuccess and checks the claim again.
    """
    stored, item = _open_item(services, caller, claim_id, item_id)
    # All or nothing: every document is decoded and every correction parsed before anything is written.
    decoded = _decode_documents(documents)
    if decoded and not services.uploads_bucket:
        raise BadRequest("documents cannot be stored: no uploads bucket is configured")
    applied = apply_corrections(services, claim_id, corrections, caller.user, note)
    stored_documents = [
        _store_document(services, claim_id, item_id, name, content, content_type)
        for name, content, content_type in decoded
    ]
    resolution = {"action": "answered", "corrections": applied, "documents": stored_documents, "note": note}
    if item.queue == "REVIEW":
        resolution["verified"] = _verify_the_rest(services, caller, stored, applied, note)
    return _close_and_resume(services, caller, claim_id, item_id, QueueStatus.ANSWERED.value, resolution)


def _verify_the_rest(
    services: Services, caller: Caller, stored: StoredClaim, corrected: list[dict[str, Any]], note: str | None
) -> list[dict[str, Any]]:
    """The doubtful values of the claim's REVIEW findings that staff did not correct: confirmed as read."""
    done = {(c["element"], c.get("line")) for c in corrected}
    values = [
        (doubt.element, doubt.line)
        for finding in stored.findings
        for doubt in finding.doubts
        if (doubt.element, doubt.line) not in done
    ]
    services.store.verify_values(stored.claim_id, values, caller.user, note)
    return [{"element": element, "line": line} for element, line in dict.fromkeys(values) if is_element(element, line)]


def reject(services: Services, caller: Caller, claim_id: str, item_id: str, reason: str) -> dict[str, Any]:
    """Reject the claim from the queue: the flow gets {"action": "rejected", "reason": ...} and writes the letter."""
    _open_item(services, caller, claim_id, item_id)
    resolution = {"action": "rejected", "reason": reason}
    return _close_and_resume(services, caller, claim_id, item_id, QueueStatus.CLOSED.value, resolution)


def reopen_review(services: Services, caller: Caller, claim_id: str, note: str | None = None) -> dict[str, Any]:
    """Give a claim whose review ran out MAX_REVIEW_REOPENINGS times (REVIEW_OVERDUE, its flow ended) a
    new run of its flow, which opens a new REVIEW item with fresh reopenings. The status check and the
    move to CHECKED are one conditional write, so two clicks start one run."""
    caller.require_staff()
    stored = _visible_claim(services, caller, claim_id)
    overdue = ClaimStatus.REVIEW_OVERDUE.value
    if stored.status != overdue:
        raise Conflict(
            f"claim {claim_id} is {stored.status}: only a claim whose review ran out ({overdue}) is reopened"
        )
    if not services.state_machine_arn:
        raise RuntimeError("STATE_MACHINE_ARN is not set: the claim flow cannot be started")
    attempt = f"reopen-{1 + sum(1 for entry in stored.audit if entry.action == 'review_reopened')}"
    try:
        services.store.set_status(
            claim_id,
            ClaimStatus.CHECKED.value,
            caller.user,
            expected_status=overdue,
            note="review reopened: the flow opens a new REVIEW item",
        )
    except ConcurrentUpdate as problem:
        raise Conflict(f"claim {claim_id} changed meanwhile (reopened already?): {problem}") from problem
    try:
        execution = start_flow(services.sfn, services.state_machine_arn, claim_id, attempt=attempt)
    except ClientError:
        services.store.set_status(claim_id, overdue, caller.user, note="the flow could not be started")
        raise
    services.store.append_audit(
        claim_id, caller.user, "review_reopened", note, {"execution": execution.rsplit(":", 1)[-1]}
    )
    return get_claim(services, caller, claim_id, crops=False)


def _close_and_resume(
    services: Services, caller: Caller, claim_id: str, item_id: str, status: str, resolution: dict[str, Any]
) -> dict[str, Any]:
    try:
        item = services.store.close_queue_item(
            claim_id,
            item_id,
            caller.user,
            resolution,
            status=status,
            note=resolution.get("note") or resolution.get("reason"),
        )
    except QueueItemNotOpen as problem:
        raise Conflict(str(problem)) from problem
    resumed = False
    if item.task_token:
        payload = {**resolution, "claim_id": claim_id, "item_id": item_id, "queue": item.queue, "actor": caller.user}
        _resume(services, caller, claim_id, item_id, item.task_token, payload)
        resumed = True
    # No token: none was ever attached, or the flow is re-entering its wait after an extension and
    # takes this resolution from the closed item itself (flow task take_resolution).
    view = queue_item_view(item, services)
    view["flow_resumed"] = resumed
    return view


def _resume(
    services: Services, caller: Caller, claim_id: str, item_id: str, token: str, payload: dict[str, Any]
) -> None:
    try:
        services.sfn.send_task_success(taskToken=token, output=json.dumps(payload))
    except ClientError as error:
        code = error.response["Error"]["Code"]
        services.store.append_audit(claim_id, caller.user, "flow_not_resumed", code, {"item_id": item_id})
        raise Conflict(
            f"the item is {'closed' if payload['action'] != 'extended' else 'extended'} but the flow "
            f"no longer waits for it ({code}): its response window has probably run out"
        ) from error


def apply_corrections(
    services: Services, claim_id: str, corrections: list[dict[str, Any]], user: str, note: str | None
) -> list[dict[str, Any]]:
    """The corrections written to the claim (one write, all or none; a value that does not parse is a 400),
    as the resolution records them."""
    if corrections:
        try:
            services.store.correct_values(
                claim_id, [(c["element"], c.get("line"), c["value"]) for c in corrections], user, note
            )
        except ValueError as problem:
            raise BadRequest(str(problem)) from problem
    return [{k: correction.get(k) for k in ("element", "line", "value")} for correction in corrections]


def _decode_documents(documents: list[dict[str, str]]) -> list[tuple[str, bytes, str]]:
    """(name, bytes, content type) of each document, names made safe and distinct, or BadRequest."""
    decoded, names = [], set()
    for document in documents:
        name = SAFE_NAME.sub("_", document.get("name") or "document").strip("._")[:MAX_DOCUMENT_NAME] or "document"
        try:
            content = base64.b64decode(document["content_base64"], validate=True)
        except (KeyError, binascii.Error) as problem:
            raise BadRequest(f"document {name}: content_base64 is not base64") from problem
        if not content:
            raise BadRequest(f"document {name} is empty (0 bytes)")
        if len(content) > MAX_DOCUMENT_BYTES:
            raise BadRequest(f"document {name} is over {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
        stem, dot, suffix = name.rpartition(".")
        unique, number = name, 1
        while unique.lower() in names:  # '../lease.pdf' and 'lease.pdf' are both kept
            number += 1
            unique = f"{stem}-{number}.{suffix}" if dot else f"{name}-{number}"
        names.add(unique.lower())
        decoded.append((unique, content, document.get("content_type") or "application/octet-stream"))
    return decoded


def _store_document(
    services: Services, claim_id: str, item_id: str, name: str, content: bytes, content_type: str
) -> dict[str, Any]:
    if not services.uploads_bucket:
        raise BadRequest("documents cannot be stored: no uploads bucket is configured")
    key = f"{services.documents_prefix}{claim_id}/{item_id}/{name}"
    services.s3.put_object(Bucket=services.uploads_bucket, Key=key, Body=content, ContentType=content_type)
    return {"name": name, "s3_key": key, "bytes": len(content)}
