"""The scheduled run on moto: decided claims from the store -> one 837 in S3; no claim twice, none lost;
a corrected claim goes again as a replacement; an interrupted run is settled by the next one."""

from datetime import UTC, datetime

import pytest

from claims_intake.check.result import ClaimDisposition
from claims_intake.encounters import DynamoControlNumbers, check_encounter_file
from claims_intake.encounters.job import EncounterJob
from claims_intake.encounters.ledger import EncounterLedger, MarkerState
from claims_intake.store import ClaimStatus, Tables
from claims_intake_dev.testdata.decided import decided_results
from claims_intake_dev.x12_validation import validate_x12

from .conftest import BUCKET

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def job(store, aws, clock=NOW):
    dynamodb, s3 = aws
    return EncounterJob(store, s3, BUCKET, DynamoControlNumbers(dynamodb, Tables().claims), clock=lambda: clock)


def store_decided(store, results, status=ClaimStatus.CLOSED.value):
    for result in results:
        store.save_checked_claim(result, upload_key=f"uploads/test/{result.claim.claim_id}.xlsx")
        store.set_status(result.claim.claim_id, status, actor="flow")


def file_text(aws, key):
    return aws[1].get_object(Bucket=BUCKET, Key=key)["Body"].read().decode("ascii")


def encodable(count, seed):
    return [
        r
        for r in decided_results(count, seed)
        if r.claim.member_address and "Z9119" not in {c for line in r.claim.lines for c in line.diagnosis_codes}
    ]


def test_a_run_writes_one_valid_file_and_records_which_file_carried_each_claim(store, aws):
    results = encodable(12, 21)
    store_decided(store, results)
    summary = job(store, aws).run()
    assert summary.s3_key == f"encounters/2026/11/21/{summary.control_number:09d}.837"
    text = file_text(aws, summary.s3_key)
    assert validate_x12(text).errors == [] and check_encounter_file(text) == []
    _, markers = EncounterLedger(store).scan()
    accounted = set(summary.claims) | set(summary.skipped) | set(summary.held)
    assert accounted == {r.claim.claim_id for r in results}  # none lost
    for claim_id in summary.claims:
        assert markers[claim_id].state is MarkerState.SENT and markers[claim_id].s3_key == summary.s3_key
        (log,) = EncounterLedger(store).files_of(claim_id)
        assert log["s3_key"] == summary.s3_key
        assert any(entry.action == "encounter_sent" for entry in store.get_claim(claim_id).audit)
    assert text.count("CLM*") == len(summary.claims)


def test_a_second_run_sends_nothing_again_and_control_numbers_never_repeat(store, aws):
    store_decided(store, encodable(5, 22))
    first = job(store, aws).run()
    second = job(store, aws).run()
    assert first.s3_key and second.s3_key is None and second.claims == []
    store_decided(store, encodable(3, 23))
    third = job(store, aws).run()
    assert third.control_number > first.control_number
    assert not set(third.claims) & set(first.claims)


def test_claims_still_in_the_flow_or_rejected_are_not_reported(store, aws):
    waiting, rejected, closed = encodable(3, 24)
    store_decided(store, [waiting], status=ClaimStatus.WAITING_RFI.value)
    store_decided(store, [rejected], status=ClaimStatus.REJECTED.value)
    store_decided(store, [closed])
    summary = job(store, aws).run()
    assert summary.claims == [closed.claim.claim_id]


def test_a_claim_corrected_after_it_was_sent_goes_again_as_a_replacement(store, aws):
    result = encodable(1, 25)[0]
    store_decided(store, [result])
    first = job(store, aws).run()
    line = result.claim.lines[0]
    store.correct_value(result.claim.claim_id, "unit_count", line.line_number, str(line.unit_count + 1), actor="staff")
    second = job(store, aws).run()
    assert second.replacements == [result.claim.claim_id]
    text = file_text(aws, second.s3_key)
    assert ":B:7*" in text and f"REF*F8*{result.claim.claim_id.upper()}~" in text
    assert validate_x12(text).errors == []
    files = EncounterLedger(store).files_of(result.claim.claim_id)
    assert [f["s3_key"] for f in files] == [first.s3_key, second.s3_key]


def test_a_claim_whose_record_moved_but_whose_encounter_did_not_is_not_sent_again(store, aws):
    result = encodable(1, 26)[0]
    store_decided(store, [result])
    job(store, aws).run()
    store.set_status(result.claim.claim_id, ClaimStatus.CLOSED.value, actor="staff", note="reviewed again")
    summary = job(store, aws).run()
    assert summary.s3_key is None and summary.unchanged == 1


def test_a_claim_that_cannot_be_encoded_is_held_with_its_reason(store, aws):
    result = encodable(1, 27)[0]
    result.claim.lines[0].diagnosis_codes = ["Z9119"]
    store_decided(store, [result])
    summary = job(store, aws).run()
    assert "Z9119" in summary.held[result.claim.claim_id]
    _, markers = EncounterLedger(store).scan()
    assert markers[result.claim.claim_id].state is MarkerState.HELD
    assert job(store, aws).run().held == {}  # held once, not again until the claim changes


