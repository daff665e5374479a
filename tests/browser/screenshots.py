"""Screenshots of every page of the five services and of the issuer's login page, for a person to look at.

    .venv/bin/python tests/browser/screenshots.py [--profile dev|test] [--out DIR] [--seed]
        [--role buyer ...] [--stage sourcing ...] [--all] [--theme LABEL]

The pages are those the browser test visits (tests/browser/test_every_page.py): found by
following links from each stage's home, as each role (anonymous, buyer, approver, supplier,
operator; browser_harness.ROLES), plus each stage's 404 page. Each page is taken full
length at desktop width (1280 px) and at phone width (375 px), named
<role>-<stage>-<page>-<width>.png, e.g. buyer-sourcing-besoins-need_id-375.png; the list of
files is printed at the end.

Needs the platform running: `make up` (profile dev, with its demo data), or the test
profile, e.g. `python -m unefois_deploy up --profile test` with the same UNEFOIS_TEST_*
variables as the tests (a runtime of your own: UNEFOIS_TEST_RUNTIME_DIR and ports). --seed
first enters a purchase (carried to open data) and a submitted need through the APIs, so
the need and buyer pages have something to show and every role reaches them.

The theme is the services' own: UNEFOIS_THEME (neutre, bocage, or a path to a .toml) as
they were started with; this script cannot change it. To see another theme, restart the
services with it, then run this again with --theme <name>: the screenshots go to
<out>/<name>/, side by side with the other theme's. The theme the pages showed is printed.

By default the kernel's pages (footer pages, /docs, 404) are taken for the anonymous visitor
on every stage and for each signed-in role on one stage, as in the test; --all takes them
for every role on every stage.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).parent))
from browser_harness import (  # noqa: E402
    DESKTOP,
    MOBILE_WIDTH,
    ROLES,
    STAGES,
    Recorder,
    WalkReport,
    kernel_pages_once,
    launch_options,
    seed_pages,
    visit_every_page,
)

from unefois_deploy.config import load_profile  # noqa: E402


def file_name(role: str, stage: str, page: str, width: int) -> str:
    safe = "".join(character if character.isalnum() or character in "-_" else "-" for character in page)
    return f"{role}-{stage}-{safe}-{width}.png"


async def seed(profile) -> dict[str, str]:
    from unefois_dev_issuer.client import access_token

    async def headers_for(login: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {await access_token(profile.issuer_url, login)}"}

    return await seed_pages(profile.service_urls(), headers_for)


async def main(arguments: argparse.Namespace) -> int:
    profile = load_profile(arguments.profile)
    out: Path = arguments.out / arguments.theme if arguments.theme else arguments.out
    out.mkdir(parents=True, exist_ok=True)
    stages = arguments.stage or list(STAGES)
    roles = arguments.role or list(ROLES)
    bases = {stage: profile.service_url(stage) for stage in stages}
    if "sourcing" not in bases:  # signing in starts from sourcing's home
        bases = {"sourcing": profile.service_url("sourcing"), **bases}
    fallbacks = await seed(profile) if arguments.seed else {"siret": "20000001600010"}
    taken: list[Path] = []
    unreached: list[str] = []
    themes: set[str] = set()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options())
        try:
            for role in roles:
                context = await browser.new_context(locale="fr-FR", viewport=DESKTOP)
                page = await context.new_page()
                recorder = Recorder(page)
                report = WalkReport()
                include = None if arguments.all else kernel_pages_once(role)
                if arguments.stage:
                    wanted = include or (lambda stage, name: True)

                    def include(stage: str, name: str, wanted=wanted) -> bool:
                        return stage in arguments.stage and wanted(stage, name)

                async for site_page in visit_every_page(page, recorder, role, bases, fallbacks=fallbacks,
                                                        report=report, include=include):
                    brand = page.locator(".unefois-brand__name")
                    if await brand.count():
                        themes.add((await brand.first.inner_text()).strip())
                    for width in (DESKTOP["width"], MOBILE_WIDTH):
                        await page.set_viewport_size({"width": width, "height": DESKTOP["height"]})
                        path = out / file_name(role, site_page.stage, site_page.name, width)
                        await page.screenshot(path=path, full_page=True)
                        taken.append(path)
                    await page.set_viewport_size(DESKTOP)
                unreached += report.unreached
                await context.close()
        finally:
            await browser.close()
    print("\n".join(str(path) for path in taken))
    print(f"{len(taken)} screenshots in {out}; theme shown: {', '.join(sorted(themes)) or 'unknown'}")
    for line in unreached:
        print(f"not taken: {line} (run with --seed?)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=("dev", "test"), default="dev",
                        help="which running platform: dev (make up, ports 8000-8005) or test (UNEFOIS_TEST_* ports)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/unefois-screenshots"))
    parser.add_argument("--seed", action="store_true", help="first enter a purchase and a submitted need through the APIs")
    parser.add_argument("--role", action="append", choices=list(ROLES), help="only this role (repeatable)")
    parser.add_argument("--stage", action="append", choices=list(STAGES), help="only this stage (repeatable)")
    parser.add_argument("--all", action="store_true", help="the kernel's pages for every role on every stage")
    parser.add_argument("--theme", default="",
                        help="a label only: the services' UNEFOIS_THEME chooses the theme; files go to <out>/<label>/")
    sys.exit(asyncio.run(main(parser.parse_args())))
