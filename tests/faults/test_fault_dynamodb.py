"""DynamoDB throttling and transient errors: retried with backoff, and a claim is written whole or not
at all (TransactWriteItems), whatever fails and whenever."""

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from claims_intake.store import ClaimStore, Tables
from claims_intake_dev.local.moto_stack import create_tables
from tests.store.factories import checked_claim

from .dynamo_faults import INTERNAL, THROTTLED, THROUGHPUT, UNAVAILABLE, Faults, cancelled, record_botocore_sleeps


@pytest.fixture
def client():
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-west-2")  # the default config, as in Lambda
        create_tables(client, Tables())
        yield client


@pytest.fixture
def store(client):
    store = ClaimStore(Tables(), client=client)
    store.sleeps = []
    store._sleep = store.sleeps.append
    return store


def claim_items(client, claim_id):
    items = client.query(
        TableName=Tables().claims,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"CLAIM#{claim_id}"}},
    )["Items"]
    kinds = sorted(item["sk"]["S"].split("#")[0] for item in items)
    # The claim's search terms (store/search.py) come and go with it, in the same transaction.
    assert ("SEARCH" in kinds) == ("HEADER" in kinds)
    return [kind for kind in kinds if kind != "SEARCH"]


def test_throttling_and_server_errors_are_retried_with_growing_backoff(client, store, monkeypatch):
    sleeps = record_botocore_sleeps(monkeypatch)
    faults = Faults(monkeypatch, "TransactWriteItems", [THROTTLED, THROUGHPUT, INTERNAL, UNAVAILABLE])
    store.save_checked_claim(checked_claim("C-1", lines=3), upload_key="u1")
    assert faults.calls == 5
    assert len(sleeps) == 4 and sleeps == sorted(sleeps) and sleeps[-1] > sleeps[0] > 0
    assert claim_items(client, "C-1") == ["AUDIT", "HEADER", "LINE", "LINE", "LINE"]
    assert store.get_claim("C-1").version == 1


def test_a_transaction_cancelled_for_throughput_is_sent_again_by_the_store(client, store, monkeypatch):
    faults = Faults(
        monkeypatch,
        "TransactWriteItems",
        [
            cancelled("None", "ThrottlingError", "None", "None"),
            cancelled("TransactionConflict", "None", "None", "None"),
        ],
    )
    store.save_checked_claim(checked_claim("C-2", lines=2), upload_key="u1")
    assert faults.calls == 3 and len(store.sleeps) == 2
    assert claim_items(client, "C-2") == ["AUDIT", "HEADER", "LINE", "LINE"]


def test_when_dynamodb_stays_down_nothing_of_the_claim_is_written(client, store, monkeypatch):
    record_botocore_sleeps(monkeypatch)
    faults = Faults(monkeypatch, "TransactWriteItems", forever=INTERNAL)
    with pytest.raises(ClientError) as error:
        store.save_checked_claim(checked_claim("C-3", lines=4), upload_key="u1")
    assert error.value.response["Error"]["Code"] == "InternalServerError"
    assert faults.calls == 10  # botocore's DynamoDB retry policy: 10 attempts
    assert claim_items(client, "C-3") == []  # no header without lines, no lines without a header


def test_a_cancellation_that_keeps_throttling_gives_up_and_leaves_nothing(client, store, monkeypatch):
    faults = Faults(monkeypatch, "TransactWriteItems", forever=cancelled("ThrottlingError", "None", "None"))
    with pytest.raises(ClientError):
        store.save_checked_claim(checked_claim("C-4", lines=1), upload_key="u1")
    assert faults.calls == 5 and claim_items(client, "C-4") == []


def test_a_real_conflict_is_not_retried_blindly(client, store, monkeypatch):
    store.save_checked_claim(checked_claim("C-5", lines=1), upload_key="u1")
    faults = Faults(monkeypatch, "TransactWriteItems", [cancelled("ConditionalCheckFailed", "None", "None")])
    from claims_intake.store import ConcurrentUpdate

    with pytest.raises(ConcurrentUpdate):
        store.save_checked_claim(checked_claim("C-5", lines=1), upload_key="u1")
    assert faults.calls == 1 and store.sleeps == []
