"""The provider portal's API: a provider's claims with what it follows them by, a claim in plain words, an
RFI answered with a presigned document upload and corrections; each scope rule (another provider's
folder, claim or RFI: 404; staff: everything); every request audited without PHI."""

from __future__ import annotations

import json
import logging

import boto3
import pytest
import requests
from botocore.config import Config

from claims_intake.api import audit
from claims_intake.check.result import ClaimDisposition
from claims_intake.flow.start import answer_from_upload
from claims_intake.store import SENT_BY_METADATA

from .conftest import BUCKET, REGION, STAFF, call, provider_claims
from .post_policy import signed_policy, violations
from .queue_factories import NPI_A, NPI_B, queued, rfi_claim

PROVIDER_A = provider_claims(NPI_A)
PROVIDER_B = provider_claims(NPI_B)
PDF = "application/pdf"


@pytest.fixture(autouse=True)
def sigv4(services):
    services.s3 = boto3.client("s3", region_name=REGION, config=Config(signature_version="s3v4"))


def post_file(presigned: dict, content: bytes) -> requests.Response:
    return requests.post(presigned["url"], data=presigned["fields"], files={"file": ("doc", content)}, timeout=30)


# ---- the provider's claims --------------------------------------------------------------------------


def test_a_provider_lists_its_claims_with_dates_amounts_decision_and_letters(services):
    queued(services, "A-1")
    services.store.save_checked_claim(rfi_claim("A-2"), upload_key=None)
    services.store.record_letter("A-1", "rfi", "letters/A-1/rfi-1.pdf", "flow")
    services.store.save_checked_claim(rfi_claim("B-1", npi=NPI_B), upload_key=None)
    status, page = call("GET", "/api/claims", PROVIDER_A)
    assert status == 200, page
    rows = {row["claim_id"]: row for row in page["items"]}
    assert set(rows) == {"A-1", "A-2"}
    row = rows["A-1"]
    assert row["invoice_number"] == "INV-A-1" and row["member_name"] == "Rosalind Quintero"
    assert (row["service_from"], row["service_to"]) == ("2026-10-05", "2026-10-05")
    assert row["billed"] == "400.00" and row["allowed"] is None  # no allowed amount before a decision
    assert row["disposition"] == "RFI" and row["waiting_on"] in ("you", "the plan")
    assert row["rfi_due"]
    [letter] = row["letters"]
    assert letter["kind"] == "rfi" and "letters/A-1/rfi-1.pdf" in letter["url"] and "Signature=" in letter["url"]


def test_the_list_is_filtered_paged_and_searchable_within_the_providers_own_claims(services):
    for number in range(5):
        services.store.save_checked_claim(rfi_claim(f"A-{number}"), upload_key=None)
    services.store.set_status("A-3", "CLOSED", "flow")
    services.store.save_checked_claim(rfi_claim("B-9", npi=NPI_B), upload_key=None)
    first = call("GET", "/api/claims", PROVIDER_A, query={"limit": "2"})[1]
    assert len(first["items"]) == 2 and first["next_token"]
    second = call("GET", "/api/claims", PROVIDER_A, query={"limit": "2", "next_token": first["next_token"]})[1]
    assert not {r["claim_id"] for r in first["items"]} & {r["claim_id"] for r in second["items"]}
    closed = call("GET", "/api/claims", PROVIDER_A, query={"status": "CLOSED"})[1]["items"]
    assert [r["claim_id"] for r in closed] == ["A-3"]
    found = call("GET", "/api/claims", PROVIDER_A, query={"q": "INV-A-2"})[1]["items"]
    assert [r["claim_id"] for r in found] == ["A-2"] and "billed" in found[0]
    assert call("GET", "/api/claims", PROVIDER_A, query={"q": "INV-B-9"})[1]["items"] == []
    assert call("GET", "/api/claims", PROVIDER_A, query={"provider": NPI_B})[1]["items"] == []


def test_staff_list_any_providers_claims_and_must_say_whose(services):
    services.store.save_checked_claim(rfi_claim("B-1", npi=NPI_B), upload_key=None)
    assert call("GET", "/api/claims", STAFF)[0] == 400
    status, page = call("GET", "/api/claims", STAFF, query={"provider": NPI_B})
    assert status == 200 and [r["claim_id"] for r in page["items"]] == ["B-1"]


