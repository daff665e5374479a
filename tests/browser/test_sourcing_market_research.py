"""The market research page of a need in Chromium (/besoins/{need_id}/etude-de-marche): the
buyer writes notes, records a quote (its company's name taken from the directory, a French
amount, a file name), retains it with a reason, finds a demo supplier in the directory (htmx)
and shortlists it, then takes it off; each refusal is a French message next to its field.
Once the need is approved the page shows the research without forms. axe-core on every page."""

from __future__ import annotations

import uuid

from browser_harness import assert_accessible, visit
from test_sourcing_need_flow import APPROVER_LOGIN, BUYER_LOGIN, log_in, submit_form

from unefois_deploy import demo
from unefois_deploy.demo import SUPPLIERS, need_facts


async def _need(platform, tokens, object_: str) -> str:
    async with await tokens.client_for(BUYER_LOGIN) as client:
        facts = need_facts(object_=object_, cpv="77310000", value="30000.00", commune="01004", nature="services")
        created = await client.post(f"{platform.url('sourcing')}/api/needs", json={"facts": facts})
        assert created.status_code == 201, created.text
        return created.json()["id"]


async def test_buyer_edits_notes_quotes_and_shortlist_on_the_page(platform, tokens, service_dsn, page, page_errors):
    await demo.seed_supplier_directory(service_dsn("sourcing"))  # what `make up` does
    sourcing = platform.url("sourcing")
    need_id = await _need(platform, tokens, f"Entretien des espaces verts {uuid.uuid4().hex[:6]}")
    research_url = f"{sourcing}/besoins/{need_id}/etude-de-marche"
    await log_in(page, sourcing, BUYER_LOGIN)
    await visit(page, research_url)
    main = page.locator("main")
    assert "Aucun devis enregistré." in await main.inner_text()

    # Notes.
    await page.locator("#notes").fill("Trois entreprises sollicitées le 12 novembre.\nDeux réponses.")
    await submit_form(page, "Enregistrer les notes", status=200)
    assert "Les notes sont enregistrées." in await main.inner_text()
    assert await page.locator("#notes").input_value() == "Trois entreprises sollicitées le 12 novembre.\nDeux réponses."

    # A quote refused, each message next to its field, what was typed kept.
    await page.locator("#siret").fill("830 000 071 00019")
    await page.locator("#amount").fill("douze mille")
    await submit_form(page, "Enregistrer le devis", status=422)
    assert "Montant attendu en euros" in await page.locator("#amount-messages").inner_text()
    assert "obligatoire" in await page.locator("#received_on-messages").inner_text()
    assert await page.locator("#amount").get_attribute("aria-invalid") == "true"
    assert await page.locator("#siret").input_value() == "830 000 071 00019"
    assert await page.locator("#erreurs a[href='#amount']").count() == 1

    # The same quote right: the name comes from the directory, the amount typed the French way.
    await page.locator("#amount").fill("12 500,50")
    await page.locator("#received_on").fill("2026-11-20")
    await page.locator("#file_name").fill("devis-espaces-verts.pdf")
    await submit_form(page, "Enregistrer le devis", status=200)
    text = await main.inner_text()
    assert "Le devis est enregistré." in text and SUPPLIERS[3]["name"] in text
    assert "devis-espaces-verts.pdf" in text and "12\u202f500,50" in text.replace("\u00a0", "\u202f").replace(" ", "\u202f")

    # Retained with a reason (too short first).
    reason = page.get_by_label("Motif du choix de ce devis")
    await reason.fill("bien")
    await submit_form(page, "Retenir ce devis", status=422)
    assert "au moins 10 caractères" in await main.inner_text()
    await page.get_by_label("Motif du choix de ce devis").fill("Seule entreprise disponible en décembre")
    await submit_form(page, "Retenir ce devis", status=200)
    assert "Retenu" in await main.inner_text()

    # The shortlist: a directory search (htmx, no page load), then the company added.
    await page.locator("#annuaire").fill("rhodaniens")
    results = page.locator("#resultats-annuaire")
    add = results.get_by_role("button", name=f"Ajouter {SUPPLIERS[0]['name']}")
    await add.wait_for()
    await assert_accessible(page)
    async with page.expect_navigation() as navigation:
        await add.click()
    assert (await navigation.value).status == 200
    await assert_accessible(page)
    shortlist = page.locator("#etude-liste")
    assert "L’entreprise est ajoutée" in await main.inner_text()
    assert SUPPLIERS[0]["name"] in await shortlist.locator(".list-group").first.inner_text()

    # A SIRET the directory does not know is named next to its field.
    await page.locator("#shortlist_siret").fill("732 829 320 00074")
    await submit_form(page, "Ajouter à la liste", status=422)
    assert "aucun établissement de l’annuaire" in (await page.locator("#shortlist_siret-messages").inner_text()).lower() \
        or "aucun établissement de l'annuaire" in (await page.locator("#shortlist_siret-messages").inner_text()).lower()
    await page.locator("#shortlist_siret").fill(SUPPLIERS[1]["siret"])
    await submit_form(page, "Ajouter à la liste", status=200)
    assert SUPPLIERS[1]["name"] in await shortlist.inner_text()

    # Taken off again.
    await submit_form(page, f"Retirer {SUPPLIERS[1]['name']}", status=200)
    assert "L’entreprise est retirée" in await main.inner_text()
    assert SUPPLIERS[1]["name"] not in await page.locator("#etude-liste .list-group").first.inner_text()

    # What the API reads is what the page wrote.
    async with await tokens.client_for(BUYER_LOGIN) as client:
        research = (await client.get(f"{sourcing}/api/needs/{need_id}/research")).json()
    assert research["notes"].startswith("Trois entreprises sollicitées")
    assert [(q["supplier"]["siret"], q["amount"], q["file_name"], q["chosen"]) for q in research["quotes"]] == [
        (SUPPLIERS[3]["siret"], "12500.50", "devis-espaces-verts.pdf", True)]
    assert [s["siret"] for s in research["shortlist"]] == [SUPPLIERS[0]["siret"]]
    assert page_errors == []


async def test_the_research_of_an_approved_need_has_no_forms(platform, tokens, page, page_errors):
    sourcing = platform.url("sourcing")
    need_id = await _need(platform, tokens, f"Tonte {uuid.uuid4().hex[:6]}")
    async with await tokens.client_for(BUYER_LOGIN) as client:
        assert (await client.put(f"{sourcing}/api/needs/{need_id}/research/notes",
                                 json={"notes": "Note avant approbation"})).status_code == 200
        assert (await client.post(f"{sourcing}/api/needs/{need_id}/submit")).status_code == 200
    async with await tokens.client_for(APPROVER_LOGIN) as client:
        assert (await client.post(f"{sourcing}/api/needs/{need_id}/approve", json={})).status_code == 200
    await log_in(page, sourcing, BUYER_LOGIN)
    await visit(page, f"{sourcing}/besoins/{need_id}/etude-de-marche")
    text = await page.locator("main").inner_text()
    assert "Étude de marché figée" in text and "Note avant approbation" in text
    assert await page.locator("main form[method='post']").count() == 0
    assert page_errors == []
