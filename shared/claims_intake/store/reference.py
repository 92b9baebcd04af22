"""Reference data (eligibility, authorizations, providers) and member service history in DynamoDB.

`DynamoReference` answers `claims_intake.reference.ReferenceSource` from the reference table;
`DynamoHistory` answers `HistorySource` from the claims table's line items (GSIs by_member and
by_invoice), so a claim's lines count in the member's history from the moment it is stored.
`ReferenceWriter` loads records from a reference file; reloading the same file replaces what the
previous load of that file wrote (records missing from the new file are deleted).

A load is all or nothing. Its items are written beside the previous load's (their sort key carries
the load id), invisible to readers; only when every item is written does one PutItem move the
file's pointer (pk "LOAD", sk the file's key) to the new load, and only then are the previous load's
items deleted. A load that fails part-way leaves the previous data in use and its own items invisible
(and removes them). Readers keep the items of each file's current load; items written before
pointers existed (no load id in the sort key) stay visible until their file is reloaded.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import MISSING, dataclass, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

import boto3

from ..reference.model import Authorization, ContractRate, EligibilitySpan, HistoryLine, Provider, authorization_key
from .codec import from_item, iso, to_item
from .tables import Tables

ReferenceRecord = EligibilitySpan | Authorization | Provider | ContractRate
BATCH_SIZE = 25  # BatchWriteItem's limit
LOAD_POINTERS = "LOAD"  # pk of the items naming each reference file's current load
LOAD_MARK = "@"  # sort key = record key + "@" + load id


class DuplicateRecord(ValueError):
    """Two rows of one file for the same record (same key) with different values."""

    def __init__(self, first: int, second: int, key: str):
        super().__init__(f"records {first} and {second} are the same record ({key}) with different values")
        self.first, self.second, self.key = first, second, key


def reference_keys(record: ReferenceRecord) -> tuple[str, str]:
    if isinstance(record, EligibilitySpan):
        return f"MEMBER#{record.member_cin}", f"ELIG#{record.plan}#{record.start.isoformat()}"
    if isinstance(record, Authorization):
        return f"MEMBER#{record.member_cin}", f"AUTH#{record.number}"
    if isinstance(record, Provider):
        return f"PROVIDER#{record.npi}", "PROVIDER"
    if isinstance(record, ContractRate):
        return f"PROVIDER#{record.provider_npi}", f"RATE#{record.plan}#{record.combination}#{record.start.isoformat()}"
    raise TypeError(f"not a reference record: {type(record).__name__}")


def _record_attributes(record: ReferenceRecord) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in ((spec.name, getattr(record, spec.name)) for spec in fields(record)):
        if value is None:
            continue
        values[name] = list(value) if isinstance(value, tuple) else value
    if isinstance(record, Authorization):
        values["auth_number"] = authorization_key(record.number)  # the by_auth_number index key
    return values


def _from_attributes(cls, item: dict[str, Any]):
    """Rebuild a reference dataclass from its item, converting by the field's declared type."""
    hints = get_type_hints(cls)
    values = {}
    for spec in fields(cls):
        if spec.name in item:
            values[spec.name] = _convert(hints[spec.name], item[spec.name])
        elif spec.default is MISSING and spec.default_factory is MISSING:
            values[spec.name] = None  # None values are not stored
        # otherwise a field added after the item was written: its default applies
    return cls(**values)


def _convert(kind, value):
    if value is None:
        return None
    options = get_args(kind) if get_origin(kind) in (Union, UnionType) else (kind,)
    if date in options:
        return date.fromisoformat(value)
    if Decimal in options:
        return Decimal(value)
    if bool in options:
        return bool(value)
    if get_origin(kind) is tuple:
        return tuple(value)
    return value


def _eligibility(item: dict[str, Any]) -> EligibilitySpan:
    return _from_attributes(EligibilitySpan, item)


def _authorization(item: dict[str, Any]) -> Authorization:
    return _from_attributes(Authorization, item)


def _provider(item: dict[str, Any]) -> Provider:
    return _from_attributes(Provider, item)


