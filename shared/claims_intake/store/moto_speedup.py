"""Make moto's TransactWriteItems cost what the transaction touches, not what the table holds.

moto (5.2) backs up a table for rollback by deep-copying the whole table once per item of the
transaction: a 30-line claim (32 items) in a table of a few thousand items costs seconds, and it grows
with every claim stored (bench/bench_pipeline.py: 11 s per claim after 60 invoice files). The tests,
the benchmarks and the local stack store every claim in a transaction, so they apply this patch:
the rollback copy is taken once per table per transaction, sharing the untouched items and deep-copying
only the partitions the transaction writes (what a rollback can need). Semantics are unchanged: a
failed transaction still leaves nothing behind (tests/store/test_claim_store.py). Real DynamoDB is
not affected by any of this; the Lambda code never imports this module.
"""

from __future__ import annotations

import contextvars
import copy
from collections import defaultdict
from typing import Any

_touched: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("moto_touched", default=None)
_applied = False


def speed_up_moto_transactions() -> None:
    """Idempotent; call before (or inside) mock_aws / the moto server."""
    global _applied
    if _applied:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items: list[dict[str, Any]]) -> None:
        touched: dict[str, Any] = {}
        for item in transact_items:
            _, op = next(iter(item.items()))
            name = op.get("TableName")
            table = self.tables.get(name) if name else None
            if table is None:
                continue
            key = op.get("Key") or op.get("Item") or {}
            if table.hash_key_attr in key:
                touched.setdefault(name, {"hashes": set(), "copy": None})["hashes"].add(
                    DynamoType(key[table.hash_key_attr]))
        token = _touched.set(touched)
        try:
            return original(self, transact_items)
        finally:
            _touched.reset(token)

    def table_deepcopy(self: Table, memo: dict[int, Any]) -> Table:
        touched = _touched.get()
        entry = touched.get(self.name) if touched else None
        if entry is None:
            return _plain_deepcopy(self, memo)
        if entry["copy"] is None:
            entry["copy"] = _snapshot(self, entry["hashes"])
        return entry["copy"]

    DynamoDBBackend.transact_write_items = transact_write_items
    Table.__deepcopy__ = table_deepcopy
    _applied = True


def _snapshot(table, hashes: set) -> Any:
    """A table object for rollback: its own item containers; Items deep-copied only in touched partitions."""
    clone = copy.copy(table)
    items = defaultdict(dict)
    for hash_value, partition in table.items.items():
        if hash_value in hashes:
            items[hash_value] = copy.deepcopy(partition)
        elif isinstance(partition, dict):
            items[hash_value] = dict(partition)
        else:
            items[hash_value] = partition
    clone.items = items
    return clone


def _plain_deepcopy(obj, memo: dict[int, Any]):
    """What copy.deepcopy does for a plain object without __deepcopy__."""
    cls = obj.__class__
    clone = cls.__new__(cls)
    memo[id(obj)] = clone
    for name, value in obj.__dict__.items():
        setattr(clone, name, copy.deepcopy(value, memo))
    return clone
