"""Every flow of the staff page in Chromium at 1280 px: find a claim, deep links, assigned to me, the
keyboard, readable crops with zoom, letters as links, values that are never cut off, sign-out (with the
Cognito refresh token revoked), and axe-core finding no serious accessibility violation."""

from __future__ import annotations

import json
import os
import re
import urllib.parse

import pytest
from playwright.sync_api import expect

from claims_intake.check.result import ClaimDisposition
from tests.api.conftest import BUCKET, scan_png
from tests.api.queue_factories import NPI_B, queued, rfi_claim
from tests.web.conftest import aws, clock, page, services, site  # noqa: F401  (moto, the page, Chromium)

WIDTH = 1280


@pytest.fixture
def staff_page(page):
    page.set_viewport_size({"width": WIDTH, "height": 900})
    return page


def ready(page, url):
    page.goto(url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def stored(services, claim_id, invoice, disposition=ClaimDisposition.CLEAN, npi=None, last="Quintero"):
    result = rfi_claim(claim_id, npi or "1234567893", "khs", "91234567A", disposition)
    result.claim.set_raw("invoice_number", invoice)
    result.claim.set_raw("member_last_name", last)
    services.store.save_checked_claim(result, upload_key="uploads/a/scan.png")


def test_staff_find_a_claim_that_never_reached_a_queue_and_open_it_from_the_keyboard(services, site, staff_page):
    page = staff_page
    queued(services, "C-1")
    stored(services, "C-quiet", "BHP-2026-0415", last="Okafor")
    stored(services, "C-other", "KHS-9", npi=NPI_B, last="Okonkwo")
    ready(page, site)
    page.keyboard.press("/")
    expect(page.locator("#search-q")).to_be_focused()
    page.keyboard.type("bhp-2026")
    page.keyboard.press("Enter")
    rows = page.locator("#search-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Rosalind Okafor")
    expect(rows.first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#claim-title")).to_have_text("Invoice BHP-2026-0415")
    expect(page.locator("#claim-disposition")).to_have_text("CLEAN")
    assert page.evaluate("location.hash") == "#/claims/C-quiet"
    # Two words: both must match the same claim; nothing found says so.
    page.locator("#search-q").fill("rosa oko")
    page.locator("#search-q").press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-claim", "C-other")
    page.locator("#search-q").fill("zz-nothing")
    page.locator("#search-q").press("Enter")
    expect(page.locator("#search-empty")).to_be_visible()
    page.locator("#search-close").click()
    expect(page.locator("#queue-table tbody tr")).to_have_count(1)


def test_a_deep_link_opens_its_claim_and_back_returns_to_the_previous_one(services, site, staff_page):
    page = staff_page
    queued(services, "C-1")
    stored(services, "C-2", "INV-TWO")
    ready(page, f"{site}/#/claims/C-2")
    expect(page.locator("#claim-title")).to_have_text("Invoice INV-TWO")
    page.locator("#queue-table tbody tr").first.click()
    expect(page.locator("#claim-title")).to_have_text("Invoice INV-C-1")
    assert page.evaluate("location.hash") == "#/claims/C-1"
    page.go_back()
    expect(page.locator("#claim-title")).to_have_text("Invoice INV-TWO")
    page.goto(f"{site}/#/claims/C-nope")
    expect(page.locator("#placeholder")).to_contain_text("C-nope: 404")


def test_queue_keyboard_and_assigned_to_me(services, site, staff_page):
    page = staff_page
    for claim_id, days in (("C-1", 1), ("C-2", 2), ("C-3", 3)):
        queued(services, claim_id, due_days=days)
    ready(page, site)
    rows = page.locator("#queue-table tbody tr")
    rows.nth(1).focus()  # Tab lands on rows: each is focusable
    page.keyboard.press("Enter")
    expect(page.locator("#claim-title")).to_have_text("Invoice INV-C-2")
    page.locator("#queue-table tbody tr").nth(1).focus()
    page.keyboard.press("j")
    expect(page.locator("#queue-table tbody tr").nth(2)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#claim-title")).to_have_text("Invoice INV-C-3")
    page.locator("#action-assign").click()
    expect(page.locator("#item-actions")).to_contain_text("assigned to dev-staff")
    page.locator("#assigned-to-me").check()
    page.locator("#filters button[type=submit]").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-claim", "C-3")
    expect(rows.first).to_contain_text("dev-staff")


def test_layout_at_1280_px_shows_every_queue_column_and_values_are_never_cut_off(services, site, staff_page):
    page = staff_page
    item = queued(services, "C-1")
    services.store.correct_value(
        "C-1", "member_first_name", None, "Maria-Guadalupe Esperanza de los Angeles", "dev-staff"
    )
    services.s3.put_object(Bucket=BUCKET, Key="uploads/a/scan.png", Body=scan_png())
    ready(page, site)
    page.locator(f'#queue-table tbody tr[data-item="{item.item_id}"]').click()
    expect(page.locator("#values-table .crop img").first).to_be_visible()
    overflow = page.evaluate("""() => ({
        page: document.documentElement.scrollWidth,
        queue: [document.querySelector('#queue-table').scrollWidth, document.querySelector('.queue').clientWidth],
        assigned: document.querySelector('#queue-table thead th:last-child').getBoundingClientRect().right,
        detail: document.querySelector('#detail').getBoundingClientRect().right,
    })""")
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "staff-1280.png"), full_page=True)
    assert overflow["page"] <= WIDTH
    assert overflow["queue"][0] <= overflow["queue"][1]
    assert overflow["assigned"] <= WIDTH and overflow["detail"] <= WIDTH
    cut = page.locator("#detail input.value-input").evaluate_all(
        "inputs => inputs.filter(i => i.value && i.scrollWidth > i.clientWidth + 1).map(i => i.dataset.element)"
    )
    assert cut == []


def test_a_crop_is_shown_at_the_scans_resolution_and_zooms_on_click(services, site, staff_page):
    page = staff_page
    item = queued(services, "C-1")
    services.s3.put_object(Bucket=BUCKET, Key="uploads/a/scan.png", Body=scan_png())
    ready(page, site)
    page.locator(f'#queue-table tbody tr[data-item="{item.item_id}"]').click()
    crop = page.locator("#values-table tr", has_text="Member CIN").locator(".crop img")
    expect(crop).to_be_visible()
    natural, shown = crop.evaluate("img => [img.naturalWidth, img.getBoundingClientRect().width]")
    assert natural >= 400  # the box (200 of 612 points) on a 1275-px page, not shrunk to ~135 px
    assert shown >= min(natural, 380) - 1
    page.locator("#values-table tr", has_text="Member CIN").locator("button.crop-zoom").focus()
    page.keyboard.press("Enter")
    zoomed = page.locator("#zoom-image")
    expect(zoomed).to_be_visible()
    assert (
        zoomed.evaluate("img => img.getBoundingClientRect().width") >= 1.9 * natural
        or zoomed.evaluate("img => img.parentElement.scrollWidth") >= 1.9 * natural
    )
    page.keyboard.press("Escape")
    expect(zoomed).not_to_be_visible()


def test_letters_are_links_that_open_the_pdf(services, site, staff_page):
    import requests

    page = staff_page
    queued(services, "C-1")
    key = "letters/C-1/rfi-1.pdf"
    services.s3.put_object(Bucket=BUCKET, Key=key, Body=b"%PDF-1.4 the RFI letter")
    services.store.record_letter("C-1", "rfi", key, "flow", note="Request for information")
    ready(page, f"{site}/#/claims/C-1")
    link = page.locator("#letters a.letter-link")
    expect(link).to_contain_text("rfi letter (PDF)")
    href = link.get_attribute("href")
    assert urllib.parse.urlparse(href).path.endswith(key) and "Signature=" in href
    assert link.get_attribute("target") == "_blank"
    answer = requests.get(href, timeout=10)  # moto answers the presigned URL as S3 would
    assert answer.status_code == 200 and answer.content == b"%PDF-1.4 the RFI letter"


def test_sign_out_in_development_forgets_the_session(services, site, staff_page):
    page = staff_page
    queued(services, "C-1")
    ready(page, site)
    page.locator("#sign-out").click()
    expect(page.locator("#signed-out")).to_contain_text("You are signed out")
    page.reload()
    expect(page.locator("#signed-out")).to_be_visible()  # a reload does not sign back in
    page.locator("#sign-in").click()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def test_cognito_sign_in_with_pkce_and_sign_out_revoking_the_refresh_token(services, site, staff_page):
    """The hosted UI's endpoints answered in the browser: authorize -> code -> token (PKCE verifier checked),
    a 401 renews the ID token with the refresh token, sign-out revokes it and ends the hosted UI session."""
    import base64
    import hashlib

    page = staff_page
    queued(services, "C-1")
    cognito = "https://login.example.test"
    seen: dict[str, list] = {"token": [], "revoke": [], "logout": []}
    challenge = {}

    def authorize(route):
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(route.request.url).query))
        assert query["response_type"] == "code" and query["code_challenge_method"] == "S256"
        challenge["value"] = query["code_challenge"]
        back = f"{query['redirect_uri']}?code=the-code&state={query['state']}"
        route.fulfill(status=302, headers={"Location": back})

    def token(route):
        form = dict(urllib.parse.parse_qsl(route.request.post_data))
        seen["token"].append(form)
        if form["grant_type"] == "authorization_code":
            digest = hashlib.sha256(form["code_verifier"].encode()).digest()
            assert base64.urlsafe_b64encode(digest).decode().rstrip("=") == challenge["value"]
            body = {"id_token": "expired-id-token", "refresh_token": "refresh-1", "access_token": "a"}
        else:
            assert form["refresh_token"] == "refresh-1"
            body = {"id_token": "dev-staff", "access_token": "a2"}  # what the local API accepts
        route.fulfill(json=body, headers={"Access-Control-Allow-Origin": "*"})

    def revoke(route):
        seen["revoke"].append(dict(urllib.parse.parse_qsl(route.request.post_data)))
        route.fulfill(status=200, body="", headers={"Access-Control-Allow-Origin": "*"})

    def logout(route):
        seen["logout"].append(route.request.url)
        route.fulfill(
            status=302,
            headers={
                "Location": dict(urllib.parse.parse_qsl(urllib.parse.urlparse(route.request.url).query))["logout_uri"]
            },
        )

    page.route(
        "**/config.json",
        lambda route: route.fulfill(
            json={"apiRoot": "", "auth": "cognito", "cognitoDomain": cognito, "clientId": "client-1"}
        ),
    )
    page.route(f"{cognito}/oauth2/authorize**", authorize)
    page.route(f"{cognito}/oauth2/token", token)
    page.route(f"{cognito}/oauth2/revoke", revoke)
    page.route(f"{cognito}/logout**", logout)

    ready(page, f"{site}/#/claims/C-1")  # the deep link survives the round trip through sign-in
    expect(page.locator("#claim-title")).to_have_text("Invoice INV-C-1")
    assert [form["grant_type"] for form in seen["token"]] == ["authorization_code", "refresh_token"]
    assert "code=" not in page.url
    tokens = json.loads(page.evaluate("sessionStorage.getItem('claimsIntakeTokens')"))
    assert tokens == {"id": "dev-staff", "refresh": "refresh-1"}

    page.locator("#sign-out").click()
    expect(page.locator("#signed-out")).to_be_visible()
    assert seen["revoke"] == [{"token": "refresh-1", "client_id": "client-1"}]
    assert len(seen["logout"]) == 1 and "client_id=client-1" in seen["logout"][0]
    assert page.evaluate("sessionStorage.getItem('claimsIntakeTokens')") is None


