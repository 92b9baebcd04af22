"""A REVIEW item on the staff page lists the values the intake doubts, why, and what they would become."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.api.test_review_doubts import open_review


def test_review_item_lists_its_doubtful_values(services, site, page):
    open_review(services, "C-R9")
    page.goto(site)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.locator('.tab[data-queue="REVIEW"]').click()
    page.locator("#queue-table tbody tr", has_text="C-R9").click()
    doubts = page.locator("#review-doubts li")
    expect(doubts).to_have_count(1)
    expect(doubts).to_contain_text("Invoice Amount")
    expect(doubts).to_contain_text("low OCR confidence")
    expect(doubts).to_contain_text("if confirmed as read: reject (invoice_amount_is_sum_of_lines")
