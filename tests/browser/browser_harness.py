"""Browser test helpers: Debian's Chromium driven by Playwright, axe-core on every page.

Nothing here downloads a browser (`playwright install` is never run): Chromium comes from
Debian (`apt-get install chromium`, done by deploy/bootstrap.sh) and axe-core from npm
(node_modules/axe-core, from package-lock.json).

    page = await context.new_page()
    await visit(page, f"{platform.url('sourcing')}/")   # goes there, checks the answer and axe
    await assert_accessible(page)                          # axe-core alone, on the current page

Every page of the platform, as a role sees it (test_every_page.py, screenshots.py):

    recorder = Recorder(page)                               # what each page load asks the network
    async for site_page in visit_every_page(page, recorder, "buyer", bases, fallbacks=...):
        findings = check_traffic(site_page.traffic, site_page.url) + await check_focus(page)

The page checks (check_design, check_accessible, check_focus, check_widths, check_traffic)
return findings, sentences naming the element, rather than raising: a test can look at every
page before it fails and list all that is left to fix.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import pkgutil
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from playwright.async_api import Page, Response
from unefois_kernel.stages import STAGE_NAMES
from unefois_kernel.stages import stage as stage_named

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("UNEFOIS_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(os.environ.get("UNEFOIS_ASSETS_DIR", REPO / "node_modules")) / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")

# STACK.md §7: without the background-networking flags Chromium keeps trying to reach the
# outside (and is refused); --no-sandbox because the tests run as root here and in CI.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--no-pings",
]
if hasattr(os, "geteuid") and os.geteuid() == 0:
    CHROMIUM_ARGS.insert(0, "--no-sandbox")


def launch_options() -> dict:
    """For `playwright.chromium.launch(**launch_options())`. Each launch gets a fresh
    temporary profile (Playwright's own user-data dir), removed when the browser closes."""
    return {"executable_path": str(CHROMIUM), "headless": True, "args": CHROMIUM_ARGS, "chromium_sandbox": False}


@cache
def axe_source() -> str:
    if not AXE.is_file():
        raise FileNotFoundError(f"axe-core not found at {AXE}: run `make bootstrap` (npm ci installs it)")
    return AXE.read_text(encoding="utf-8")


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"][:10]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}: {node.get('failureSummary', '').splitlines()[-1].strip() if node.get('failureSummary') else ''}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    ... and {len(violation['nodes']) - 10} more elements")
    return "\n".join(lines)


