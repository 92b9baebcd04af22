"""The staff page in headless Chromium (Debian's package, driven by Playwright), served with the API
on 127.0.0.1 by claims_intake_dev.web_server, AWS answered by moto in the same process."""

from __future__ import annotations

import os

import pytest

from claims_intake_dev.web_server import serve_in_thread
from tests.api.conftest import aws, clock, services, waiting_flow  # noqa: F401  (the API's moto fixtures)

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def site(services):
    server, url = serve_in_thread(services)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1500, "height": 950})
        tab = context.new_page()
        tab.set_default_timeout(15000)
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        yield tab
        browser.close()
        assert not errors, f"JavaScript errors on the page: {errors}"
