"""Running counters for the staff metrics, kept in the claims table so no metric reads every claim.

Two kinds of counter item, each changed with ADD in the same transaction as the change it counts
(so a counter is exactly as current as what it counts, and a cancelled write changes neither):

    pk METRICS#CLAIMS  sk {plan}#{received day}   per plan and day of receipt:
        clean        claims counted by the clean-claim payment targets (a final disposition, or REVIEW)
        paid         of those, finalized (the finalization date stands for the payment date)
        paid_by_30   of those, finalized within 30 days of receipt
        paid_by_90   ... within 90 days
        status_{S}   claims in workflow status S (REVIEW_OVERDUE: claims left to staff)
    pk METRICS#QUEUES  sk {queue}                 open, unassigned: the queue's OPEN items

The payment targets need, per plan, only these per-day sums (claims_intake.clocks.targets_from_counts),
so `GET /api/metrics` reads one small item per plan and day received instead of scanning the table.
`recount` rebuilds every counter from the items themselves (a table written before the counters).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from ..check.result import FINAL_DISPOSITIONS
from ..clocks import as_date

CLAIM_COUNTERS_PK = "METRICS#CLAIMS"
QUEUE_COUNTERS_PK = "METRICS#QUEUES"
TARGET_WINDOWS = (30, 90)


def finalized_on(status: str, disposition: str, updated_at: str) -> str | None:
    """When the claim was finalized (closed with a final disposition), or None while it is open."""
    return updated_at if status == "CLOSED" and disposition in FINAL_DISPOSITIONS else None


def claim_contribution(header: dict[str, Any] | None) -> dict[str, Counter]:
    """What one claim header adds to the claim counters, by counter sort key."""
    if not header:
        return {}
    counts: Counter = Counter({f"status_{header['status']}": 1})
    disposition = str(header["disposition"])
    if disposition in FINAL_DISPOSITIONS or disposition == "REVIEW":
        received = as_date(header["created_at"])
        counts["clean"] = 1
        paid = finalized_on(header["status"], disposition, header["updated_at"])
        if paid:
            paid_day = as_date(paid)
            counts["paid"] = 1
            for days in TARGET_WINDOWS:
                counts[f"paid_by_{days}"] = int(paid_day <= received + timedelta(days=days))
    return {f"{header['plan']}#{as_date(header['created_at']).isoformat()}": counts}


def claim_delta(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, dict[str, int]]:
    """new minus old, by counter sort key, without the counters that do not change."""
    delta: dict[str, Counter] = defaultdict(Counter)
    for key, counts in claim_contribution(new).items():
        delta[key].update(counts)
    for key, counts in claim_contribution(old).items():
        delta[key].subtract(counts)
    changed = {key: {name: n for name, n in counts.items() if n} for key, counts in delta.items()}
    return {key: counts for key, counts in changed.items() if counts}


def add_operations(table: str, pk: str, deltas: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """One transactional Update (ADD) per counter item that changes."""
    operations = []
    for sk, counts in sorted(deltas.items()):
        names = {f"#c{index}": name for index, name in enumerate(sorted(counts))}
        values = {f":c{index}": {"N": str(counts[name])} for index, name in enumerate(sorted(counts))}
        operations.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
                    "UpdateExpression": "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(counts))),
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            }
        )
    return operations


def day_counts_by_plan(items: Iterable[dict[str, Any]]) -> tuple[dict[str, list[tuple[date, dict[str, int]]]], Counter]:
    """The METRICS#CLAIMS items as ({plan: [(received day, counts)]}, claims by workflow status)."""
    by_plan: dict[str, list[tuple[date, dict[str, int]]]] = defaultdict(list)
    statuses: Counter = Counter()
    for item in items:
        plan, _, day = str(item["sk"]).rpartition("#")
        counts = {name: int(value) for name, value in item.items() if name not in ("pk", "sk")}
        statuses.update({name.removeprefix("status_"): n for name, n in counts.items() if name.startswith("status_")})
        if counts.get("clean"):
            by_plan[plan].append((date.fromisoformat(day), counts))
    return dict(by_plan), statuses


def recount(
    headers: Iterable[dict[str, Any]], queue_items: Iterable[dict[str, Any]]
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """Every counter from the claim headers and queue items themselves: (claim counters, queue counters)."""
    claims: dict[str, Counter] = defaultdict(Counter)
    for header in headers:
        for key, counts in claim_contribution(header).items():
            claims[key].update(counts)
    queues: dict[str, Counter] = defaultdict(Counter)
    for item in queue_items:
        if item.get("status") == "OPEN":
            queues[item["queue"]].update({"open": 1, "unassigned": int(not item.get("assigned_to"))})
    return ({k: dict(v) for k, v in claims.items()}, {k: dict(v) for k, v in queues.items()})
