"""Extending a waiting item's due date really extends the flow's wait; overdue REVIEW items are reopened
a limited number of times. Real ASL on moto (windows in seconds), the staff API's service functions."""

import time
from datetime import date, timedelta

import boto3
import pytest
from moto import mock_aws

from claims_intake.api import service
from claims_intake.api.auth import Caller
from claims_intake.flow.config import FlowConfig
from claims_intake.flow.tasks import DueMovedAgain, FlowTasks, InvalidFlowInput, ItemResolvedMeanwhile
from claims_intake.store import ClaimStore, Tables
from claims_intake_dev.local.moto_stack import create_tables
from tests.api.queue_factories import rfi_claim
from tests.check.builders import claim, line, low_confidence

from .conftest import BUCKET

STAFF = Caller(user="maria.staff", groups=frozenset({"staff"}))


def staff_api(flow) -> service.Services:
    return service.Services(store=flow.store, s3=flow.s3, sfn=flow.sfn, uploads_bucket=BUCKET)


def actions(flow) -> list[str]:
    return [invocation.event.get("action") for invocation in flow.lambdas.invocations]


def status_of(flow, claim_id: str) -> str:
    return flow.sfn.describe_execution(executionArn=flow.execution_arn(claim_id))["status"]


@pytest.mark.parametrize("flow", [{"rfi_window": "4s"}], indirect=True)
def test_extending_an_rfi_keeps_the_flow_waiting_past_the_original_window(flow):
    claim_id = flow.submit(claim(line("G9008", "U1"), tar="TAR-PHC-9995", invoice="EXT-1"), "phc")
    item = flow.wait_item(claim_id, "RFI")
    api = staff_api(flow)
    view = service.extend_due(
        api, STAFF, claim_id, item.item_id, date.today() + timedelta(days=2), note="provider asked for more time"
    )
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
    assert actions(flow).count("wait_rfi") == 2 and actions(flow).count("send_rfi") == 1
    service.answer(
        api,
        STAFF,
        claim_id,
        item.item_id,
        [{"element": "authorization_number", "line": None, "value": "TAR-PHC-1001"}],
        [],
    )
    assert flow.wait_execution(claim_id)["status"] == "SUCCEEDED"
    stored = flow.store.require_claim(claim_id)
    assert (stored.status, stored.disposition) == ("CLOSED", "CLEAN")
    assert [letter.kind for letter in stored.letters] == ["rfi"]


def test_an_answer_right_after_an_extension_is_not_lost(flow):
    """Extend twice, then answer, before the flow waits again: it finds the item answered and takes that answer."""
    claim_id = flow.submit(claim(line("G9008", "U1"), tar="TAR-PHC-9994", invoice="EXT-2"), "phc")
    item = flow.wait_item(claim_id, "RFI")
    api = staff_api(flow)
    with flow.lambdas.paused():  # the flow's tasks run only after all three (and moto is not thread-safe)
        service.extend_due(api, STAFF, claim_id, item.item_id, date.today() + timedelta(days=3))
        second = service.extend_due(api, STAFF, claim_id, item.item_id, date.today() + timedelta(days=4))
        answered = service.answer(
            api,
            STAFF,
            claim_id,
            item.item_id,
            [{"element": "authorization_number", "line": None, "value": "TAR-PHC-1001"}],
            [],
        )
    assert second.get("flow_resumed") is None and answered["flow_resumed"] is False  # no token on the item yet
    assert flow.wait_execution(claim_id)["status"] == "SUCCEEDED"
    stored = flow.store.require_claim(claim_id)
    assert (stored.status, stored.disposition) == ("CLOSED", "CLEAN")
    assert [letter.kind for letter in stored.letters] == ["rfi"]
    assert [(i.item_id, i.status) for i in stored.queue_items] == [(item.item_id, "ANSWERED")]
    assert "take_resolution" in actions(flow)


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


