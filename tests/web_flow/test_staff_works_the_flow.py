"""A staff member works an RFI and a review item end to end in the browser,
and the claim leaves the queue with the disposition the flow's re-check gives it."""

from __future__ import annotations

import os

from playwright.sync_api import expect

from tests.check.builders import claim, line, low_confidence

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def open_queue(page, url, queue="RFI"):
    page.goto(url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    if queue != "RFI":
        page.locator(f'.tab[data-queue="{queue}"]').click()


def test_rfi_item_corrected_answered_and_rechecked_to_clean(flow, staff_site, page):
    claim_id = flow.submit(claim(line("G9008", "U1"), tar="TAR-PHC-9999", invoice="RFI-WEB-1"), "phc")
    flow.wait_item(claim_id, "RFI")
    open_queue(page, staff_site)
    row = page.locator("#queue-table tbody tr", has_text="RFI-WEB-1")
    expect(row).to_have_count(1)
    row.click()
    expect(page.locator("#claim-disposition")).to_have_text("RFI")
    expect(page.locator("#findings")).to_contain_text("TAR-PHC-9999")
    expect(page.locator("#letters")).to_contain_text("rfi")

    tar = page.locator('input[data-element="authorization_number"]')
    expect(tar).to_have_value("TAR-PHC-9999")
    tar.fill("TAR-PHC-1001")
    tar.press("Enter")
    expect(page.locator("#audit")).to_contain_text('"TAR-PHC-9999" → "TAR-PHC-1001"')

    page.locator("#action-answer").click()
    page.locator("#answer-note").fill("Provider phoned with the approved TAR number.")
    page.locator("#dialog-ok").click()
    expect(page.locator("#claim-disposition")).to_have_text("CLEAN", timeout=30000)
    expect(page.locator("#message")).to_contain_text("now CLEAN (CLOSED)")
    expect(page.locator("#queue-table tbody tr", has_text="RFI-WEB-1")).to_have_count(0)
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "e2e-rfi-clean.png"), full_page=True)

    stored = flow.store.require_claim(claim_id)
    assert (stored.status, stored.disposition) == ("CLOSED", "CLEAN")
    assert flow.wait_execution(claim_id)["status"] == "SUCCEEDED"
    corrected = next(e for e in stored.audit if e.action == "correct_value")
    assert (corrected.actor, corrected.details["old"], corrected.details["new"]) == (
        "dev-staff",
        "TAR-PHC-9999",
        "TAR-PHC-1001",
    )


def test_review_item_verified_and_rechecked(flow, staff_site, page):
    first = low_confidence(line("G9008", "U1"), "charge_amount", raw="400.00")
    claim_id = flow.submit(claim(first, invoice="REV-WEB-1"), "phc")
    flow.wait_item(claim_id, "REVIEW")
    open_queue(page, staff_site, "REVIEW")
    row = page.locator("#queue-table tbody tr", has_text="REV-WEB-1")
    row.click()
    expect(page.locator("#claim-disposition")).to_have_text("REVIEW")
    charge = page.locator('#values-table input[data-element="charge_amount"][data-line="1"]')
    expect(charge).to_have_value("400.00")
    charge.press("Enter")  # staff confirm the value as read: saved as verified
    expect(page.locator("#audit")).to_contain_text("correct value charge_amount (line 1)")
    page.locator("#action-answer").click()
    page.locator("#dialog-ok").click()
    expect(page.locator("#claim-disposition")).to_have_text("CLEAN", timeout=30000)
    expect(page.locator("#queue-table tbody tr", has_text="REV-WEB-1")).to_have_count(0)
    # the page shows CLEAN once the recheck is stored; the flow's finalize step closes the claim just after
    assert flow.wait_execution(claim_id)["status"] == "SUCCEEDED"
    assert flow.store.require_claim(claim_id).status == "CLOSED"


def test_staff_reject_from_the_queue_sends_the_rejection_letter(flow, staff_site, page):
    claim_id = flow.submit(claim(line("G9008", "U1"), tar="TAR-PHC-9996", invoice="RFI-WEB-2"), "phc")
    flow.wait_item(claim_id, "RFI")
    open_queue(page, staff_site)
    page.locator("#queue-table tbody tr", has_text="RFI-WEB-2").click()
    page.locator("#action-reject").click()
    page.locator("#reject-reason").fill("The services were billed to the wrong plan.")
    page.locator("#dialog-ok").click()
    expect(page.locator("#claim-disposition")).to_have_text("REJECTED", timeout=30000)
    expect(page.locator("#letters")).to_contain_text("rejection")
    stored = flow.store.require_claim(claim_id)
    assert stored.status == "REJECTED"
    assert "The services were billed to the wrong plan." in flow.letter_text(stored, "rejection")
