"""Make moto's DynamoDB and Step Functions cost what a request touches, not what the tables hold.

Six patches, applied together by `speed_up_moto()` (the tests, the benchmarks and the local stack).
Each changes how moto works, never what it answers; the soak (bench/bench_soak.py) found them.

1. TransactWriteItems. moto (5.2) backs up a table for rollback by deep-copying the whole table once
per item of the transaction: a 30-line claim (32 items) in a table of a few thousand items costs seconds, and it grows
with every claim stored (bench/bench_pipeline.py: 11 s per claim after 60 invoice files). The tests,
the benchmarks and the local stack store every claim in a transaction, so they apply this patch:
the rollback copy is taken once per table per transaction, sharing the untouched items and deep-copying
only the partitions the transaction writes (what a rollback can need). Semantics are unchanged: a
failed transaction still leaves nothing behind (tests/store/test_claim_store.py).

2. Query. moto answers every Query by listing and sorting every item of the table, then keeping those
of the queried partition (or, on an index, those whose index key matches): a claim's check, which
queries member history, authorizations and eligibility, cost more with every claim stored. The patch
hands the query only its candidates: the partition itself, or the items whose index hash key matches
(unsorted: moto sorts index results by index and table keys itself), and on an index only those whose
range key starts as a `begins_with` key condition asks (moto sorts its candidates before it compares
them: a search sorted a whole shard of the search index). Finding an index's candidates
still meant reading every item (0.2-0.3 s per search with 10,000 claims, bench/bench_staff_search.py),
so the items are grouped by the index's hash key once and the grouping reused until the next write:
every DynamoDB call that is not a read (put, update, delete, batch, transaction, PartiQL, restore...)
makes it stale. Results and their order are unchanged (tests/store/test_moto_speedup.py).

3. Step Functions. moto parses the state machine's definition (ANTLR, about 0.12 s here) for every
execution, and every JSONPath each time a state reads one (building a new yacc parser each time). The
parsed program holds no execution state (the state of a run lives in its Environment) and a parsed
JSONPath is only read, so each is parsed once and shared.

4. Responses. moto writes every DynamoDB response through its generic, shape-driven serializer, which
walks each attribute of each item in Python: reading a claim (a few dozen items of nested maps, each
value with its provenance) cost more than everything else the claim flow does. Items are already in
DynamoDB's JSON form inside moto, so they are written with json.dumps (binary values base64-encoded,
as the serializer does); the rest of the response still goes through moto's serializer.

5. Projections. moto projects an item by converting all of it to plain JSON once per projected path: a
search's 25 claim summaries (a dozen paths into each claim's large header) cost more than a second.
The paths are followed on the item as stored instead; paths into list elements still go through moto.

6. Ordering. moto sorts a query's candidates, and finds where a page starts, by comparing its typed values
(each comparison converts both sides): a search continued over a word's thousand index entries spent
most of its time there. When every key compared is a string, the plain strings are compared instead:
moto compares strings as Python strings either way, so the order is the same (any other type goes
through moto as before).

Real AWS is not affected by any of this; the Lambda code never imports this module.
"""

from __future__ import annotations

import base64
import contextvars
import copy
import functools
import inspect
import json
import threading
from collections import defaultdict
from typing import Any

_touched: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("moto_touched", default=None)
# what the Query running in this thread can match: ("partition", hash value) or
# ("index", [(attribute, value)], (range key, begins_with prefix) or None)
_query_scope: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("moto_query_scope", default=None)
_applied: set[str] = set()


def speed_up_moto() -> None:
    """Apply every patch of this module (idempotent); call before (or inside) mock_aws / the moto server."""
    speed_up_moto_transactions()
    speed_up_moto_queries()
    reuse_parsed_state_machines()
    write_dynamodb_items_directly()
    project_items_directly()
    compare_string_keys_directly()


def compare_string_keys_directly() -> None:
    """Sort and seek by string keys as plain strings (see the module's docstring)."""
    if "ordering" in _applied:
        return
    from moto.dynamodb.models.table import Table

    original_sorted, original_before = Table.sorted_items, Table._item_comes_before_dct

    def sorted_items(self, hash_key_attrs, range_key_attrs, items):
        attributes = self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs)
        keys = [_string_key(item.attrs, attributes) for item in items]
        if any(key is None for key in keys):
            return original_sorted(self, hash_key_attrs, range_key_attrs, items)
        order = sorted(range(len(items)), key=keys.__getitem__)  # stable, as moto's sort
        items[:] = [items[index] for index in order]
        return items

    def item_comes_before_dct(self, item, dct, hash_key_attrs, range_key_attrs, scan_index_forward):
        for attribute in self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs):
            value, bound = item.attrs.get(attribute), dct.get(attribute)
            if value is None:
                continue  # moto skips an attribute the item lacks
            if value.type != "S" or not isinstance(bound, dict) or set(bound) != {"S"}:
                return original_before(self, item, dct, hash_key_attrs, range_key_attrs, scan_index_forward)
            if value.value != bound["S"]:
                return (value.value < bound["S"]) == scan_index_forward
        return True

    Table.sorted_items = sorted_items
    Table._item_comes_before_dct = item_comes_before_dct
    _applied.add("ordering")


