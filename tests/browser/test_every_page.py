"""Every page of the five services and the issuer's login page, as each role sees it.

The pages are found by following links from each stage's home (browser_harness.walk), so
new pages are covered as they are linked. On each page, in Debian's Chromium:

- the design system's stylesheet applies: body text, buttons and form fields do not keep
  the browser's own look, measured on a blank page in the same browser;
- no asset (CSS, JS, image, font, fragment) answers 4xx/5xx or fails, and every request
  goes to the page's own origin; no CSP violation, no uncaught script error;
- axe-core finds no serious or critical violation;
- each stop of the keyboard's Tab key shows a visible focus indicator (an outline of at
  least 2 px, or a box shadow);
- signed in, the header names the person and offers « Se déconnecter », error pages too;
- 375 px wide, the page has no horizontal scroll; at 200 % zoom (a 640 px wide viewport:
  a 1280 px window at zoom 200 % lays out in 640 CSS px) neither, and the main content is
  within the viewport.

One test per role, one browser context per role (signed in once). A test lists every
finding of every page before it fails, page by page, so a run shows all that is left.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import pytest_asyncio
from browser_harness import (
    DESKTOP,
    ROLES,
    STAGES,
    Recorder,
    SitePage,
    WalkReport,
    blank_look,
    check_accessible,
    check_design,
    check_focus,
    check_traffic,
    check_widths,
    kernel_pages_once,
    seed_pages,
    visit_every_page,
)
from unefois_deploy.testing import PlatformClock

PUBLIC_PAGES = ("accueil", "accessibilite", "mentions-legales", "donnees-personnelles", "docs")
# Roles for which every page of every stage opens (200): the buyer's organisation.
BUYER_SIDE = ("buyer", "approver")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def fallbacks(platform, tokens, runtime) -> dict[str, str]:
    """A purchase carried to open data, its award from sealed bids (the platform clock moved past
    its deadline, then put back where it would have been), and a submitted need
    (browser_harness.seed_pages)."""
    clock = PlatformClock(runtime.profile)
    began, began_wall = clock.now(), time.monotonic()
    try:
        return await seed_pages({stage: platform.url(stage) for stage in STAGES}, tokens.headers_for, clock.advance)
    finally:
        clock.set(began + timedelta(seconds=time.monotonic() - began_wall))


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def blank_styles(browser) -> dict:
    return await blank_look(browser)


def _for_suppliers(name: str) -> bool:
    """Tendering's supplier pages: /mes-depots..., /mes-complements, /consultations-publiques/{id}/depot."""
    return name.startswith("mes-") or name.endswith("-depot")


def expected_statuses(site_page: SitePage) -> tuple[int, ...]:
    if site_page.name == "404":
        return (404,)
    if site_page.role in BUYER_SIDE and site_page.stage == "tendering" and _for_suppliers(site_page.name):
        return (403,)  # a supplier's own page (its deposits, results, complements): refused to a buyer
    if site_page.name in PUBLIC_PAGES or site_page.stage == "issuer" or site_page.role in BUYER_SIDE:
        return (200,)
    if site_page.linked:  # a link the role is shown leads to a page it can open
        return (200,)
    return (200, 401, 403)  # reached at a fallback value: a refusal page is the right answer


def check_status(site_page: SitePage) -> list[str]:
    expected = expected_statuses(site_page)
    if site_page.status not in expected:
        return [f"status: the page answered {site_page.status}, expected {' or '.join(map(str, expected))}"]
    return []


async def check_session(page, site_page: SitePage) -> list[str]:
    """A signed-in person's header names them and offers to sign out, on every page with the
    layout's header, error pages included."""
    if ROLES[site_page.role] is None or site_page.stage == "issuer":
        return []
    account = page.locator(".unefois-account")
    if not await account.count():
        return []  # not a layout page (/docs)
    if await account.get_by_role("button", name="Se déconnecter").count() != 1:
        shown = " ".join((await account.inner_text()).split())
        return [f"session: signed in as {ROLES[site_page.role]}, the header shows « {shown} » (no « Se déconnecter »)"]
    return []


async def check_page(page, site_page: SitePage, blank: dict) -> list[str]:
    findings = check_status(site_page)
    findings += await check_session(page, site_page)
    findings += await check_design(page, blank)
    # axe first, on the page at rest: after the Tab key, a button would still be fading out
    # of its focus colours (Bootstrap's .15s transitions) and axe would measure that.
    findings += await check_accessible(page)
    findings += await check_focus(page)
    findings += await check_widths(page)
    # Late requests (an htmx fragment the Tab key or a resize asked for) count too.
    findings += check_traffic(site_page.traffic, site_page.url)
    return findings


@dataclass
class RoleWalk:
    role: str
    visited: list[str] = field(default_factory=list)
    findings: dict[str, list[str]] = field(default_factory=dict)  # page label -> findings
    unreached: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def report(self) -> str:
        failing = {label: items for label, items in self.findings.items() if items}
        lines = [f"{self.role}: {len(self.visited)} pages in {self.seconds:.0f}s, {len(failing)} with findings"]
        shown: dict[tuple[str, ...], str] = {}
        for label, items in failing.items():
            lines.append(label)
            same = shown.get(tuple(items))
            if same:  # the kernel's pages repeat on every stage: say it once
                lines.append(f"    the same {len(items)} findings as {same}")
                continue
            shown[tuple(items)] = label
            lines += [f"    {item}" for item in items]
        lines += [f"not visited: {item}" for item in self.unreached]
        return "\n".join(lines)


async def walk_as(role: str, browser, bases: dict[str, str], fallbacks: dict[str, str], blank: dict) -> RoleWalk:
    """Signs in as the role (once), then checks every page it reaches."""
    began = time.monotonic()
    result = RoleWalk(role)
    report = WalkReport()
    context = await browser.new_context(locale="fr-FR", viewport=DESKTOP)
    try:
        page = await context.new_page()
        recorder = Recorder(page)
        async for site_page in visit_every_page(page, recorder, role, bases, fallbacks=fallbacks, report=report,
                                                include=kernel_pages_once(role)):
            result.findings[site_page.label] = await check_page(page, site_page, blank)
            result.visited.append(site_page.label)
        result.unreached = report.unreached
    finally:
        await context.close()
    result.seconds = time.monotonic() - began
    return result


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def walks(browser, platform, fallbacks, blank_styles) -> dict[str, RoleWalk | BaseException]:
    """Every role's walk, run side by side (each in its own context): the browser's
    processes keep both cores busy while one page waits for the services."""
    bases = {stage: platform.url(stage) for stage in STAGES}
    side_by_side = asyncio.Semaphore(int(os.environ.get("UNEFOIS_BROWSER_WALKERS", "2")))

    async def one(role: str) -> RoleWalk:
        async with side_by_side:
            return await walk_as(role, browser, bases, fallbacks, blank_styles)

    results = await asyncio.gather(*(one(role) for role in ROLES), return_exceptions=True)
    return dict(zip(ROLES, results))


@pytest.mark.parametrize("role", list(ROLES))
async def test_every_page_as(role, walks):
    result = walks[role]
    if isinstance(result, BaseException):
        raise result
    print(f"{result.role}: {len(result.visited)} pages in {result.seconds:.0f}s")
    print("\n".join(f"  {label}" for label in result.visited))
    if any(result.findings.values()) or result.unreached:
        pytest.fail(result.report(), pytrace=False)
