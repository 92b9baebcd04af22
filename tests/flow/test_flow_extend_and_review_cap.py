"""Extending a waiting item's due date really extends the flow's wait; overdue REVIEW items are reopened
a limited number of times. Real ASL on moto (windows in seconds), the staff API's service functions."""

import time
from datetime import date, timedelta

import pytest

from claims_intake.api import service
from claims_intake.api.auth import Caller
from tests.check.builders import claim, line, low_confidence

from .conftest import BUCKET

STAFF = Caller(user="maria.staff", groups=frozenset({"staff"}))


def staff_api(flow) -> service.Services:
    return service.Services(store=flow.store, s3=flow.s3, sfn=flow.sfn, uploads_bucket=BUCKET)


def status_of(flow, claim_id: str) -> str:
    return flow.sfn.describe_execution(executionArn=flow.execution_arn(claim_id))["status"]


@pytest.mark.parametrize("flow", [{"rfi_window": "4s"}], indirect=True)
def test_extending_an_rfi_keeps_the_flow_waiting_past_the_original_window(flow):
    claim_id = flow.submit(claim(line("G9008", "U1"), tar="TAR-PHC-9995", invoice="EXT-1"), "phc")
    item = flow.wait_item(claim_id, "RFI")
    api = staff_api(flow)
    view = service.extend_due(api, STAFF, claim_id, item.item_id, date.today() + timedelta(days=2),
                              note="provider asked for more time")
    assert view["flow_resumed"] is True
    time.sleep(6)  # well past the original 4 s window
    assert status_of(flow, claim_id) == "RUNNING"
    stored = flow.store.require_claim(claim_id)
    assert stored.status == "WAITING_RFI"
    assert [(i.item_id, i.status) for i in stored.queue_items] == [(item.item_id, "OPEN")]  # the same item
    waiting = stored.queue_items[0]
    assert waiting.due.startswith((date.today() + timedelta(days=2)).isoformat())
    assert waiting.task_token and waiting.task_token != item.task_token  # the flow waits again on it
    assert [letter.kind for letter in stored.letters] == ["rfi"]  # no second letter, no second round
    assert "wait_extended" in [entry.action for entry in stored.audit]
    service.answer(api, STAFF, claim_id, item.item_id,
                   [{"element": "authorization_number", "line": None, "value": "TAR-PHC-1001"}], [])
    assert flow.wait_execution(claim_id)["status"] == "SUCCEEDED"
    stored = flow.store.require_claim(claim_id)
    assert (stored.status, stored.disposition) == ("CLOSED", "CLEAN")
    assert [letter.kind for letter in stored.letters] == ["rfi"]


def test_an_answer_right_after_an_extension_is_not_lost(flow):
    """Extend, then answer at once: the flow may not hold a token on the item yet; it takes the answer."""
    claim_id = flow.submit(claim(line("G9008", "U1"), tar="TAR-PHC-9994", invoice="EXT-2"), "phc")
    item = flow.wait_item(claim_id, "RFI")
    api = staff_api(flow)
    service.extend_due(api, STAFF, claim_id, item.item_id, date.today() + timedelta(days=3))
    service.extend_due(api, STAFF, claim_id, item.item_id, date.today() + timedelta(days=4))  # twice
    service.answer(api, STAFF, claim_id, item.item_id,
                   [{"element": "authorization_number", "line": None, "value": "TAR-PHC-1001"}], [])
    assert flow.wait_execution(claim_id)["status"] == "SUCCEEDED"
    stored = flow.store.require_claim(claim_id)
    assert (stored.status, stored.disposition) == ("CLOSED", "CLEAN")
    assert [letter.kind for letter in stored.letters] == ["rfi"]


@pytest.mark.parametrize("flow", [{"review_window": "3s"}], indirect=True)
def test_extending_a_review_item_keeps_the_flow_waiting(flow):
    first = low_confidence(line("G9008", "U1"), "charge_amount", raw="400.00")
    claim_id = flow.submit(claim(first, invoice="EXT-3"), "phc")
    item = flow.wait_item(claim_id, "REVIEW")
    api = staff_api(flow)
    service.extend_due(api, STAFF, claim_id, item.item_id, date.today() + timedelta(days=1))
    time.sleep(5)
    stored = flow.store.require_claim(claim_id)
    assert status_of(flow, claim_id) == "RUNNING" and stored.status == "WAITING_REVIEW"
    assert [(i.item_id, i.status) for i in stored.queue_items] == [(item.item_id, "OPEN")]  # not overdue
    service.answer(api, STAFF, claim_id, item.item_id, [{"element": "charge_amount", "line": 1, "value": "400.00"}], [])
    assert flow.wait_execution(claim_id)["status"] == "SUCCEEDED"
    assert flow.store.require_claim(claim_id).status == "CLOSED"


@pytest.mark.parametrize("flow", [{"review_window": "2s", "max_reopenings": "1"}], indirect=True)
def test_an_overdue_review_is_reopened_a_limited_number_of_times_then_left_to_staff(flow):
    first = low_confidence(line("G9008", "U1"), "charge_amount", raw="400.00")
    claim_id = flow.submit(claim(first, invoice="REV-CAP"), "phc")
    assert flow.wait_execution(claim_id, timeout=40)["status"] == "SUCCEEDED"  # nobody verifies
    stored = flow.store.require_claim(claim_id)
    assert (stored.status, stored.disposition) == ("REVIEW_OVERDUE", "REVIEW")
    assert [(i.queue, i.status) for i in stored.queue_items] == [("REVIEW", "EXPIRED"), ("REVIEW", "EXPIRED")]
    notices = [n["kind"] for n in flow.notices()]
    assert notices == ["review_overdue", "review_escalated"]