def _string_key(attrs: dict, attributes: list[str]) -> tuple[str, ...] | None:
    key = []
    for attribute in attributes:
        value = attrs.get(attribute)
        if value is None or value.type != "S":
            return None
        key.append(value.value)
    return tuple(key)


def project_items_directly() -> None:
    """A ProjectionExpression picks its attributes from the item as stored (see the module's docstring)."""
    if "projections" in _applied:
        return
    from moto.dynamodb.models.dynamo_type import Item

    original = Item.project

    def project(self, projection_expressions: list[list[str]]):
        if any("[" in part for path in projection_expressions for part in path):  # list elements: moto's way
            return original(self, projection_expressions)
        picked: dict[str, Any] = {}
        for path in projection_expressions:
            value = self.attrs.get(path[0])
            for name in path[1:]:
                value = value.value.get(name) if value is not None and value.type == "M" else None
            if value is None:
                continue
            target = picked
            for name in path[:-1]:
                target = target.setdefault(name, {"M": {}})["M"]
            target[path[-1]] = value.to_json()
        return Item(hash_key=self.hash_key, range_key=self.range_key, attrs=picked)

    Item.project = project
    _applied.add("projections")


def speed_up_moto_transactions() -> None:
    """Idempotent; call before (or inside) mock_aws / the moto server."""
    if "transactions" in _applied:
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
                    DynamoType(key[table.hash_key_attr])
                )
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
    _applied.add("transactions")


def speed_up_moto_queries() -> None:
    """Query lists only the candidates of its partition or index key (see the module's docstring)."""
    if "queries" in _applied:
        return
    from moto.dynamodb.models.table import Table

    original_query, original_all_items = Table.query, Table.all_items

    query_signature = inspect.signature(original_query)

    def query(*args, **kwargs):
        call = query_signature.bind(*args, **kwargs).arguments
        scope = _scope_of(call["hash_key"], call.get("index_name"), call.get("hash_key_conditions"))
        if scope and scope[0] == "index":
            prefix = _range_prefix(call["self"], call["index_name"], call.get("range_comparison"), call["range_objs"])
            scope = (*scope, prefix)
        token = _query_scope.set(scope)
        try:
            return original_query(*args, **kwargs)
        finally:
            _query_scope.reset(token)

    def all_items(self):
        scope = _query_scope.get()
        if scope is None:
            return original_all_items(self)
        _query_scope.set(None)  # only the query's own listing is narrowed
        if scope[0] == "partition":
            partition = self.items.get(scope[1])
            if partition is None:
                return []
            return list(partition.values()) if self.range_key_attr else [partition]
        grouped = _grouped_candidates(self, scope[1])
        if grouped is None:
            grouped = [item for item in _every_item(self) if _matches(item, scope[1])]
        if scope[2] is None:
            return grouped
        attribute, prefix = scope[2]  # begins_with on the index's range key: moto would drop the others
        return [item for item in grouped if _starts(item.attrs.get(attribute), prefix)]

    Table.query = query
    Table.all_items = all_items
    _count_writes()
    _applied.add("queries")


# DynamoDB calls that change no item: every other backend call counts as a write (unknown ones too).
_READS = {
    "describe_endpoints",
    "list_tags_of_resource",
    "list_tables",
    "describe_table",
    "get_table_keys_name",
    "get_keys_value",
    "get_schema",
    "get_table",
    "get_item",
    "query",
    "scan",
    "describe_time_to_live",
    "check_unicity",
    "describe_continuous_backups",
    "get_backup",
    "list_backups",
    "describe_backup",
    "batch_get_item",
    "transact_get_items",
    "describe_import",
    "describe_export",
    "list_exports",
    "get_resource_policy",
    "iter_tagged_resources",
}
_writes = {"count": 0}
_writes_lock = threading.Lock()


def _note_write() -> None:
    with _writes_lock:
        _writes["count"] += 1


def _count_writes() -> None:
    """Every non-read call of moto's DynamoDB backend moves the write count, before and after it runs (a
    grouping built while a write was under way is stale once it ends)."""
    from moto.dynamodb.models import DynamoDBBackend

    for name, method in list(vars(DynamoDBBackend).items()):
        if name.startswith("_") or name in _READS or not inspect.isfunction(method):
            continue

        def counted(*args, _method=method, **kwargs):
            _note_write()
            try:
                return _method(*args, **kwargs)
            finally:
                _note_write()

        functools.update_wrapper(counted, method)
        setattr(DynamoDBBackend, name, counted)


