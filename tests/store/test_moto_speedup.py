"""moto_speedup: the patched moto answers queries and runs state machines exactly as before.

Every expected answer here is worked out in plain Python from the items written, so a patch that
dropped, added or reordered an item (or broke pagination) fails.
"""

import json
import random
import time
import uuid

import boto3
import pytest
from moto import mock_aws

from claims_intake_dev.moto_speedup import speed_up_moto

speed_up_moto()

GSI = {
    "IndexName": "by_group",
    "KeySchema": [{"AttributeName": "group", "KeyType": "HASH"}, {"AttributeName": "due", "KeyType": "RANGE"}],
    "Projection": {"ProjectionType": "ALL"},
}


@pytest.fixture
def table():
    """pk/sk table with an index on (group, due); items written in a shuffled order."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-west-2")
        client.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            GlobalSecondaryIndexes=[GSI],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "group", "due")
            ],
        )
        items = []
        for p in range(12):
            for s in range(6):
                item = {"pk": f"P{p:02d}", "sk": f"S{s}", "n": str(p * 10 + s)}
                if (p + s) % 3:  # a third of the items are not in the index (no group)
                    item.update(group=f"G{(p * s) % 4}", due=f"2024-0{1 + (p + s) % 9}-{10 + s}")
                items.append(item)
        random.Random(7).shuffle(items)
        for item in items:
            client.put_item(TableName="t", Item={k: {"N" if k == "n" else "S": v} for k, v in item.items()})
        yield client, items


def _query_all(client, **request) -> list[dict]:
    """Every page, following LastEvaluatedKey."""
    found, start = [], None
    while True:
        page = client.query(TableName="t", **request, **({"ExclusiveStartKey": start} if start else {}))
        found += [{k: next(iter(v.values())) for k, v in item.items()} for item in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            return found


@pytest.mark.parametrize("limit", [None, 1, 4])
@pytest.mark.parametrize("forward", [True, False])
def test_partition_query_returns_the_partition_in_sort_key_order(table, limit, forward):
    client, items = table
    request = {
        "KeyConditionExpression": "pk = :p AND sk >= :s",
        "ExpressionAttributeValues": {":p": {"S": "P05"}, ":s": {"S": "S2"}},
        "ScanIndexForward": forward,
    }
    got = _query_all(client, **request, **({"Limit": limit} if limit else {}))
    expected = sorted(
        (i for i in items if i["pk"] == "P05" and i["sk"] >= "S2"), key=lambda i: i["sk"], reverse=not forward
    )
    assert got == expected


def test_query_of_a_missing_partition_is_empty(table):
    client, _ = table
    assert _query_all(client, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "none"}}) == []


@pytest.mark.parametrize("limit", [None, 1, 3])
@pytest.mark.parametrize("forward", [True, False])
@pytest.mark.parametrize("prefix", ["2024-0", "2024-03"])
def test_index_query_returns_the_matching_items_in_index_order(table, limit, forward, prefix):
    client, items = table
    request = {
        "IndexName": "by_group",
        "KeyConditionExpression": "#g = :g AND begins_with(due, :m)",
        "ExpressionAttributeNames": {"#g": "group"},
        "ExpressionAttributeValues": {":g": {"S": "G2"}, ":m": {"S": prefix}},
        "ScanIndexForward": forward,
    }
    got = _query_all(client, **request, **({"Limit": limit} if limit else {}))
    expected = sorted(
        (i for i in items if i.get("group") == "G2" and i["due"].startswith(prefix)),
        key=lambda i: (i["due"], i["pk"], i["sk"]),
        reverse=not forward,
    )
    assert got and [(i["due"], i["pk"], i["sk"]) for i in got] == [(i["due"], i["pk"], i["sk"]) for i in expected]


def test_index_query_with_a_filter(table):
    client, items = table
    got = _query_all(
        client,
        IndexName="by_group",
        KeyConditionExpression="#g = :g",
        FilterExpression="n > :n",
        ExpressionAttributeNames={"#g": "group"},
        ExpressionAttributeValues={":g": {"S": "G0"}, ":n": {"N": "60"}},
    )
    assert sorted(i["n"] for i in got) == sorted(i["n"] for i in items if i.get("group") == "G0" and int(i["n"]) > 60)


def test_index_queries_see_every_kind_of_write_at_once(table):
    """The index grouping is rebuilt after any write: put, update, delete, batch and transaction."""
    client, items = table

    def group(name):
        found = _query_all(
            client,
            IndexName="by_group",
            KeyConditionExpression="#g = :g",
            ExpressionAttributeNames={"#g": "group"},
            ExpressionAttributeValues={":g": {"S": name}},
        )
        return sorted((i["pk"], i["sk"]) for i in found)

    before = sorted((i["pk"], i["sk"]) for i in items if i.get("group") == "G1")
    assert group("G1") == before and group("G9") == []
    key = {"pk": {"S": before[0][0]}, "sk": {"S": before[0][1]}}
    client.update_item(
        TableName="t",
        Key=key,
        UpdateExpression="SET #g = :g",
        ExpressionAttributeNames={"#g": "group"},
        ExpressionAttributeValues={":g": {"S": "G9"}},
    )
    assert group("G1") == before[1:] and group("G9") == [before[0]]
    client.delete_item(TableName="t", Key=key)
    assert group("G9") == []
    new = {"pk": {"S": "NEW"}, "sk": {"S": "S0"}, "group": {"S": "G9"}, "due": {"S": "2024-01-01"}}
    client.put_item(TableName="t", Item=new)
    assert group("G9") == [("NEW", "S0")]
    client.batch_write_item(RequestItems={"t": [{"PutRequest": {"Item": {**new, "sk": {"S": "S1"}}}}]})
    assert group("G9") == [("NEW", "S0"), ("NEW", "S1")]
    client.transact_write_items(
        TransactItems=[
            {"Delete": {"TableName": "t", "Key": {"pk": {"S": "NEW"}, "sk": {"S": "S0"}}}},
            {"Put": {"TableName": "t", "Item": {**new, "sk": {"S": "S2"}, "group": {"S": "G1"}}}},
        ]
    )
    assert group("G9") == [("NEW", "S1")] and group("G1") == sorted([*before[1:], ("NEW", "S2")])
    with pytest.raises(client.exceptions.TransactionCanceledException):  # rolled back: nothing changes
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "t", "Item": {**new, "sk": {"S": "S3"}}}},
                {
                    "ConditionCheck": {
                        "TableName": "t",
                        "Key": {"pk": {"S": "NEW"}, "sk": {"S": "S1"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    assert group("G9") == [("NEW", "S1")]


def test_number_keys_are_matched_by_value():
    """'7' and '7.0' are one number for DynamoDB: a query for either finds the item."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-west-2")
        client.create_table(
            TableName="n",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}],
        )
        client.put_item(TableName="n", Item={"id": {"N": "7"}, "v": {"S": "seven"}})
        for written in ("7", "7.0"):
            page = client.query(
                TableName="n", KeyConditionExpression="id = :i", ExpressionAttributeValues={":i": {"N": written}}
            )
            assert [item["v"]["S"] for item in page["Items"]] == ["seven"]