def test_a_run_that_dies_before_the_file_is_written_loses_nothing(store, aws, monkeypatch):
    results = encodable(4, 28)
    store_decided(store, results)
    failing = job(store, aws)

    def no_s3(**_):
        raise ConnectionError("S3 unreachable")

    monkeypatch.setattr(failing.s3, "put_object", no_s3)
    with pytest.raises(ConnectionError):
        failing.run()
    monkeypatch.undo()
    _, markers = EncounterLedger(store).scan()
    assert {m.state for m in markers.values()} <= {MarkerState.RESERVED, MarkerState.SKIPPED, MarkerState.HELD}
    summary = job(store, aws).run()
    reserved = {c for c, m in markers.items() if m.state is MarkerState.RESERVED}
    assert reserved and reserved <= set(summary.claims)


def test_a_run_that_dies_after_writing_the_file_is_settled_without_a_second_file(store, aws, monkeypatch):
    store_decided(store, encodable(4, 29))
    failing = job(store, aws)

    def dies(*_args, **_kwargs):
        raise RuntimeError("the function timed out")

    monkeypatch.setattr(failing, "_mark_sent", dies)
    with pytest.raises(RuntimeError):
        failing.run()
    monkeypatch.undo()
    keys = [o["Key"] for o in aws[1].list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert len(keys) == 1
    summary = job(store, aws).run()
    assert summary.s3_key is None and summary.settled  # nothing sent twice
    _, markers = EncounterLedger(store).scan()
    assert all(markers[c].state is MarkerState.SENT and markers[c].s3_key == keys[0] for c in summary.settled)
    assert [o["Key"] for o in aws[1].list_objects_v2(Bucket=BUCKET)["Contents"]] == keys


def test_two_runs_racing_never_report_a_claim_twice(store, aws):
    results = encodable(6, 30)
    store_decided(store, results)
    first, second = job(store, aws), job(store, aws)
    headers, markers = first.ledger.scan()
    pending_a = first._pending(headers, markers, NOW.date(), _summary())
    pending_b = second._pending(headers, markers, NOW.date(), _summary())
    assert pending_a and pending_b
    won_a = [p for p in pending_a if first._reserve(p, 900, "encounters/a.837")]
    won_b = [p for p in pending_b if second._reserve(p, 901, "encounters/b.837")]
    assert won_a and not won_b


def _summary():
    from claims_intake.encounters.job import RunSummary

    return RunSummary()


def deny_every_line(result):
    from decimal import Decimal

    from claims_intake.check.result import Category, Finding, LineDisposition, Severity

    for line in result.lines:
        line.disposition, line.allowed_amount = LineDisposition.DENIED, Decimal("0.00")
        line.findings = [
            Finding(
                category=Category.ELIGIBILITY,
                severity=Severity.DENY,
                line=line.line_number,
                message="not eligible",
                cite="test",
                rule="test",
            )
        ]
    result.findings = [f for line in result.lines for f in line.findings]
    result.disposition = ClaimDisposition.DENIED
    return result


def test_denied_claims_follow_the_plan_setting(store, aws):
    pool = encodable(60, 31)
    results = [deny_every_line(r) for r in [next(r for r in pool if r.plan == plan) for plan in ("kp", "phc", "khs")]]
    store_decided(store, results)
    summary = job(store, aws).run()
    for result in results:
        if result.plan == "kp":  # Kaiser reports denied lines as denied encounters
            assert result.claim.claim_id in summary.claims + list(summary.held)
        else:
            assert result.claim.claim_id in summary.skipped


def test_the_logged_summary_names_held_claims_without_their_reasons():
    from claims_intake.encounters.job import RunSummary

    summary = RunSummary(held={"C-1": "diagnosis Z9119 is not a billable ICD-10-CM code"})
    assert summary.to_json()["held"] == ["C-1"] and "Z9119" not in str(summary.to_json())


def test_a_providers_corrected_claim_replaces_the_reported_original(store, aws):
    original, corrected = encodable(8, 32)[:2]
    corrected.claim.billing_provider_npi = original.claim.billing_provider_npi
    corrected.claim.invoice_number = original.claim.invoice_number + "-C"
    corrected.claim.control_number = original.claim.invoice_number  # box 22: the original's invoice number
    store_decided(store, [original])
    job(store, aws).run()
    store_decided(store, [corrected])
    summary = job(store, aws).run()
    assert summary.replacements == [corrected.claim.claim_id]
    text = file_text(aws, summary.s3_key)
    assert ":B:7*" in text and f"REF*F8*{original.claim.claim_id.upper()}~" in text
    assert validate_x12(text).errors == [] and check_encounter_file(text) == []


def test_a_control_number_that_names_nothing_reported_leaves_the_claim_an_original(store, aws):
    result = encodable(1, 33)[0]
    result.claim.control_number = "NEVER-SENT-1"
    store_decided(store, [result])
    summary = job(store, aws).run()
    assert summary.claims == [result.claim.claim_id] and summary.replacements == []
