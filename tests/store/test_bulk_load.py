"""The development kit's bulk load writes exactly the items the store's own save writes, counters included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from claims_intake.store import ClaimStore, Tables
from claims_intake_dev.local import bulk_load
from claims_intake_dev.testdata.decided import decided_results


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)

    def __call__(self):
        self.now += timedelta(milliseconds=1)
        return self.now


def table_items(client, table: str) -> list[dict]:
    items, request = [], {"TableName": table}
    while True:
        page = client.scan(**request)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    for item in items:  # an audit entry's key ends in a random suffix
        if item["sk"]["S"].startswith("AUDIT#"):
            item["sk"]["S"] = item["sk"]["S"].rsplit("#", 1)[0]
    return sorted(items, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))


def empty(client, table: str) -> None:
    for item in client.scan(TableName=table, ProjectionExpression="pk, sk")["Items"]:
        client.delete_item(TableName=table, Key=item)


def test_bulk_load_writes_what_saving_each_claim_writes(dynamodb):
    results = decided_results(12, seed=7)
    one_by_one = ClaimStore(Tables(), client=dynamodb, clock=Clock())
    for result in results:
        one_by_one.save_checked_claim(result, upload_key=None)
    saved = table_items(dynamodb, Tables().claims)
    assert any(item["sk"]["S"].startswith("SEARCH#") for item in saved)
    assert any(item["pk"]["S"].startswith("METRICS#") for item in saved)

    empty(dynamodb, Tables().claims)
    written = bulk_load.bulk_store(ClaimStore(Tables(), client=dynamodb, clock=Clock()), results)

    assert table_items(dynamodb, Tables().claims) == saved
    assert written == sum(1 for item in saved if not item["pk"]["S"].startswith("METRICS#"))
    assert one_by_one.search_claims(results[3].claim.member_cin)[0][0]["claim_id"] == results[3].claim.claim_id


def test_bulk_load_refuses_a_claim_twice(dynamodb):
    result = decided_results(1, seed=8)[0]
    with pytest.raises(ValueError, match="written twice"):
        bulk_load.bulk_store(ClaimStore(Tables(), client=dynamodb), [result, result])