def test_executions_of_one_definition_parse_it_once_and_keep_their_own_state(monkeypatch):
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    parses = []
    original = AmazonStateLanguageParser.parse
    monkeypatch.setattr(
        AmazonStateLanguageParser, "parse", staticmethod(lambda definition: parses.append(1) or original(definition))
    )
    definition = {
        "Comment": f"unique {uuid.uuid4()}",
        "StartAt": "Route",
        "States": {
            "Route": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"}],
                "Default": "Small",
            },
            "Big": {"Type": "Pass", "Parameters": {"size": "big", "n.$": "$.n"}, "End": True},
            "Small": {"Type": "Pass", "Parameters": {"size": "small", "n.$": "$.n"}, "End": True},
        },
    }
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name="us-west-2")
        arn = sfn.create_state_machine(
            name="m", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/r"
        )["stateMachineArn"]
        runs = {
            n: sfn.start_execution(stateMachineArn=arn, name=f"run-{n}", input=json.dumps({"n": n}))["executionArn"]
            for n in (3, 30, 5, 50)
        }
        outputs = {n: _output(sfn, execution) for n, execution in runs.items()}
    assert outputs == {
        3: {"size": "small", "n": 3},
        30: {"size": "big", "n": 30},
        5: {"size": "small", "n": 5},
        50: {"size": "big", "n": 50},
    }
    executions_parsed = len(parses) - 1  # create_state_machine validates the definition once
    assert executions_parsed == 1


