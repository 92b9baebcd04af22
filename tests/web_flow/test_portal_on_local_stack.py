"""The provider portal on the local stack, in Chromium: `claims-intake serve`'s page and API, the browser
posting files straight to the stack's S3 with the presigned POSTs (bucket CORS for the page's origin), the
intake reading them into claims, the claim flow sending its letters, and the provider answering an RFI
with a document that resumes the flow through the rfi/ upload path (RfiUpload function)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.web.conftest import page  # noqa: F401  (headless Chromium)

ROOT = Path(__file__).resolve().parents[2]
UPLOADS = ROOT / "samples" / "uploads"
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")
NPI = "1456700024"
WORKBOOK = UPLOADS / NPI / "bay-housing-2026-10.xlsx"  # BHP-2026-0415 (RFI: deposit documents), BHP-2026-0420
SCAN = UPLOADS / NPI / "phc" / "scott-tenancy-scan.pdf"  # BHP-TS-1014 (plan staff verify box 21 first)
RFI_INVOICE = "BHP-2026-0415"


@pytest.fixture(scope="module")
def portal_stack(tmp_path_factory):
    from claims_intake.api import resolver
    from claims_intake_dev.local import demo
    from claims_intake_dev.local.stack import LocalStack
    from claims_intake_dev.local.web import WebServer

    resolver.use_services(None)
    # the functions' output (the API's audit lines among it) goes to their log file, as `serve --logs` does
    with LocalStack(function_log=tmp_path_factory.mktemp("lambda") / "lambda.log") as stack:
        demo.load_reference(stack)
        web = WebServer(stack, app="claims_intake_dev.web_server:app").start()
        try:
            yield stack, demo.store_for(stack), web.url
        finally:
            web.stop()
            resolver.use_services(None)


def drop_files(page, selector: str, paths: list[Path]) -> None:
    """Drag and drop: a DataTransfer holding the files, dropped on the drop zone (as a person's drag does)."""
    files = [{"name": p.name, "data": list(p.read_bytes())} for p in paths]
    transfer = page.evaluate_handle(
        """(files) => {
            const transfer = new DataTransfer();
            for (const f of files) transfer.items.add(new File([new Uint8Array(f.data)], f.name));
            return transfer;
        }""",
        files,
    )
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


@pytest.mark.slow
def test_a_provider_sends_files_follows_its_claims_opens_a_letter_and_answers_an_rfi(portal_stack, page, tmp_path):
    stack, store, url = portal_stack
    page.goto(f"{url}/portal.html")
    page.locator("#sign-in-npi").fill(NPI)
    page.locator("#sign-in-button").click()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#whoami")).to_have_text(f"provider {NPI}")

    # Several files at once, dropped on the page, each with its progress bar, straight into S3.
    page.locator("#plan").select_option("phc")
    drop_files(page, "#drop", [WORKBOOK, SCAN])
    for path in (WORKBOOK, SCAN):
        row = page.locator(f'#sending li[data-file="{path.name}"]')
        expect(row.locator(".state")).to_have_text("sent", timeout=60000)
        expect(row.locator("progress")).to_have_attribute("value", "100")
    keys = [
        o["Key"]
        for o in stack.client("s3").list_objects_v2(Bucket=stack.bucket(), Prefix=f"uploads/{NPI}/phc/")["Contents"]
    ]
    assert len(keys) == 2 and any(k.endswith(WORKBOOK.name) for k in keys) and any(k.endswith(SCAN.name) for k in keys)

    # The files become claims: the page follows them until they are read.
    uploads = page.locator("#uploads-table tbody tr")
    expect(uploads).to_have_count(2)
    expect(page.locator('#uploads-table tbody tr[data-status="PROCESSED"]')).to_have_count(2, timeout=240000)
    claims = page.locator("#claims-table tbody tr")
    expect(claims.filter(has_text=RFI_INVOICE)).to_have_count(1, timeout=60000)
    expect(claims.filter(has_text="BHP-TS-1014")).to_have_count(1)

    # The RFI letter: the flow writes it; the row links it; the link opens the PDF.
    row = claims.filter(has_text=RFI_INVOICE)
    deadline = time.monotonic() + 120
    # The flow writes the letter and the RFI's due date in separate steps: refresh until the row shows both.
    while time.monotonic() < deadline and not (
        row.locator("a.letter").count() and "by" in (row.locator(".waiting-on").text_content() or "")
    ):
        time.sleep(2)
        page.locator("#claims-filter button[type=submit]").click()
        page.wait_for_timeout(500)
    expect(row.locator("a.letter")).to_have_text("rfi letter")
    expect(row.locator(".waiting-on")).to_contain_text("you, by")
    with page.context.expect_page() as opened:
        row.locator("a.letter").click()
    letter = opened.value
    assert "/letters/" in letter.url
    assert page.request.get(letter.url).body().startswith(b"%PDF")
    letter.close()
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "portal-claims.png"), full_page=True)

    # The claim in plain words, with the open request: what is asked, by when.
    row.click()
    expect(page.locator("#claim-title")).to_have_text(f"Invoice {RFI_INVOICE}")
    expect(page.locator("#claim-waiting")).to_contain_text("Waiting on you")
    expect(page.locator("#rfi")).to_be_visible()
    expect(page.locator("#rfi-asked")).to_contain_text("documentation")
    expect(page.locator("#rfi-due")).to_have_text(re.compile(r"\d{4}-\d{2}-\d{2}"))
    expect(page.locator("#lines-table tbody tr")).to_have_count(1)
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "portal-rfi.png"), full_page=True)

    # The plan's authorization team records the TAR's documents as received (its reference feed), as it
    # would once the lease arrives; the provider's answer then resumes the flow, whose re-check accepts it.
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
    page.locator("#rfi-files").set_input_files(str(lease))
    page.locator("#rfi-note").fill("Lease and support plan attached.")
    page.locator("#rfi-send").click()
    expect(page.locator("#rfi-progress li .state")).to_have_text("sent", timeout=60000)
    expect(page.locator("#claim-decision")).to_have_text("Accepted: every line is payable.", timeout=180000)
    expect(page.locator("#rfi")).to_be_hidden()
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "portal-answered.png"), full_page=True)

    claim_id = next(c["claim_id"] for c in store.list_claims(NPI)[0] if c.get("invoice_number") == RFI_INVOICE)
    stored = store.require_claim(claim_id)
    answered = next(i for i in stored.queue_items if i.queue == "RFI")
    assert answered.status == "ANSWERED" and answered.closed_by == f"provider-{NPI}"
    [document] = answered.resolution["documents"]
    assert document["key"].startswith(f"rfi/{claim_id}/{answered.item_id}/")

    # Another provider sees none of it, whatever it asks for.
    other = page.context.new_page()
    other.goto(f"{url}/portal.html")
    other.evaluate("sessionStorage.setItem('claimsIntakeDevProvider', '1456700016')")
    other.reload()
    expect(other.locator("body")).to_have_attribute("data-ready", "true")
    expect(other.locator("#claims-table tbody tr", has_text=RFI_INVOICE)).to_have_count(0)
    other.goto(f"{url}/portal.html#/claims/{claim_id}")
    expect(other.locator("#message")).to_contain_text("404")
