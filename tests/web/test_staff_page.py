"""A staff member works the queue in the browser: open an item, correct a value, resolve it."""

from __future__ import annotations

import json
import os

from playwright.sync_api import expect

from tests.api.conftest import BUCKET, scan_png
from tests.api.queue_factories import NPI_B, queued

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def shoot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_open_correct_and_answer_an_rfi_item(services, waiting_flow, site, page):
    execution, token = waiting_flow.start("C-1")
    item = queued(services, "C-1", token=token, due_days=1)
    queued(services, "C-2", npi=NPI_B, plan="kp", due_days=9)
    queued(services, "C-3", queue="REVIEW", due_days=3)
    services.s3.put_object(Bucket=BUCKET, Key="uploads/a/scan.png", Body=scan_png())

    page.goto(site)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    rows = page.locator("#queue-table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#count-REVIEW")).to_have_text("1")
    expect(page.locator("#metrics")).to_contain_text("RFI 2 open")

    rows.filter(has_text="INV-C-1").click()
    expect(page.locator("#claim-title")).to_have_text("Invoice INV-C-1")
    expect(page.locator("#claim-disposition")).to_have_text("RFI")
    expect(page.locator("#findings")).to_contain_text("send the CIN from the member's card")
    cin_row = page.locator("#values-table tbody tr", has_text="Member CIN")
    expect(cin_row.locator("img")).to_be_visible()
    expect(cin_row).to_contain_text("58%")
    shoot(page, "1-open-item")

    cin = page.locator('input[data-element="member_cin"]')
    cin.fill("91234567A")
    cin.press("Enter")
    expect(page.locator("#message")).to_contain_text("Member CIN corrected")
    expect(page.locator("#audit")).to_contain_text('"9123456A" → "91234567A"')
    assert services.store.get_claim("C-1").claim.member_cin == "91234567A"

    page.locator("#action-assign").click()
    expect(page.locator("#item-actions")).to_contain_text("assigned to dev-staff")

    page.locator("#action-answer").click()
    page.locator("#answer-note").fill("Provider sent a copy of the member's card.")
    shoot(page, "2-answer-dialog")
    page.locator("#dialog-ok").click()
    expect(page.locator("#message")).to_contain_text("checked again")
    expect(rows).to_have_count(1)  # the answered item left the open RFI queue
    expect(page.locator(f'#queue-table tbody tr[data-item="{item.item_id}"]')).to_have_count(0)
    shoot(page, "3-answered")

    output = json.loads(waiting_flow.finished(execution)["output"])
    assert output["action"] == "answered" and output["actor"] == "dev-staff"
    assert output["note"] == "Provider sent a copy of the member's card."
    stored = services.store.get_claim("C-1")
    assert stored.queue_items[0].status == "ANSWERED" and stored.queue_items[0].assigned_to == "dev-staff"


def test_a_provider_token_shows_only_that_providers_claims(services, site, page):
    queued(services, "C-1")
    queued(services, "C-2", npi=NPI_B)
    page.add_init_script("window.__devToken = 'x'")
    page.route(
        "**/config.json",
        lambda route: route.fulfill(json={"apiRoot": "", "auth": "dev", "devToken": f"dev-provider-{NPI_B}"}),
    )
    page.goto(site)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#whoami")).to_have_text(f"provider {NPI_B}")
    rows = page.locator("#queue-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("INV-C-2")
    rows.first.click()
    expect(page.locator("#claim-title")).to_have_text("Invoice INV-C-2")
    expect(page.locator("#action-answer")).to_have_count(0)  # providers cannot work the queue


def test_a_review_left_to_staff_is_reopened_from_the_page(services, waiting_flow, site, page):
    """REVIEW_OVERDUE: the flow stopped after its reopenings; staff find it among EXPIRED review items."""
    services.state_machine_arn = waiting_flow.machine
    item = queued(services, "C-9", queue="REVIEW", due_days=1)
    services.store.close_queue_item("C-9", item.item_id, "flow", {}, status="EXPIRED", note="review window ran out")
    services.store.set_status("C-9", "REVIEW_OVERDUE", "flow", note="review window ran out 4 times")

    page.goto(site)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.locator('.tab[data-queue="REVIEW"]').click()
    page.locator('#filters select[name="status"]').select_option("EXPIRED")
    page.locator('#filters button[type="submit"]').click()
    page.locator("#queue-table tbody tr", has_text="INV-C-9").click()
    expect(page.locator("#item-actions")).to_contain_text("its flow stopped")
    page.locator("#action-reopen").click()
    page.locator("#reopen-note").fill("Provider called back")
    page.locator("#dialog-ok").click()
    expect(page.locator("#message")).to_contain_text("Reopened")
    expect(page.locator("#action-reopen")).to_have_count(0)  # the claim left REVIEW_OVERDUE
    runs = services.sfn.list_executions(stateMachineArn=waiting_flow.machine)["executions"]
    assert [run["name"] for run in runs] == ["claim-C-9-reopen-1"]
    assert [e.note for e in services.store.get_claim("C-9").audit if e.action == "review_reopened"] == [
        "Provider called back"
    ]