async def axe_violations(page: Page) -> list[dict]:
    """axe-core's violations on the page as it is now (every rule axe runs by default)."""
    # page.evaluate runs through the DevTools protocol, so the page's CSP (script-src 'self')
    # does not stop it, while an injected <script> tag would be refused. preload: false, because
    # axe's CSSOM preload injects <style> elements that the CSP refuses too (only the
    # css-orientation-lock rule needs it; it then ends "incomplete", never a violation).
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(axe_source())
    result = await page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"], preload: false});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary})),
            }));
        }"""
    )
    return result


async def assert_accessible(page: Page, *, impacts: tuple[str, ...] = BLOCKING_IMPACTS) -> list[dict]:
    """Fails on any axe-core violation of these impacts (serious or critical), naming each rule,
    its targets and the help; returns the violations of lesser impact, for information."""
    violations = await axe_violations(page)
    blocking = [v for v in violations if v["impact"] in impacts]
    if blocking:
        raise AssertionError(
            f"{len(blocking)} accessibility violation(s) on {page.url}:\n{describe_violations(blocking)}"
        )
    return [v for v in violations if v["impact"] not in impacts]


async def visit(page: Page, url: str, *, status: int = 200) -> Response:
    """Open `url`, check the HTTP status of the document, then run assert_accessible."""
    response = await page.goto(url, wait_until="load")
    assert response is not None, f"no response for {url}"
    assert response.status == status, f"{url} answered {response.status}, expected {status}"
    await assert_accessible(page)
    return response


# ---------------------------------------------------------------- every page of the platform
#
# The pages are found the way a person finds them: from each stage's home, following the
# same-origin links of every page visited. The stage's routes (its web router, plus the
# kernel's footer pages and /docs) name the pages and say which ones no link reached; a
# route with a path parameter ({need_id}, {siret}) is visited once, at the first link that
# matches it, or at a fallback value the caller provides (a need it created, a SIRET).

STAGES = STAGE_NAMES  # the kernel's stage registry, in pipeline order
# Who looks at the pages: role -> login of a seeded user of the development issuer
# (deploy/dev_issuer/unefois_dev_issuer/users.json); None is the anonymous visitor.
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "buyer": "acheteur@region-demo.fr",
    "approver": "valideur@region-demo.fr",
    "supplier": "contact@tp-rhodaniens.fr",
    "operator": "exploitation@unefois.fr",
}
NOT_FOUND_PATH = "/cette-page-n-existe-pas"
# The kernel's own pages, on every stage (web/pages.py, web/docs.py, the 404 error page).
KERNEL_PAGES = ("accessibilite", "mentions-legales", "donnees-personnelles", "docs", "404")
# Same-origin links that are not pages to look at: sign-in/out round trips, the JSON API and
# its documents, static files.
NOT_PAGES = ("/auth/", "/api/", "/static/", "/openapi.json", "/asyncapi.json")


def dev_password() -> str:
    return os.environ.get("UNEFOIS_DEV_PASSWORD") or "unefois-dev"


@dataclass(frozen=True)
class Route:
    """A GET page route: its path template ("/besoins/{need_id}") and a short name for
    reports and file names ("besoins-need_id"; the home page is "accueil")."""

    path: str
    regex: re.Pattern
    params: tuple[str, ...]

    @property
    def name(self) -> str:
        slug = self.path.strip("/").replace("/", "-").replace("{", "").replace("}", "")
        return slug or "accueil"

    def format(self, values: dict[str, str]) -> str | None:
        if not all(param in values for param in self.params):
            return None
        return self.path.format(**{param: values[param] for param in self.params})


def _get_routes(stage: str):
    """The GET routes of the stage's page routers (every `web` module of the package:
    unefois_<stage>.web and the areas' <area>/web.py), the kernel's footer pages and /docs."""
    from fastapi.routing import APIRoute
    from unefois_kernel.web import docs, pages

    package = importlib.import_module(stage_named(stage).package)
    page_routers = [importlib.import_module(module.name).router
                    for module in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
                    if module.name.rsplit(".", 1)[-1] == "web"]
    for route in [*(r for router in page_routers for r in router.routes), *pages.router.routes, *docs.router.routes]:
        if isinstance(route, APIRoute) and "GET" in route.methods:
            yield route


def _answers_html(route) -> bool:
    from fastapi.responses import HTMLResponse
    from unefois_kernel.web import docs

    # A route without response_class (a file download, say) has FastAPI's DefaultPlaceholder.
    response_class = getattr(route.response_class, "value", route.response_class)
    return route.path == docs.DOCS_PATH or (isinstance(response_class, type) and issubclass(response_class, HTMLResponse))


def stage_routes(stage: str) -> list[Route]:
    """The stage's page routes: its GET routes answering HTML, except htmx fragments (their
    summary says "fragment"). Routes without parameters first, so /besoins/nouveau wins over
    /besoins/{need_id}."""
    routes = [Route(route.path, route.path_regex, tuple(route.param_convertors)) for route in _get_routes(stage)
              if _answers_html(route) and "fragment" not in (route.summary or "").lower()]
    unique = {route.path: route for route in routes}
    return sorted(unique.values(), key=lambda route: (len(route.params), route.path))


def file_routes(stage: str) -> list[Route]:
    """The stage's GET routes of its page routers that answer a file (a DCE document, a ZIP, a
    receipt): a link to one is a download, not a page to walk."""
    return [Route(route.path, route.path_regex, tuple(route.param_convertors)) for route in _get_routes(stage)
            if not _answers_html(route)]


def match_route(routes: list[Route], path: str) -> Route | None:
    return next((route for route in routes if route.regex.match(path)), None)


def page_path(href: str, base: str) -> str | None:
    """The same-origin page path a link leads to (no query, no fragment), or None."""
    url = urljoin(base + "/", href)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != base:
        return None
    path = parts.path or "/"
    if any(path.startswith(prefix) or path == prefix.rstrip("/") for prefix in NOT_PAGES):
        return None
    return path


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Traffic:
    """What one page load asked the network for and got back (page.on listeners)."""

    requests: list = field(default_factory=list)  # every Request but the main document's
    failed: list[str] = field(default_factory=list)  # assets answering 4xx/5xx, or not at all
    console: list[str] = field(default_factory=list)  # CSP violations, uncaught script errors
    recording: bool = False
    # Requests count from the new document's commit on: before it, a late request is the
    # previous page's (Chromium asks for a page's icon after its load event).
    committed: bool = False
    pending: set = field(default_factory=set)  # requests not answered yet

    @property
    def listening(self) -> bool:
        return self.recording and self.committed


class Recorder:
    """Listens to a page for its whole life; `start()` before each navigation begins a fresh
    Traffic, `stop()` ends it (what happens after, e.g. a request aborted by the next
    navigation, belongs to no page)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.traffic = Traffic()
        page.on("request", self._on_request)
        page.on("response", self._on_response)
        page.on("requestfinished", self._on_finished)
        page.on("requestfailed", self._on_failed)
        page.on("framenavigated", self._on_navigated)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self._note_console(f"uncaught {error}"))

    def start(self) -> Traffic:
        self.traffic = Traffic(recording=True)
        return self.traffic

    def stop(self) -> Traffic:
        self.traffic.recording = False
        return self.traffic

    async def settle(self, *, timeout_s: float = 5.0) -> None:
        """Until every request of the page is answered (an htmx fragment asked on load,
        Swagger UI's OpenAPI document), then one more frame, so the page is drawn."""
        deadline = time.monotonic() + timeout_s
        while self.traffic.pending and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await self.page.evaluate("() => new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve, 0)))")

    def _is_document(self, request) -> bool:
        return request.is_navigation_request() and request.frame == self.page.main_frame

    def _on_navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.traffic.committed = True

    def _on_request(self, request) -> None:
        if self.traffic.listening and not self._is_document(request):
            self.traffic.requests.append(request)
            self.traffic.pending.add(request)

    def _on_response(self, response) -> None:
        if self.traffic.listening and response.status >= 400 and not self._is_document(response.request):
            self.traffic.failed.append(f"{response.status} {response.request.resource_type} {response.url}")

    def _on_finished(self, request) -> None:
        self.traffic.pending.discard(request)

    def _on_failed(self, request) -> None:
        self.traffic.pending.discard(request)
        if self.traffic.listening and not self._is_document(request):
            self.traffic.failed.append(f"failed ({request.failure}) {request.resource_type} {request.url}")

    def _on_console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self._note_console(message.text)

    def _note_console(self, text: str) -> None:
        if self.traffic.recording:
            self.traffic.console.append(text)


