"""ClaimStore: uploads, checked claims, audit trail, letters and staff queue items in DynamoDB.

Keys and access patterns are in docs/dynamodb.md. In short, the claims table holds one item
collection per claim (partition `CLAIM#{id}`):

    HEADER            the claim's elements, findings, disposition, workflow status, version
    LINE#0001...      one item per service line (also the member's service history, via GSIs)
    AUDIT#{at}#{n}    append-only audit trail (conditional puts, never updated)
    LETTER#{at}#{k}   letters produced for the claim (S3 keys)
    QUEUE#{item_id}   staff queue items (RFI, REVIEW), holding the Step Functions task token

A claim and its lines (and the audit entry saying why) are written in one TransactWriteItems,
guarded by the header's version number, so a reader never sees half a claim and two writers never
overwrite each other silently.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import boto3
from botocore.exceptions import ClientError

from ..check.result import (
    FINAL_DISPOSITIONS,
    CheckResult,
    ClaimDisposition,
    LineDisposition,
    is_element,
    review_values,
)
from ..elements import claim_keys, line_keys
from ..model import Claim, Provenance, ServiceLine, to_json_value
from . import counters, search
from .codec import as_iso, decode_token, encode_token, from_item, iso, plain, to_item, to_value
from .records import (
    AuditEntry,
    ClaimStatus,
    Letter,
    QueueItem,
    QueuePage,
    QueueStatus,
    StoredClaim,
    Upload,
    UploadStatus,
    upload_request_id,
)
from .tables import Tables

MAX_TRANSACTION_ITEMS = 100  # DynamoDB's TransactWriteItems limit
# A transaction cancelled only because an item was throttled or touched by another transaction can be
# sent again as it is; botocore does not retry these (the error is TransactionCanceledException).
RETRYABLE_CANCELLATIONS = {"ThrottlingError", "TransactionConflict", "ProvisionedThroughputExceeded"}
TRANSACTION_ATTEMPTS = 5
TRANSACTION_BACKOFF_SECONDS = 0.05  # doubled each attempt, with full jitter
HEADER = "HEADER"
LISTED_FILTERS = ("plan", "status", "disposition")  # projected by the by_provider index
HISTORY_INDEX_ATTRIBUTES = ("history_member", "history_sort", "history_invoice")


class StoreError(Exception):
    """Base of the store's errors."""


class ClaimNotFound(StoreError, LookupError):
    pass


class QueueItemNotFound(StoreError, LookupError):
    pass


class ConcurrentUpdate(StoreError):
    """Someone else changed the claim (or queue item) since it was read: read again and retry."""


class ClaimTooLarge(StoreError):
    """More service lines than one transaction can hold."""


class QueueItemNotOpen(StoreError):
    pass


def claim_pk(claim_id: str) -> str:
    return f"CLAIM#{claim_id}"


def line_sk(index: int) -> str:
    return f"LINE#{index:04d}"


