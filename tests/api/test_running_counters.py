"""The staff metrics' running counters move with every write, and always equal a recount of the items."""

from __future__ import annotations

import random
from datetime import timedelta

from claims_intake.check.result import ClaimDisposition
from claims_intake.clocks import CleanClaim, as_date, payment_targets, targets_from_counts
from claims_intake.store import counters
from claims_intake.store.claims import HEADER
from claims_intake.store.codec import from_item, plain

from .queue_factories import rfi_claim

DISPOSITIONS = [
    ClaimDisposition.CLEAN,
    ClaimDisposition.PARTIAL,
    ClaimDisposition.DENIED,
    ClaimDisposition.RFI,
    ClaimDisposition.REVIEW,
]


def items(services):
    client, table = services.store.client, services.store.tables.claims
    found, request = [], {"TableName": table}
    while True:
        page = client.scan(**request)
        found += [plain(from_item(item)) for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return found
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def running(services):
    by_sk = {
        item["sk"]: {k: v for k, v in item.items() if k not in ("pk", "sk") and v}
        for item in services.store.claim_counters()
    }
    queues = {
        queue: {k: v for k, v in counts.items() if v} for queue, counts in services.store.queue_counters().items()
    }
    return {sk: counts for sk, counts in by_sk.items() if counts}, {q: c for q, c in queues.items() if c}


def recounted(services):
    everything = items(services)
    claims, queues = counters.recount(
        [i for i in everything if i["sk"] == HEADER], [i for i in everything if str(i["sk"]).startswith("QUEUE#")]
    )
    drop_zero = lambda table: {k: {n: c for n, c in v.items() if c} for k, v in table.items()}
    return {k: v for k, v in drop_zero(claims).items() if v}, {k: v for k, v in drop_zero(queues).items() if v}


def test_counters_follow_a_random_day_of_work_and_match_a_recount(services, clock):
    from .conftest import call

    store, rng = services.store, random.Random(21)
    opened = []
    for step in range(40):
        action = rng.choice(["save", "save", "status", "open", "assign", "close", "wait"])
        claim_id = f"C-{rng.randrange(12)}"
        if action == "save":
            store.save_checked_claim(
                rfi_claim(claim_id, plan=rng.choice(["khs", "kp"]), disposition=rng.choice(DISPOSITIONS)),
                upload_key=None,
            )
        elif action == "status" and store.get_claim(claim_id):
            store.set_status(
                claim_id,
                rng.choice(["CLOSED", "REVIEW_OVERDUE", "WAITING_RFI"]),
                "flow",
                disposition=rng.choice(DISPOSITIONS),
            )
        elif action == "open" and store.get_claim(claim_id):
            opened.append(
                store.open_queue_item(
                    claim_id, rng.choice(["RFI", "REVIEW"]), None, clock() + timedelta(days=rng.randrange(-3, 9))
                )
            )
        elif action == "assign" and opened:
            item = rng.choice(opened)
            if store.get_queue_item(item.claim_id, item.item_id).status == "OPEN":
                store.assign_queue_item(item.claim_id, item.item_id, rng.choice(["ana", "ben"]))
        elif action == "close" and opened:
            item = opened.pop(rng.randrange(len(opened)))
            store.close_queue_item(item.claim_id, item.item_id, "ana", status=rng.choice(["ANSWERED", "EXPIRED"]))
        else:
            clock.advance(days=rng.randrange(1, 12))
        assert running(services) == recounted(services), f"after step {step} ({action})"

    # The metrics from the counters equal the payment targets measured claim by claim.
    headers = [i for i in items(services) if i["sk"] == HEADER]
    clean = [
        CleanClaim(
            h["plan"],
            as_date(h["created_at"]),
            as_date(h["updated_at"]) if counters.finalized_on(h["status"], h["disposition"], h["updated_at"]) else None,
        )
        for h in headers
        if h["disposition"] in ("CLEAN", "PARTIAL", "DENIED", "REVIEW")
    ]
    by_plan, _ = counters.day_counts_by_plan(store.claim_counters())
    assert targets_from_counts(by_plan, services.today()) == payment_targets(clean, services.today())
    metrics = call("GET", "/api/metrics")[1]
    assert metrics["payment_targets"] == payment_targets(clean, services.today())
    open_items = [i for i in items(services) if str(i["sk"]).startswith("QUEUE#") and i["status"] == "OPEN"]
    for queue in ("RFI", "REVIEW"):
        mine = [i for i in open_items if i["queue"] == queue]
        assert metrics["queues"][queue]["open"] == len(mine)
        assert metrics["queues"][queue]["unassigned"] == sum(1 for i in mine if not i.get("assigned_to"))
        assert metrics["queues"][queue]["overdue"] == sum(1 for i in mine if as_date(i["due"]) < services.today())
        assert metrics["queues"][queue]["due_today"] == sum(1 for i in mine if as_date(i["due"]) == services.today())
    assert metrics["queues"]["REVIEW"]["stopped_claims"] == sum(1 for h in headers if h["status"] == "REVIEW_OVERDUE")


def test_recount_rebuilds_counters_lost_or_never_written(services):
    store = services.store
    for claim_id in ("C-1", "C-2"):
        store.save_checked_claim(rfi_claim(claim_id, disposition=ClaimDisposition.CLEAN), upload_key=None)
    store.open_queue_item("C-1", "RFI", None, services.clock() + timedelta(days=3))
    before = running(services)
    for item in items(services):
        if str(item["pk"]).startswith("METRICS#"):
            store.client.delete_item(
                TableName=store.tables.claims, Key={"pk": {"S": item["pk"]}, "sk": {"S": item["sk"]}}
            )
    assert running(services) == ({}, {})
    store.recount_metrics()
    assert running(services) == before
