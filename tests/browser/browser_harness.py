"""Browser test helpers: Debian's Chromium driven by Playwright, axe-core on every page.

Nothing here downloads a browser (`playwright install` is never run): Chromium comes from
Debian (`apt-get install chromium`, done by deploy/bootstrap.sh) and axe-core from npm
(node_modules/axe-core, from package-lock.json).

    page = await context.new_page()
    await visit(page, f"{platform.url('sourcing')}/")   # goes there, checks the answer and axe
    await assert_accessible(page)                          # axe-core alone, on the current page
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from playwright.async_api import Page, Response

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
