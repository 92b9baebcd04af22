"""The provider portal page in Chromium against the API on moto: a provider signs in with its NPI, lists only
its own claims, opens one from the keyboard and reads it in plain words with its open request for
information; another provider's deep link is 404; axe-core finds no serious accessibility violation."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from claims_intake.check.result import ClaimDisposition
from tests.api.queue_factories import NPI_A, NPI_B, queued, rfi_claim
from tests.web.conftest import aws, clock, page, services, site  # noqa: F401  (moto, the page, Chromium)


def sign_in(page, site: str, npi: str) -> None:
    page.goto(f"{site}/portal.html")
    page.locator("#sign-in-npi").fill(npi)
    page.locator("#sign-in-button").click()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page).response
    return [
        f"{v['id']}: {v['help']} {[node['target'] for node in v['nodes']]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_a_provider_follows_its_own_claims_in_plain_words(services, site, page):
    queued(services, "A-1")
    services.store.record_letter("A-1", "rfi", "letters/A-1/rfi.pdf", "flow")
    services.store.save_checked_claim(rfi_claim("A-2", disposition=ClaimDisposition.CLEAN), upload_key=None)
    services.store.save_checked_claim(rfi_claim("B-1", npi=NPI_B), upload_key=None)
    sign_in(page, site, NPI_A)
    expect(page.locator("#whoami")).to_have_text(f"provider {NPI_A}")
    rows = page.locator("#claims-table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#claims-table")).not_to_contain_text("INV-B-1")
    waiting = rows.filter(has_text="INV-A-1")
    expect(waiting.locator(".waiting-on")).to_contain_text("you, by")
    expect(waiting.locator("a.letter")).to_have_attribute("href", re.compile("letters/A-1/rfi.pdf"))
    expect(rows.filter(has_text="INV-A-2")).to_contain_text("accepted")
    assert serious_violations(page) == [], "claims"

    waiting.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#claim-title")).to_have_text("Invoice INV-A-1")
    expect(page.locator("#claim-decision")).to_have_text("Waiting for information from you.")
    expect(page.locator("#rfi-asked")).to_contain_text("The member's CIN must be 8 digits")
    expect(page.locator('#rfi-corrections input[data-element="member_cin"]')).to_be_visible()
    expect(page.locator("#lines-table tbody tr")).to_have_count(1)
    assert serious_violations(page) == [], "claim"

    page.locator("#back").click()
    page.locator("#claims-disposition").select_option("CLEAN")
    page.locator("#claims-filter button[type=submit]").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("INV-A-2")


def test_another_providers_claim_is_not_found_on_the_page(services, site, page):
    queued(services, "A-1")
    sign_in(page, site, NPI_B)
    expect(page.locator("#claims-empty")).to_be_visible()
    page.goto(f"{site}/portal.html#/claims/A-1")
    expect(page.locator("#message")).to_contain_text("404: no claim A-1")
    expect(page.locator("#claim-title")).to_have_text("")