@dataclass
class SitePage:
    """A page reached by `walk`, loaded in the walking page (the caller looks at it, then
    the walk goes on)."""

    role: str
    stage: str  # a stage, or "issuer" for the development issuer's login page
    name: str  # the route's name ("besoins-need_id"), "404", or the path of an unknown page
    url: str
    status: int | None
    traffic: Traffic
    linked: bool  # reached through a link (else: a fallback value or the 404 probe)

    @property
    def label(self) -> str:
        return f"{self.role} {self.stage} {self.name} ({self.url}, HTTP {self.status})"


@dataclass
class WalkReport:
    unreached: list[str] = field(default_factory=list)  # routes neither a link nor a fallback reached


async def goto(page: Page, recorder: Recorder, url: str) -> tuple[int | None, Traffic]:
    """Open `url` (after `load`, until its requests are answered), recording its traffic."""
    traffic = recorder.start()
    response = await page.goto(url, wait_until="load")
    await recorder.settle()
    return (response.status if response is not None else None), traffic


async def page_links(page: Page) -> list[str]:
    return await page.eval_on_selector_all("a[href]", "links => links.map(link => link.getAttribute('href'))")


async def walk(page: Page, recorder: Recorder, role: str, bases: dict[str, str], *,
               fallbacks: dict[str, str] | None = None, report: WalkReport | None = None,
               include: Callable[[str, str], bool] | None = None,
               max_pages_per_stage: int = 30) -> AsyncIterator[SitePage]:
    """Every page of every stage (`bases`: stage -> its URL) that the role can reach, one
    per route: `async for site_page in walk(...)`, the page loaded in `page` when yielded.
    Each stage: its home, the pages its links lead to (breadth first), the routes no link
    reached (at the `fallbacks` values of their parameters), then a page that does not exist
    ("404"). `include(stage, name)` false leaves a page out (not loaded, its links not followed)."""
    fallbacks = fallbacks or {}
    include = include or (lambda stage, name: True)
    report = report if report is not None else WalkReport()
    for stage, base in bases.items():
        routes = stage_routes(stage)
        files = file_routes(stage)
        queue: list[tuple[str, bool]] = [("/", True)]
        seen: set[str] = set()
        visited = 0

        async def load(path: str, name: str, linked: bool) -> SitePage:
            status, traffic = await goto(page, recorder, base + path)
            for href in await page_links(page):
                target = page_path(href, base)
                if target is not None:
                    queue.append((target, True))
            return SitePage(role, stage, name, page.url, status, traffic, linked)

        while True:
            while queue and visited < max_pages_per_stage:
                path, linked = queue.pop(0)
                route = match_route(routes, path)
                if route is None and match_route(files, path):
                    continue  # a download link
                key = route.path if route else path
                if key in seen:
                    continue
                seen.add(key)
                name = route.name if route else path.strip("/").replace("/", "-")
                if not include(stage, name):
                    continue
                visited += 1
                site_page = await load(path, name, linked)
                yield site_page
                recorder.stop()
            missing = [route for route in routes if route.path not in seen]
            if not missing or visited >= max_pages_per_stage:
                break
            for route in missing:
                path = route.format(fallbacks)
                if path is None:
                    seen.add(route.path)
                    report.unreached.append(f"{role} {stage} {route.path}: no link to it, no fallback value")
                else:
                    queue.append((path, False))
        if include(stage, "404"):
            site_page = await load(NOT_FOUND_PATH, "404", False)
            queue.clear()
            yield site_page
            recorder.stop()