def _output(sfn, execution_arn: str) -> dict:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            assert described["status"] == "SUCCEEDED", described
            return json.loads(described["output"])
        time.sleep(0.05)
    raise AssertionError("execution still running")


EVERY_TYPE = {
    "pk": {"S": "every-type"},
    "text": {"S": "Reyes, Daniel — ü"},
    "number": {"N": "-12.50"},
    "binary": {"B": b"\x00\xffscan"},
    "flag": {"BOOL": False},
    "nothing": {"NULL": True},
    "strings": {"SS": ["a", "b"]},
    "numbers": {"NS": ["1", "2.5"]},
    "blobs": {"BS": [b"\x01", b"\x02"]},
    "nested": {
        "M": {
            "lines": {"L": [{"M": {"code": {"S": "G9008"}, "units": {"N": "2"}}}, {"B": b"\x03"}, {"NULL": True}]},
            "empty": {"M": {}},
        }
    },
}


def test_items_of_every_type_come_back_as_written_from_every_read():
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-west-2")
        client.create_table(
            TableName="all",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        )
        client.put_item(TableName="all", Item=EVERY_TYPE)
        key = {"pk": EVERY_TYPE["pk"]}
        reads = {
            "get_item": client.get_item(TableName="all", Key=key)["Item"],
            "query": client.query(
                TableName="all", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": EVERY_TYPE["pk"]}
            )["Items"][0],
            "scan": client.scan(TableName="all")["Items"][0],
            "batch_get_item": client.batch_get_item(RequestItems={"all": {"Keys": [key]}})["Responses"]["all"][0],
            "transact_get_items": client.transact_get_items(TransactItems=[{"Get": {"TableName": "all", "Key": key}}])[
                "Responses"
            ][0]["Item"],
            "put_item ALL_OLD": client.put_item(TableName="all", Item=EVERY_TYPE, ReturnValues="ALL_OLD")["Attributes"],
        }
        missing = client.get_item(TableName="all", Key={"pk": {"S": "none"}})
        projected = client.get_item(
            TableName="all", Key=key, ProjectionExpression="#n", ExpressionAttributeNames={"#n": "nested"}
        )["Item"]
    for read, item in reads.items():
        assert _sets_sorted(item) == _sets_sorted(EVERY_TYPE), read
    assert "Item" not in missing
    assert projected == {"nested": EVERY_TYPE["nested"]}


def _sets_sorted(item: dict) -> dict:
    """Sets come back in any order."""
    return {
        name: {kind: sorted(value) if kind in ("SS", "NS", "BS") else value for kind, value in attribute.items()}
        for name, attribute in item.items()
    }


def test_projections_pick_nested_attributes_as_moto_does():
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-west-2")
        client.create_table(
            TableName="p",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        )
        item = {
            "pk": {"S": "1"},
            "plan": {"S": "kp"},
            "doc": {"M": {"elements": {"M": {"cin": {"S": "9A"}, "name": {"S": "Ana"}, "npi": {"N": "12"}}}}},
            "tags": {"L": [{"S": "x"}, {"S": "y"}]},
        }
        client.put_item(TableName="p", Item=item)

        def projected(expression, names=None):
            request = {"TableName": "p", "Key": {"pk": {"S": "1"}}, "ProjectionExpression": expression}
            return client.get_item(**request, **({"ExpressionAttributeNames": names} if names else {})).get("Item", {})

        assert projected("#p, #d.elements.cin, #d.elements.npi, #d.missing.x", {"#p": "plan", "#d": "doc"}) == {
            "plan": {"S": "kp"},
            "doc": {"M": {"elements": {"M": {"cin": {"S": "9A"}, "npi": {"N": "12"}}}}},
        }
        assert projected("#d", {"#d": "doc"}) == {"doc": item["doc"]}
        assert projected("tags[1], pk") == {"tags": {"L": [{"S": "y"}]}, "pk": {"S": "1"}}
        assert projected("nothing") == {}
