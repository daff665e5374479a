"""The sourcing stage in Chromium: a buyer creates a need through the form (bad input first,
the messages next to the fields), submits it; an approver approves it; the consultation
appears in tendering with the same object. axe-core on every page visited."""

from __future__ import annotations

import asyncio
import os
import re
import uuid

from browser_harness import assert_accessible, visit

BUYER_LOGIN = "acheteur@demoville.fr"
APPROVER_LOGIN = "valideur@demoville.fr"


def dev_password() -> str:
    return os.environ.get("UNEFOIS_DEV_PASSWORD") or "unefois-dev"


async def log_in(page, base: str, login: str) -> None:
    """Through the service's /auth/login and the development issuer's French login form."""
    await visit(page, f"{base}/")
    await page.get_by_role("link", name="Se connecter").first.click()
    await page.wait_for_load_state()
    await assert_accessible(page)
    await page.get_by_label("Adresse électronique").fill(login)
    await page.get_by_label("Mot de passe").fill(dev_password())
    async with page.expect_navigation(url=re.compile(re.escape(base) + r"/?$")):
        await page.get_by_role("button", name="Se connecter").click()


async def fill_need(page, object_: str, *, cpv: str, place: str) -> None:
    await page.locator("#object").fill(object_)
    await page.locator("#nature").select_option("services")
    await page.locator("#main_cpv").fill(cpv)
    await page.locator("#estimated_value").fill("90 000")
    await page.locator("#duration_months").fill("12")
    await page.locator("#place_type").select_option("Code commune")
    await page.locator("#place_code").fill(place)
    await page.locator("#procedure").select_option("Procédure adaptée")
    await page.locator("#ccag").select_option("Fournitures courantes et services")


async def submit_form(page, button: str, *, status: int):
    async with page.expect_navigation() as navigation:
        await page.get_by_role("button", name=button).click()
    response = await navigation.value
    # A redirect (303) is followed: the final document's status is the page's.
    assert response is not None and response.status == status, f"{page.url}: {response and response.status}"
    await assert_accessible(page)


async def test_buyer_creates_and_submits_a_need_the_approver_approves_it(browser, platform, tokens, page, page_errors):
    sourcing = platform.url("sourcing")
    object_ = f"Nettoyage des locaux de la mairie {uuid.uuid4().hex[:6]}"

    await log_in(page, sourcing, BUYER_LOGIN)
    await visit(page, f"{sourcing}/besoins")
    await page.get_by_role("link", name="Nouveau besoin").click()
    await page.wait_for_url(f"{sourcing}/besoins/nouveau")
    await assert_accessible(page)

    # The live recommendation follows the nature and the value.
    await fill_need(page, object_, cpv="99999999", place="99999")
    await page.locator("#estimated_value").blur()
    await page.locator("#recommandation").get_by_text("Procédure recommandée").wait_for()
    assert "Procédure adaptée" in await page.locator("#recommandation").inner_text()

    # Bad CPV and unknown commune: 422, each message next to its field, values kept; the
    # summary at the top has the focus and links to each field.
    await submit_form(page, "Enregistrer le besoin", status=422)
    summary = page.locator("#erreurs")
    assert await summary.evaluate("element => element === document.activeElement")
    assert "2 erreurs à corriger" in await summary.inner_text()
    await summary.get_by_role("link", name="Code CPV principal").click()
    assert page.url.endswith("#main_cpv")
    assert await page.locator("#erreurs a[href='#place_code']").count() == 1
    assert "inconnu" in await page.locator("#main_cpv-messages").inner_text()
    assert "commune inconnue" in (await page.locator("#place_code-messages").inner_text()).lower()
    assert await page.locator("#main_cpv").get_attribute("aria-invalid") == "true"
    assert await page.locator("#place_code").get_attribute("aria-invalid") == "true"
    assert await page.locator("#object").input_value() == object_
    assert await page.locator("#estimated_value").input_value() == "90 000"

    # The CPV found by its French label, picked from the suggestions.
    # Enter in the search field searches (htmx) and does not submit the need form.
    await page.evaluate("() => { window.unefoisSamePage = true; }")
    await page.locator("#cpv-recherche").fill("nettoyage de bureaux")
    await page.locator("#cpv-recherche").press("Enter")
    suggestion = page.locator("#cpv-suggestions button", has_text="90919200-4")
    await suggestion.wait_for()
    await assert_accessible(page)
    assert await page.evaluate("() => window.unefoisSamePage === true"), "Enter submitted the need form"
    await suggestion.click()
    await page.locator("#main_cpv-label").wait_for()
    assert await page.locator("#main_cpv").input_value() == "90919200-4"
    await page.locator("#place_code").fill("69123")
    clauses = page.locator('input[name="clause_ids"]')
    if await clauses.count():
        await clauses.first.check()
    await submit_form(page, "Enregistrer le besoin", status=200)
    assert re.search(r"/besoins/[0-9a-f-]{36}\?message=cree$", page.url), page.url
    need_url = page.url.split("?")[0]
    need_id = need_url.rsplit("/", 1)[1]
    assert await page.locator("h1").inner_text() == object_
    assert "Brouillon" in await page.locator("main h1 + p .badge").inner_text()
    assert "enregistré en brouillon" in await page.get_by_role("status").filter(has_text="brouillon").inner_text()
    breadcrumbs = page.get_by_role("navigation", name="Fil d’Ariane")
    assert await breadcrumbs.get_by_role("link", name="Liste des besoins").get_attribute("href") == "/besoins"
    assert "Brouillon" in await page.locator("[aria-current=step]").inner_text()
    assert "nettoyage de bureaux" in await page.locator("#faits-du-besoin").inner_text()

    await submit_form(page, "Soumettre", status=200)
    assert "soumis à l’approbation" in await page.locator("main").inner_text()
    assert "Soumis" in await page.locator("[aria-current=step]").inner_text()
    assert await page.get_by_role("button", name="Approuver").count() == 0  # a buyer does not approve

    # The approver, in a fresh browser context.
    context = await browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    try:
        approver = await context.new_page()
        approver.on("console", lambda m: "Content Security Policy" in m.text and page_errors.append(m.text))
        await log_in(approver, sourcing, APPROVER_LOGIN)
        await visit(approver, f"{sourcing}/besoins?statut=submitted")
        await approver.get_by_role("link", name=object_).click()
        await approver.wait_for_url(need_url)
        await assert_accessible(approver)
        await submit_form(approver, "Approuver", status=200)
        assert "approuvé" in (await approver.locator("main").inner_text()).lower()
        assert "Approuvé" in await approver.locator("[aria-current=step]").inner_text()
        assert await approver.get_by_role("button", name="Approuver").count() == 0
    finally:
        await context.close()

    # Tendering received it: a consultation with the same object, nothing retyped.
    async with await tokens.client_for(BUYER_LOGIN) as client:
        for _ in range(60):
            answer = await client.get(f"{platform.url('tendering')}/api/consultations", params={"need_id": need_id})
            assert answer.status_code == 200, answer.text
            if answer.json():
                break
            await asyncio.sleep(0.5)
        consultations = answer.json()
    assert [c["purchase"]["object"] for c in consultations] == [object_]
    assert consultations[0]["purchase"]["main_cpv"] == "90919200-4"
    assert page_errors == []