async def open_login_page(page: Page, base: str, *, recorder: Recorder | None = None) -> int | None:
    """From the service's home, through its "Se connecter" link, to the issuer's login form
    (the recorder, if any, records from the click on). Returns the form's HTTP status."""
    await page.goto(f"{base}/", wait_until="load")
    if recorder is not None:
        recorder.start()
    async with page.expect_navigation(url=re.compile(r"/authorize\?")) as navigation:
        await page.get_by_role("link", name="Se connecter").first.click()
    response = await navigation.value
    await page.get_by_label("Adresse électronique").wait_for()
    return response.status if response is not None else None


async def sign_in(page: Page, base: str, login: str) -> None:
    """Through the service's /auth/login and the development issuer's French login form; back
    on the service's home, signed in (the session is then valid at every stage)."""
    await open_login_page(page, base)
    await page.get_by_label("Adresse électronique").fill(login)
    await page.get_by_label("Mot de passe").fill(dev_password())
    async with page.expect_navigation(url=re.compile(re.escape(base.rstrip("/")) + r"/?$")):
        await page.get_by_role("button", name="Se connecter").click()


def kernel_pages_once(role: str) -> Callable[[str, str], bool] | None:
    """A `walk` filter that keeps the run short. The kernel's own pages (footer pages, /docs,
    the 404 page) are the same on every stage but for the header: the anonymous visitor sees
    them on every stage; each signed-in role on one stage (a different one each, so every
    stage has them signed in too), and /docs, which shows nobody's name, not at all."""
    if ROLES[role] is None:
        return None
    own_stage = STAGES[list(ROLES).index(role) % len(STAGES)]

    def include(stage: str, name: str) -> bool:
        if name == "docs":
            return False
        return name not in KERNEL_PAGES or stage == own_stage

    return include


