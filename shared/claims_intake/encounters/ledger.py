"""Which file carried which claim: items in each claim's own collection of the claims table.

    CLAIM#{id} / ENCOUNTER                the claim's encounter marker: state, claim version and content
                                          reported, control number and S3 key of the file (RESERVED, SENT),
                                          or why nothing went (HELD, SKIPPED)
    CLAIM#{id} / ENCOUNTER#{control}      one per file that carried the claim (append-only log)

A marker moves RESERVED -> SENT only after the file is in S3, and every move is conditional on the marker
being as it was read, so of two runs at most one reports a claim, and a run that stopped half-way leaves
RESERVED markers that the next run settles: SENT if the file was written, reported again if it was not.
The store's readers look only at HEADER, LINE#, AUDIT#, LETTER# and QUEUE# items, so these stay out of
their way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..store import ClaimStore
from ..store.claims import HEADER, claim_pk
from ..store.codec import from_item, to_item

MARKER = "ENCOUNTER"
ACTOR = "encounters"


class MarkerState(StrEnum):
    RESERVED = "RESERVED"  # in a file being written
    SENT = "SENT"  # in a file in S3
    HELD = "HELD"  # cannot make a valid encounter: staff look at the reason
    SKIPPED = "SKIPPED"  # nothing to report under the plan's setting (e.g. every line denied, payable only)


@dataclass(frozen=True)
class Marker:
    claim_id: str
    state: MarkerState
    claim_version: int
    content_sha: str = ""
    control_number: int = 0
    s3_key: str = ""
    frequency: str = ""
    sent_before: bool = False  # a file has carried this claim before (a change goes as a replacement)
    reason: str = ""


@dataclass(frozen=True)
class ClaimHeader:
    claim_id: str
    status: str
    disposition: str
    version: int


class EncounterLedger:
    def __init__(self, store: ClaimStore):
        self.store = store
        self.client, self.table = store.client, store.tables.claims

    def scan(self) -> tuple[list[ClaimHeader], dict[str, Marker]]:
        """Every claim header and every encounter marker, in one pass over the table."""
        headers, markers = [], {}
        for item in self._scan():
            if item["sk"] == HEADER:
                headers.append(
                    ClaimHeader(
                        item["claim_id"],
                        item.get("status", ""),
                        item.get("disposition", ""),
                        int(item.get("version", 0)),
                    )
                )
            else:
                marker = _marker(item)
                markers[marker.claim_id] = marker
        return headers, markers

    def put_marker(
        self, marker: Marker, expected: Marker | None, note: str | None = None, log_key: str | None = None
    ) -> bool:
        """Write the marker if it is still `expected` (None: no marker yet); with `log_key`, also the log item
        and an audit entry, in one transaction. False when another run changed the marker meanwhile."""
        item = {"pk": claim_pk(marker.claim_id), "sk": MARKER, **_attributes(marker)}
        put: dict[str, Any] = {"TableName": self.table, "Item": to_item(item)}
        if expected is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "#state = :state AND claim_version = :version AND control_number = :control"
            put["ExpressionAttributeNames"] = {"#state": "state"}
            put["ExpressionAttributeValues"] = to_item(
                {
                    ":state": expected.state.value,
                    ":version": expected.claim_version,
                    ":control": expected.control_number,
                }
            )
        operations = [{"Put": put}]
        if log_key:
            log = {
                "pk": claim_pk(marker.claim_id),
                "sk": f"{MARKER}#{marker.control_number:09d}",
                **_attributes(marker),
            }
            operations.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": to_item(log),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
            operations.append(
                self.store._audit_put(
                    marker.claim_id,
                    ACTOR,
                    "encounter_sent",
                    note,
                    {"control_number": marker.control_number, "s3_key": marker.s3_key, "frequency": marker.frequency},
                )
            )
        try:
            self.client.transact_write_items(TransactItems=operations)
        except self.client.exceptions.TransactionCanceledException:
            return False
        return True

    def claims_with_invoice(self, provider_npi: str, invoice_number: str) -> set[str]:
        """The entered claims a provider billed under an invoice number (the store's duplicate-invoice index)."""
        answer = self.client.query(
            TableName=self.table,
            IndexName="by_invoice",
            KeyConditionExpression="history_invoice = :key",
            ExpressionAttributeValues={":key": {"S": f"{provider_npi}#{invoice_number}"}},
        )
        return {from_item(item)["claim_id"] for item in answer.get("Items", []) if "claim_id" in item}

    def files_of(self, claim_id: str) -> list[dict[str, Any]]:
        """The files that carried the claim, oldest first (the log items)."""
        answer = self.client.query(
            TableName=self.table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :log)",
            ExpressionAttributeValues={":pk": {"S": claim_pk(claim_id)}, ":log": {"S": f"{MARKER}#"}},
        )
        return [from_item(item) for item in answer.get("Items", [])]

    def _scan(self) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "sk IN (:header, :marker)",
            "ProjectionExpression": "claim_id, sk, #status, disposition, version, #state, claim_version, content_sha, "
            "control_number, s3_key, frequency, sent_before, reason",
            "ExpressionAttributeNames": {"#status": "status", "#state": "state"},
            "ExpressionAttributeValues": {":header": {"S": HEADER}, ":marker": {"S": MARKER}},
        }
        while True:
            page = self.client.scan(**request)
            yield from (from_item(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _attributes(marker: Marker) -> dict[str, Any]:
    return {
        "claim_id": marker.claim_id,
        "state": marker.state.value,
        "claim_version": marker.claim_version,
        "content_sha": marker.content_sha,
        "control_number": marker.control_number,
        "s3_key": marker.s3_key,
        "frequency": marker.frequency,
        "sent_before": marker.sent_before,
        "reason": marker.reason,
    }


def _marker(item: dict[str, Any]) -> Marker:
    return Marker(
        claim_id=item["claim_id"],
        state=MarkerState(item["state"]),
        claim_version=int(item["claim_version"]),
        content_sha=item.get("content_sha", ""),
        control_number=int(item.get("control_number", 0)),
        s3_key=item.get("s3_key", ""),
        frequency=item.get("frequency", ""),
        sent_before=bool(item.get("sent_before", False)),
        reason=item.get("reason", ""),
    )
