"""Screenshots of the five stage home pages, anonymous and as a buyer, for a person to look at.

    .venv/bin/python tests/browser/screenshots.py [--out /tmp/unefois-screenshots] [--profile dev]

Needs the platform running (`make up`, or PROFILE=test); uses Debian's Chromium like the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).parent))
from browser_harness import launch_options  # noqa: E402

from unefois_deploy.config import STAGES, load_profile  # noqa: E402

BUYER = "acheteur@region-demo.fr"


async def main(out: Path, profile_name: str) -> None:
    profile = load_profile(profile_name)
    out.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options())
        context = await browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        for stage in STAGES:
            await page.goto(f"{profile.service_url(stage)}/")
            await page.screenshot(path=out / f"{stage}-anonyme.png", full_page=True)
        await page.goto(f"{profile.service_url('sourcing')}/auth/login?next=/")
        await page.get_by_label("Adresse électronique").fill(BUYER)
        await page.get_by_label("Mot de passe").fill(os.environ.get("UNEFOIS_DEV_PASSWORD") or "unefois-dev")
        await page.get_by_role("button", name="Se connecter").click()
        await page.wait_for_url(f"{profile.service_url('sourcing')}/")
        for stage in STAGES:
            await page.goto(f"{profile.service_url(stage)}/")
            await page.screenshot(path=out / f"{stage}-acheteur.png", full_page=True)
        await browser.close()
    print("\n".join(str(path) for path in sorted(out.glob("*.png"))))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/unefois-screenshots"))
    parser.add_argument("--profile", default="dev")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.out, arguments.profile))
