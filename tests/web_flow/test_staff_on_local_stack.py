"""The staff queue on the local stack: `claims-intake serve` hosts the page and the API
(the template's StaffApi route -> functions/api/app.py, in process), uploads go through S3 -> intake ->
the claim flow, and a staff member works an RFI and a review item in Chromium until the flow's re-check
takes each claim out of the queue."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.web.conftest import page  # noqa: F401  (headless Chromium)

ROOT = Path(__file__).resolve().parents[2]
UPLOADS = ROOT / "samples" / "uploads"
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")
RFI_SPREADSHEET = "1456700024/bay-housing-2026-10.xlsx"


def review_sample() -> tuple[str, str]:
    """The sample scan the samples' expectations send to REVIEW: (file, invoice number)."""
    expected = json.loads((UPLOADS / "expected.json").read_text())
    return next(
        (entry["file"], claim["invoice_number"])
        for entry in expected
        for claim in entry["claims"]
        if claim["expected"] == "REVIEW"
    )


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory):
    from claims_intake.api import resolver
    from claims_intake_dev.local import demo
    from claims_intake_dev.local.stack import LocalStack
    from claims_intake_dev.local.web import WebServer

    resolver.use_services(None)
    # the functions' output (the API's audit lines among it) goes to their log file, as `serve --logs` does
    with LocalStack(function_log=tmp_path_factory.mktemp("lambda") / "lambda.log") as stack:
        demo.load_reference(stack)
        s3 = stack.client("s3")
        for name in (RFI_SPREADSHEET, review_sample()[0]):
            s3.put_object(Bucket=stack.bucket(), Key=f"uploads/{name}", Body=(UPLOADS / name).read_bytes())
        web = WebServer(stack, app="claims_intake_dev.web_server:app").start()
        try:
            yield stack, demo.store_for(stack), web.url
        finally:
            web.stop()
            resolver.use_services(None)


def wait_for_item(store, queue: str, invoice: str, timeout: float = 240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for item in store.iter_queue(queue):
            if item.invoice_number == invoice:
                return item
        time.sleep(0.5)
    raise AssertionError(f"no open {queue} item for {invoice} after {timeout}s")


def open_item(page, url, queue, invoice):
    page.goto(url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.locator(f'.tab[data-queue="{queue}"]').click()
    page.locator("#queue-table tbody tr", has_text=invoice).click()
    expect(page.locator("#claim-title")).to_have_text(f"Invoice {invoice}")


@pytest.mark.slow
def test_rfi_for_housing_deposit_documents_answered_on_the_local_stack(local_stack, page, tmp_path):
    stack, store, url = local_stack
    item = wait_for_item(store, "RFI", "BHP-2026-0415")
    open_item(page, url, "RFI", "BHP-2026-0415")
    expect(page.locator("#findings")).to_contain_text("missing its documentation")
    # The plan's authorization team marks the TAR's documents on file (its reference feed), as they
    # would once the provider's lease and support plan came in; staff then record the answer.
    authorizations = (ROOT / "samples" / "reference" / "authorizations.csv").read_text()
    updated = authorizations.replace(
        "TAR-PHC-1003,90000005E,1456700024,phc,H0044,U2,2026-10-01,2026-12-31,1,3500.00,no",
        "TAR-PHC-1003,90000005E,1456700024,phc,H0044,U2,2026-10-01,2026-12-31,1,3500.00,yes",
    )
    assert updated != authorizations
    stack.client("s3").put_object(Bucket=stack.bucket(), Key="reference/demo/authorizations.csv", Body=updated.encode())
    stack.wait_until_settled(timeout=120)

    lease = tmp_path / "lease-copy.pdf"
    lease.write_bytes(b"%PDF-1.4 lease, housing support plan, CS referral")
    page.locator("#action-answer").click()
    page.locator("#answer-note").fill("Lease, support plan and referral received.")
    page.locator("#answer-documents").set_input_files(str(lease))
    page.locator("#dialog-ok").click()
    expect(page.locator("#claim-disposition")).to_have_text("CLEAN", timeout=60000)
    expect(page.locator("#queue-table tbody tr", has_text="BHP-2026-0415")).to_have_count(0)
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "local-rfi-clean.png"), full_page=True)
    stored = store.require_claim(item.claim_id)
    answered = next(i for i in stored.queue_items if i.item_id == item.item_id)
    assert answered.status == "ANSWERED"
    document = answered.resolution["documents"][0]
    body = stack.client("s3").get_object(Bucket=stack.bucket(), Key=document["s3_key"])["Body"].read()
    assert body.startswith(b"%PDF-1.4 lease")