async def visit_every_page(page: Page, recorder: Recorder, role: str, bases: dict[str, str], *,
                           fallbacks: dict[str, str] | None = None, report: WalkReport | None = None,
                           include: Callable[[str, str], bool] | None = None) -> AsyncIterator[SitePage]:
    """`walk` as the role: signed in first through the issuer's form (once: the session serves
    every stage); the anonymous visitor's first page is that form, the issuer's login page."""
    login = ROLES[role]
    if login is None:
        status = await open_login_page(page, bases["sourcing"], recorder=recorder)
        await recorder.settle()
        yield SitePage(role, "issuer", "connexion", page.url.split("?")[0], status, recorder.traffic, True)
        recorder.stop()
    else:
        await sign_in(page, bases["sourcing"], login)
    async for site_page in walk(page, recorder, role, bases, fallbacks=fallbacks, report=report, include=include):
        yield site_page


async def seed_pages(urls: dict[str, str], headers_for: Callable[[str], Awaitable[dict[str, str]]],
                     advance: Callable[[timedelta], datetime]) -> dict[str, str]:
    """Data for the pages to show, through the services' APIs: one purchase of the Région
    carried to open data (a consultation, a contract, a commitment, its buyer page), then a
    submitted need (the newest, so the need page linked first is one the approver acts on).
    `headers_for(login)` gives a user's Authorization header. Returns `walk` fallbacks: the
    values of the routes' parameters ({need_id}, {siret}, {consultation_id}, {deposit_id}, {lot}) for the
    roles no link leads there. The purchase is awarded from two sealed bids: `advance` moves the
    platform clock past its deadline (the caller puts it back)."""
    import httpx
    from unefois_deploy.demo import (
        REGION,
        SUPPLIER_LOGINS,
        SUPPLIERS,
        Bidder,
        actors_for,
        need_facts,
        run_purchase,
        wait_for,
    )

    suffix = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(timeout=30) as client:
        actors = await actors_for(headers_for, REGION["siret"], SUPPLIERS[0]["siret"])
        facts = need_facts(object_=f"Réfection de la cour du lycée {suffix}", cpv="45233140", value="120000.00",
                           commune="69123")
        rival = SUPPLIERS[1]
        ids = await run_purchase(client, urls, facts, SUPPLIERS[0], "118500.00", actors, advance=advance, rivals=[
            Bidder(rival, await headers_for(SUPPLIER_LOGINS[rival["siret"]]), "121900.00")])

        async def published() -> bool:
            response = await client.get(f"{urls['opendata']}/api/decp/{ids.contract_id}")
            return response.status_code == 200

        await wait_for(published)
        facts = need_facts(object_=f"Entretien des toitures des collèges {suffix}", cpv="45261210",
                           value="60000.00", commune="69123")
        response = await client.post(f"{urls['sourcing']}/api/needs", json={"facts": facts}, headers=actors.buyer)
        response.raise_for_status()
        need_id = response.json()["id"]
        response = await client.post(f"{urls['sourcing']}/api/needs/{need_id}/submit", headers=actors.buyer)
        response.raise_for_status()
    # The consultation was awarded from its bids: the winner's deposit, the lot (0: not allotted).
    return {"need_id": need_id, "siret": REGION["siret"], "consultation_id": ids.consultation_id,
            "deposit_id": ids.deposit_ids[0], "lot": "0"}


# ---------------------------------------------------------------- checks of one page
#
# Each returns its findings as sentences naming the element (empty: nothing to say), so a
# test can look at every page before it fails and list all that is wrong.

DESKTOP = {"width": 1280, "height": 900}
MOBILE_WIDTH = 375
ZOOM_200_WIDTH = 640  # 1280 px at 200 %
MAX_TAB_STOPS = 40

# The browser's own look: a page with no stylesheet at all.
BLANK_PAGE = """<!doctype html><html lang="fr"><head><title>Témoin</title></head><body>
<p>Témoin</p><button type="button">Bouton</button>
<input type="text" aria-label="Texte"><input type="checkbox" aria-label="Case"><input type="radio" aria-label="Option">
<select aria-label="Liste"><option>Un</option></select><textarea aria-label="Zone"></textarea>
</body></html>"""

