"""Store many new claims in a local stack's claims table quickly, item for item as intake stores them.

Intake stores each claim with `ClaimStore.save_checked_claim`: one TransactWriteItems holding the claim's
header, its lines, its SEARCH# items, an audit entry and ADDs to the running counters. Through moto every
transaction costs more as the table grows (10,000 claims took more than an hour), which is too slow to
fill a table for a benchmark. `bulk_store` runs that same method against a recording client, so every
item is built by the store's own code, then writes the items with BatchWriteItem (25 per request) and the
counters with one ADD per counter item, summed over all the claims.

Only for claims that are not stored yet (a re-check reads and replaces existing items: use the store),
and only in development: batch writes are not all-or-nothing per claim, which intake's are.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from claims_intake.check.result import CheckResult
from claims_intake.store import ClaimStore
from claims_intake.store.counters import add_operations

BATCH_ITEMS = 25  # DynamoDB's limit per BatchWriteItem
UNPROCESSED_PAUSE = 0.05


class _RecordingClient:
    """A DynamoDB client for a ClaimStore saving a new claim: no item stored yet, and each transaction
    kept instead of sent."""

    def __init__(self) -> None:
        self.transactions: list[list[dict[str, Any]]] = []

    def query(self, **request: Any) -> dict[str, Any]:
        return {"Items": []}

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803 (boto3's name)
        self.transactions.append(TransactItems)
        return {}


@dataclass
class Writes:
    """What saving the claims would write: items per table, and the counter ADDs summed per counter item."""

    items: dict[str, list[dict[str, Any]]]
    counters: dict[tuple[str, str, str], Counter]  # (table, pk, sk) -> attribute -> amount


def claim_writes(store: ClaimStore, results: Iterable[CheckResult], upload_key: str | None = None) -> Writes:
    """The items `store.save_checked_claim` writes for each of `results`, as a batch load would write them."""
    recorder = _RecordingClient()
    recording = ClaimStore(store.tables, client=recorder, clock=store._clock)
    for result in results:
        recording.save_checked_claim(result, upload_key=upload_key)
    items: dict[str, list[dict[str, Any]]] = defaultdict(list)
    counters: dict[tuple[str, str, str], Counter] = defaultdict(Counter)
    for transaction in recorder.transactions:
        for operation in transaction:
            kind, request = next(iter(operation.items()))
            if kind == "Put":
                items[request["TableName"]].append(request["Item"])
            elif kind == "Update" and request["UpdateExpression"].startswith("ADD "):
                _sum_counter(request, counters)
            else:  # a new claim's transaction holds puts and counter ADDs only
                raise ValueError(f"cannot batch-load a {kind} ({request.get('UpdateExpression', '')[:40]})")
    return Writes(items=dict(items), counters=dict(counters))


def _sum_counter(request: dict[str, Any], counters: dict[tuple[str, str, str], Counter]) -> None:
    key = (request["TableName"], request["Key"]["pk"]["S"], request["Key"]["sk"]["S"])
    names = request["ExpressionAttributeNames"]
    values = request["ExpressionAttributeValues"]
    for clause in request["UpdateExpression"].removeprefix("ADD ").split(","):
        name, value = clause.split()
        counters[key][names[name]] += int(values[value]["N"])


def write(client: Any, writes: Writes, progress=None) -> int:
    """Batch-write the items, then add the summed counters. Returns the number of items written."""
    written = 0
    for table, items in writes.items.items():
        _check_unique_keys(table, items)
        for start in range(0, len(items), BATCH_ITEMS):
            _batch_put(client, table, items[start : start + BATCH_ITEMS])
            written += len(items[start : start + BATCH_ITEMS])
            if progress:
                progress(written)
    by_item: dict[tuple[str, str], dict[str, dict[str, int]]] = defaultdict(dict)
    for (table, pk, sk), counts in writes.counters.items():
        by_item[(table, pk)][sk] = dict(counts)
    for (table, pk), deltas in by_item.items():
        for operation in add_operations(table, pk, deltas):
            client.update_item(**operation["Update"])
    return written


def bulk_store(store: ClaimStore, results: list[CheckResult], upload_key: str | None = None, progress=None) -> int:
    """Store new claims (none of their ids stored yet) as `save_checked_claim` would, in batches."""
    return write(store.client, claim_writes(store, results, upload_key), progress)


def fast_client(stack: Any) -> Any:
    """A DynamoDB client of the local stack that skips botocore's check of each request against the API's
    shapes (half the time of a batch of nested claim items; the store's own code built them)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "dynamodb",
        region_name=stack.region,
        endpoint_url=stack.endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(parameter_validation=False, retries={"max_attempts": 2, "mode": "standard"}),
    )


def _check_unique_keys(table: str, items: list[dict[str, Any]]) -> None:
    keys = Counter((item["pk"]["S"], item["sk"]["S"]) for item in items)
    repeated = [key for key, count in keys.items() if count > 1]
    if repeated:
        raise ValueError(f"{len(repeated)} items of {table} would be written twice, e.g. {repeated[0]}")


def _batch_put(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    request = {table: [{"PutRequest": {"Item": item}} for item in items]}
    while request:
        answer = client.batch_write_item(RequestItems=request)
        request = answer.get("UnprocessedItems") or {}
        if request:
            time.sleep(UNPROCESSED_PAUSE)
