"""The staff queue API through the Powertools resolver, on moto (DynamoDB, S3, Step Functions)."""

from __future__ import annotations

import base64
import io
import json

from PIL import Image

from .conftest import BUCKET, call, provider_claims, scan_png
from .queue_factories import NPI_A, NPI_B, queued


def test_queue_lists_open_items_soonest_due_first_with_their_clocks(services, clock):
    queued(services, "C-late", due_days=20)
    queued(services, "C-soon", due_days=2)
    clock.advance(days=3)  # C-soon is now a day overdue
    status, page = call("GET", "/api/queue", query={"queue": "RFI"})
    assert status == 200
    assert [item["claim_id"] for item in page["items"]] == ["C-soon", "C-late"]
    soon = page["items"][0]
    assert soon["age"]["days"] == 3
    assert soon["due_in"]["overdue"] is True
    assert "task_token" not in soon
    # Received Friday 2026-11-20; 30 business days skip weekends, Thanksgiving (11-26), Christmas and New Year's Day.
    assert soon["clean_claim_clock"]["due"] == "2027-01-06"
    assert soon["clean_claim_clock"]["business_days_elapsed"] == 1  # Monday 11-23


def test_queue_filters_by_plan_provider_age_due_date_and_pages(services, clock):
    queued(services, "C-1", npi=NPI_A, plan="khs", due_days=5)
    clock.advance(days=10)
    queued(services, "C-2", npi=NPI_B, plan="kp", due_days=5)
    queued(services, "C-3", npi=NPI_B, plan="kp", due_days=30)
    ids = lambda query: [i["claim_id"] for i in call("GET", "/api/queue", query=query)[1]["items"]]
    assert ids({"plan": "kp"}) == ["C-2", "C-3"]
    assert ids({"provider": NPI_A}) == ["C-1"]
    assert ids({"min_age_days": "7"}) == ["C-1"]
    assert ids({"due_before": "2026-12-10"}) == ["C-1", "C-2"]
    first = call("GET", "/api/queue", query={"limit": "2"})[1]
    assert len(first["items"]) == 2 and first["next_token"]
    rest = call("GET", "/api/queue", query={"limit": "2", "next_token": first["next_token"]})[1]
    assert [i["claim_id"] for i in rest["items"]] == ["C-3"]
    assert call("GET", "/api/queue", query={"queue": "REVIEW"})[1]["items"] == []


def test_bad_query_values_are_rejected_with_the_reason(services):
    status, body = call("GET", "/api/queue", query={"queue": "PAYMENTS"})
    assert status == 422
    assert "queue" in json.dumps(body)
    assert call("GET", "/api/queue", query={"next_token": "not-a-token!"})[0] == 400


def test_a_provider_only_ever_sees_its_own_claims(services):
    queued(services, "C-mine", npi=NPI_A)
    queued(services, "C-theirs", npi=NPI_B)
    me = provider_claims(NPI_A)
    status, page = call("GET", "/api/queue", claims=me)
    assert status == 200 and [i["claim_id"] for i in page["items"]] == ["C-mine"]
    assert call("GET", "/api/queue", claims=me, query={"provider": NPI_B})[1]["items"] == []
    assert call("GET", "/api/claims/C-mine", claims=me)[0] == 200
    status, body = call("GET", "/api/claims/C-theirs", claims=me)
    assert status == 404 and "C-theirs" in body["message"]  # same answer as a claim that does not exist
    assert call("GET", "/api/claims/C-mine", claims=me)[1]["audit"] is None
    # Providers cannot work the queue, not even on their own claims.
    item = services.store.get_claim("C-mine").queue_items[0].item_id
    assert call("POST", f"/api/claims/C-mine/items/{item}/assign", claims=me)[0] == 403
    assert (
        call("PATCH", "/api/claims/C-mine/values", claims=me, body={"element": "member_cin", "value": "91234567A"})[0]
        == 403
    )
    assert call("GET", "/api/metrics", claims=me)[0] == 403