def current_loads(client, table: str) -> dict[str, str]:
    """Each reference file's current load id (its pointer item)."""
    return {
        item["sk"]: item.get("load_id", "")
        for item in _query_all(
            client,
            TableName=table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": LOAD_POINTERS}},
        )
    }


def _visible(items: Iterable[dict[str, Any]], loads: dict[str, str]) -> list[dict[str, Any]]:
    """The items of each file's current load (one per record key: the newest load wins across files)."""
    kept: dict[str, dict[str, Any]] = {}
    for item in items:
        base, marked, load_id = item["sk"].partition(LOAD_MARK)
        if marked:
            if loads.get(item.get("dataset", "")) != load_id:
                continue  # a load not (yet, or any more) current
        elif item.get("dataset") in loads:
            continue  # written before pointers; its file has been reloaded since
        key = item["pk"] + "|" + base
        if key not in kept or kept[key].get("load_id", "") < item.get("load_id", ""):
            kept[key] = item
    return list(kept.values())


class DynamoReference:
    """ReferenceSource over the reference table; answers are cached for the life of the object."""

    def __init__(self, tables: Tables | None = None, client=None):
        self.tables = tables or Tables.from_env()
        self.client = client or boto3.client("dynamodb")
        self._member: dict[str, list[dict[str, Any]]] = {}
        self._providers: dict[str, Provider | None] = {}
        self._tars: dict[str, Authorization | None] = {}
        self._rates: dict[str, list[ContractRate]] = {}
        self._loads: dict[str, str] | None = None

    def _current(self, items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        if self._loads is None:
            self._loads = current_loads(self.client, self.tables.reference)
        return _visible(items, self._loads)

    def _member_items(self, member_cin: str) -> list[dict[str, Any]]:
        if member_cin not in self._member:
            self._member[member_cin] = self._current(
                _query_all(
                    self.client,
                    TableName=self.tables.reference,
                    KeyConditionExpression="pk = :pk",
                    ExpressionAttributeValues={":pk": {"S": f"MEMBER#{member_cin}"}},
                )
            )
        return self._member[member_cin]

    def eligibility(self, member_cin: str) -> list[EligibilitySpan]:
        return [_eligibility(i) for i in self._member_items(member_cin) if i["sk"].startswith("ELIG#")]

    def authorizations(self, member_cin: str) -> list[Authorization]:
        return [_authorization(i) for i in self._member_items(member_cin) if i["sk"].startswith("AUTH#")]

    def authorization(self, number: str) -> Authorization | None:
        key = authorization_key(number)
        if key not in self._tars:  # asked by several rules of a claim (and by the records check): one query
            items = self._current(
                _query_all(
                    self.client,
                    TableName=self.tables.reference,
                    IndexName="by_auth_number",
                    KeyConditionExpression="auth_number = :n",
                    ExpressionAttributeValues={":n": {"S": key}},
                )
            )
            self._tars[key] = _authorization(items[0]) if items else None
        return self._tars[key]

    def provider(self, npi: str) -> Provider | None:
        if npi not in self._providers:
            items = self._current(
                _query_all(
                    self.client,
                    TableName=self.tables.reference,
                    KeyConditionExpression="pk = :pk",
                    ExpressionAttributeValues={":pk": {"S": f"PROVIDER#{npi}"}},
                )
            )
            self._providers[npi] = _provider(items[0]) if items else None
        return self._providers[npi]

    def contract_rates(self, npi: str) -> list[ContractRate]:
        if npi not in self._rates:
            items = _query_all(
                self.client,
                TableName=self.tables.reference,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :rate)",
                ExpressionAttributeValues={":pk": {"S": f"PROVIDER#{npi}"}, ":rate": {"S": "RATE#"}},
            )
            self._rates[npi] = [_from_attributes(ContractRate, item) for item in self._current(items)]
        return self._rates[npi]


