"""The five stage UIs in Debian's Chromium, axe-core on every page visited."""

from __future__ import annotations

import os
import re
import uuid

import pytest
from browser_harness import REPO, assert_accessible, visit

from unefois_kernel import db
from unefois_kernel.tenancy import set_scope

STAGES = {
    "sourcing": "Besoins",
    "tendering": "Consultations",
    "contracts": "Marchés",
    "invoicing": "Facturation",
    "opendata": "Données ouvertes",
}
DSFR_INSTALLED = (REPO / "node_modules" / "@gouvfr" / "dsfr" / "dist").is_dir()
REGION = {"siret": "20000001600010", "name": "Région Démo-Alpes"}  # the seeded buyer's organisation
BUYER_LOGIN = "acheteur@region-demo.fr"
BUYER = ("Camille Martin", "Région Démo-Alpes", "Acheteur")


def dev_password() -> str:
    return os.environ.get("UNEFOIS_DEV_PASSWORD") or "unefois-dev"


async def check_layout(page, stage: str, title: str = "Accueil") -> None:
    assert await page.title() == f"{title} — {STAGES[stage]} — unefois"
    assert await page.get_attribute("html", "lang") == "fr"
    assert await page.locator("h1").count() == 1
    skip_links = page.locator(".fr-skiplinks a")
    assert await skip_links.count() == 3
    for index in range(3):
        target = (await skip_links.nth(index).get_attribute("href")).lstrip("#")
        assert await page.locator(f"#{target}").count() == 1, f"skip link target #{target} missing"
    current = page.locator('.fr-nav a[aria-current="page"]')
    assert await current.count() == 1 and (await current.inner_text()).strip() == STAGES[stage]
    assert await page.locator(".fr-nav__link").count() == 5
    # The scripts came from our origin and ran under the CSP.
    assert await page.evaluate("() => typeof window.htmx === 'object'"), "htmx did not load from /static/htmx"
    if DSFR_INSTALLED:
        assert await page.evaluate("() => typeof window.dsfr === 'function' || typeof window.dsfr === 'object'")


@pytest.mark.parametrize("stage", list(STAGES))
async def test_stage_home_anonymous_is_accessible(platform, page, page_errors, stage):
    await visit(page, f"{platform.url(stage)}/")
    await check_layout(page, stage)
    assert await page.get_by_role("link", name="Se connecter").first.is_visible()
    if stage == "opendata":
        assert await page.get_by_role("link", name=re.compile("Télécharger les données essentielles")).count() == 1
    else:
        assert await page.locator("table").count() == 0, "an anonymous visitor sees no buyer data"
    assert page_errors == []


async def test_skip_link_is_the_first_focus_and_reaches_the_content(platform, page):
    await visit(page, f"{platform.url('sourcing')}/")
    await page.keyboard.press("Tab")
    focused = await page.evaluate("() => [document.activeElement.textContent.trim(), document.activeElement.getAttribute('href')]")
    assert focused == ["Contenu", "#contenu"]
    await page.keyboard.press("Enter")
    assert page.url.endswith("#contenu")


async def test_footer_pages_and_html_error_page_are_accessible(platform, page, page_errors):
    base = platform.url("tendering")
    for path, title in (("/accessibilite", "Déclaration d’accessibilité"), ("/mentions-legales", "Mentions légales"),
                        ("/donnees-personnelles", "Données personnelles")):
        await visit(page, base + path)
        await check_layout(page, "tendering", title)
    await visit(page, f"{base}/cette-page-n-existe-pas", status=404)
    await check_layout(page, "tendering", "Page introuvable")
    assert page_errors == []


async def log_in(page, start_url: str, login: str) -> None:
    """Through the service's /auth/login and the development issuer's French login form."""
    await visit(page, start_url)
    await page.get_by_role("link", name="Se connecter").first.click()
    await page.wait_for_load_state()
    await assert_accessible(page)  # the issuer's login form is a page the test visits too
    await page.get_by_label("Adresse électronique").fill(login)
    await page.get_by_label("Mot de passe").fill(dev_password())
    async with page.expect_navigation(url=re.compile(re.escape(start_url.rstrip("/")) + r"/?$")):
        await page.get_by_role("button", name="Se connecter").click()


async def add_need(runtime, tenant: dict, object_: str) -> None:
    """A need of that buyer, written as the sourcing service would (scoped to its tenant)."""
    facts = {
        "buyer": tenant,
        "object": object_,
        "nature": "services",
        "main_cpv": "77310000",
        "estimated_value": "42000.00",
        "duration_months": 12,
        "place_of_execution": {"code": "69123", "code_type": "Code commune"},
        "procedure": "Procédure adaptée",
        "ccag": "Fournitures courantes et services",
        "techniques": ["Sans objet"],
        "execution_modes": ["Sans objet"],
        "social_considerations": ["Pas de considération sociale"],
        "environmental_considerations": ["Clause environnementale"],
    }
    conn = await db.connect(runtime.service_dsn("sourcing"))
    try:
        async with conn.transaction():
            await set_scope(conn, tenant=tenant["siret"])
            need_id = uuid.uuid4()
            await conn.execute(
                "INSERT INTO needs (id, tenant, status, facts) VALUES ($1, $2, 'draft', $3)",
                need_id, tenant["siret"], {**facts, "need_id": str(need_id)},
            )
    finally:
        await conn.close()


async def test_buyer_logs_in_and_opens_each_stage_ui(runtime, platform, page, page_errors):
    object_ = f"Entretien des espaces verts du lycée {uuid.uuid4().hex[:6]}"
    await add_need(runtime, REGION, object_)
    sourcing = platform.url("sourcing")
    await log_in(page, f"{sourcing}/", BUYER_LOGIN)

    for stage in STAGES:
        await visit(page, f"{platform.url(stage)}/")
        await check_layout(page, stage)
        tools = await page.locator(".fr-header__tools").inner_text()
        for expected in BUYER:
            assert expected in tools, f"{stage}: {expected!r} missing from the header ({tools!r})"
        assert await page.get_by_role("button", name="Se déconnecter").count() >= 1
        if stage != "opendata":
            content = await page.locator("main").inner_text()
            assert "une fois connecté" not in content
            assert await page.locator("table").count() == 1 or "pour le moment" in content or "aucun" in content.lower()
    await visit(page, f"{sourcing}/")
    table = await page.locator("table").inner_text()
    assert object_ in table, "the buyer's own need is listed"
    assert "Région Démo-Alpes" in await page.locator("caption").inner_text()
    assert page_errors == []
