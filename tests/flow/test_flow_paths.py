"""Every path of the claim flow, run by moto on the real ASL (statemachine/claim_flow.asl.json via template.yaml).

Claims come from the sample reference data's scenarios (docs/reference-data.md) and are checked by the
real check, stored, and their flow started, exactly as intake does.
"""

import time

import pytest
from botocore.exceptions import ClientError

from claims_intake.flow.start import answer_from_upload, start_flow
from claims_intake.store import QueueItemNotOpen
from tests.check.builders import claim, line, low_confidence

from .conftest import BUCKET, FINAL, WAITING


def kinds(notices):
    return [n["kind"] for n in notices]


def test_rejected_claim_gets_a_rejection_letter(flow):
    claim_id = flow.submit(claim(line("G9008", "U1"), member_dob=None, invoice="REJ-1"), "phc")
    assert flow.wait_execution(claim_id)["status"] == "SUCCEEDED"
    stored = flow.store.require_claim(claim_id)
    assert (stored.status, stored.disposition) == ("REJECTED", "REJECTED")
    text = flow.letter_text(stored, "rejection")
    assert "Partnership HealthPlan of California" in text and "4665 Business Center Drive" in text
    assert "Claim Rejection Notice" in text
    assert "Solano Community Care Network" in text and "NPI 1456700016" in text
    assert f"Claim number {claim_id}" in text and "Invoice number REJ-1" in text
    assert "Maria Lopez (CIN 90000001A)" in text
    assert "Member Date of Birth" in text and "missing" in text  # the reason, in words
    assert "How to resubmit" in text and "Submit a new claim" in text  # and what to do
    assert stored.letters[0].s3_key.startswith(f"letters/{claim_id}/")
    notices = flow.notices()
    assert kinds(notices) == ["rejection"]
    assert notices[0]["letter"]["key"] == stored.letters[0].s3_key
    assert "Maria" not in str(notices) and "90000001A" not in str(notices)  # notices carry no PHI


def test_rfi_answered_then_rechecked_to_clean(flow):
    claim_id = flow.submit(claim(line("G9008", "U1"), tar="TAR-PHC-9999", invoice="RFI-1"), "phc")
    item = flow.wait_item(claim_id, "RFI")
    stored = flow.store.require_claim(claim_id)
    assert stored.status == "WAITING_RFI" and item.task_token
    text = flow.letter_text(stored, "rfi")
    assert "Request for Information" in text
    assert "TAR-PHC-9999 matches no approved TAR" in text
    assert "Respond by" in text and "rejected for no response" in text
    assert item.opened_at < item.due  # 60 s window in this test

    flow.answer(claim_id, item, corrections=[("authorization_number", None, "TAR-PHC-1001")])
    assert flow.wait_execution(claim_id)["status"] == "SUCCEEDED"
    stored = flow.store.require_claim(claim_id)
    assert (stored.status, stored.disposition) == ("CLOSED", "CLEAN")
    assert [letter.kind for letter in stored.letters] == ["rfi"]  # no denial notice for a clean claim
    assert "rechecked" in [entry.action for entry in stored.audit]
    assert kinds(flow.notices()) == ["rfi", "final"]


def test_rfi_second_round_after_an_upload_that_did_not_answer_it(flow):
    claim_id = flow.submit(
        claim(line("G9008", "U1", dx="Z60.2"), member_homeless_indicator=None, invoice="RFI-2"), "phc"
    )
    first = flow.wait_item(claim_id, "RFI")
    # The provider uploads a document under rfi/{claim}/ (S3 -> SQS -> RFI upload Lambda -> SendTaskSuccess),
    # but it does not say whether the member is homeless: the re-check asks again.
    assert flow.provider_uploads(f"rfi/{claim_id}/cover letter.pdf") == {"batchItemFailures": []}
    closed = flow.store.get_queue_item(claim_id, first.item_id)
    assert closed.status == "ANSWERED" and closed.closed_by == "provider"
    assert closed.resolution["documents"][0]["key"] == f"rfi/{claim_id}/cover letter.pdf"

    second = flow.wait_item(claim_id, "RFI", exclude={first.item_id})
    stored = flow.store.require_claim(claim_id)
    assert stored.status == "WAITING_RFI" and len([l for l in stored.letters if l.kind == "rfi"]) == 2
    assert "This is request number 2" in flow.letter_text(stored, "rfi")

    flow.answer(claim_id, second, corrections=[("member_homeless_indicator", None, "yes")])
    assert flow.wait_execution(claim_id)["status"] == "SUCCEEDED"
    stored = flow.store.require_claim(claim_id)
    assert (stored.status, stored.disposition) == ("CLOSED", "CLEAN")


