"""The flow tasks wired to AWS from the Lambda environment (table names, bucket, topic, windows)."""

from __future__ import annotations

import boto3

from ..store import ClaimStore, Tables
from .checker import StoreChecker
from .config import FlowConfig
from .tasks import FlowTasks


def flow_tasks_from_env() -> FlowTasks:
    tables = Tables.from_env()
    dynamodb = boto3.client("dynamodb")
    return FlowTasks(
        store=ClaimStore(tables, client=dynamodb),
        s3=boto3.client("s3"),
        sns=boto3.client("sns"),
        config=FlowConfig.from_env(),
        checker=StoreChecker(tables, client=dynamodb),
    )