# Computed styles of the body, of every visible button and form field: field kind -> styles.
STYLES_JS = """() => {
  const visible = element => {
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(element).visibility !== "hidden";
  };
  const describe = element => {
    let text = element.tagName.toLowerCase();
    if (element.id) text += "#" + element.id;
    if (element.classList.length) text += "." + [...element.classList].slice(0, 3).join(".");
    const label = (element.getAttribute("aria-label") || element.textContent || element.name || "").trim().replace(/\\s+/g, " ");
    return label ? `${text} "${label.slice(0, 40)}"` : text;
  };
  const kind = element => {
    const tag = element.tagName.toLowerCase();
    if (tag === "button" || element.classList.contains("btn")) return "button";
    if (tag === "select" || tag === "textarea") return tag;
    const type = (element.getAttribute("type") || "text").toLowerCase();
    if (["submit", "button", "reset"].includes(type)) return "button";
    if (type === "checkbox" || type === "radio") return type;
    if (["hidden", "file", "range", "color", "image"].includes(type)) return null;
    return "text";
  };
  const fields = [];
  for (const element of document.querySelectorAll("button, .btn, input, select, textarea")) {
    const which = kind(element);
    if (!which || !visible(element)) continue;
    const style = getComputedStyle(element);
    fields.push({kind: which, element: describe(element), background: style.backgroundColor,
                 padding: style.padding, border: style.borderTopWidth + " " + style.borderTopStyle + " " + style.borderTopColor,
                 radius: style.borderTopLeftRadius, appearance: style.appearance});
  }
  return {font: getComputedStyle(document.body).fontFamily, fields};
}"""

# Records, on each focus move, the focused element and its focus indicator.
FOCUS_LOG_JS = """() => {
  window.__focusLog = [];
  const seen = new WeakSet();
  document.addEventListener("focusin", event => {
    const element = event.target;
    if (!(element instanceof Element) || element === document.body) return;
    const again = seen.has(element);
    seen.add(element);
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    let text = element.tagName.toLowerCase();
    if (element.id) text += "#" + element.id;
    if (element.classList.length) text += "." + [...element.classList].slice(0, 3).join(".");
    const label = (element.getAttribute("aria-label") || element.textContent || element.getAttribute("href") || "").trim().replace(/\\s+/g, " ");
    if (label) text += ` "${label.slice(0, 40)}"`;
    window.__focusLog.push({element: text, again, outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
                            outlineColor: style.outlineColor, boxShadow: style.boxShadow, width: box.width, height: box.height});
  }, true);
  document.activeElement?.blur();
  window.scrollTo(0, 0);
}"""

