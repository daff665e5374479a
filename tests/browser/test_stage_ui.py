"""The five stage UIs in Debian's Chromium, axe-core on every page visited."""

from __future__ import annotations

import re
import uuid

import pytest
from browser_harness import assert_accessible, dev_password, visit

from unefois_kernel import db
from unefois_kernel.stages import STAGES as REGISTRY
from unefois_kernel.tenancy import set_scope

STAGES = {stage.name: stage.label for stage in REGISTRY}  # stage -> its label in the navigation
REGION = {"siret": "20000001600010", "name": "Région Démo-Alpes"}  # the seeded buyer's organisation
BUYER_LOGIN = "acheteur@region-demo.fr"
BUYER = ("Camille Martin", "Région Démo-Alpes", "Acheteur")
SKIP_TARGETS = ["#contenu", "#navigation-principale", "#pied-de-page"]
NAVIGATION = "Étapes de l’achat"  # the stages' navigation, by its accessible name


async def check_layout(page, stage: str, title: str = "Accueil") -> None:
    assert await page.title() == f"{title} — {STAGES[stage]} — unefois"
    assert await page.get_attribute("html", "lang") == "fr"
    assert await page.locator("h1").count() == 1
    skip_links = page.locator(".unefois-skiplinks a")
    assert [await skip_links.nth(index).get_attribute("href") for index in range(await skip_links.count())] == SKIP_TARGETS
    for target in SKIP_TARGETS:
        assert await page.locator(target).count() == 1, f"skip link target {target} missing"
    navigation = page.get_by_role("navigation", name=NAVIGATION)
    assert await navigation.locator(".nav-link").count() == 5
    assert await page.locator(".unefois-nav .nav-link").count() == 5
    current = navigation.locator('.nav-link[aria-current="page"]')
    assert await current.count() == 1
    # The step number is aria-hidden: the link's accessible name is the stage's.
    assert await navigation.get_by_role("link", name=STAGES[stage], exact=True).get_attribute("aria-current") == "page"
    # The scripts came from our origin and ran under the CSP.
    assert await page.evaluate("() => typeof window.htmx === 'object'"), "htmx did not load from /static/htmx"
    assert await page.evaluate("() => typeof window.bootstrap === 'object' && typeof window.bootstrap.Collapse === 'function'"), \
        "Bootstrap's JS did not load from /static/bootstrap"


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


async def test_navigation_collapses_into_a_menu_button_on_a_phone_and_opens_with_the_keyboard(platform, page, page_errors):
    await page.set_viewport_size({"width": 375, "height": 800})
    await visit(page, f"{platform.url('tendering')}/")
    toggler = page.get_by_role("button", name="Menu des étapes")
    first_link = page.get_by_role("navigation", name=NAVIGATION).get_by_role("link").first
    assert await toggler.is_visible()
    assert await toggler.get_attribute("aria-expanded") == "false"
    assert not await first_link.is_visible(), "at 375 px the stages hide behind the menu button"
    # Reached with the Tab key (after the skip links and the header's links), opened with Enter.
    for _ in range(10):
        await page.keyboard.press("Tab")
        if await toggler.evaluate("button => button === document.activeElement"):
            break
    else:
        raise AssertionError("the Tab key never reached the « Menu des étapes » button")
    await page.keyboard.press("Enter")
    await first_link.wait_for(state="visible")
    assert await toggler.get_attribute("aria-expanded") == "true"
    await page.locator("#menu-principal.show:not(.collapsing)").wait_for()
    await assert_accessible(page)
    # The stages come next in the Tab order, each on its own line, within the screen.
    await page.keyboard.press("Tab")
    assert await first_link.evaluate("link => link === document.activeElement")
    links = page.get_by_role("navigation", name=NAVIGATION).get_by_role("link")
    assert await links.count() == 5
    for index in range(5):
        box = await links.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, f"link {index + 1} off screen: {box}"
    assert await page.evaluate("() => document.scrollingElement.scrollWidth") <= 376
    # Enter again (the focus back on the button) closes it.
    await toggler.focus()
    await page.keyboard.press("Enter")
    await first_link.wait_for(state="hidden")
    assert await toggler.get_attribute("aria-expanded") == "false"
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
        tools = await page.locator(".unefois-account").inner_text()
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
