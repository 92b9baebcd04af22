"""Create the plan's resources in moto through the AWS APIs, mapping CloudFormation properties to API calls.

Order: topics, queues (dead-letter queues before the queues that redrive to them), tables, buckets (their
notifications name queues, topics and functions), state machines. Properties that moto does not enforce
and that change nothing locally (KMS keys on buckets and tables, bucket policies, IAM, alarms, log groups)
are left out; `plan.skipped` lists the resources not created.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from .template import Bucket, StackPlan, Table

logger = logging.getLogger(__name__)


def create_all(stack: Any, plan: StackPlan) -> None:
    for topic in plan.topics:
        stack.client("sns").create_topic(Name=topic.name)
    _create_queues(stack, plan)
    for table in plan.tables:
        create_table(stack.client("dynamodb"), table)
    for bucket in plan.buckets:
        _create_bucket(stack.client("s3"), bucket, plan.region)
    sfn = stack.client("stepfunctions")
    for machine in plan.state_machines:
        sfn.create_state_machine(
            name=machine.name,
            definition=machine.definition,
            type=machine.type,
            roleArn=f"arn:aws:iam::{plan.account_id}:role/{machine.name}-local",
        )


def _create_queues(stack: Any, plan: StackPlan) -> None:
    sqs = stack.client("sqs")
    arns = {queue.arn for queue in plan.queues}
    ordered = sorted(plan.queues, key=lambda queue: queue.dead_letter_arn in arns)  # DLQs first
    for queue in ordered:
        stack.queue_urls[queue.name] = sqs.create_queue(QueueName=queue.name, Attributes=queue.attributes)["QueueUrl"]


def create_table(dynamodb: Any, table: Table) -> None:
    properties = table.properties
    request: dict[str, Any] = {
        "TableName": table.name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
    }
    if request["BillingMode"] == "PROVISIONED":
        request["ProvisionedThroughput"] = properties.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if properties.get(key):
            request[key] = [_index(index, request["BillingMode"]) for index in properties[key]]
    stream = properties.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    if properties.get("Tags"):
        request["Tags"] = properties["Tags"]
    dynamodb.create_table(**request)
    ttl = properties.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled") in (True, "true"):
        dynamodb.update_time_to_live(
            TableName=table.name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]}
        )


def _index(index: dict, billing_mode: str) -> dict:
    index = {
        key: value
        for key, value in index.items()
        if key in ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")
    }
    if billing_mode == "PROVISIONED" and "ProvisionedThroughput" not in index:
        index["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    return index


def _create_bucket(s3: Any, bucket: Bucket, region: str) -> None:
    properties = bucket.properties
    request: dict[str, Any] = {"Bucket": bucket.name}
    if region != "us-east-1":
        request["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**request)
    if (properties.get("VersioningConfiguration") or {}).get("Status") == "Enabled":
        s3.put_bucket_versioning(Bucket=bucket.name, VersioningConfiguration={"Status": "Enabled"})
    public_access = properties.get("PublicAccessBlockConfiguration")
    if public_access:
        s3.put_public_access_block(
            Bucket=bucket.name,
            PublicAccessBlockConfiguration={key: public_access[key] in (True, "true") for key in public_access},
        )
    cors = (properties.get("CorsConfiguration") or {}).get("CorsRules")
    if cors:
        s3.put_bucket_cors(Bucket=bucket.name, CORSConfiguration={"CORSRules": [_cors_rule(rule) for rule in cors]})
    notifications = notification_configuration(properties.get("NotificationConfiguration") or {})
    if notifications:
        s3.put_bucket_notification_configuration(Bucket=bucket.name, NotificationConfiguration=notifications)


def _cors_rule(rule: dict) -> dict:
    renamed = {"ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds"}
    return {renamed.get(key, key): value for key, value in rule.items() if key != "Id"}


def page_origin_cors(properties: dict, origin: str) -> list[dict]:
    """The bucket's CORS rules with a local page's origin in place of the deployed site's (none: no CORS)."""
    rules = (properties.get("CorsConfiguration") or {}).get("CorsRules") or []
    origins = {origin, origin.replace("://127.0.0.1:", "://localhost:")}
    return [{**_cors_rule(rule), "AllowedOrigins": sorted(origins)} for rule in rules]


def notification_configuration(cfn: dict) -> dict:
    """CloudFormation's NotificationConfiguration -> the PutBucketNotificationConfiguration shape."""
    api: dict[str, Any] = {}
    for cfn_key, api_key, target, arn_key in (
        ("QueueConfigurations", "QueueConfigurations", "Queue", "QueueArn"),
        ("TopicConfigurations", "TopicConfigurations", "Topic", "TopicArn"),
        ("LambdaConfigurations", "LambdaFunctionConfigurations", "Function", "LambdaFunctionArn"),
    ):
        entries = []
        for entry in cfn.get(cfn_key) or []:
            converted = {arn_key: entry[target], "Events": [entry["Event"]]}
            rules = ((entry.get("Filter") or {}).get("S3Key") or {}).get("Rules")
            if rules:
                converted["Filter"] = {
                    "Key": {"FilterRules": [{"Name": rule["Name"], "Value": rule["Value"]} for rule in rules]}
                }
            entries.append(converted)
        if entries:
            api[api_key] = entries
    if (cfn.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled") in (True, "true"):
        api["EventBridgeConfiguration"] = {}
    return api


def describe(plan: StackPlan) -> dict[str, Any]:
    """A JSON-able summary of what the stack holds (for `serve` and the docs)."""
    return {
        "buckets": [bucket.name for bucket in plan.buckets],
        "queues": [queue.name for queue in plan.queues],
        "tables": [table.name for table in plan.tables],
        "topics": [topic.arn for topic in plan.topics],
        "functions": [function.logical_id for function in plan.functions],
        "state_machines": [machine.arn for machine in plan.state_machines],
        "not_created": plan.skipped,
    }


def dumps(plan: StackPlan) -> str:
    return json.dumps(describe(plan), indent=2)
