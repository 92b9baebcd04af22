"""template.yaml's resources inside moto's in-process mock (`mock_aws`), for tests and benchmarks.

The same plan the local stack serves (template.py reads the template with SAM's translator) and the same
resource creation (resources.py), without a server or pollers: a test creates what the template declares,
then drives the handlers itself. This is the one way tests stand AWS up; nothing else reads template.yaml.

    with mock_aws():
        stack = create_stack(template_plan(stage="test"))      # buckets, queues, tables, topics, flows
        create_tables(boto3.client("dynamodb"), Tables())      # or only the template's tables
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import boto3

from claims_intake.store import Tables

from . import resources
from .stack import ACCOUNT_ID, DEFAULT_REGION, DEFAULT_TEMPLATE
from .template import StackPlan, Table, build_plan

DEFAULT_TABLES = Tables()  # the template's logical ids
MOCK_ENDPOINT = "https://aws.invalid"  # queue URLs in the plan only; boto3 talks to the in-process mock


@cache
def _cached_plan(
    template: Path, stage: str, stack_name: str, names: tuple[tuple[str, str], ...], region: str
) -> StackPlan:
    return build_plan(
        template,
        endpoint=MOCK_ENDPOINT,
        region=region,
        account_id=ACCOUNT_ID,
        stack_name=stack_name,
        parameters={"Stage": stage},
        physical_names=dict(names),
    )


def template_plan(
    template: Path = DEFAULT_TEMPLATE,
    *,
    stage: str = "test",
    stack_name: str = "claims-intake-test",
    tables: Tables = DEFAULT_TABLES,
    region: str = DEFAULT_REGION,
) -> StackPlan:
    """The template's resources for one stage, its tables under `tables`' names (logical ids by default)."""
    plan = _cached_plan(
        Path(template).resolve(), stage, stack_name, tuple(sorted(tables.by_logical_id().items())), region
    )
    return copy.deepcopy(plan)  # callers may adjust their copy


@dataclass
class MotoStack:
    """What create_stack made: the plan (names, ARNs, the functions' environment) and the queue URLs moto gave."""

    plan: StackPlan
    region: str
    queue_urls: dict[str, str] = field(default_factory=dict)  # physical name -> URL

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=self.region)

    def queue_url(self, logical_id: str) -> str:
        return self.queue_urls[self.plan.physical_names()[logical_id]]

    def environment(self, logical_id: str) -> dict[str, str]:
        """The variables template.yaml gives the function (table names, bucket, topic and state machine ARNs)."""
        return dict(self.plan.function(logical_id).environment)


def create_stack(plan: StackPlan) -> MotoStack:
    """Create the plan's topics, queues, tables, buckets (with notifications) and state machines in the
    active mock, and drop the s3:TestEvent S3 sends to a queue when its notifications are configured."""
    stack = MotoStack(plan, plan.region)
    resources.create_all(stack, plan)
    sqs = stack.client("sqs")
    for url in stack.queue_urls.values():
        sqs.purge_queue(QueueUrl=url)
    return stack


def create_tables(client: Any, tables: Tables = DEFAULT_TABLES, template: Path = DEFAULT_TEMPLATE) -> None:
    """Only the template's DynamoDB tables (keys, indexes, TTL), under the names in `tables`."""
    names = tables.by_logical_id()
    for table in template_plan(template).tables:
        resources.create_table(
            client, Table(table.logical_id, names.get(table.logical_id, table.name), table.properties)
        )
