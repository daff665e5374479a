"""Browser fixtures: one headless Debian Chromium for the session, a fresh context per test.

    async def test_something(platform, page):
        await visit(page, f"{platform.url('sourcing')}/")

`page` records what the browser's console reports: `page_errors` lists the Content Security
Policy violations and uncaught script errors of the test's pages (the tests assert it empty).
The helpers (assert_accessible, visit) are in browser_harness.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from browser_harness import AXE, CHROMIUM, launch_options
from playwright.async_api import Browser, BrowserContext, Page, async_playwright


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make bootstrap` (apt-get install chromium)")
    if not AXE.is_file():
        pytest.fail(f"axe-core not found at {AXE}: run `make bootstrap` (npm ci)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options())
        try:
            yield browser
        finally:
            await browser.close()


@pytest_asyncio.fixture(loop_scope="session")
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh context (no cookies) in French, desktop-sized."""
    context = await browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    try:
        yield context
    finally:
        await context.close()


@pytest.fixture
def page_errors() -> list[str]:
    return []


@pytest_asyncio.fixture(loop_scope="session")
async def page(context: BrowserContext, page_errors: list[str]) -> Page:
    page = await context.new_page()

    def on_console(message) -> None:
        # A missing asset (404) is not reported here: without an accepted DSFR licence the
        # DSFR files are absent on purpose (see README, 'Web interface').
        if "Content Security Policy" in message.text:
            page_errors.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: page_errors.append(f"{page.url}: uncaught {error}"))
    return page
