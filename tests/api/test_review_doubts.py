"""A REVIEW item shows staff exactly which values are doubtful and why; answering it confirms the values staff
did not correct, so the re-check takes them as sure and the provider then hears only about what they wrote."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from claims_intake.check import check_claim
from claims_intake.model import Provenance
from claims_intake.reference import InMemoryHistory, load_reference_dir
from tests.check.builders import RECEIVED, SAMPLES, claim, line

from .conftest import call


def doubtful_total(claim_id: str):
    """Invoice Amount read as 900.00 with confidence 0.55 where the lines add up to 400.00."""
    c = claim(line("G9008", "U1"), invoice_amount=Decimal("900.00"), invoice=claim_id)
    c.claim_id = claim_id
    c.provenance["invoice_amount"] = Provenance(file="scan.pdf", page=1, box="28", raw="900 00", confidence=0.55)
    return check_claim(c, "phc", load_reference_dir(SAMPLES), InMemoryHistory(), received=RECEIVED)


def open_review(services, claim_id: str):
    result = doubtful_total(claim_id)
    assert result.disposition == "REVIEW"
    services.store.save_checked_claim(result, upload_key=None)
    return services.store.open_queue_item(claim_id, "REVIEW", None, services.clock() + timedelta(days=3))


def test_the_review_item_lists_which_values_and_why(services):
    item = open_review(services, "C-R1")
    (value,) = item.doubts
    assert (value["element"], value["kind"], value["would_be"]) == ("invoice_amount", "low_confidence", "reject")
    assert "0.55" in value["reason"] and "invoice_amount_is_sum_of_lines" in value["rules"]
    listed = call("GET", "/api/queue", query={"queue": "REVIEW"})[1]["items"][0]
    assert listed["doubts"][0]["label"] == "Invoice Amount"
    claim_view = call("GET", "/api/claims/C-R1")[1]
    finding = next(f for f in claim_view["findings"] if f["rule"] == "invoice_amount_is_sum_of_lines")
    assert finding["severity"] == "review" and finding["would_be"] == "reject"


def test_verifying_without_corrections_makes_the_values_sure(services):
    item = open_review(services, "C-R2")
    status, view = call("POST", f"/api/claims/C-R2/items/{item.item_id}/answer", body={"note": "checked the scan"})
    assert status == 200, view
    stored = services.store.require_claim("C-R2")
    source = stored.claim.provenance["invoice_amount"]
    assert source.verified.startswith("verified by maria.staff") and source.confidence == 0.55
    assert any(entry.action == "verify_values" for entry in stored.audit)
    assert stored.queue_items[0].resolution["verified"] == [{"element": "invoice_amount", "line": None}]
    recheck = check_claim(stored.claim, "phc", load_reference_dir(SAMPLES), InMemoryHistory(), received=RECEIVED)
    assert recheck.disposition == "REJECTED"  # the provider did write 900.00: now they are told


def test_a_corrected_value_is_sure_and_the_claim_clean(services):
    item = open_review(services, "C-R3")
    status, _ = call(
        "POST",
        f"/api/claims/C-R3/items/{item.item_id}/answer",
        body={"corrections": [{"element": "invoice_amount", "value": "400.00"}]},
    )
    assert status == 200
    stored = services.store.require_claim("C-R3")
    assert stored.claim.provenance["invoice_amount"].verified.startswith("corrected by maria.staff")
    assert not any(entry.action == "verify_values" for entry in stored.audit)  # nothing left to confirm
    recheck = check_claim(stored.claim, "phc", load_reference_dir(SAMPLES), InMemoryHistory(), received=RECEIVED)
    assert recheck.disposition == "CLEAN"


def test_a_provider_does_not_see_what_staff_still_verify(services):
    from .conftest import provider_claims

    open_review(services, "C-R4")
    status, claim_view = call("GET", "/api/claims/C-R4", claims=provider_claims("1456700016"))
    assert status == 200
    assert not any(f["severity"] == "review" for f in claim_view["findings"])
    assert "Invoice Amount" not in json.dumps(claim_view["findings"])
    assert not any(item.get("doubts") for item in claim_view["queue_items"])