def test_an_rfi_upload_for_a_claim_without_an_open_rfi_is_kept_and_audited(flow):
    claim_id = flow.submit(claim(line("G9008", "U1"), member_dob=None, invoice="RFI-6"), "phc")
    assert flow.wait_execution(claim_id)["status"] == "SUCCEEDED"  # rejected: nothing waits for an answer
    assert answer_from_upload(flow.store, flow.sfn, "claims-intake-test", f"rfi/{claim_id}/late.pdf") is None
    # no such claim: the message is reported failed (retried, then the DLQ), as every SQS handler reports them
    assert len(flow.provider_uploads("rfi/no-such-claim/x.pdf")["batchItemFailures"]) == 1
    stored = flow.store.require_claim(claim_id)
    assert stored.status == "REJECTED"
    assert [e.details["document"]["key"] for e in stored.audit if e.action == "rfi_upload_without_open_rfi"] == [
        f"rfi/{claim_id}/late.pdf"
    ]


def test_rfi_rounds_exhausted_rejects_the_claim(flow):
    claim_id = flow.submit(claim(line("G9008", "U1"), tar="TAR-PHC-9998", invoice="RFI-3"), "phc")
    seen = set()
    for _ in range(2):  # MAX_RFI_ROUNDS = 2: two answers that fix nothing
        item = flow.wait_item(claim_id, "RFI", exclude=seen)
        seen.add(item.item_id)
        flow.answer(claim_id, item)
    assert flow.wait_execution(claim_id)["status"] == "SUCCEEDED"
    stored = flow.store.require_claim(claim_id)
    assert (stored.status, stored.disposition) == ("REJECTED", "REJECTED")
    text = flow.letter_text(stored, "rejection")
    assert "asked for more information 2 times" in text and "TAR-PHC-9998" in text
    assert kinds(flow.notices()) == ["rfi", "rfi", "rejection"]


@pytest.mark.parametrize("flow", [{"rfi_window": "2s"}], indirect=True)
def test_rfi_timeout_rejects_for_no_response_with_a_letter(flow):
    claim_id = flow.submit(claim(line("G9008", "U1"), tar="TAR-PHC-9997", invoice="RFI-4"), "phc")
    assert flow.wait_execution(claim_id, timeout=30)["status"] == "SUCCEEDED"  # nobody answers
    stored = flow.store.require_claim(claim_id)
    assert (stored.status, stored.disposition) == ("REJECTED", "REJECTED")
    assert [(i.queue, i.status) for i in stored.queue_items] == [("RFI", "EXPIRED")]
    text = flow.letter_text(stored, "rejection")
    assert "did not receive it by" in text and "TAR-PHC-9997 matches no approved TAR" in text
    assert [letter.kind for letter in stored.letters] == ["rfi", "rejection"]
    assert kinds(flow.notices()) == ["rfi", "rejection"]


def test_staff_reject_from_the_rfi_queue(flow):
    claim_id = flow.submit(claim(line("G9008", "U1"), tar="TAR-PHC-9996", invoice="RFI-5"), "phc")
    item = flow.wait_item(claim_id, "RFI")
    flow.answer(claim_id, item, action="rejected", reason="the provider says the service was never delivered")
    assert flow.wait_execution(claim_id)["status"] == "SUCCEEDED"
    stored = flow.store.require_claim(claim_id)
    assert stored.status == "REJECTED"
    assert "the provider says the service was never delivered" in flow.letter_text(stored, "rejection")


def test_review_verified_then_rechecked(flow):
    first = low_confidence(line("G9008", "U1"), "charge_amount", raw="400.00")
    claim_id = flow.submit(claim(first, invoice="REV-1"), "phc")
    item = flow.wait_item(claim_id, "REVIEW")
    assert flow.store.require_claim(claim_id).status == "WAITING_REVIEW"
    assert "Service Charge Amount" in item.reason or "charge" in item.reason.lower()
    flow.answer(claim_id, item, corrections=[("charge_amount", 1, "400.00")])  # staff verified it on the scan
    assert flow.wait_execution(claim_id)["status"] == "SUCCEEDED"
    stored = flow.store.require_claim(claim_id)
    assert (stored.status, stored.disposition) == ("CLOSED", "CLEAN")
    assert any(e.action == "correct_value" and e.details["element"] == "charge_amount" for e in stored.audit)


@pytest.mark.parametrize("flow", [{"review_window": "3s"}], indirect=True)
def test_review_overdue_reopens_the_item_and_keeps_waiting(flow):
    first = low_confidence(line("G9008", "U1"), "charge_amount", raw="400.00")
    claim_id = flow.submit(claim(first, invoice="REV-2"), "phc")
    deadline = time.monotonic() + 60
    while True:  # wait until one item went overdue, then verify on whichever item is open now
        assert time.monotonic() < deadline, "the REVIEW item never went overdue"
        stored = flow.store.require_claim(claim_id)
        assert stored.status in WAITING | {"CHECKED"}
        expired = [i for i in stored.queue_items if i.status == "EXPIRED"]
        open_items = [i for i in stored.queue_items if i.status == "OPEN"]
        if expired and open_items:
            try:
                flow.answer(claim_id, open_items[-1], corrections=[("charge_amount", 1, "400.00")])
                break
            except (QueueItemNotOpen, ClientError):
                pass  # that one ran out too while we answered: take the next
        time.sleep(0.05)
    assert all(i.queue == "REVIEW" for i in stored.queue_items)
    assert flow.wait_execution(claim_id)["status"] == "SUCCEEDED"
    assert flow.store.require_claim(claim_id).status == "CLOSED"
    assert "review_overdue" in kinds(flow.notices())