class DynamoHistory:
    """HistorySource over stored claim lines (and imported history).

    `exclude_claim_id(s)`: the claim(s) being checked again (a re-check, or an upload delivered twice)
    must not count as their own history.
    """

    def __init__(
        self,
        tables: Tables | None = None,
        client=None,
        exclude_claim_id: str | None = None,
        exclude_claim_ids: Iterable[str] = (),
    ):
        self.tables = tables or Tables.from_env()
        self.client = client or boto3.client("dynamodb")
        self.excluded = {*exclude_claim_ids, *([exclude_claim_id] if exclude_claim_id else [])}

    def member_lines(self, member_cin: str) -> list[HistoryLine]:
        items = _query_all(
            self.client,
            TableName=self.tables.claims,
            IndexName="by_member",
            KeyConditionExpression="history_member = :m",
            ExpressionAttributeValues={":m": {"S": member_cin}},
        )
        return [_history_line(item) for item in items if item["claim_id"] not in self.excluded]

    def invoice_exists(self, provider_npi: str, invoice_number: str) -> bool:
        items = _query_all(
            self.client,
            TableName=self.tables.claims,
            IndexName="by_invoice",
            KeyConditionExpression="history_invoice = :i",
            ExpressionAttributeValues={":i": {"S": f"{provider_npi}#{invoice_number}"}},
        )
        return any(item["claim_id"] not in self.excluded for item in items)


def _history_line(item: dict[str, Any]) -> HistoryLine:
    return HistoryLine(
        claim_id=item["claim_id"],
        member_cin=item["member_cin"],
        provider_npi=item.get("provider_npi", ""),
        invoice_number=item.get("invoice_number", ""),
        combination=item.get("combination", ""),
        start=date.fromisoformat(item["start"]),
        end=date.fromisoformat(item["end"]),
        units=Decimal(item.get("units", 0)),
        charge=Decimal(item.get("charge", 0)),
        allowed=Decimal(item.get("allowed", 0)),
        status=item.get("line_status", "PAYABLE"),
    )


@dataclass(frozen=True)
class LoadSummary:
    dataset: str
    load_id: str
    written: int
    removed: int