def test_requests_without_an_identity_or_a_role_are_refused(services):
    assert call("GET", "/api/queue", claims=None)[0] == 401
    assert call("GET", "/api/queue", claims={"sub": "x", "cognito:username": "someone"})[0] == 403


def test_claim_shows_lines_findings_history_and_a_crop_of_each_scanned_value(services):
    item = queued(services, "C-1")
    services.s3.put_object(Bucket=BUCKET, Key="uploads/a/scan.png", Body=scan_png())
    status, claim = call("GET", "/api/claims/C-1")
    assert status == 200
    assert claim["disposition"] == "RFI" and claim["lines"][0]["procedure_code"] == "G9008"
    assert claim["findings"][0]["element"] == "member_cin"
    assert [entry["action"] for entry in claim["audit"]] == ["checked", "queue_open"]
    assert claim["queue_items"][0]["item_id"] == item.item_id
    values = {(v["element"], v["line"]): v for v in claim["values"]}
    assert set(values) == {("member_cin", None), ("member_first_name", None), ("procedure_code", 1)}
    cin = values[("member_cin", None)]
    assert cin["confidence"] == 0.58 and cin["raw"] == "9123456A"
    crop = Image.open(io.BytesIO(base64.b64decode(cin["crop"].removeprefix("data:image/png;base64,"))))
    # The box (200 x 20 template points, + 4 points margin each side) at 1275/612 px per point.
    assert abs(crop.width - 208 * 1275 / 612) <= 2 and abs(crop.height - 28 * 1650 / 792) <= 2
    assert crop.convert("L").getpixel((crop.width // 2, crop.height // 2)) < 50  # the dark box itself
    assert values[("procedure_code", 1)]["crop"] is None
    assert "24D" in values[("procedure_code", 1)]["crop_problem"]
    assert (
        "values" in claim
        and call("GET", "/api/claims/C-1", query={"crops": "false"})[1]["values"][0].get("crop") is None
    )
    assert call("GET", "/api/claims/nope")[0] == 404


def test_correcting_a_value_keeps_the_old_one_in_the_audit_trail(services, clock):
    queued(services, "C-1")
    clock.advance(hours=2)
    status, claim = call(
        "PATCH",
        "/api/claims/C-1/values",
        body={"element": "member_cin", "value": "91234567a", "note": "read from the card copy"},
    )
    assert status == 200
    assert claim["elements"]["member_cin"] == "91234567A"
    entry = claim["audit"][-1]
    assert entry["action"] == "correct_value" and entry["actor"] == "maria.staff"
    assert entry["at"].startswith("2026-11-20T17:00")
    assert entry["details"]["old"] == "9123456A" and entry["details"]["new"] == "91234567A"
    assert entry["note"] == "read from the card copy"
    status, claim = call(
        "PATCH", "/api/claims/C-1/values", body={"element": "procedure_code", "line": 1, "value": "G9012"}
    )
    assert status == 200 and claim["lines"][0]["procedure_code"] == "G9012"
    corrected = next(v for v in claim["values"] if v["element"] == "member_cin")
    assert corrected["corrected"] is True and corrected["confidence"] is None


def test_a_value_that_does_not_parse_is_refused_and_nothing_changes(services):
    queued(services, "C-1")
    status, body = call(
        "PATCH", "/api/claims/C-1/values", body={"element": "service_start_date", "line": 1, "value": "31/31/2026"}
    )
    assert status == 400 and "service_start_date" in body["message"]
    assert call("PATCH", "/api/claims/C-1/values", body={"element": "no_such", "value": "x"})[0] == 400
    assert (
        call("PATCH", "/api/claims/C-1/values", body={"element": "procedure_code", "line": 9, "value": "G9008"})[0]
        == 400
    )
    claim = call("GET", "/api/claims/C-1")[1]
    assert claim["lines"][0]["service_start_date"] == "2026-10-05"
    assert [e["action"] for e in claim["audit"]] == ["checked", "queue_open"]


def test_assign_to_me(services):
    item = queued(services, "C-1")
    status, view = call("POST", f"/api/claims/C-1/items/{item.item_id}/assign")
    assert status == 200 and view["assigned_to"] == "maria.staff"
    assert call("GET", "/api/queue")[1]["items"][0]["assigned_to"] == "maria.staff"
    assert call("POST", "/api/claims/C-1/items/RFI-nope/assign")[0] == 404


def test_answer_stores_documents_closes_the_item_and_resumes_the_flow(services, waiting_flow):
    execution, token = waiting_flow.start("C-1")
    item = queued(services, "C-1", token=token)
    document = {
        "name": "member card (copy).pdf",
        "content_type": "application/pdf",
        "content_base64": base64.b64encode(b"%PDF-1.4 card").decode(),
    }
    status, view = call(
        "POST",
        f"/api/claims/C-1/items/{item.item_id}/answer",
        body={
            "corrections": [{"element": "member_cin", "value": "91234567A"}],
            "documents": [document],
            "note": "provider faxed the card",
        },
    )
    assert status == 200, view
    assert view["status"] == "ANSWERED" and view["flow_resumed"] is True
    finished = waiting_flow.finished(execution)
    assert finished["status"] == "SUCCEEDED"
    output = json.loads(finished["output"])
    assert output["action"] == "answered" and output["claim_id"] == "C-1" and output["actor"] == "maria.staff"
    assert output["corrections"] == [{"element": "member_cin", "line": None, "value": "91234567A"}]
    key = output["documents"][0]["s3_key"]
    assert key == f"documents/C-1/{item.item_id}/member_card_copy_.pdf"
    assert services.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"%PDF-1.4 card"
    assert call("GET", "/api/queue")[1]["items"] == []  # the claim left the open queue
    assert [i["claim_id"] for i in call("GET", "/api/queue", query={"status": "ANSWERED"})[1]["items"]] == ["C-1"]
    claim = call("GET", "/api/claims/C-1")[1]
    assert claim["elements"]["member_cin"] == "91234567A"
    assert [e["action"] for e in claim["audit"]][-2:] == ["correct_value", "queue_close"]
    # A second answer (another staff member, a double click) is refused, the flow is not resumed twice.
    assert call("POST", f"/api/claims/C-1/items/{item.item_id}/answer", body={})[0] == 409


def test_reject_resumes_the_flow_with_the_reason(services, waiting_flow):
    execution, token = waiting_flow.start("C-1")
    item = queued(services, "C-1", token=token)
    status, view = call(
        "POST",
        f"/api/claims/C-1/items/{item.item_id}/reject",
        body={"reason": "The member is not enrolled with this plan."},
    )
    assert status == 200 and view["status"] == "CLOSED"
    output = json.loads(waiting_flow.finished(execution)["output"])
    assert output == {
        "action": "rejected",
        "reason": "The member is not enrolled with this plan.",
        "claim_id": "C-1",
        "item_id": item.item_id,
        "queue": "RFI",
        "actor": "maria.staff",
    }
    assert call("POST", f"/api/claims/C-1/items/{item.item_id}/reject", body={"reason": ""})[0] == 422


def test_answer_when_the_flow_no_longer_waits_says_so(services):
    # Step Functions refuses a token it no longer waits on (InvalidToken, TaskTimedOut, TaskDoesNotExist).
    item = queued(services, "C-1", token="token-of-a-window-that-ran-out")
    status, body = call("POST", f"/api/claims/C-1/items/{item.item_id}/answer", body={})
    assert status == 409 and "no longer waits" in body["message"]
    assert call("GET", "/api/claims/C-1")[1]["audit"][-1]["action"] == "flow_not_resumed"


def test_answer_with_a_bad_document_or_correction_changes_nothing(services):
    item = queued(services, "C-1")
    bad_document = {"name": "x.pdf", "content_base64": "***"}
    assert call("POST", f"/api/claims/C-1/items/{item.item_id}/answer", body={"documents": [bad_document]})[0] == 400
    status, body = call(
        "POST",
        f"/api/claims/C-1/items/{item.item_id}/answer",
        body={"corrections": [{"element": "member_dob", "value": "not a date"}]},
    )
    assert status == 400 and "member_dob" in body["message"]
    assert call("GET", "/api/queue")[1]["items"][0]["status"] == "OPEN"


def test_extend_the_due_date(services):
    item = queued(services, "C-1", due_days=5)
    status, view = call(
        "POST",
        f"/api/claims/C-1/items/{item.item_id}/extend",
        body={"due": "2026-12-15", "note": "provider asked for two more weeks"},
    )
    assert status == 200 and view["due"].startswith("2026-12-15T23:59:59")
    assert call("POST", f"/api/claims/C-1/items/{item.item_id}/extend", body={"due": "2026-12-01"})[0] == 400
    audit = call("GET", "/api/claims/C-1")[1]["audit"][-1]
    assert audit["action"] == "queue_extend" and audit["note"] == "provider asked for two more weeks"


def test_extend_tells_the_waiting_flow_the_new_due_date(services, waiting_flow):
    execution, token = waiting_flow.start("C-1")
    item = queued(services, "C-1", token=token, due_days=5)
    status, view = call("POST", f"/api/claims/C-1/items/{item.item_id}/extend", body={"due": "2026-12-15"})
    assert status == 200 and view["flow_resumed"] is True and view["status"] == "OPEN"
    output = json.loads(waiting_flow.finished(execution)["output"])
    assert output["action"] == "extended" and output["due"] == view["due"] and output["item_id"] == item.item_id
    # The token is spent: it comes off the item until the flow, waiting again, attaches its new one.
    assert services.store.get_queue_item("C-1", item.item_id).task_token is None


def test_extend_when_the_flow_no_longer_waits_says_so(services):
    item = queued(services, "C-1", token="token-of-a-window-that-ran-out")
    status, body = call("POST", f"/api/claims/C-1/items/{item.item_id}/extend", body={"due": "2026-12-20"})
    assert status == 409 and "no longer waits" in body["message"]
    assert call("GET", "/api/claims/C-1")[1]["audit"][-1]["action"] == "flow_not_resumed"


def test_metrics_count_the_queues_and_measure_the_payment_targets(services, clock):
    queued(services, "C-1", due_days=1)
    queued(services, "C-2", queue="REVIEW", due_days=10)
    clock.advance(days=2)
    status, metrics = call("GET", "/api/metrics")
    assert status == 200
    assert metrics["queues"]["RFI"] == {
        "open": 1,
        "overdue": 1,
        "due_today": 0,
        "unassigned": 1,
        "oldest_days": 2.0,
        "stopped_claims": 0,
    }
    assert metrics["queues"]["REVIEW"]["open"] == 1 and metrics["queues"]["REVIEW"]["stopped_claims"] == 0
    # A claim nobody verified after MAX_REVIEW_REOPENINGS reopenings (docs/flow.md) is counted for staff.
    services.store.set_status("C-2", "REVIEW_OVERDUE", "flow", note="review window ran out 4 times")
    assert call("GET", "/api/metrics")[1]["queues"]["REVIEW"]["stopped_claims"] == 1
    # Both claims are RFI: not clean claims (000 Unclean Claims), so no payment target is measured yet.
    assert metrics["payment_targets"] == {}


def test_payment_targets_count_finalized_clean_claims(services, clock):
    from claims_intake.check.result import ClaimDisposition

    from .queue_factories import rfi_claim

    store = services.store
    for claim_id in ("P-1", "P-2", "P-3"):
        store.save_checked_claim(rfi_claim(claim_id, disposition=ClaimDisposition.CLEAN), upload_key=None)
    clock.advance(days=10)
    store.set_status("P-1", "CLOSED", "flow", disposition="CLEAN")  # finalized on day 10
    clock.advance(days=30)
    store.set_status("P-2", "CLOSED", "flow", disposition="PARTIAL")  # finalized on day 40: late
    targets = call("GET", "/api/metrics")[1]["payment_targets"]["khs"]  # P-3 still open on day 40: late too
    assert targets["clean_claims"] == 3
    assert {k: targets["within_30_days"][k] for k in ("paid_in_time", "late", "open", "ratio", "met")} == {
        "paid_in_time": 1,
        "late": 2,
        "open": 0,
        "ratio": "0.3333",
        "met": False,
    }
    assert targets["within_90_days"]["open"] == 1 and targets["within_90_days"]["ratio"] == "1.0000"
    claim = call("GET", "/api/claims/P-1")[1]
    assert claim["clean_claim_clock"]["finalized"] == "2026-11-30"
    assert claim["clean_claim_clock"]["business_days_elapsed"] == 5  # Thanksgiving week


def test_me(services):
    assert call("GET", "/api/me")[1] == {
        "user": "maria.staff",
        "groups": ["staff"],
        "staff": True,
        "provider_npi": None,
    }
    assert call("GET", "/api/me", claims=provider_claims(NPI_A))[1]["provider_npi"] == NPI_A


def test_the_scan_is_found_where_intake_recorded_it():
    from claims_intake.api.service import scan_location
    from claims_intake.store import upload_id

    assert scan_location(upload_id("b", "uploads/1/a b#1.pdf", "v1"), "other") == {
        "Bucket": "b",
        "Key": "uploads/1/a b#1.pdf",
        "VersionId": "v1",
    }
    assert scan_location(upload_id("b", "uploads/1/x.pdf", None, '"abc"'), None) == {
        "Bucket": "b",
        "Key": "uploads/1/x.pdf",
    }
    assert scan_location(upload_id("b", "uploads/1/x.pdf", None), None) == {"Bucket": "b", "Key": "uploads/1/x.pdf"}
    assert scan_location("uploads/1/x.pdf", "uploads-bucket") == {"Bucket": "uploads-bucket", "Key": "uploads/1/x.pdf"}
    assert scan_location(None, "uploads-bucket") is None


def test_a_review_left_to_staff_is_reopened_once_with_a_new_run_of_the_flow(services, waiting_flow):
    """REVIEW_OVERDUE (the flow ended after MAX_REVIEW_REOPENINGS, docs/flow.md): staff reopen it, which
    starts a new run named after the claim; a second click, or a claim in any other status, is refused."""
    services.state_machine_arn = waiting_flow.machine
    queued(services, "C-stuck", queue="REVIEW")
    assert call("POST", "/api/claims/C-stuck/reopen-review", body={})[0] == 409  # still waiting for review
    services.store.set_status("C-stuck", "REVIEW_OVERDUE", "flow", note="review window ran out 4 times")
    assert call("POST", "/api/claims/C-stuck/reopen-review", claims=provider_claims(NPI_A), body={})[0] == 403

    status, claim = call("POST", "/api/claims/C-stuck/reopen-review", body={"note": "provider sent the signed form"})
    assert status == 200 and claim["status"] == "CHECKED"
    reopened = [entry for entry in claim["audit"] if entry["action"] == "review_reopened"]
    assert [(e["actor"], e["note"], e["details"]) for e in reopened] == [
        ("maria.staff", "provider sent the signed form", {"execution": "claim-C-stuck-reopen-1"})
    ]
    runs = services.sfn.list_executions(stateMachineArn=waiting_flow.machine)["executions"]
    assert [run["name"] for run in runs] == ["claim-C-stuck-reopen-1"]
    assert call("POST", "/api/claims/C-stuck/reopen-review", body={})[0] == 409  # the new run has it now