def test_a_claim_in_plain_words(services):
    queued(services, "A-1")
    status, claim = call("GET", "/api/claims/A-1/in-words", PROVIDER_A)
    assert status == 200, claim
    assert claim["decision"] == "Waiting for information from you."
    assert claim["claim_reasons"][0]["message"].startswith("The member's CIN must be")
    [line] = claim["lines"]
    assert line["procedure"] == "G9008 U1" and line["billed"] == "400.00" and line["units"] == "1"
    assert (line["decision"], line["allowed"]) == ("Not decided yet", None)  # an open RFI can change them
    assert claim["rfi"]["asked"][0]["message"].startswith("The member's CIN")
    assert claim["rfi"]["correctable"] == [{"element": "member_cin", "line": None}]
    assert "audit" not in claim
    services.store.save_checked_claim(rfi_claim("A-2", disposition=ClaimDisposition.CLEAN), upload_key=None)
    decided = call("GET", "/api/claims/A-2/in-words", PROVIDER_A)[1]
    assert decided["decision"] == "Accepted: every line is payable." and decided["allowed"] == "400.00"
    assert (decided["lines"][0]["decision"], decided["lines"][0]["allowed"]) == ("Payable", "400.00")
    assert decided["rfi"] is None


# ---- scope: another provider gets 404, staff see all ---------------------------------------------------


def test_another_providers_claim_rfi_and_folder_are_not_found(services):
    queued(services, "A-1")
    for method, path, body in [
        ("GET", "/api/claims/A-1", None),
        ("GET", "/api/claims/A-1/in-words", None),
        ("POST", "/api/claims/A-1/rfi/uploads", {"file_name": "card.pdf", "content_type": PDF}),
        ("POST", "/api/claims/A-1/rfi/answer", {"corrections": [{"element": "member_cin", "value": "91234567A"}]}),
    ]:
        status, answer = call(method, path, PROVIDER_B, body=body)
        assert status == 404, (path, answer)
        assert answer == {"message": "no claim A-1"}  # the same words as for a claim that does not exist
    status, answer = call(
        "POST", "/api/uploads", PROVIDER_B, body={"file_name": "x.pdf", "content_type": PDF, "provider_npi": NPI_A}
    )
    assert status == 404, answer
    assert call("GET", "/api/claims/A-1", PROVIDER_A)[0] == 200
    assert services.store.require_claim("A-1").output["elements"]["member_cin"] == "9123456A"  # nothing changed
    assert call("GET", "/api/claims/A-1/in-words", STAFF)[0] == 200


def test_an_rfi_upload_url_is_bound_to_the_callers_own_claim_and_its_open_item(services):
    item = queued(services, "A-1")
    status, presigned = call(
        "POST", "/api/claims/A-1/rfi/uploads", PROVIDER_A, body={"file_name": "member card.pdf", "content_type": PDF}
    )
    assert status == 200, presigned
    assert presigned["key"].startswith(f"rfi/A-1/{item.item_id}/") and presigned["key"].endswith("-member_card.pdf")
    policy = signed_policy(presigned["fields"])
    assert {"key": presigned["key"]} in policy["conditions"]
    assert {f"x-amz-meta-{SENT_BY_METADATA}": PROVIDER_A["cognito:username"]} in policy["conditions"]
    # S3 refuses the form for any other key (another claim's folder) or sender (moto checks no policy).
    fields = presigned["fields"]
    assert violations(fields, BUCKET, size=100) == []
    assert violations({**fields, "key": "rfi/B-1/x/forged.pdf"}, BUCKET, size=100)
    assert violations({**fields, f"x-amz-meta-{SENT_BY_METADATA}": "provider-b"}, BUCKET, size=100)
    assert post_file(presigned, b"%PDF-1.4 card").status_code in (200, 204)
    assert (
        call("POST", "/api/claims/A-1/rfi/uploads", PROVIDER_A, body={"file_name": "x.exe", "content_type": PDF})[0]
        == 400
    )


def test_no_rfi_answer_without_an_open_rfi(services):
    services.store.save_checked_claim(rfi_claim("A-1"), upload_key=None)
    body = {"file_name": "card.pdf", "content_type": PDF}
    assert call("POST", "/api/claims/A-1/rfi/uploads", PROVIDER_A, body=body)[0] == 409
    assert call("POST", "/api/claims/A-1/rfi/answer", PROVIDER_A, body={"note": "here"})[0] == 409


# ---- answering --------------------------------------------------------------------------------------------