@pytest.mark.parametrize("flow", [{"review_window": "5s", "max_reopenings": "0"}], indirect=True)
def test_staff_reopen_a_review_left_to_them_and_verify_it(flow):
    first = low_confidence(line("G9008", "U1"), "charge_amount", raw="400.00")
    claim_id = flow.submit(claim(first, invoice="REV-REOPEN"), "phc")
    assert flow.wait_execution(claim_id, timeout=40)["status"] == "SUCCEEDED"  # nobody verified: left to staff
    expired = {item.item_id for item in flow.store.require_claim(claim_id).queue_items}
    api = service.Services(
        store=flow.store, s3=flow.s3, sfn=flow.sfn, uploads_bucket=BUCKET, state_machine_arn=flow.state_machine_arn
    )
    service.reopen_review(api, STAFF, claim_id, note="provider called back")
    item = flow.wait_item(claim_id, "REVIEW", exclude=expired)  # the new run opened a new item
    service.answer(api, STAFF, claim_id, item.item_id, [{"element": "charge_amount", "line": 1, "value": "400.00"}], [])
    reopened = flow.sfn.describe_execution(executionArn=flow.execution_arn(claim_id) + "-reopen-1")
    deadline = time.monotonic() + 30
    while reopened["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.05)
        reopened = flow.sfn.describe_execution(executionArn=reopened["executionArn"])
    assert reopened["status"] == "SUCCEEDED"
    stored = flow.store.require_claim(claim_id)
    assert (stored.status, stored.disposition) == ("CLOSED", "CLEAN")
    assert [entry.actor for entry in stored.audit if entry.action == "review_reopened"] == ["maria.staff"]


# ---- the re-entered wait, task by task (moto DynamoDB only) ------------------------------------


@pytest.fixture
def tasks_on_store():
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-west-2")
        tables = Tables()
        create_tables(dynamodb, tables)
        store = ClaimStore(tables, client=dynamodb)
        store.save_checked_claim(rfi_claim("C-9"), upload_key=None)
        yield (
            store,
            FlowTasks(store=store, s3=None, sns=None, config=FlowConfig("b", max_review_reopenings=1), checker=None),
        )


def test_the_re_entered_wait_takes_over_the_same_item_or_says_why_it_cannot(tasks_on_store):
    store, tasks = tasks_on_store
    item = store.open_queue_item("C-9", "RFI", "token-1", "2026-12-01T23:59:59Z")
    state = tasks.run({"action": "extend_wait", "queue": "RFI", "state": {"claim_id": "C-9", "answer": {}}})
    assert (state["resume_item"], state["rfi_due"]) == (item.item_id, item.due) and "answer" not in state
    wait = {"action": "wait_rfi", "state": state, "execution": "x"}
    assert tasks.run({**wait, "task_token": "token-2"}) == {"item_id": item.item_id, "due": item.due}
    assert store.get_queue_item("C-9", item.item_id).task_token == "token-2"
    store.extend_queue_item("C-9", item.item_id, "2026-12-09T23:59:59Z", "maria", release_token="token-2")
    with pytest.raises(DueMovedAgain):  # extended again: the timeout must be computed again
        tasks.run({**wait, "task_token": "token-3"})
    store.close_queue_item("C-9", item.item_id, "maria", {"action": "answered", "note": "faxed"}, status="ANSWERED")
    with pytest.raises(ItemResolvedMeanwhile):
        tasks.run({**wait, "task_token": "token-3"})
    with pytest.raises(ItemResolvedMeanwhile):
        tasks.run({"action": "extend_wait", "queue": "RFI", "state": {"claim_id": "C-9"}})
    taken = tasks.run({"action": "take_resolution", "queue": "RFI", "state": state})
    assert taken["answer"] == {
        "action": "answered",
        "note": "faxed",
        "claim_id": "C-9",
        "item_id": item.item_id,
        "queue": "RFI",
        "actor": "maria",
    }
    assert "resume_item" not in taken
    with pytest.raises(InvalidFlowInput):
        tasks.run({"action": "extend_wait", "queue": "NOPE", "state": {"claim_id": "C-9"}})


def test_review_overdue_counts_reopenings_and_then_stops(tasks_on_store):
    store, tasks = tasks_on_store
    state = tasks.run({"action": "prepare", "state": {"claim_id": "C-9"}})
    assert (state["review_reopenings"], state["max_review_reopenings"]) == (0, 1)
    state = tasks.run({"action": "review_overdue", "state": {**state, "review_window_seconds": 5}})
    assert (state["review_reopenings"], state["review_escalated"], state["review_window_seconds"]) == (1, False, 259200)
    state = tasks.run({"action": "review_overdue", "state": state})
    assert (state["review_reopenings"], state["review_escalated"]) == (2, True)
    assert store.require_claim("C-9").status == "REVIEW_OVERDUE"