class ReferenceWriter:
    """Writes reference records and imported history lines (the reference loader Lambda's store side)."""

    def __init__(self, tables: Tables | None = None, client=None):
        self.tables = tables or Tables.from_env()
        self.client = client or boto3.client("dynamodb")

    def load(self, dataset: str, records: Iterable[ReferenceRecord]) -> LoadSummary:
        """Load every record of one reference file, all or nothing; then delete what earlier loads of it wrote.

        `dataset` names the file (its S3 key). Identical repeated records are written once; two different
        records with the same key raise DuplicateRecord before anything is written.
        """
        load_id = f"{iso(datetime.now(UTC))}#{secrets.token_hex(4)}"
        items = self._items(dataset, load_id, records)
        try:
            written = self._put_all(self.tables.reference, items)
        except Exception:
            self._delete_load(dataset, lambda found: found == load_id)  # invisible anyway; do not leave them
            raise
        self.client.put_item(
            TableName=self.tables.reference,
            Item=to_item({"pk": LOAD_POINTERS, "sk": dataset, "load_id": load_id, "records": written}),
        )
        kept = {(item["pk"], item["sk"].partition(LOAD_MARK)[0]) for item in items}
        deleted = self._delete_load(dataset, lambda found: found < load_id)
        return LoadSummary(dataset, load_id, written, len(deleted - kept))

    def current_count(self, dataset: str) -> int:
        """How many records the file's current load holds (0 before its first load)."""
        item = self.client.get_item(
            TableName=self.tables.reference, Key={"pk": {"S": LOAD_POINTERS}, "sk": {"S": dataset}}
        ).get("Item")
        if item is not None:
            return int(from_item(item).get("records", 0))
        return sum(
            1
            for _ in _query_all(
                self.client,
                TableName=self.tables.reference,
                IndexName="by_dataset",
                KeyConditionExpression="dataset = :d",
                ExpressionAttributeValues={":d": {"S": dataset}},
            )
        )

    @staticmethod
    def _items(dataset: str, load_id: str, records: Iterable[ReferenceRecord]) -> list[dict[str, Any]]:
        """One item per record key; an identical repeat is dropped, a different one refused."""
        items: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        for number, record in enumerate(records, start=1):
            pk, sk = reference_keys(record)
            item = {
                "pk": pk,
                "sk": sk + LOAD_MARK + load_id,
                "kind": type(record).__name__,
                "dataset": dataset,
                "load_id": load_id,
                **_record_attributes(record),
            }
            seen = items.get((pk, sk))
            if seen is None:
                items[(pk, sk)] = (number, item)
            elif seen[1] != item:
                raise DuplicateRecord(seen[0], number, f"{pk.partition('#')[0].lower()} {sk.partition('#')[2] or sk}")
        return [item for _, item in items.values()]

    def _delete_load(self, dataset: str, which: Callable[[str], bool]) -> set[tuple[str, str]]:
        """Delete the file's items whose load id `which` selects; the record keys they held."""
        found = [
            item
            for item in _query_all(
                self.client,
                TableName=self.tables.reference,
                IndexName="by_dataset",
                KeyConditionExpression="dataset = :d",
                ExpressionAttributeValues={":d": {"S": dataset}},
            )
            if which(item.get("load_id", ""))
        ]
        doomed = [{"DeleteRequest": {"Key": {"pk": {"S": item["pk"]}, "sk": {"S": item["sk"]}}}} for item in found]
        for start in range(0, len(doomed), BATCH_SIZE):
            self._write_batch(self.tables.reference, doomed[start : start + BATCH_SIZE])
        return {(item["pk"], item["sk"].partition(LOAD_MARK)[0]) for item in found}

    def load_history(self, lines: Iterable[HistoryLine]) -> int:
        """Import lines already on file before this system (paid elsewhere): they count like stored lines."""
        return self._put_all(
            self.tables.claims, (_history_item(line, number) for number, line in enumerate(lines, start=1))
        )

    def _put_all(self, table: str, items: Iterable[dict[str, Any]]) -> int:
        """Put every item, BATCH_SIZE to a BatchWriteItem; returns how many were written."""
        batch: list[dict[str, Any]] = []
        written = 0
        for item in items:
            batch.append({"PutRequest": {"Item": to_item(item)}})
            written += 1
            if len(batch) == BATCH_SIZE:
                self._write_batch(table, batch)
                batch = []
        if batch:
            self._write_batch(table, batch)
        return written

    def _write_batch(self, table: str, requests: list[dict[str, Any]], attempts: int = 8) -> None:
        """BatchWriteItem, retrying unprocessed items with exponential backoff (throttling)."""
        pending = {table: requests}
        for attempt in range(attempts):
            response = self.client.batch_write_item(RequestItems=pending)
            pending = response.get("UnprocessedItems") or {}
            if not pending:
                return
            time.sleep(min(0.05 * 2**attempt, 2.0))
        raise RuntimeError(f"{sum(len(v) for v in pending.values())} items still unprocessed after {attempts} attempts")


def _query_all(client, **request):
    while True:
        page = client.query(**request)
        yield from (from_item(item) for item in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _history_item(line: HistoryLine, number: int) -> dict[str, Any]:
    """A line paid before this system, stored like a claim's line for the history index."""
    start = line.start.isoformat()
    return {
        "pk": f"HISTORY#{line.claim_id}",
        "sk": f"LINE#{line.combination}#{start}#{number:06d}",
        "claim_id": line.claim_id,
        "member_cin": line.member_cin,
        "provider_npi": line.provider_npi,
        "invoice_number": line.invoice_number,
        "combination": line.combination,
        "start": start,
        "end": line.end.isoformat(),
        "units": line.units,
        "charge": line.charge,
        "allowed": line.allowed,
        "line_status": line.status,
        "history_member": line.member_cin,
        "history_sort": f"{start}#{line.claim_id}#{number:06d}",
        "history_invoice": f"{line.provider_npi}#{line.invoice_number}",
    }