@pytest.mark.slow
def test_review_of_a_scanned_claim_verified_on_the_local_stack(local_stack, page):
    _stack, store, url = local_stack
    invoice = review_sample()[1]
    item = wait_for_item(store, "REVIEW", invoice)
    open_item(page, url, "REVIEW", invoice)
    # The claim beside its scan: every OCR'd value with the crop of its box.
    crops = page.locator("#values-table .crop img")
    expect(crops.first).to_be_visible(timeout=60000)  # the crops follow the claim: the scan is registered server side
    assert crops.count() >= 10
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "local-review.png"), full_page=True)
    # Staff confirm each flagged value (low OCR confidence, or named by a finding) against its crop.
    flagged = page.locator("#detail tr.attention input.value-input").evaluate_all(
        "inputs => inputs.map(i => [i.dataset.element, i.dataset.line])"
    )
    assert flagged
    for element, line in flagged:
        entries = page.locator("#audit li").count()
        page.locator(f'#detail input.value-input[data-element="{element}"][data-line="{line}"]').first.press("Enter")
        expect(page.locator("#audit li")).to_have_count(entries + 1)  # saved as verified, in the history
    page.locator("#action-answer").click()
    page.locator("#dialog-ok").click()
    expect(page.locator("#claim-disposition")).not_to_have_text("REVIEW", timeout=60000)
    expect(page.locator("#queue-table tbody tr", has_text=invoice)).to_have_count(0)
    stored = store.require_claim(item.claim_id)
    deadline = time.monotonic() + 60  # the page shows the re-check's disposition; the flow then records the outcome
    while stored.status == "CHECKED" and time.monotonic() < deadline:
        time.sleep(0.25)
        stored = store.require_claim(item.claim_id)
    assert stored.disposition.value != "REVIEW" and stored.status in ("CLOSED", "WAITING_RFI", "REJECTED")


@pytest.mark.slow
def test_development_tokens_through_the_local_api_gateway(local_stack):
    """The stack's API Gateway emulator turns the page's development tokens into authorizer claims."""
    import json
    import urllib.error
    import urllib.request

    _stack, store, url = local_stack
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:  # the spreadsheet's claims, once intake has stored them
        mine = {c.get("invoice_number"): c["claim_id"] for c in store.list_claims("1456700024")[0]}
        if "BHP-2026-0415" in mine:
            break
        time.sleep(0.5)
    claim_id = mine["BHP-2026-0415"]

    def get(path, token):
        request = urllib.request.Request(url + path, headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    assert get("/api/me", "dev-staff")[1]["staff"] is True
    status, me = get("/api/me", "dev-provider-1456700024")
    assert status == 200 and me == {
        "user": "provider-1456700024",
        "groups": [],
        "staff": False,
        "provider_npi": "1456700024",
    }
    assert get(f"/api/claims/{claim_id}", "dev-provider-1456700024")[0] == 200
    assert get(f"/api/claims/{claim_id}", "dev-provider-1456700016")[0] == 404
    for status_name in ("OPEN", "ANSWERED"):
        query = f"/api/queue?queue=RFI&status={status_name}"
        assert get(query, "dev-provider-1456700016")[1]["items"] == []
