"""ClaimStore on moto: uploads, atomic claim writes, status, audit, letters, corrections, queues."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from claims_intake.check.result import ClaimDisposition
from claims_intake.store import (
    ClaimNotFound,
    ClaimTooLarge,
    ConcurrentUpdate,
    QueueItemNotOpen,
    Upload,
    UploadStatus,
    upload_id,
)

from .factories import checked_claim


def test_upload_record_round_trip_and_listing(store):
    uid = upload_id("uploads-bucket", "uploads/p1/scan.pdf", "v1")
    store.put_upload(
        Upload(
            upload_id=uid, bucket="uploads-bucket", key="uploads/p1/scan.pdf", version_id="v1", provider="p1", size=1024
        )
    )
    failed = store.get_upload(uid).model_copy(
        update={
            "status": UploadStatus.QUARANTINED,
            "error_code": "unreadable_pdf",
            "error_message": "the PDF is truncated",
            "quarantine_key": "quarantine/p1/scan.pdf",
        }
    )
    store.put_upload(failed)
    stored = store.get_upload(uid)
    assert stored.status == UploadStatus.QUARANTINED
    assert stored.quarantine_key == "quarantine/p1/scan.pdf"
    assert stored.received_at <= stored.updated_at
    assert [u.upload_id for u in store.list_uploads(provider="p1")[0]] == [uid]
    assert [u.upload_id for u in store.list_uploads(status="QUARANTINED")[0]] == [uid]
    assert store.list_uploads(status="PROCESSED")[0] == []


def test_claim_round_trip_keeps_the_check_output(store):
    result = checked_claim(lines=3)
    store.save_checked_claim(result, upload_key="s3://b/uploads/p1/scan.pdf")
    stored = store.get_claim("C-1")
    assert stored.output == result.to_output()
    assert stored.disposition == ClaimDisposition.CLEAN
    assert stored.status == "CHECKED"
    assert stored.version == 1
    assert stored.allowed_amount == Decimal("262.50")
    assert stored.claim.lines[0].provenance["procedure_code"].confidence == 0.61
    assert stored.claim.pages == [1]
    assert stored.check_result().to_output() == result.to_output()
    assert [entry.action for entry in stored.audit] == ["checked"]


def test_recheck_replaces_lines_and_keeps_history_of_changes(store):
    store.save_checked_claim(checked_claim(lines=3, disposition=ClaimDisposition.RFI), upload_key="u")
    store.save_checked_claim(checked_claim(lines=1), upload_key=None, actor="flow")
    stored = store.get_claim("C-1")
    assert len(stored.output["lines"]) == 1
    assert stored.version == 2
    assert stored.upload_key == "u"
    assert [entry.action for entry in stored.audit] == ["checked", "rechecked"]
    assert stored.audit[1].details["disposition"] == "CLEAN"


def test_claim_and_lines_are_written_in_one_transaction(store, dynamodb):
    calls = []
    original = dynamodb.transact_write_items

    def spy(**kwargs):
        calls.append(kwargs["TransactItems"])
        return original(**kwargs)

    dynamodb.transact_write_items = spy
    store.save_checked_claim(checked_claim(lines=4), upload_key="u")
    assert len(calls) == 1
    keys = [op["Put"]["Item"]["sk"]["S"] for op in calls[0] if "Put" in op]
    assert keys[0] == "HEADER" and keys[1:5] == ["LINE#0001", "LINE#0002", "LINE#0003", "LINE#0004"]
    assert keys[-1].startswith("AUDIT#")
    # ... with the claim's search terms and the metrics' running counters (store/search.py, store/counters.py)
    assert keys[5:-1] and all(key.startswith("SEARCH#") for key in keys[5:-1])
    counted = [op["Update"]["Key"]["pk"]["S"] for op in calls[0] if "Update" in op]
    assert counted == ["METRICS#CLAIMS"]


def test_failed_transaction_leaves_no_half_claim(store, dynamodb):
    original = dynamodb.transact_write_items

    def fail_on_audit(**kwargs):
        items = kwargs["TransactItems"]
        items[-1]["Put"]["ConditionExpression"] = "attribute_exists(pk)"  # the audit put cannot succeed
        return original(**kwargs)

    dynamodb.transact_write_items = fail_on_audit
    with pytest.raises(ConcurrentUpdate):
        store.save_checked_claim(checked_claim(lines=3), upload_key="u")
    dynamodb.transact_write_items = original
    assert store.get_claim("C-1") is None
    assert dynamodb.scan(TableName="ClaimsTable")["Count"] == 0


def test_too_many_lines_for_one_transaction_is_a_clear_error(store):
    with pytest.raises(ClaimTooLarge, match="split the invoice"):
        store.save_checked_claim(checked_claim(lines=99), upload_key="u")


def test_money_is_never_float(store, dynamodb):
    store.save_checked_claim(checked_claim(), upload_key="u")
    header = dynamodb.get_item(TableName="ClaimsTable", Key={"pk": {"S": "CLAIM#C-1"}, "sk": {"S": "HEADER"}})["Item"]
    assert header["allowed_amount"] == {"N": "175.00"}
    assert header["doc"]["M"]["elements"]["M"]["invoice_amount"] == {"S": "200.00"}
    line = dynamodb.get_item(TableName="ClaimsTable", Key={"pk": {"S": "CLAIM#C-1"}, "sk": {"S": "LINE#0001"}})["Item"]
    assert line["charge"] == {"N": "100.00"} and line["allowed"] == {"N": "87.50"}


def test_status_changes_are_audited_and_versioned(store):
    store.save_checked_claim(checked_claim(disposition=ClaimDisposition.RFI), upload_key="u")
    assert store.set_status("C-1", "WAITING_RFI", actor="flow", note="RFI sent") == 2
    stored = store.get_claim("C-1")
    assert stored.status == "WAITING_RFI"
    assert stored.audit[-1].action == "status"
    assert stored.audit[-1].details == {"from": "CHECKED", "to": "WAITING_RFI"}
    with pytest.raises(ClaimNotFound):
        store.set_status("C-missing", "CLOSED", actor="flow")


def test_audit_is_append_only_and_ordered(store):
    store.save_checked_claim(checked_claim(), upload_key="u")
    store.append_audit("C-1", actor="alice", action="note", note="called the provider")
    store.append_audit("C-1", actor="bob", action="note", note="left a message")
    audit = store.get_claim("C-1").audit
    assert [(a.actor, a.note) for a in audit[1:]] == [("alice", "called the provider"), ("bob", "left a message")]
    assert [a.at for a in audit] == sorted(a.at for a in audit)
    with pytest.raises(ClaimNotFound):
        store.append_audit("C-missing", actor="alice", action="note")


def test_letters_are_recorded_with_an_audit_entry(store):
    store.save_checked_claim(checked_claim(disposition=ClaimDisposition.REJECTED), upload_key="u")
    store.record_letter("C-1", "rejection", "letters/C-1/rejection.pdf", actor="flow")
    stored = store.get_claim("C-1")
    assert [(l.kind, l.s3_key) for l in stored.letters] == [("rejection", "letters/C-1/rejection.pdf")]
    assert stored.audit[-1].action == "letter"


def test_correct_value_keeps_the_old_value_in_the_audit(store):
    store.save_checked_claim(checked_claim(disposition=ClaimDisposition.REVIEW), upload_key="u")
    stored = store.correct_value("C-1", "procedure_code", 1, "G9007", actor="alice", note="read from the scan")
    assert stored.output["lines"][0]["procedure_code"] == "G9007"
    source = stored.claim.lines[0].provenance["procedure_code"]
    assert (source.box, source.confidence, source.derived) == ("24D", None, "corrected by alice")
    entry = stored.audit[-1]
    assert (entry.actor, entry.action) == ("alice", "correct_value")
    assert entry.details == {"element": "procedure_code", "line": 1, "old": "G9008", "new": "G9007"}
    claim_level = store.correct_value("C-1", "invoice_date", None, "10/01/2026", actor="bob")
    assert claim_level.output["elements"]["invoice_date"] == "2026-10-01"
    with pytest.raises(ValueError, match="invoice_date"):
        store.correct_value("C-1", "invoice_date", None, "not a date", actor="bob")
    with pytest.raises(ValueError, match="no line 9"):
        store.correct_value("C-1", "procedure_code", 9, "G9007", actor="bob")
    with pytest.raises(ValueError, match="not a claim element"):
        store.correct_value("C-1", "procedure_code", None, "G9007", actor="bob")


def test_correcting_an_invalid_value_clears_it(store):
    result = checked_claim(disposition=ClaimDisposition.REJECTED)
    result.claim.set_raw("invoice_date", "13/45/2026")
    assert "invoice_date" in result.claim.invalid
    store.save_checked_claim(result, upload_key="u")
    stored = store.correct_value("C-1", "invoice_date", None, "12/15/2026", actor="alice")
    assert "invoice_date" not in stored.output.get("invalid", {})
    assert stored.output["elements"]["invoice_date"] == "2026-12-15"
    assert stored.audit[-1].details["old_invalid"] == "13/45/2026"


def test_queue_items_by_queue_status_and_due_date(store):
    due = datetime(2026, 12, 1, tzinfo=UTC)
    for number, days in [(1, 5), (2, 1), (3, 10)]:
        store.save_checked_claim(checked_claim(f"C-{number}", ClaimDisposition.RFI, invoice=f"INV-{number}"), "u")
        store.open_queue_item(
            f"C-{number}",
            "RFI",
            task_token=f"token-{number}",
            due=due + timedelta(days=days),
            reason="missing authorization number",
        )
    store.save_checked_claim(checked_claim("C-9", ClaimDisposition.REVIEW), "u")
    store.open_queue_item("C-9", "REVIEW", task_token="token-9", due=due)

    page = store.list_queue("RFI")
    assert [item.claim_id for item in page.items] == ["C-2", "C-1", "C-3"]
    assert page.items[0].plan == "khs" and page.items[0].invoice_number == "INV-2"
    assert [i.claim_id for i in store.list_queue("RFI", due_before=date(2026, 12, 7)).items] == ["C-2", "C-1"]
    assert [i.claim_id for i in store.list_queue("REVIEW").items] == ["C-9"]
    assert store.list_queue("RFI", plan="phc").items == []
    assert len(store.list_queue("RFI", provider="1234567893").items) == 3

    first = store.list_queue("RFI", limit=2)
    rest = store.list_queue("RFI", limit=2, page_token=first.next_token)
    assert [i.claim_id for i in first.items + rest.items] == ["C-2", "C-1", "C-3"]


def test_closing_a_queue_item_returns_its_token_once(store):
    store.save_checked_claim(checked_claim(disposition=ClaimDisposition.RFI), "u")
    item = store.open_queue_item("C-1", "RFI", task_token="token-1", due="2026-12-01")
    store.assign_queue_item("C-1", item.item_id, actor="alice")
    extended = store.extend_queue_item("C-1", item.item_id, due="2026-12-15", actor="alice", note="provider asked")
    assert extended.due.startswith("2026-12-15") and extended.assigned_to == "alice"
    closed = store.close_queue_item(
        "C-1", item.item_id, actor="alice", status="ANSWERED", resolution={"authorization_number": "TAR-1"}
    )
    assert closed.task_token == "token-1" and closed.status == "ANSWERED" and closed.closed_by == "alice"
    assert store.list_queue("RFI").items == []
    assert [i.item_id for i in store.list_queue("RFI", status="ANSWERED").items] == [item.item_id]
    with pytest.raises(QueueItemNotOpen):
        store.close_queue_item("C-1", item.item_id, actor="bob")
    actions = [entry.action for entry in store.get_claim("C-1").audit]
    assert actions[-4:] == ["queue_open", "queue_assign", "queue_extend", "queue_close"]
    assert "task_token" not in store.get_claim("C-1").to_output()["queue_items"][0]


def test_concurrent_writers_do_not_overwrite_each_other(store, dynamodb):
    store.save_checked_claim(checked_claim(), "u")
    stale = store.get_claim("C-1")
    store.set_status("C-1", "CLOSED", actor="flow")
    original_get = store.require_claim
    store.require_claim = lambda claim_id: stale  # a reader that saw version 1
    with pytest.raises(ConcurrentUpdate):
        store.correct_value("C-1", "invoice_number", None, "INV-200", actor="alice")
    store.require_claim = original_get
    assert store.get_claim("C-1").output["elements"]["invoice_number"] == "INV-100"


def test_list_claims_of_a_provider(store):
    store.save_checked_claim(checked_claim("C-1"), "u")
    store.save_checked_claim(checked_claim("C-2", invoice="INV-2"), "u")
    claims, token = store.list_claims("1234567893")
    assert {c["claim_id"] for c in claims} == {"C-1", "C-2"} and token is None
    assert store.list_claims("9999999999")[0] == []


def test_a_failed_status_change_rolls_back_every_update(store, dynamodb):
    """Updates mutate items in place: the rollback (moto's, sped up in conftest) must restore them all."""
    store.save_checked_claim(checked_claim(disposition=ClaimDisposition.RFI), upload_key="u")
    store.save_checked_claim(checked_claim("C-2", invoice="INV-2"), upload_key="u")
    original = dynamodb.transact_write_items

    def fail_on_audit(**kwargs):
        kwargs["TransactItems"][-1]["Put"]["ConditionExpression"] = "attribute_exists(pk)"
        return original(**kwargs)

    dynamodb.transact_write_items = fail_on_audit
    with pytest.raises(ConcurrentUpdate):
        store.set_status("C-1", "REJECTED", actor="flow", disposition="REJECTED")  # header + 2 line updates
    dynamodb.transact_write_items = original
    stored = store.get_claim("C-1")
    assert (stored.status, stored.disposition, stored.version) == ("CHECKED", ClaimDisposition.RFI, 1)
    line = dynamodb.get_item(TableName="ClaimsTable", Key={"pk": {"S": "CLAIM#C-1"}, "sk": {"S": "LINE#0001"}})["Item"]
    assert line["history_member"] == {"S": "91234567A"}
    assert store.get_claim("C-2").status == "CHECKED"
