"""The layout memory and the mapping reviews, as items of the claims table (no table of their own).

- `LAYOUT#<provider>` / `SIG#<signature>`: a column mapping staff confirmed for one provider's layout (its
  header signature, spreadsheet.headers.ColumnMap.signature). The intake reads a provider's confirmed
  layouts before reading its upload, so the next upload with the same layout is read as staff said.
- `MAPPING_REVIEW` / `<upload ref>`: an upload held because its layout is new and has a column placed with
  low confidence or a required element no column was placed for; staff see each column with sample values
  and the proposed element, confirm or change them, and the file is read again.

Both functions that touch these (intake, API) already have read-write access to the claims table. Sample
values are PHI: they live here (encrypted table) and in the staff page, never in a log line.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3

from ..column_specs import parse_spec
from .codec import from_item, plain, to_item
from .tables import Tables

LAYOUT_PREFIX = "LAYOUT#"
SIGNATURE_PREFIX = "SIG#"
REVIEW_PK = "MAPPING_REVIEW"
OPEN, CONFIRMED = "OPEN", "CONFIRMED"


class ReviewNotFound(LookupError):
    pass


class ReviewClosed(Exception):
    pass


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class LayoutMemory:
    def __init__(self, tables: Tables | None = None, client=None):
        self.tables = tables or Tables.from_env()
        self.client = client or boto3.client("dynamodb")

    # ---- confirmed layouts ----------------------------------------------------------------------

    def layouts_for(self, provider: str | None) -> dict[str, dict[str, str | None]]:
        """Every layout confirmed for this provider: signature -> column letter -> element ('' for none)."""
        if not provider:
            return {}
        return {item["signature"]: dict(item["columns"]) for item in self._query(LAYOUT_PREFIX + provider)}

    def remember(self, provider: str, signature: str, columns: dict[str, str | None], confirmed_by: str) -> None:
        for spec in columns.values():
            parse_spec(spec)  # ValueError for an element that does not exist
        item = {
            "pk": LAYOUT_PREFIX + provider,
            "sk": SIGNATURE_PREFIX + signature,
            "signature": signature,
            "provider": provider,
            "columns": {letter.upper(): spec or "" for letter, spec in columns.items()},
            "confirmed_by": confirmed_by,
            "confirmed_at": _now(),
        }
        self.client.put_item(TableName=self.tables.claims, Item=to_item(item))

    # ---- reviews -----------------------------------------------------------------------------------

    def hold(self, review: dict[str, Any]) -> None:
        """Record an upload waiting for staff to confirm its column mapping (`review["ref"]` names it)."""
        item = {**review, "pk": REVIEW_PK, "sk": review["ref"], "status": OPEN, "held_at": _now()}
        self.client.put_item(TableName=self.tables.claims, Item=to_item(item))

    def reviews(self, status: str = OPEN) -> list[dict[str, Any]]:
        return [r for r in self._query(REVIEW_PK) if r.get("status") == status]

    def review(self, ref: str) -> dict[str, Any]:
        item = self.client.get_item(
            TableName=self.tables.claims, Key={"pk": {"S": REVIEW_PK}, "sk": {"S": ref}}, ConsistentRead=True
        ).get("Item")
        if item is None:
            raise ReviewNotFound(f"no mapping review {ref}")
        return plain(from_item(item))

    def confirm(self, ref: str, sheets: dict[str, dict[str, str | None]], confirmed_by: str) -> dict[str, Any]:
        """Remember each sheet's confirmed columns for the provider, and close the review (once)."""
        review = self.review(ref)
        if review.get("status") != OPEN:
            raise ReviewClosed(f"mapping review {ref} is {review.get('status')}")
        known = {sheet["signature"] for sheet in review.get("sheets", [])}
        unknown = set(sheets) - known
        if unknown:
            raise ValueError(f"no sheet of this upload has the layout {sorted(unknown)[0]}")
        provider = review.get("provider") or ""
        for signature, columns in sheets.items():
            self.remember(provider, signature, columns, confirmed_by)
        try:
            self.client.update_item(
                TableName=self.tables.claims,
                Key={"pk": {"S": REVIEW_PK}, "sk": {"S": ref}},
                UpdateExpression="SET #s = :done, confirmed_by = :by, confirmed_at = :at",
                ConditionExpression="#s = :open",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":done": {"S": CONFIRMED},
                    ":open": {"S": OPEN},
                    ":by": {"S": confirmed_by},
                    ":at": {"S": _now()},
                },
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            raise ReviewClosed(f"mapping review {ref} was confirmed meanwhile") from None
        return {**review, "status": CONFIRMED}

    def _query(self, pk: str) -> list[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self.tables.claims,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ConsistentRead": True,
        }
        items = []
        while True:
            page = self.client.query(**request)
            items += [plain(from_item(item)) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return items
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