# Horizontal overflow at the current width: the scroll width, the main content's box, and the
# innermost elements that stick out on the right (what to fix).
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const sticksOut = element => element.getBoundingClientRect().right > width + 1;
  const offenders = [];
  for (const element of document.body.querySelectorAll("*")) {
    if (!sticksOut(element) || [...element.children].some(sticksOut)) continue;
    let text = element.tagName.toLowerCase();
    if (element.id) text += "#" + element.id;
    if (element.classList.length) text += "." + [...element.classList].slice(0, 3).join(".");
    offenders.push(`${text} (right edge ${Math.round(element.getBoundingClientRect().right)} px)`);
    if (offenders.length >= 5) break;
  }
  const main = document.querySelector("main");
  const box = main ? main.getBoundingClientRect() : null;
  return {scrollWidth: document.scrollingElement.scrollWidth, width, offenders,
          main: box ? {left: box.left, right: box.right} : null};
}"""

TRANSPARENT = ("rgba(0, 0, 0, 0)", "transparent")


async def blank_look(browser) -> dict:
    """The browser's default look, measured on a page with no stylesheet: body font, and the
    styles of each kind of field (button, text, checkbox, radio, select, textarea)."""
    context = await browser.new_context(locale="fr-FR", viewport=DESKTOP)
    try:
        page = await context.new_page()
        await page.set_content(BLANK_PAGE)
        styles = await page.evaluate(STYLES_JS)
    finally:
        await context.close()
    return {"font": styles["font"], **{field["kind"]: field for field in styles["fields"]}}


def check_traffic(traffic: Traffic, page_url: str) -> list[str]:
    findings = [f"request failed: {failure}" for failure in traffic.failed]
    origin = origin_of(page_url)
    for request in traffic.requests:
        if request.url.startswith(("data:", "blob:", "about:")):
            continue
        if origin_of(request.url) != origin:
            findings.append(f"other origin: {request.resource_type} {request.url}")
    findings += [f"console: {message}" for message in traffic.console]
    return findings


async def check_design(page, blank: dict) -> list[str]:
    styles = await page.evaluate(STYLES_JS)
    findings = []
    if styles["font"] == blank["font"]:
        findings.append(f"design: body text in the browser's default font ({styles['font']})")
    for field in styles["fields"]:
        default = blank[field["kind"]]
        if field["kind"] == "button":
            looks_default = field["background"] == default["background"] and field["padding"] == default["padding"]
            what = f"background {field['background']}, padding {field['padding']}"
        elif field["kind"] in ("checkbox", "radio"):
            looks_default = field["appearance"] == default["appearance"] and field["radius"] == default["radius"]
            what = f"appearance {field['appearance']}, border radius {field['radius']}"
        else:
            looks_default = field["radius"] == default["radius"]
            what = f"border radius {field['radius']}"
        if looks_default:
            findings.append(f"design: {field['kind']} {field['element']} keeps the browser's default look ({what})")
    return findings


async def check_accessible(page) -> list[str]:
    blocking = [v for v in await axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    return [f"axe: {line.strip()}" for line in describe_violations(blocking).splitlines()] if blocking else []


async def check_focus(page) -> list[str]:
    """Tab from the top of the page, up to MAX_TAB_STOPS stops or until the focus comes back
    to an element it already visited (the focus is logged in the page: fewer round trips)."""
    await page.evaluate(FOCUS_LOG_JS)
    stops: list[dict] = []
    presses = 0
    while presses < MAX_TAB_STOPS:
        for _ in range(8):
            await page.keyboard.press("Tab")
            presses += 1
        log = await page.evaluate("() => window.__focusLog")
        stops = [stop for stop in log[:MAX_TAB_STOPS]]
        if any(stop["again"] for stop in stops) or len(log) < presses - 1:
            break
    await page.evaluate("() => document.activeElement?.blur()")
    findings = []
    for focused in stops:
        if focused["again"]:
            break
        outline = (focused["outlineStyle"] != "none" and focused["outlineWidth"] >= 2
                   and focused["outlineColor"] not in TRANSPARENT)
        shadow = focused["boxShadow"] not in ("none", "")
        if not (outline or shadow):
            findings.append(f"focus: {focused['element']} shows no visible focus (outline {focused['outlineStyle']} "
                            f"{focused['outlineWidth']}px {focused['outlineColor']}, box-shadow {focused['boxShadow']})")
        elif focused["width"] == 0 or focused["height"] == 0:
            findings.append(f"focus: {focused['element']} takes the focus while invisible (zero size)")
    return findings


async def check_widths(page) -> list[str]:
    findings = []
    try:
        for width, what in ((MOBILE_WIDTH, "375 px wide"), (ZOOM_200_WIDTH, "at 200 % zoom (640 px)")):
            await page.set_viewport_size({"width": width, "height": 800})
            overflow = await page.evaluate(OVERFLOW_JS)
            if overflow["scrollWidth"] > width + 1:
                findings.append(f"width: {what}, the page scrolls sideways (scroll width {overflow['scrollWidth']} px); "
                                f"sticking out: {', '.join(overflow['offenders']) or 'nothing found'}")
            main = overflow["main"]
            if width == ZOOM_200_WIDTH and main and (main["left"] < -1 or main["right"] > width + 1):
                findings.append(f"width: {what}, the main content spans {main['left']:.0f}–{main['right']:.0f} px, "
                                f"beyond the viewport")
    finally:
        await page.set_viewport_size(DESKTOP)
    return findings