def test_corrections_answer_the_rfi_and_resume_the_flow(services, waiting_flow):
    execution, token = waiting_flow.start("A-1")
    queued(services, "A-1", token=token)
    status, answer = call(
        "POST",
        "/api/claims/A-1/rfi/answer",
        PROVIDER_A,
        body={"corrections": [{"element": "member_cin", "value": "91234567A"}], "note": "from the card"},
    )
    assert status == 200, answer
    assert answer["status"] == "ANSWERED" and answer["flow_resumed"] is True
    output = json.loads(waiting_flow.finished(execution)["output"])
    assert output["action"] == "answered" and output["actor"] == PROVIDER_A["cognito:username"]
    assert output["corrections"] == [{"element": "member_cin", "line": None, "value": "91234567A"}]
    stored = services.store.require_claim("A-1")
    assert stored.output["elements"]["member_cin"] == "91234567A"
    assert any(e.action == "correct_value" and e.actor == PROVIDER_A["cognito:username"] for e in stored.audit)


def test_a_provider_corrects_only_what_the_rfi_asks_about(services):
    queued(services, "A-1")
    body = {"corrections": [{"element": "charge_amount", "line": 1, "value": "900.00"}]}
    status, answer = call("POST", "/api/claims/A-1/rfi/answer", PROVIDER_A, body=body)
    assert status == 400 and "not one of the values" in answer["message"]
    assert services.store.require_claim("A-1").output["lines"][0]["charge_amount"] == "400.00"


def test_corrections_with_documents_to_follow_wait_for_the_document(services, waiting_flow):
    execution, token = waiting_flow.start("A-1")
    item = queued(services, "A-1", token=token)
    body = {"corrections": [{"element": "member_cin", "value": "91234567A"}], "documents_follow": True}
    answer = call("POST", "/api/claims/A-1/rfi/answer", PROVIDER_A, body=body)[1]
    assert answer["status"] == "OPEN" and answer["flow_resumed"] is False
    assert services.store.require_claim("A-1").output["elements"]["member_cin"] == "91234567A"
    presigned = call(
        "POST", "/api/claims/A-1/rfi/uploads", PROVIDER_A, body={"file_name": "card.pdf", "content_type": PDF}
    )[1]
    assert post_file(presigned, b"%PDF-1.4 card").status_code in (200, 204)
    # What the RfiUpload function does with the object's notification (functions/rfi_upload/app.py).
    closed = answer_from_upload(services.store, services.sfn, BUCKET, presigned["key"], actor="provider-a")
    assert closed is not None and closed.item_id == item.item_id and closed.status == "ANSWERED"
    output = json.loads(waiting_flow.finished(execution)["output"])
    assert output["documents"] == [{"bucket": BUCKET, "key": presigned["key"]}] and output["actor"] == "provider-a"
    # A second document of the same answer is kept on the claim; it does not answer a later round.
    services.store.open_queue_item("A-1", "RFI", None, services.clock(), reason="round 2")
    second = presigned["key"].rsplit("/", 1)[0] + "/lease.pdf"
    assert answer_from_upload(services.store, services.sfn, BUCKET, second) is None
    stored = services.store.require_claim("A-1")
    assert [i.status for i in stored.queue_items if i.queue == "RFI"].count("OPEN") == 1
    assert stored.audit[-1].action == "rfi_document_added"


# ---- audit ---------------------------------------------------------------------------------------------------


class Kept(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def audit_lines():
    """The audit logger's records, read on the logger itself (the function's Powertools logger emits them)."""
    kept = Kept()
    audit_logger = logging.getLogger(audit.logger.name)
    audit_logger.addHandler(kept)
    yield kept.records
    audit_logger.removeHandler(kept)


def test_every_request_is_audited_with_who_what_when_and_no_query_values(services, audit_lines):
    queued(services, "A-1")
    call("GET", "/api/claims", PROVIDER_A, query={"q": "quintero rosa"})
    call("GET", "/api/claims/A-1", PROVIDER_B)
    call("GET", "/api/claims/A-1/in-words", STAFF)
    call("GET", "/api/queue", STAFF, query={"queue": "NOPE"})  # refused by validation
    call("GET", "/api/nowhere", None)  # no identity, no route
    records = [r.audit for r in audit_lines if r.getMessage() == "api request"]
    assert [(r["user"], r["path"], r["status"]) for r in records] == [
        (PROVIDER_A["cognito:username"], "/api/claims", 200),
        (PROVIDER_B["cognito:username"], "/api/claims/A-1", 404),
        (STAFF["cognito:username"], "/api/claims/A-1/in-words", 200),
        (STAFF["cognito:username"], "/api/queue", 422),
        (None, "/api/nowhere", 404),
    ]
    assert records[0]["query_parameters"] == ["q"]
    assert records[0]["provider_npi"] == NPI_A and records[2]["staff"] is True
    assert all(r["at"].endswith("Z") and r["method"] == "GET" for r in records)
    logged = " ".join(json.dumps(r.audit) for r in audit_lines).lower()
    assert "quintero" not in logged and "rosalind" not in logged and "9123456a" not in logged