def _grouped_candidates(table, conditions: list) -> list | None:
    """The items whose one hash key attribute is this string, from a grouping of the table's items by that
    attribute built at the current write count; None for other keys (numbers, several attributes)."""
    if len(conditions) != 1 or conditions[0][1].type != "S":
        return None
    attribute, expected = conditions[0]
    count = _writes["count"]  # read before building: a write during the build makes the result stale
    cache = getattr(table, "_speedup_groups", None)
    if cache is None or cache["count"] != count:
        cache = {"count": count, "by": {}}
        table._speedup_groups = cache
    groups = cache["by"].get(attribute)
    if groups is None:
        groups = defaultdict(list)
        for item in _every_item(table):
            value = item.attrs.get(attribute)
            if value is not None and value.type == "S":
                groups[value.value].append(item)
        cache["by"][attribute] = groups
    return list(groups.get(expected.value, ()))


def _scope_of(hash_key, index_name: str | None, hash_key_conditions) -> tuple | None:
    if index_name is None:
        # a number key may be written "1" or "1.0" (equal for DynamoDB, not for the dict): left to moto
        return ("partition", hash_key) if hash_key is not None and hash_key.type == "S" else None
    return ("index", list(hash_key_conditions)) if hash_key_conditions else None


def _range_prefix(table, index_name: str, comparison: str | None, values: list) -> tuple[str, str] | None:
    """(the index's range key, the prefix) of a `begins_with` key condition on a string range key."""
    if not comparison or comparison.upper() != "BEGINS_WITH" or len(values) != 1 or values[0].type != "S":
        return None
    index = next((i for i in table.all_indexes() if i.name == index_name), None)
    ranges = [key["AttributeName"] for key in index.schema if key["KeyType"] == "RANGE"] if index else []
    return (ranges[0], values[0].value) if len(ranges) == 1 else None


def _starts(value, prefix: str) -> bool:
    return value is not None and value.type == "S" and value.value.startswith(prefix)


def _every_item(table) -> list:
    if table.range_key_attr:
        return [item for partition in list(table.items.values()) for item in list(partition.values())]
    return list(table.items.values())


def _matches(item, conditions: list) -> bool:
    for attribute, expected in conditions:
        value = item.attrs.get(attribute)
        if value is None or value.type != expected.type:
            return False
        if value.value != expected.value and (value.type == "S" or value != expected):
            return False
    return True


def reuse_parsed_state_machines() -> None:
    """Executions of one definition share its parsed program, and JSONPaths are parsed once (see the module)."""
    if "state_machines" in _applied:
        return
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.asl.utils import json_path
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    programs: dict[str, Any] = {}
    parsing = threading.Lock()  # executions start in threads of their own: parse each definition once

    def evaluation_entrypoint(self):
        definition = self._evaluation_details.state_machine_details.definition
        with parsing:
            if definition not in programs:
                programs[definition] = AmazonStateLanguageParser.parse(definition)[0]
            return programs[definition]

    ExecutionWorker._get_evaluation_entrypoint = evaluation_entrypoint
    json_path.parse = functools.lru_cache(maxsize=1024)(json_path.parse)
    _applied.add("state_machines")


_ITEM_KEYS = ("Items", "Item", "Attributes", "Responses")  # where DynamoDB responses carry items


def write_dynamodb_items_directly() -> None:
    """DynamoDB items in responses are written with json.dumps (see the module's docstring)."""
    if "responses" in _applied:
        return
    from moto.core.responses import ActionResult
    from moto.dynamodb.responses import DynamoResult  # an ActionResult whose DynamoTypes are already dicts

    original = ActionResult.execute_result

    def execute_result(self, context):
        result = self.result
        if (
            type(self) not in (ActionResult, DynamoResult)
            or not isinstance(result, dict)
            or context.service_model.service_name != "dynamodb"
        ):
            return original(self, context)
        items = {key: result[key] for key in _ITEM_KEYS if result.get(key) is not None}
        try:
            items_json = json.dumps(items, default=_base64)[1:-1]  # '"Items": [...]', no braces
        except TypeError:  # something json.dumps cannot write: moto's serializer knows
            return original(self, context)
        if not items_json:
            return original(self, context)
        rest = ActionResult({key: value for key, value in result.items() if key not in items})
        status, headers, body = original(rest, context)
        body = body.decode() if isinstance(body, bytes) else body
        inner = body.strip()[1:-1].strip() if body else ""
        return status, headers, "{" + (inner + ", " if inner else "") + items_json + "}"

    ActionResult.execute_result = execute_result
    _applied.add("responses")


def _base64(value: Any) -> str:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(type(value).__name__)


def _snapshot(table, hashes: set) -> Any:
    """A table object for rollback: its own item containers; Items deep-copied only in touched partitions."""
    clone = copy.copy(table)
    clone._speedup_groups = None  # a grouping belongs to the table it was built from
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
        setattr(clone, name, None if name == "_speedup_groups" else copy.deepcopy(value, memo))
    return clone
