"""Sourcing pages in Chromium: the approver returns a need with a comment (the comment is
required, its message next to the field), the buyer sees it; the market research summary, the
list filters, the supplier directory's field errors; anonymous visitors get the login page.
axe-core on every page visited."""

from __future__ import annotations

import uuid

import httpx
from browser_harness import assert_accessible, visit
from test_sourcing_need_flow import APPROVER_LOGIN, BUYER_LOGIN, log_in, submit_form

from unefois_deploy.demo import SUPPLIERS, need_facts


async def _submitted_need(platform, tokens, object_: str) -> str:
    sourcing = platform.url("sourcing")
    async with await tokens.client_for(BUYER_LOGIN) as client:
        facts = need_facts(object_=object_, cpv="77310000", value="30000.00", commune="01004", nature="services")
        created = await client.post(f"{sourcing}/api/needs", json={"facts": facts})
        assert created.status_code == 201, created.text
        need_id = created.json()["id"]
        research = f"{sourcing}/api/needs/{need_id}/research"
        for supplier, amount in ((SUPPLIERS[3], "28000.00"), (SUPPLIERS[1], "26500.00")):
            answer = await client.post(f"{research}/quotes", json={"supplier": supplier, "amount": amount,
                                                                   "received_on": "2026-11-20"})
            assert answer.status_code == 201, answer.text
        assert (await client.post(f"{research}/shortlist", json=SUPPLIERS[3])).status_code == 201
        assert (await client.post(f"{sourcing}/api/needs/{need_id}/submit")).status_code == 200
    return need_id


async def test_anonymous_visitor_gets_the_login_page(platform, page):
    await visit(page, f"{platform.url('sourcing')}/besoins", status=401)
    assert await page.get_by_role("link", name="Se connecter").count() >= 1


async def test_approver_returns_a_need_with_a_comment(browser, platform, tokens, page, page_errors):
    sourcing = platform.url("sourcing")
    object_ = f"Tonte des stades {uuid.uuid4().hex[:6]}"
    need_id = await _submitted_need(platform, tokens, object_)

    await log_in(page, sourcing, APPROVER_LOGIN)
    await visit(page, f"{sourcing}/besoins?{httpx.QueryParams({'q': object_[-6:], 'statut': 'submitted'})}")
    rows = page.locator("#besoins tbody tr")
    assert await rows.count() == 1 and object_ in await rows.inner_text()
    await visit(page, f"{sourcing}/besoins?{httpx.QueryParams({'q': object_[-6:], 'statut': 'approved'})}")
    assert await page.locator("#besoins").count() == 0
    assert "Aucun besoin ne correspond" in await page.locator("main").inner_text()

    await visit(page, f"{sourcing}/besoins/{need_id}")
    research = await page.locator("main").inner_text()
    assert SUPPLIERS[3]["name"] in research and SUPPLIERS[1]["name"] in research
    assert "Fournisseurs présélectionnés" in research
    assert "Règles de passation" in research and "Procédure recommandée" in research

    await submit_form(page, "Renvoyer avec un commentaire", status=422)
    assert "Indiquez pourquoi" in await page.locator("#comment-messages").inner_text()
    assert await page.locator("#comment").get_attribute("aria-invalid") == "true"
    await page.locator("#comment").fill("Préciser le nombre de stades concernés.")
    await submit_form(page, "Renvoyer avec un commentaire", status=200)
    assert "renvoyé à son auteur" in await page.locator("main").inner_text()

    context = await browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    try:
        buyer = await context.new_page()
        await log_in(buyer, sourcing, BUYER_LOGIN)
        await visit(buyer, f"{sourcing}/besoins/{need_id}")
        text = await buyer.locator("main").inner_text()
        assert "Préciser le nombre de stades concernés." in text and "Brouillon" in text
        assert await buyer.get_by_role("button", name="Soumettre").count() == 1
    finally:
        await context.close()
    assert page_errors == []


async def test_supplier_directory_names_the_wrong_fields(platform, page, page_errors):
    sourcing = platform.url("sourcing")
    await log_in(page, sourcing, BUYER_LOGIN)
    await visit(page, f"{sourcing}/fournisseurs")
    await page.locator("#siret").fill("12345678901234")
    await page.locator("#commune").fill("99999")
    await submit_form(page, "Rechercher", status=422)
    assert "SIRET invalide" in await page.locator("#siret-messages").inner_text()
    assert "inconnu" in await page.locator("#commune-messages").inner_text()
    await visit(page, f"{sourcing}/fournisseurs?q=zzzz-aucune-entreprise")
    assert "Aucun établissement" in await page.locator("main").inner_text()
    assert page_errors == []