class ClaimStore:
    def __init__(self, tables: Tables | None = None, client=None, clock: Callable[[], datetime] | None = None):
        self.tables = tables or Tables.from_env()
        self.client = client or boto3.client("dynamodb")
        self._clock = clock or (lambda: datetime.now(UTC))
        self._sleep = time.sleep

    def now(self) -> str:
        return iso(self._clock())

    # ---- uploads -----------------------------------------------------------------------------

    def put_upload(self, upload: Upload) -> Upload:
        """Create or replace the record of one uploaded object version."""
        now = self.now()
        upload = upload.model_copy(update={"received_at": upload.received_at or now, "updated_at": now})
        self.client.put_item(TableName=self.tables.uploads, Item=to_item(_without_none(upload.model_dump(mode="json"))))
        return upload

    def drop_upload_request(self, bucket: str, key: str) -> None:
        """The file of an issued upload URL arrived: its REQUESTED record gives way to the upload's own."""
        try:
            self.client.delete_item(
                TableName=self.tables.uploads,
                Key={"upload_id": {"S": upload_request_id(bucket, key)}},
                ConditionExpression="#s = :requested",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":requested": {"S": UploadStatus.REQUESTED.value}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def get_upload(self, upload_id: str) -> Upload | None:
        item = self.client.get_item(
            TableName=self.tables.uploads, Key={"upload_id": {"S": upload_id}}, ConsistentRead=True
        ).get("Item")
        return Upload(**plain(from_item(item))) if item else None

    def list_uploads(
        self, provider: str | None = None, status: str | None = None, page_token: str | None = None, limit: int = 100
    ) -> tuple[list[Upload], str | None]:
        """Uploads of one provider (newest first), or in one status, or all of them (a scan)."""
        request: dict[str, Any] = {"TableName": self.tables.uploads, "Limit": limit}
        if page_token:
            request["ExclusiveStartKey"] = decode_token(page_token)
        if provider:
            request.update(
                IndexName="by_provider",
                ScanIndexForward=False,
                KeyConditionExpression="provider = :p",
                ExpressionAttributeValues={":p": {"S": provider}},
            )
            if status:
                request.update(FilterExpression="#s = :s", ExpressionAttributeNames={"#s": "status"})
                request["ExpressionAttributeValues"][":s"] = {"S": status}
            page = self.client.query(**request)
        elif status:
            request.update(
                IndexName="by_status",
                KeyConditionExpression="#s = :s",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":s": {"S": status}},
            )
            page = self.client.query(**request)
        else:
            page = self.client.scan(**request)
        uploads = [Upload(**plain(from_item(item))) for item in page.get("Items", [])]
        return uploads, encode_token(page.get("LastEvaluatedKey"))

    # ---- claims ------------------------------------------------------------------------------

    def save_checked_claim(
        self, result: CheckResult, upload_key: str | None, actor: str = "intake", note: str | None = None
    ) -> str:
        """Store a checked claim with its lines; a second save of the same claim id is a re-check.

        The claim id comes from `result.claim.claim_id` (the pipeline derives it from the upload,
        so a re-delivered upload overwrites rather than duplicates). Returns the claim id.
        """
        claim_id = result.claim.claim_id
        if not claim_id:
            raise ValueError("the claim has no claim_id: assign one before saving")
        existing = self._read_items(claim_id)
        header = existing.get(HEADER)
        action = "rechecked" if header else "checked"
        audit = self._audit_put(
            claim_id, actor, action, note, {"disposition": result.disposition.value, "upload_key": upload_key}
        )
        self._write_claim(
            result,
            existing,
            status=ClaimStatus.CHECKED.value,
            upload_key=upload_key if upload_key is not None else (header or {}).get("upload_key"),
            extra=[audit],
        )
        return claim_id

    def get_claim(self, claim_id: str) -> StoredClaim | None:
        items = self._read_items(claim_id)
        header = items.get(HEADER)
        if header is None:
            return None
        lines = [items[sk] for sk in sorted(items) if sk.startswith("LINE#")]
        output = plain(header["doc"])
        output["lines"] = [plain(line["doc"]) for line in lines]
        output["provenance"] = {
            **output.get("provenance", {}),
            "lines": [plain(line.get("provenance", {})) for line in lines],
        }
        if any(line.get("confidence") for line in lines) or "confidence" in output:
            output.setdefault("confidence", {})["lines"] = [plain(line.get("confidence", {})) for line in lines]
        return StoredClaim(
            claim_id=claim_id,
            plan=header["plan"],
            disposition=header["disposition"],
            status=header["status"],
            upload_key=header.get("upload_key"),
            created_at=header["created_at"],
            updated_at=header["updated_at"],
            version=int(header["version"]),
            output=output,
            pages=[int(p) for p in header.get("pages", [])],
            audit=[AuditEntry(**plain(items[sk])) for sk in sorted(items) if sk.startswith("AUDIT#")],
            letters=[Letter(**plain(items[sk])) for sk in sorted(items) if sk.startswith("LETTER#")],
            queue_items=[_queue_item(items[sk]) for sk in sorted(items) if sk.startswith("QUEUE#")],
        )

    def require_claim(self, claim_id: str) -> StoredClaim:
        stored = self.get_claim(claim_id)
        if stored is None:
            raise ClaimNotFound(f"no claim {claim_id}")
        return stored

    def list_claims(
        self,
        provider_npi: str,
        page_token: str | None = None,
        limit: int = 50,
        filters: dict[str, str] | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A provider's claims, newest first: summaries (id, invoice, plan, disposition, status, dates).
        `filters` (plan, status, disposition: attributes the index projects) are applied after the read
        of `limit` entries: a page can be short, with a token to read on."""
        request: dict[str, Any] = {
            "TableName": self.tables.claims,
            "IndexName": "by_provider",
            "Limit": limit,
            "ScanIndexForward": False,
            "KeyConditionExpression": "claim_provider = :p",
            "ExpressionAttributeValues": {":p": {"S": provider_npi}},
        }
        wanted = {name: value for name, value in (filters or {}).items() if name in LISTED_FILTERS and value}
        if wanted:
            request["FilterExpression"] = " AND ".join(f"#{name} = :{name}" for name in wanted)
            request["ExpressionAttributeNames"] = {f"#{name}": name for name in wanted}
            request["ExpressionAttributeValues"].update({f":{name}": {"S": value} for name, value in wanted.items()})
        if page_token:
            request["ExclusiveStartKey"] = decode_token(page_token)
        page = self.client.query(**request)
        return [plain(from_item(item)) for item in page.get("Items", [])], encode_token(page.get("LastEvaluatedKey"))

    def set_status(
        self,
        claim_id: str,
        status: str,
        actor: str,
        note: str | None = None,
        disposition: ClaimDisposition | str | None = None,
        expected_status: str | None = None,
    ) -> int:
        """Move the claim to a workflow status (and optionally a new disposition); audited.

        A claim that ends REJECTED leaves the member's service history (it was never entered), so
        its lines stop counting for frequency and duplicate rules. With `expected_status`, the claim
        must be in that status (else ConcurrentUpdate). Returns the new version.
        """
        items = self._read_items(claim_id)
        header = items.get(HEADER)
        if header is None:
            raise ClaimNotFound(f"no claim {claim_id}")
        if expected_status is not None and header["status"] != expected_status:
            raise ConcurrentUpdate(f"claim {claim_id} is {header['status']}, not {expected_status}")
        new_disposition = ClaimDisposition(disposition or header["disposition"]).value
        version = int(header["version"])
        now = self.now()
        names = {"#s": "status", "#d": "disposition", "#doc": "doc"}
        values = {
            ":s": to_value(status),
            ":d": to_value(new_disposition),
            ":u": to_value(now),
            ":v": to_value(version),
            ":one": to_value(1),
        }
        operations = [
            {
                "Update": {
                    "TableName": self.tables.claims,
                    "Key": _key(claim_pk(claim_id), HEADER),
                    "UpdateExpression": "SET #s = :s, #d = :d, #doc.#d = :d, updated_at = :u, version = version + :one",
                    "ConditionExpression": "version = :v",
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            }
        ]
        entered = _entered(new_disposition, status)
        for sk, line in items.items():
            if sk.startswith("LINE#"):
                operations.extend(self._history_toggle(claim_id, sk, line, entered))
        changed = {**header, "status": status, "disposition": new_disposition, "updated_at": now}
        operations.extend(
            counters.add_operations(
                self.tables.claims, counters.CLAIM_COUNTERS_PK, counters.claim_delta(header, changed)
            )
        )
        operations.append(
            self._audit_put(
                claim_id,
                actor,
                "status",
                note,
                {
                    "from": header["status"],
                    "to": status,
                    **(
                        {"disposition_from": header["disposition"], "disposition_to": new_disposition}
                        if new_disposition != header["disposition"]
                        else {}
                    ),
                },
            )
        )
        self._transact(operations)
        return version + 1

    def append_audit(
        self, claim_id: str, actor: str, action: str, note: str | None = None, details: dict[str, Any] | None = None
    ) -> AuditEntry:
        """Add one entry to the claim's audit trail (entries are only ever added)."""
        operation = self._audit_put(claim_id, actor, action, note, details or {})
        self._transact([self._claim_exists(claim_id), operation])
        return AuditEntry(**plain(from_item(operation["Put"]["Item"])))

    def record_letter(self, claim_id: str, kind: str, s3_key: str, actor: str, note: str | None = None) -> Letter:
        now = self.now()
        letter = Letter(kind=kind, s3_key=s3_key, at=now, actor=actor, note=note)
        item = {"pk": claim_pk(claim_id), "sk": f"LETTER#{now}#{kind}", **_without_none(letter.model_dump())}
        self._transact(
            [
                self._claim_exists(claim_id),
                {
                    "Put": {
                        "TableName": self.tables.claims,
                        "Item": to_item(item),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                self._audit_put(claim_id, actor, "letter", note, {"kind": kind, "s3_key": s3_key}),
            ]
        )
        return letter

    def correct_value(
        self, claim_id: str, element: str, line: int | None, new_value: Any, actor: str, note: str | None = None
    ) -> StoredClaim:
        """Staff correct (or verify) one element; the old value stays in the audit trail.

        `line` is the service line number for line elements, None for claim elements. The value is
        parsed like an extracted one (ValueError with the reason if it is not valid); its provenance
        keeps the file/page/box it came from and is marked as corrected and verified by staff (so the
        check takes it as sure: claims_intake.check.doubt), without an OCR confidence.
        """
        return self.correct_values(claim_id, [(element, line, new_value)], actor, note)

    def correct_values(
        self, claim_id: str, corrections: list[tuple[str, int | None, Any]], actor: str, note: str | None = None
    ) -> StoredClaim:
        """Several corrections, all or none: every one is parsed before anything is written (ValueError
        naming the first bad one), then the claim and one audit entry each are written in one transaction."""
        stored = self.require_claim(claim_id)
        result = stored.check_result()
        audits = [
            self._audit_put(
                claim_id,
                actor,
                "correct_value",
                note,
                _apply_correction(claim_id, result, element, line, value, actor, self.now()),
            )
            for element, line, value in corrections
        ]
        items = self._read_items(claim_id)
        if int(items[HEADER]["version"]) != stored.version:
            raise ConcurrentUpdate(f"claim {claim_id} changed while being corrected")
        self._write_claim(result, items, status=stored.status, upload_key=stored.upload_key, extra=audits)
        return self.require_claim(claim_id)

    def verify_values(
        self, claim_id: str, values: list[tuple[str, int | None]], actor: str, note: str | None = None
    ) -> StoredClaim:
        """Staff confirm values as read (against the scan or sheet): each value's provenance records who
        verified it, so the re-check takes it as sure. A value with no reading (an element no column
        held) is confirmed missing. Values already verified and non-elements are left alone; audited."""
        stored = self.require_claim(claim_id)
        result = stored.check_result()
        lines = {line.line_number: line for line in result.claim.lines}
        stamp = f"verified by {actor} at {self.now()}"
        done = []
        for element, line in dict.fromkeys(values):
            target = result.claim if line is None else lines.get(line)
            if target is None or not is_element(element, line):
                continue
            source = target.provenance.get(element)
            if source is not None and source.verified:
                continue
            target.provenance[element] = (source or Provenance()).model_copy(update={"verified": stamp})
            done.append({"element": element, "line": line})
        if not done:
            return stored
        audit = self._audit_put(claim_id, actor, "verify_values", note, {"values": done})
        items = self._read_items(claim_id)
        if int(items[HEADER]["version"]) != stored.version:
            raise ConcurrentUpdate(f"claim {claim_id} changed while its values were verified")
        self._write_claim(result, items, status=stored.status, upload_key=stored.upload_key, extra=[audit])
        return self.require_claim(claim_id)

    # ---- staff queues ------------------------------------------------------------------------

    def open_queue_item(
        self,
        claim_id: str,
        queue: str,
        task_token: str | None,
        due: datetime | date | str,
        actor: str = "flow",
        reason: str | None = None,
    ) -> QueueItem:
        """Put the claim in a staff queue (RFI or REVIEW) until `due`, holding the flow's task token."""
        stored = self.require_claim(claim_id)
        now = self.now()
        elements = stored.output.get("elements", {})
        item = QueueItem(
            claim_id=claim_id,
            item_id=f"{queue}-{now.replace('-', '').replace(':', '').replace('.', '')}",
            queue=queue,
            status=QueueStatus.OPEN.value,
            due=as_iso(due),
            opened_at=now,
            task_token=task_token,
            plan=stored.plan,
            provider_npi=elements.get("billing_provider_npi"),
            invoice_number=elements.get("invoice_number"),
            reason=reason,
            doubts=review_values(stored.findings) if queue == "REVIEW" else [],
        )
        self._transact(
            [
                self._claim_exists(claim_id),
                {
                    "Put": {
                        "TableName": self.tables.claims,
                        "Item": to_item(_queue_attributes(item)),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                self._audit_put(
                    claim_id, actor, "queue_open", reason, {"queue": queue, "item_id": item.item_id, "due": item.due}
                ),
                *self._queue_counts(queue, open=1, unassigned=1),
            ]
        )
        return item

    def _queue_counts(self, queue: str, **counts: int) -> list[dict[str, Any]]:
        changed = {name: n for name, n in counts.items() if n}
        return counters.add_operations(
            self.tables.claims, counters.QUEUE_COUNTERS_PK, {queue: changed} if changed else {}
        )

    def _unchanged_assignee(self, update: dict[str, Any], item: QueueItem) -> dict[str, Any]:
        """The counters assume the assignee read with the item: the update holds only if it is still that one."""
        body = update["Update"]
        body["ExpressionAttributeNames"]["#assignee"] = "assigned_to"
        if item.assigned_to:
            body["ConditionExpression"] += " AND #assignee = :assignee"
            body["ExpressionAttributeValues"][":assignee"] = to_value(item.assigned_to)
        else:
            body["ConditionExpression"] += " AND attribute_not_exists(#assignee)"
        return update

    def get_queue_item(self, claim_id: str, item_id: str) -> QueueItem:
        item = self.client.get_item(
            TableName=self.tables.claims, Key=_key(claim_pk(claim_id), f"QUEUE#{item_id}"), ConsistentRead=True
        ).get("Item")
        if not item:
            raise QueueItemNotFound(f"no queue item {item_id} on claim {claim_id}")
        return _queue_item(from_item(item))

    def list_queue(
        self,
        queue: str,
        status: str = QueueStatus.OPEN.value,
        plan: str | None = None,
        provider: str | None = None,
        due_before: datetime | date | str | None = None,
        page_token: str | None = None,
        limit: int = 50,
        assigned_to: str | None = None,
    ) -> QueuePage:
        """Items of one queue in one status, soonest due first; plan, provider and assignee filter the page."""
        condition = "queue_status = :qs"
        values: dict[str, Any] = {":qs": {"S": f"{queue}#{status}"}}
        if due_before is not None:
            condition += " AND queue_due < :due"
            values[":due"] = {"S": as_iso(due_before)}
        filters, names = [], {}
        if plan:
            filters.append("#plan = :plan")
            names["#plan"] = "plan"
            values[":plan"] = {"S": plan}
        if provider:
            filters.append("provider_npi = :provider")
            values[":provider"] = {"S": provider}
        if assigned_to:
            filters.append("assigned_to = :assignee")
            values[":assignee"] = {"S": assigned_to}
        request: dict[str, Any] = {
            "TableName": self.tables.claims,
            "IndexName": "by_queue",
            "Limit": limit,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        if filters:
            request["FilterExpression"] = " AND ".join(filters)
        if names:
            request["ExpressionAttributeNames"] = names
        if page_token:
            request["ExclusiveStartKey"] = decode_token(page_token)
        page = self.client.query(**request)
        return QueuePage(
            items=[_queue_item(from_item(item)) for item in page.get("Items", [])],
            next_token=encode_token(page.get("LastEvaluatedKey")),
        )

    def close_queue_item(
        self,
        claim_id: str,
        item_id: str,
        actor: str,
        resolution: dict[str, Any] | None = None,
        status: str = QueueStatus.CLOSED.value,
        note: str | None = None,
    ) -> QueueItem:
        """Close an open item (ANSWERED, EXPIRED or CLOSED); returns it with its task token.

        Only an OPEN item can be closed: of two staff resolving the same item, one gets QueueItemNotOpen.
        """
        now = self.now()
        item = self.get_queue_item(claim_id, item_id)
        update = {
            "status": status,
            "queue_status": f"{item.queue}#{status}",
            "closed_at": now,
            "closed_by": actor,
            "resolution": resolution or {},
        }
        self._transact(
            [
                self._unchanged_assignee(self._queue_update(claim_id, item_id, update, require_open=True), item),
                self._audit_put(
                    claim_id, actor, "queue_close", note, {"queue": item.queue, "item_id": item_id, "status": status}
                ),
                *self._queue_counts(item.queue, open=-1, unassigned=-1 if not item.assigned_to else 0),
            ],
            not_open=item_id,
        )
        return self.get_queue_item(claim_id, item_id)

    def assign_queue_item(self, claim_id: str, item_id: str, actor: str) -> QueueItem:
        item = self.get_queue_item(claim_id, item_id)
        self._transact(
            [
                self._unchanged_assignee(
                    self._queue_update(claim_id, item_id, {"assigned_to": actor}, require_open=True), item
                ),
                self._audit_put(claim_id, actor, "queue_assign", None, {"item_id": item_id}),
                *self._queue_counts(item.queue, unassigned=-1 if not item.assigned_to else 0),
            ],
            not_open=item_id,
        )
        return self.get_queue_item(claim_id, item_id)

    def extend_queue_item(
        self,
        claim_id: str,
        item_id: str,
        due: datetime | date | str,
        actor: str,
        note: str | None = None,
        release_token: str | None = None,
    ) -> QueueItem:
        """Move an open item's due date. `release_token`: the item's task token, which the caller is about
        to spend telling the flow to wait longer; it is taken off the item (only if it is still that token)
        until the flow waits again and attaches its new one (attach_task_token)."""
        item = self.get_queue_item(claim_id, item_id)
        new_due = as_iso(due)
        update = self._queue_update(
            claim_id, item_id, {"due": new_due, "queue_due": f"{new_due}#{claim_id}#{item_id}"}, require_open=True
        )
        if release_token:
            update["Update"]["UpdateExpression"] += " REMOVE task_token"
            update["Update"]["ConditionExpression"] += " AND task_token = :token"
            update["Update"]["ExpressionAttributeValues"][":token"] = to_value(release_token)
        self._transact(
            [
                update,
                self._audit_put(
                    claim_id, actor, "queue_extend", note, {"item_id": item_id, "from": item.due, "to": new_due}
                ),
            ],
            not_open=item_id,
        )
        return self.get_queue_item(claim_id, item_id)

    def attach_task_token(self, claim_id: str, item_id: str, task_token: str, due: str) -> bool:
        """The flow waits again on an extended item: put its new task token on the item, if the item is
        still OPEN and still due `due` (what the flow's new timeout was computed from). False otherwise."""
        update = self._queue_update(claim_id, item_id, {"task_token": task_token}, require_open=True)
        update["Update"]["ConditionExpression"] += " AND #due = :due"
        update["Update"]["ExpressionAttributeNames"]["#due"] = "due"
        update["Update"]["ExpressionAttributeValues"][":due"] = to_value(due)
        try:
            self._transact([update], not_open=item_id)
        except QueueItemNotOpen:
            return False
        return True

    # ---- staff queue reads (queue API: clocks and metrics) --------------------------------------

    def iter_queue(self, queue: str, status: str = QueueStatus.OPEN.value) -> Iterator[QueueItem]:
        """Every item of one queue in one status, soonest due first (all pages)."""
        token = None
        while True:
            page = self.list_queue(queue, status, page_token=token, limit=100)
            yield from page.items
            token = page.next_token
            if not token:
                return

    def claim_received_dates(self, claim_ids: list[str]) -> dict[str, str]:
        """When each claim was received (its header's created_at), in one BatchGetItem per 100 ids."""
        unique = list(dict.fromkeys(claim_ids))
        received: dict[str, str] = {}
        for start in range(0, len(unique), 100):
            keys = [_key(claim_pk(claim_id), HEADER) for claim_id in unique[start : start + 100]]
            request = {self.tables.claims: {"Keys": keys, "ProjectionExpression": "claim_id, created_at"}}
            while request:
                answer = self.client.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self.tables.claims, []):
                    values = from_item(item)
                    received[values["claim_id"]] = values["created_at"]
                request = answer.get("UnprocessedKeys") or {}
        return received

    # ---- search (store/search.py) -------------------------------------------------------------

    def search_claims(
        self,
        query: str,
        provider: str | None = None,
        filters: dict[str, str] | None = None,
        page_token: str | None = None,
        limit: int = 25,
        max_reads: int = 2000,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Claims having, for every word of `query`, a term starting with it: summaries and the next page's token.

        One word is read from the index in term order (a claim found by two of its terms is listed once);
        the other words are checked by DynamoDB on the same index entries (their projected `search_text`),
        so only matching claims come back. Of several words, the rarest is read: a short probe of each
        (longest first) that reads a word whole, or fills the page, settles it; else the longest is read.
        Only the claims of the page are read from their headers (summaries, and the filters plan, status,
        disposition). `provider` (or the filter provider_npi) reads that provider's index partition only.
        At most about `max_reads` index entries are read per call: a page can come back short, with a token
        to read on."""
        if not search.query_words(query):
            raise ValueError(f"type at least {search.MIN_WORD} letters or digits")
        wanted = {name: value for name, value in (filters or {}).items() if value}
        partition = wanted.pop("provider_npi", None)
        if provider and partition and partition != provider:
            return [], None
        scope = _SearchScope(search.readings(query), provider or partition, wanted)
        cursor: _SearchCursor | None = _SearchCursor.decode(page_token, scope)
        found: list[dict[str, Any]] = []
        reads = 0
        while cursor is not None and len(found) < limit and reads < max_reads:
            entries, last_key, read = self._search_page(scope, cursor, limit - len(found), max_reads - reads)
            reads += read
            cursor.rate = len(entries) / read if read else None
            taken, stopped_at = self._search_hits(scope, cursor.word or "", entries, limit - len(found))
            found.extend(taken)
            if stopped_at is not None:  # the page filled before the end of what was read: go on after its last
                return found, _SearchCursor(cursor.reading, cursor.word, _index_key(stopped_at, scope)).encode()
            cursor = cursor.after(last_key, len(scope.readings))
        return found, cursor.encode() if cursor else None

    def _search_page(
        self, scope: _SearchScope, cursor: _SearchCursor, wanted: int, budget: int
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None, int]:
        """The next index entries of the cursor's reading that match all its words (the word to read chosen
        first if it is not yet): entries, the last key read, how many entries were read."""
        words = scope.readings[cursor.reading]
        excluded = scope.readings[: cursor.reading]
        single = len(words) == 1 and not scope.filters  # each entry read is a claim of the page
        if cursor.word is not None:
            size = wanted if single else _reads_for(wanted, cursor.rate, budget)
            return self._search_entries(scope, cursor.word, words, excluded, cursor.start, size, budget)
        reads = 0
        first: tuple[str, list[dict[str, Any]], dict[str, Any] | None] | None = None
        for word in words[: search.MAX_PROBED_WORDS]:
            size = wanted if single else search.PROBE_READS
            entries, last_key, read = self._search_entries(scope, word, words, excluded, None, size, budget - reads)
            reads += read
            first = first or (word, entries, last_key)
            to_fill = (wanted - len(entries)) * read / len(entries) if entries else float("inf")
            # read whole (the rarest), or enough for the page, or reading on costs less than another probe
            if last_key is None or to_fill <= search.PROBE_READS:
                cursor.word = word
                return entries, last_key, reads
        assert first is not None  # a reading has at least one word
        cursor.word, entries, last_key = first  # every probed word is common: the longest one is read on
        return entries, last_key, reads

    def _search_entries(
        self,
        scope: _SearchScope,
        word: str,
        words: list[str],
        excluded: list[list[str]],
        start: dict[str, Any] | None,
        size: int,
        budget: int,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None, int]:
        """One Query of `word`'s index entries, at most `size` read (and within `budget`), keeping those whose
        claim matches every other word and none of an earlier reading: entries, last key, entries read."""
        request = self._search_request(word, scope.provider)
        request["Limit"] = max(1, min(size, budget))
        values = request["ExpressionAttributeValues"]
        conditions = []
        for number, other in enumerate(w for w in words if w != word):
            values[f":w{number}"] = {"S": f" {other}"}
            conditions.append(f"contains(search_text, :w{number})")
        for number, reading in enumerate(excluded):  # listed by an earlier reading (the entry as one term)
            for index, other in enumerate(reading):
                values[f":x{number}_{index}"] = {"S": f" {other}"}
            conditions.append(
                "NOT (" + " AND ".join(f"contains(search_text, :x{number}_{i})" for i in range(len(reading))) + ")"
            )
        if conditions:
            request["FilterExpression"] = " AND ".join(conditions)
        if start:
            request["ExclusiveStartKey"] = start
        page = self.client.query(**request)
        entries = [from_item(item) for item in page.get("Items", [])]
        return entries, page.get("LastEvaluatedKey"), int(page.get("ScannedCount", len(entries)))

    def _search_request(self, word: str, provider: str | None) -> dict[str, Any]:
        request: dict[str, Any] = {"TableName": self.tables.claims}
        if provider:
            request.update(
                IndexName="by_provider_search",
                KeyConditionExpression="search_provider = :p AND begins_with(search_sort, :w)",
                ExpressionAttributeValues={":p": {"S": provider}, ":w": {"S": word}},
            )
        else:
            request.update(
                IndexName="by_search",
                KeyConditionExpression="search_shard = :s AND begins_with(search_sort, :w)",
                ExpressionAttributeValues={":s": {"S": word[: search.SHARD_CHARACTERS]}, ":w": {"S": word}},
            )
        return request

    def _search_hits(
        self, scope: _SearchScope, word: str, entries: list[dict[str, Any]], wanted: int
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """The first `wanted` claims of these index entries (each claim from its first matching term only,
        the filters checked on its header), as summaries; and the entry to go on after if the page filled
        before the last of them (else None)."""
        listed = [
            entry
            for entry in entries
            if search.first_match(search.terms_of(str(entry.get("search_text", ""))), word)
            == str(entry["search_sort"]).rsplit("#", 1)[0]
        ]
        if not scope.filters:  # only the claims of the page are read
            page = listed[:wanted]
            summaries = self.claim_summaries([str(entry["claim_id"]) for entry in page])
            taken = [summaries[str(entry["claim_id"])] for entry in page if str(entry["claim_id"]) in summaries]
            return taken, page[-1] if len(listed) > wanted else None
        summaries = self.claim_summaries([str(entry["claim_id"]) for entry in listed])
        kept = [
            (entry, summaries[str(entry["claim_id"])])
            for entry in listed
            if str(entry["claim_id"]) in summaries and _passes(summaries[str(entry["claim_id"])], scope.filters)
        ]
        if len(kept) > wanted:
            return [summary for _, summary in kept[:wanted]], kept[wanted - 1][0]
        return [summary for _, summary in kept], None

    def claim_summaries(self, claim_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Each claim's summary (id, invoice, plan, provider, disposition, status, dates, member)."""
        unique = list(dict.fromkeys(claim_ids))
        summaries: dict[str, dict[str, Any]] = {}
        projection = (
            "claim_id, invoice_number, #plan, claim_provider, disposition, #status, created_at, updated_at, "
            "#doc.elements.member_first_name, #doc.elements.member_last_name, #doc.elements.member_cin"
        )
        names = {"#plan": "plan", "#status": "status", "#doc": "doc"}
        for start in range(0, len(unique), 100):
            keys = [_key(claim_pk(claim_id), HEADER) for claim_id in unique[start : start + 100]]
            request: dict[str, Any] | None = {
                self.tables.claims: {
                    "Keys": keys,
                    "ProjectionExpression": projection,
                    "ExpressionAttributeNames": names,
                }
            }
            while request:
                answer = self.client.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self.tables.claims, []):
                    summaries.update(_summary(plain(from_item(item))))
                request = answer.get("UnprocessedKeys") or None
        return summaries

    # ---- running counters (store/counters.py) ---------------------------------------------------

    def claim_counters(self) -> list[dict[str, Any]]:
        """The METRICS#CLAIMS items: one per plan and day received."""
        return [
            plain(item)
            for item in self._query_all(
                TableName=self.tables.claims,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": counters.CLAIM_COUNTERS_PK}},
            )
        ]

    def queue_counters(self) -> dict[str, dict[str, int]]:
        """Open and unassigned items, by queue."""
        return {
            str(item["sk"]): {k: int(v) for k, v in item.items() if k not in ("pk", "sk")}
            for item in self._query_all(
                TableName=self.tables.claims,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": counters.QUEUE_COUNTERS_PK}},
            )
        }

    def count_due(self, queue: str, start: str | None, end: str) -> int:
        """How many OPEN items of `queue` are due before `end` (and from `start`), counted on the queue index."""
        condition = "queue_status = :qs AND " + ("queue_due BETWEEN :start AND :end" if start else "queue_due < :end")
        values = {":qs": {"S": f"{queue}#{QueueStatus.OPEN.value}"}, ":end": {"S": end}}
        if start:
            values[":start"] = {"S": start}
        request: dict[str, Any] = {
            "TableName": self.tables.claims,
            "IndexName": "by_queue",
            "Select": "COUNT",
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        total = 0
        while True:
            page = self.client.query(**request)
            total += page.get("Count", 0)
            if "LastEvaluatedKey" not in page:
                return total
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def oldest_open(self, queue: str) -> str | None:
        """When the longest-open OPEN item of `queue` was opened (one index entry read)."""
        page = self.client.query(
            TableName=self.tables.claims,
            IndexName="by_queue_opened",
            Limit=1,
            KeyConditionExpression="queue_status = :qs",
            ExpressionAttributeValues={":qs": {"S": f"{queue}#{QueueStatus.OPEN.value}"}},
        )
        items = page.get("Items", [])
        return from_item(items[0])["opened_at"] if items else None

    def recount_metrics(self) -> None:
        """Rebuild every running counter from the claims and queue items (one scan: for a table that
        holds claims written before the counters existed). Run while nothing else writes."""
        headers, queue_items = [], []
        for item in self._scan_all(TableName=self.tables.claims):
            if item["sk"] == HEADER:
                headers.append(plain(item))
            elif str(item["sk"]).startswith("QUEUE#"):
                queue_items.append(plain(item))
        claim_counts, queue_counts = counters.recount(headers, queue_items)
        for pk, wanted in ((counters.CLAIM_COUNTERS_PK, claim_counts), (counters.QUEUE_COUNTERS_PK, queue_counts)):
            for old in list(
                self._query_all(
                    TableName=self.tables.claims,
                    KeyConditionExpression="pk = :pk",
                    ExpressionAttributeValues={":pk": {"S": pk}},
                )
            ):
                self.client.delete_item(TableName=self.tables.claims, Key=_key(pk, old["sk"]))
            for sk, counts in wanted.items():
                self.client.put_item(TableName=self.tables.claims, Item=to_item({"pk": pk, "sk": sk, **counts}))

    def rebuild_search_index(self) -> int:
        """Write the search items (and the header's terms) of every claim from its header (one scan: for
        claims stored before the search index existed; idempotent). Returns the number of claims."""
        count = 0
        for header in self._scan_all(
            TableName=self.tables.claims, FilterExpression="sk = :h", ExpressionAttributeValues={":h": {"S": HEADER}}
        ):
            claim_id = str(header["claim_id"])
            terms = search.search_terms(claim_id, plain(header.get("doc", {})).get("elements", {}))
            existing = {
                item["sk"]: item
                for item in self._query_all(
                    TableName=self.tables.claims,
                    KeyConditionExpression="pk = :pk AND begins_with(sk, :s)",
                    ExpressionAttributeValues={":pk": {"S": claim_pk(claim_id)}, ":s": {"S": search.SEARCH_PREFIX}},
                )
            }
            operations = self._search_operations(
                claim_id, {"claim_provider": header.get("claim_provider"), "search_terms": terms}, existing
            )
            operations.append(
                {
                    "Update": {
                        "TableName": self.tables.claims,
                        "Key": _key(claim_pk(claim_id), HEADER),
                        "UpdateExpression": "SET search_terms = :t",
                        "ExpressionAttributeValues": {":t": to_value(terms)},
                    }
                }
            )
            self._transact(operations)
            count += 1
        return count

    def _scan_all(self, **request) -> Iterator[dict[str, Any]]:
        while True:
            page = self.client.scan(**request)
            yield from (from_item(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # ---- internals ---------------------------------------------------------------------------

    def claim_outlines(self, claim_ids: list[str], workers: int = 8) -> dict[str, dict[str, Any]]:
        """What a provider's claim list shows of each claim, read in parallel: the billing NPI, the allowed
        total, each line's dates and charge, the letters, the open RFI's due date. One query per claim that
        leaves out the search terms, the audit trail and the documents' other values."""
        unique = list(dict.fromkeys(claim_ids))
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(unique)))) as pool:
            outlines = dict(zip(unique, pool.map(self._claim_outline, unique), strict=True))
        return {claim_id: outline for claim_id, outline in outlines.items() if outline}

    def _claim_outline(self, claim_id: str) -> dict[str, Any] | None:
        items = list(
            self._query_all(
                TableName=self.tables.claims,
                KeyConditionExpression="pk = :pk",
                FilterExpression="NOT begins_with(sk, :search) AND NOT begins_with(sk, :audit)",
                ProjectionExpression="sk, claim_provider, #doc.allowed_amount, #doc.charge_amount, "
                "#doc.service_start_date, #doc.service_end_date, kind, s3_key, #at, #queue, #status, due",
                ExpressionAttributeNames={"#doc": "doc", "#at": "at", "#queue": "queue", "#status": "status"},
                ExpressionAttributeValues={
                    ":pk": {"S": claim_pk(claim_id)},
                    ":search": {"S": search.SEARCH_PREFIX},
                    ":audit": {"S": "AUDIT#"},
                },
            )
        )
        header = next((plain(item) for item in items if item["sk"] == HEADER), None)
        if header is None:
            return None
        rfi_due = [
            item["due"]
            for item in items
            if item["sk"].startswith("QUEUE#") and item.get("queue") == "RFI" and item.get("status") == "OPEN"
        ]
        return {
            "provider_npi": header.get("claim_provider"),
            "allowed_amount": (header.get("doc") or {}).get("allowed_amount"),
            "lines": [plain(item.get("doc") or {}) for item in items if item["sk"].startswith("LINE#")],
            "letters": [
                {"kind": item["kind"], "s3_key": item["s3_key"], "at": item["at"]}
                for item in items
                if item["sk"].startswith("LETTER#")
            ],
            "rfi_due": rfi_due[-1] if rfi_due else None,
        }

    def _read_items(self, claim_id: str) -> dict[str, dict[str, Any]]:
        """Every item of the claim's collection, by sort key (consistent read)."""
        return {
            item["sk"]: item
            for item in self._query_all(
                TableName=self.tables.claims,
                ConsistentRead=True,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": claim_pk(claim_id)}},
            )
        }

    def _query_all(self, **request) -> Iterator[dict[str, Any]]:
        while True:
            page = self.client.query(**request)
            yield from (from_item(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _write_claim(
        self,
        result: CheckResult,
        existing: dict[str, dict[str, Any]],
        status: str,
        upload_key: str | None,
        extra: list[dict[str, Any]],
    ) -> None:
        claim = result.claim
        claim_id = claim.claim_id
        if not claim_id:  # save_checked_claim refuses these first
            raise ValueError("the claim has no claim_id: assign one before saving")
        output = result.to_output()
        lines_output = output.pop("lines")
        line_sources = output["provenance"].pop("lines", [])
        line_confidence = output.get("confidence", {}).pop("lines", [])
        header = existing.get(HEADER)
        now = self.now()
        version = int(header["version"]) if header else 0
        entered = _entered(result.disposition.value, status)
        final = result.disposition in FINAL_DISPOSITIONS
        decided = {line.line_number: line for line in result.lines}

        header_item = {
            "pk": claim_pk(claim_id),
            "sk": HEADER,
            "claim_id": claim_id,
            "plan": result.plan,
            "disposition": result.disposition.value,
            "status": status,
            "upload_key": upload_key,
            "created_at": header["created_at"] if header else now,
            "updated_at": now,
            "version": version + 1,
            "line_count": len(lines_output),
            "allowed_amount": result.allowed_total,
            "pages": claim.pages,
            "invoice_number": claim.invoice_number,
            "doc": output,
            "claim_provider": claim.billing_provider_npi,
            "claim_created": header["created_at"] if header else now,
            "search_terms": search.search_terms(claim_id, output.get("elements", {})),
        }
        header_put = {"TableName": self.tables.claims, "Item": to_item(_without_none(header_item))}
        if header:
            header_put.update(ConditionExpression="version = :v", ExpressionAttributeValues={":v": to_value(version)})
        else:
            header_put["ConditionExpression"] = "attribute_not_exists(pk)"
        operations = [{"Put": header_put}]

        new_line_keys = set()
        for index, (line, line_doc) in enumerate(zip(claim.lines, lines_output, strict=False), start=1):
            sk = line_sk(index)
            new_line_keys.add(sk)
            item = {
                "pk": claim_pk(claim_id),
                "sk": sk,
                "doc": line_doc,
                "provenance": line_sources[index - 1] if index - 1 < len(line_sources) else {},
                **_history_fields(claim, line, decided.get(line.line_number), final),
            }
            if index - 1 < len(line_confidence) and line_confidence[index - 1]:
                item["confidence"] = line_confidence[index - 1]
            if entered:
                item.update(_history_index(item))
            operations.append({"Put": {"TableName": self.tables.claims, "Item": to_item(_without_none(item))}})
        for sk in existing:
            if sk.startswith("LINE#") and sk not in new_line_keys:
                operations.append({"Delete": {"TableName": self.tables.claims, "Key": _key(claim_pk(claim_id), sk)}})
        operations.extend(self._search_operations(claim_id, header_item, existing))
        operations.extend(
            counters.add_operations(
                self.tables.claims, counters.CLAIM_COUNTERS_PK, counters.claim_delta(header, header_item)
            )
        )
        others = len(operations) - len(lines_output)
        operations.extend(extra)
        if len(operations) > MAX_TRANSACTION_ITEMS:
            raise ClaimTooLarge(
                f"claim {claim_id} has {len(lines_output)} service lines; at most "
                f"{MAX_TRANSACTION_ITEMS - others - len(extra)} can be stored as one claim: split the invoice"
            )
        self._transact(operations)

    def _search_operations(
        self, claim_id: str, header_item: dict[str, Any], existing: dict[str, dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Put the claim's SEARCH# items that are new or changed (each holds all the claim's terms), delete
        those of terms it no longer has."""
        wanted = search.search_items(claim_id, header_item.get("claim_provider"), header_item["search_terms"])
        operations: list[dict[str, Any]] = []
        for sk, item in wanted.items():
            stored = existing.get(sk)
            if stored is None or any(stored.get(name) != item.get(name) for name in ("search_provider", "search_text")):
                operations.append(
                    {"Put": {"TableName": self.tables.claims, "Item": to_item({"pk": claim_pk(claim_id), **item})}}
                )
        for sk in existing:
            if sk.startswith(search.SEARCH_PREFIX) and sk not in wanted:
                operations.append({"Delete": {"TableName": self.tables.claims, "Key": _key(claim_pk(claim_id), sk)}})
        return operations

    def _history_toggle(self, claim_id: str, sk: str, line: dict[str, Any], entered: bool) -> list[dict[str, Any]]:
        """Add or remove a line's history index attributes when the claim enters or leaves the books."""
        indexed = any(name in line for name in HISTORY_INDEX_ATTRIBUTES)
        wanted = _history_index(line) if entered else {}
        if entered == indexed or (entered and not wanted):
            return []
        key = _key(claim_pk(claim_id), sk)
        if wanted:
            names = {f"#{name}": name for name in wanted}
            return [
                {
                    "Update": {
                        "TableName": self.tables.claims,
                        "Key": key,
                        "UpdateExpression": "SET " + ", ".join(f"#{n} = :{n}" for n in wanted),
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": {f":{n}": to_value(v) for n, v in wanted.items()},
                    }
                }
            ]
        return [
            {
                "Update": {
                    "TableName": self.tables.claims,
                    "Key": key,
                    "UpdateExpression": "REMOVE " + ", ".join(HISTORY_INDEX_ATTRIBUTES),
                }
            }
        ]

    def _audit_put(
        self, claim_id: str, actor: str, action: str, note: str | None, details: dict[str, Any]
    ) -> dict[str, Any]:
        now = self.now()
        entry = {
            "pk": claim_pk(claim_id),
            "sk": f"AUDIT#{now}#{secrets.token_hex(4)}",
            "at": now,
            "actor": actor,
            "action": action,
            "note": note,
            "details": details,
        }
        return {
            "Put": {
                "TableName": self.tables.claims,
                "Item": to_item(_without_none(entry)),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def _claim_exists(self, claim_id: str) -> dict[str, Any]:
        return {
            "ConditionCheck": {
                "TableName": self.tables.claims,
                "Key": _key(claim_pk(claim_id), HEADER),
                "ConditionExpression": "attribute_exists(pk)",
            }
        }

    def _queue_update(self, claim_id: str, item_id: str, values: dict[str, Any], require_open: bool) -> dict[str, Any]:
        names = {f"#{name}": name for name in values}
        expression_values = {f":{name}": to_value(value) for name, value in values.items()}
        condition = "attribute_exists(pk)"
        if require_open:
            names["#status"] = "status"
            expression_values[":open"] = to_value(QueueStatus.OPEN.value)
            condition += " AND #status = :open"
        return {
            "Update": {
                "TableName": self.tables.claims,
                "Key": _key(claim_pk(claim_id), f"QUEUE#{item_id}"),
                "UpdateExpression": "SET " + ", ".join(f"#{n} = :{n}" for n in values),
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": expression_values,
            }
        }

    def _transact(self, operations: list[dict[str, Any]], not_open: str | None = None) -> None:
        try:
            self._transact_with_retries(operations)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
            if "ConditionalCheckFailed" not in reasons:
                raise
            failed = operations[reasons.index("ConditionalCheckFailed")]
            kind = next(iter(failed))
            key = failed[kind].get("Key") or {k: failed[kind]["Item"][k] for k in ("pk", "sk")}
            sk = key["sk"]["S"]
            if sk == HEADER and kind == "ConditionCheck":
                raise ClaimNotFound(f"no claim {key['pk']['S'].removeprefix('CLAIM#')}") from error
            if sk.startswith("QUEUE#") and not_open:
                raise QueueItemNotOpen(f"queue item {not_open} is not open (or does not exist)") from error
            raise ConcurrentUpdate(f"{key['pk']['S']} {sk} changed concurrently; read it again") from error

    def _transact_with_retries(self, operations: list[dict[str, Any]]) -> None:
        """All or nothing, retried with exponential backoff while DynamoDB cancels it for throughput or
        a conflicting transaction (throttling of the call itself is retried inside botocore)."""
        for attempt in range(1, TRANSACTION_ATTEMPTS + 1):
            try:
                self.client.transact_write_items(TransactItems=operations)
                return
            except ClientError as error:
                if attempt == TRANSACTION_ATTEMPTS or not _retryable_cancellation(error):
                    raise
                self._sleep(random.uniform(0, TRANSACTION_BACKOFF_SECONDS * 2 ** (attempt - 1)))


def _summary(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A header read for search, as the summary the API lists (the member's name joined)."""
    elements = (values.pop("doc", None) or {}).get("elements", {})
    values["provider_npi"] = values.pop("claim_provider", None)
    values["member_cin"] = elements.get("member_cin")
    values["member_name"] = (
        " ".join(filter(None, (elements.get("member_first_name"), elements.get("member_last_name")))) or None
    )
    return {values["claim_id"]: values}


class _SearchScope:
    """What one search reads: its readings (lists of words a claim must all match), the index partition of
    one provider (or None: the staff index), the filters checked on the claims' headers."""

    def __init__(self, readings: list[list[str]], provider: str | None, filters: dict[str, str]):
        self.readings = readings
        self.provider = provider
        self.filters = filters


class _SearchCursor:
    """Where a search goes on: which reading, the word read from the index (None: not chosen yet), and the
    index key to read after. A page token is this cursor; one that does not fit the search is refused."""

    def __init__(self, reading: int, word: str | None, start: dict[str, Any] | None):
        self.reading, self.word, self.start = reading, word, start
        self.rate: float | None = None  # share of the entries last read that matched every word

    def after(self, last_key: dict[str, Any] | None, readings: int) -> _SearchCursor | None:
        if last_key:
            following = _SearchCursor(self.reading, self.word, last_key)
            following.rate = self.rate
            return following
        return _SearchCursor(self.reading + 1, None, None) if self.reading + 1 < readings else None

    def encode(self) -> str | None:
        return encode_token({"reading": self.reading, "word": self.word, "start": self.start})

    @classmethod
    def decode(cls, token: str | None, scope: _SearchScope) -> _SearchCursor:
        position = decode_token(token)
        if position is None:
            return cls(0, None, None)
        reading, word, start = position.get("reading"), position.get("word"), position.get("start")
        if not isinstance(reading, int) or not 0 <= reading < len(scope.readings):
            raise ValueError("invalid page token")
        if word is None and start is None:
            return cls(reading, None, None)
        if word not in scope.readings[reading] or not isinstance(start, dict) or not _start_fits(start, word, scope):
            raise ValueError("invalid page token")
        return cls(reading, word, start)


def _reads_for(wanted: int, rate: float | None, budget: int) -> int:
    """How many index entries to read next for `wanted` more claims, from the share that matched so far."""
    if rate is None:
        return search.PROBE_READS
    if rate == 0:
        return budget
    return max(1, min(budget, int(wanted / rate * 1.5) + 1))


def _start_fits(start: dict[str, Any], word: str, scope: _SearchScope) -> bool:
    """A start key from a page token lies in the partition and the word's range the search reads."""
    partition = (
        ("search_provider", scope.provider) if scope.provider else ("search_shard", word[: search.SHARD_CHARACTERS])
    )
    expected = {partition[0], "search_sort", "pk", "sk"}
    if set(start) != expected or any(set(value) != {"S"} for value in start.values() if isinstance(value, dict)):
        return False
    values = {name: value.get("S") if isinstance(value, dict) else None for name, value in start.items()}
    return values[partition[0]] == partition[1] and str(values["search_sort"]).startswith(word)


def _index_key(entry: dict[str, Any], scope: _SearchScope) -> dict[str, Any]:
    """The start key that goes on right after this index entry (index keys and table keys)."""
    partition = "search_provider" if scope.provider else "search_shard"
    return {name: {"S": str(entry[name])} for name in (partition, "search_sort", "pk", "sk")}


def _passes(summary: dict[str, Any], filters: dict[str, str]) -> bool:
    return all(str(summary.get(name)) == wanted for name, wanted in filters.items())


def _retryable_cancellation(error: ClientError) -> bool:
    if error.response["Error"]["Code"] != "TransactionCanceledException":
        return False
    reasons = {r.get("Code") for r in error.response.get("CancellationReasons", [])} - {"None", None}
    return bool(reasons) and reasons <= RETRYABLE_CANCELLATIONS


def _entered(disposition: str, status: str) -> bool:
    """A claim counts in the member's history unless it was rejected (never entered)."""
    return disposition != ClaimDisposition.REJECTED.value and status != ClaimStatus.REJECTED.value


def _history_fields(claim: Claim, line, decided, final: bool) -> dict[str, Any]:
    """What HistoryLine needs, flat on the line item (the index attributes come from these)."""
    start = line.service_start_date
    return {
        "claim_id": claim.claim_id,
        "line_number": line.line_number,
        "member_cin": claim.member_cin,
        "provider_npi": claim.billing_provider_npi,
        "invoice_number": claim.invoice_number,
        "combination": line.combination if line.procedure_code else None,
        "start": start.isoformat() if start else None,
        "end": (line.service_end_date or start).isoformat() if start else None,
        "units": line.unit_count if line.unit_count is not None else Decimal(1),
        "charge": line.charge_amount if line.charge_amount is not None else Decimal("0.00"),
        "allowed": decided.allowed_amount if decided else Decimal("0.00"),
        "line_status": _history_status(final, decided),
    }


def _history_status(final: bool, decided) -> str:
    """As claims_intake.check.history_lines: DENIED stays DENIED; RFI/REVIEW lines are PENDING until decided."""
    if decided is not None and decided.disposition is LineDisposition.DENIED:
        return "DENIED"
    return "PAYABLE" if final and decided is not None else "PENDING"


def _history_index(fields: dict[str, Any]) -> dict[str, str]:
    """GSI keys: by member and service date (frequency rules), by provider+invoice (duplicates)."""
    index = {}
    if fields.get("member_cin") and fields.get("start") and fields.get("combination"):
        index["history_member"] = fields["member_cin"]
        index["history_sort"] = f"{fields['start']}#{fields['claim_id']}#{int(fields['line_number']):04d}"
    if fields.get("provider_npi") and fields.get("invoice_number"):
        index["history_invoice"] = f"{fields['provider_npi']}#{fields['invoice_number']}"
    return index


def _queue_attributes(item: QueueItem) -> dict[str, Any]:
    return _without_none(
        {
            "pk": claim_pk(item.claim_id),
            "sk": f"QUEUE#{item.item_id}",
            **item.model_dump(),
            "queue_status": f"{item.queue}#{item.status}",
            "queue_due": f"{item.due}#{item.claim_id}#{item.item_id}",
        }
    )


def _queue_item(item: dict[str, Any]) -> QueueItem:
    fields = set(QueueItem.model_fields)
    return QueueItem(**{k: plain(v) for k, v in item.items() if k in fields})


def _apply_correction(
    claim_id: str, result, element: str, line: int | None, new_value: Any, actor: str, now: str
) -> dict[str, Any]:
    """Set one corrected value on the checked claim in memory; the audit details, or ValueError."""
    if line is None and element not in claim_keys():
        raise ValueError(f"'{element}' is not a claim element")
    if line is not None and element not in line_keys() and element != "minutes":
        raise ValueError(f"'{element}' is not a service line element")
    target: Claim | ServiceLine = result.claim
    if line is not None:
        matches = [item for item in result.claim.lines if item.line_number == line]
        if not matches:
            raise ValueError(f"claim {claim_id} has no line {line}")
        target = matches[0]
    old_value = to_json_value(getattr(target, element))
    old_invalid = target.invalid.pop(element, None)
    source = target.provenance.get(element, Provenance())
    corrected = source.model_copy(
        update={
            "raw": str(new_value),
            "confidence": None,
            "derived": f"corrected by {actor}",
            "repaired": None,
            "verified": f"corrected by {actor} at {now}",
        }
    )
    problem = target.set_raw(element, new_value, corrected)
    if problem:
        raise ValueError(f"{element}: {problem}")
    details = {"element": element, "line": line, "old": old_value, "new": to_json_value(getattr(target, element))}
    if old_invalid is not None:
        details["old_invalid"] = old_invalid
    return details


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    """Top-level None attributes are left out: index keys must be absent, not NULL."""
    return {k: v for k, v in values.items() if v is not None}