def test_no_serious_accessibility_violation_on_any_screen(services, site, staff_page):
    from axe_playwright_python.sync_playwright import Axe

    page = staff_page
    item = queued(services, "C-1")
    services.s3.put_object(Bucket=BUCKET, Key="uploads/a/scan.png", Body=scan_png())
    services.store.record_letter("C-1", "rfi", "letters/C-1/rfi.pdf", "flow")
    axe = Axe()

    def serious() -> list[str]:
        results = axe.run(page).response
        return [
            f"{v['id']}: {v['help']} {[node['target'] for node in v['nodes']]}"
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    ready(page, site)
    expect(page.locator("#metrics")).to_contain_text("RFI 1 open")  # every part of the page is drawn
    assert serious() == [], "queue"
    page.locator(f'#queue-table tbody tr[data-item="{item.item_id}"]').click()
    expect(page.locator("#values-table .crop img").first).to_be_visible()
    assert serious() == [], "claim"
    page.locator("button.crop-zoom").first.click()
    expect(page.locator("#zoom-image")).to_be_visible()
    assert serious() == [], "zoom"
    page.keyboard.press("Escape")
    page.locator("#search-q").fill("INV")
    page.locator("#search-q").press("Enter")
    expect(page.locator("#search-table tbody tr")).to_have_count(1)
    assert serious() == [], "search"
    page.locator("#action-answer").click()
    assert serious() == [], "answer dialog"


def test_queue_counters_follow_what_staff_and_the_flow_do(services, site, staff_page):
    page = staff_page
    first = queued(services, "C-1")
    queued(services, "C-2")
    queued(services, "C-3", queue="REVIEW")
    stored(services, "C-quiet", "INV-QUIET")  # CLEAN: counts in no queue
    ready(page, site)
    rfi = page.locator("#metrics .metric", has_text="RFI")
    expect(page.locator("#count-RFI")).to_have_text("2")
    expect(page.locator("#count-REVIEW")).to_have_text("1")
    expect(rfi).to_contain_text("RFI 2 open")
    expect(rfi).to_have_attribute("title", re.compile(r"^2 unassigned"))
    page.locator(f'#queue-table tbody tr[data-item="{first.item_id}"]').click()
    page.locator("#action-assign").click()
    expect(rfi).to_have_attribute("title", re.compile(r"^1 unassigned"))  # redrawn after the assignment
    queued(services, "C-4")  # the flow opens another item meanwhile
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("r")  # refresh
    expect(page.locator("#count-RFI")).to_have_text("3")
    expect(rfi).to_contain_text("RFI 3 open")


def test_a_lines_diagnosis_crop_in_the_page_is_box_21_not_the_pointer(services, site, staff_page):
    import base64
    import io

    from PIL import Image

    from claims_intake.api.crops import cms1500_box, cms1500_page, crop_png
    from claims_intake.check.result import CheckResult
    from claims_intake.extract import extract_bytes
    from claims_intake_dev.testdata import scans

    page = staff_page
    sample = scans.sample_claim(seed=12, lines=1)
    scan = scans.make_scan([sample], "clean", "pdf", seed=12)
    claim = extract_bytes(scan, "claim.pdf").claims[0]
    claim.claim_id = "C-dx"
    services.s3.put_object(Bucket=BUCKET, Key="uploads/a/claim.pdf", Body=scan)
    services.store.save_checked_claim(
        CheckResult(claim=claim, plan="kp", disposition=ClaimDisposition.REVIEW), upload_key="uploads/a/claim.pdf"
    )
    services.locate_box, services.template_page = cms1500_box, cms1500_page
    ready(page, f"{site}/#/claims/C-dx")
    row = page.locator("#values-table tr", has_text="line 1").filter(has_text="box 21 ")
    expect(row).to_have_count(1)
    expect(row).not_to_contain_text("24E")
    crop = row.locator(".crop img")
    expect(crop).to_be_visible(timeout=60000)  # the crops follow the claim: the PDF page is rendered server side
    src = crop.get_attribute("src")
    shown = Image.open(io.BytesIO(base64.b64decode(src.removeprefix("data:image/png;base64,"))))
    label = re.search(r"box (21 [A-L]+)", row.inner_text()).group(1)

    form = scans.render_pages(sample)[0]
    box_21 = Image.open(io.BytesIO(crop_png(form, 1, cms1500_box("diagnosis_codes", label))))
    pointer = Image.open(io.BytesIO(crop_png(form, 1, cms1500_box("diagnosis_codes", "24E line 1"))))
    assert shown.width == box_21.width != pointer.width  # the codes' box at the scan's resolution, not 24E
    assert crop.evaluate("img => img.naturalWidth") == shown.width
