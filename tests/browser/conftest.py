"""Browser fixtures: one headless Debian Chromium for the session, a fresh context per test.

    async def test_something(platform, page):
        await visit(page, f"{platform.url('sourcing')}/")

`page` records what went wrong in the test's pages: `page_errors` lists the Content Security
Policy violations, uncaught script errors, assets (CSS, JS, images, fonts) that answered
4xx/5xx or failed, and resources asked from another origin (the tests assert it empty).
The helpers (assert_accessible, visit, walk, the page checks) are in browser_harness.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from browser_harness import AXE, CHROMIUM, DESKTOP, launch_options, origin_of
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

ASSET_TYPES = ("stylesheet", "script", "image", "font", "media", "manifest", "other")


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
    context = await browser.new_context(locale="fr-FR", viewport=DESKTOP)
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

    def is_document(request) -> bool:
        return request.is_navigation_request() and request.frame == page.main_frame

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            page_errors.append(f"{page.url}: {message.text}")

    def on_request(request) -> None:
        # Every resource comes from the page's own origin (the document's redirects to the
        # issuer and back are navigations, not resources).
        frame_origin = origin_of(request.frame.url)
        if is_document(request) or not frame_origin.startswith("http") or request.url.startswith(("data:", "blob:")):
            return
        if origin_of(request.url) != frame_origin:
            page_errors.append(f"{request.frame.url}: {request.resource_type} from another origin: {request.url}")

    def on_response(response) -> None:
        # A missing or failing asset is a failure. The document may be an expected error
        # page, and htmx fragments answer 4xx on purpose (the test of that flow checks them).
        request = response.request
        if response.status >= 400 and not is_document(request) and request.resource_type in ASSET_TYPES:
            page_errors.append(f"{page.url}: {request.resource_type} {response.url} answered {response.status}")

    def on_failed(request) -> None:
        # net::ERR_ABORTED: the page went elsewhere before the request ended (not a fault).
        if not is_document(request) and request.resource_type in ASSET_TYPES and "ERR_ABORTED" not in (request.failure or ""):
            page_errors.append(f"{page.url}: {request.resource_type} {request.url} failed: {request.failure}")

    page.on("console", on_console)
    page.on("request", on_request)
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    page.on("pageerror", lambda error: page_errors.append(f"{page.url}: uncaught {error}"))
    return page