def test_clean_claim_is_closed_without_letters(flow):
    claim_id = flow.submit(
        claim(
            line("G9008", "U1", name="ECM Core Service"),
            line("H0043", "U6", cost="386.00", name="Housing Transition/Navigation"),
            tar="TAR-PHC-1001",
            invoice="CLEAN-1",
        ),
        "phc",
    )
    assert flow.wait_execution(claim_id)["status"] == "SUCCEEDED"
    stored = flow.store.require_claim(claim_id)
    assert (stored.status, stored.disposition, stored.letters) == ("CLOSED", "CLEAN", [])
    assert kinds(flow.notices()) == ["final"]


def test_partial_claim_gets_a_denial_notice_for_the_denied_line(flow):
    claim_id = flow.submit(
        claim(
            line("G9012", "U2", start="2026-09-15"),
            line("G9012", "U2", start="2026-10-20"),
            member="90000002B",
            invoice="PART-1",
        ),
        "phc",
    )
    assert flow.wait_execution(claim_id)["status"] == "SUCCEEDED"
    stored = flow.store.require_claim(claim_id)
    assert (stored.status, stored.disposition) == ("CLOSED", "PARTIAL")
    text = flow.letter_text(stored, "denial")
    assert "Notice of Denied Services" in text and "1 of 2 service lines" in text
    assert "CO-27" in text and "coverage terminated" in text
    assert "not eligible with Partnership on 10/20/2026" in text
    assert "Allowed on this claim: $400.00" in text
    assert kinds(flow.notices()) == ["denial"]


def test_denied_claim_gets_a_denial_notice_with_the_rationale(flow):
    claim_id = flow.submit(claim(line("G9008", "U1", start="2026-11-03"), member="90000004D", invoice="DEN-1"), "phc")
    assert flow.wait_execution(claim_id)["status"] == "SUCCEEDED"
    stored = flow.store.require_claim(claim_id)
    assert (stored.status, stored.disposition) == ("CLOSED", "DENIED")
    text = flow.letter_text(stored, "denial")
    assert "Every service line on this claim was denied" in text
    assert "CO-22" in text and "Kaiser as primary" in text


def test_task_error_is_retried_then_recorded_on_the_claim(flow):
    flow.s3.delete_bucket(Bucket=BUCKET)  # every letter write now fails
    claim_id = flow.submit(claim(line("G9008", "U1"), member_dob=None, invoice="ERR-1"), "phc")
    described = flow.wait_execution(claim_id, timeout=60)
    assert described["status"] == "FAILED"
    stored = flow.store.require_claim(claim_id)
    assert stored.status == "ERROR"
    errors = [e for e in stored.audit if e.action == "flow_error"]
    assert errors and errors[0].details["error"] == "NoSuchBucket"
    attempts = [i for i in flow.lambdas.invocations if i.event["action"] == "send_rejection"]
    assert len(attempts) == 4 and all(i.error == "NoSuchBucket" for i in attempts)  # 1 try + 3 retries
    assert kinds(flow.notices()) == ["error"]


def test_a_repeated_start_does_not_run_the_flow_twice(flow):
    invoice = "DUP-1"
    claim_id = flow.submit(claim(line("G9008", "U1"), member_dob=None, invoice=invoice), "phc")
    assert flow.wait_execution(claim_id)["status"] == "SUCCEEDED"
    start_flow(flow.sfn, flow.state_machine_arn, claim_id)  # same delivery again: no new execution
    redrive = start_flow(flow.sfn, flow.state_machine_arn, claim_id, attempt="2")  # a new execution ...
    while flow.sfn.describe_execution(executionArn=redrive)["status"] == "RUNNING":
        time.sleep(0.05)
    assert len(flow.store.require_claim(claim_id).letters) == 1  # ... finds the claim final: nothing to do


def test_no_claim_is_left_without_a_final_or_waiting_status(flow):
    ids = [
        flow.submit(claim(line("G9008", "U1"), member_dob=None, invoice="ALL-1"), "phc"),
        flow.submit(claim(line("G9008", "U1"), tar="TAR-PHC-9995", invoice="ALL-2"), "phc"),
        flow.submit(claim(low_confidence(line("G9008", "U1"), "charge_amount", raw="400.00"), invoice="ALL-3"), "phc"),
        flow.submit(claim(line("G9008", "U1", start="2026-11-03"), member="90000004D", invoice="ALL-4"), "phc"),
    ]
    flow.wait_item(ids[1], "RFI")
    flow.wait_item(ids[2], "REVIEW")
    for claim_id in (ids[0], ids[3]):
        flow.wait_execution(claim_id)
    statuses = {claim_id: flow.store.require_claim(claim_id).status for claim_id in ids}
    assert set(statuses.values()) <= FINAL | WAITING, statuses
