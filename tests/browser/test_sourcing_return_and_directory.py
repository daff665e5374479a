"""Sourcing pages in Chromium: the approver returns a need with a comment (the comment is
required, its message next to the field), the buyer sees it; the market research summary, the
list filters, its sortable columns and pages; the supplier directory's field errors; anonymous
visitors get the login page. axe-core on every page visited."""

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


async def _cell_texts(page, column: int) -> list[str]:
    return [text.strip() for text in await page.locator(f"#besoins tbody tr td:nth-child({column})").all_inner_texts()]


def _euros(text: str) -> int:
    return int(text.replace("\u202f", "").replace("\u00a0", "").replace("€", "").split(",")[0])


async def test_needs_list_sorts_and_pages_together_with_the_filters(platform, tokens, page, page_errors):
    sourcing = platform.url("sourcing")
    tag = uuid.uuid4().hex[:8]
    async with await tokens.client_for(BUYER_LOGIN) as client:
        for n in range(30):  # values 31 000 down to 2 000: the newest is the cheapest
            facts = need_facts(object_=f"Fournitures {tag} n° {n:02d}", cpv="30192000", value=f"{31000 - n * 1000}.00",
                               commune="01004", nature="supplies")
            created = await client.post(f"{sourcing}/api/needs", json={"facts": facts})
            assert created.status_code == 201, created.text
        # One of them submitted, for the status filter.
        assert (await client.post(f"{sourcing}/api/needs/{created.json()['id']}/submit")).status_code == 200

    await log_in(page, sourcing, BUYER_LOGIN)
    await visit(page, f"{sourcing}/besoins?{httpx.QueryParams({'q': tag})}")
    assert "(filtrés) : 30" in await page.locator("#besoins caption").inner_text()
    assert await page.locator("#besoins tbody tr").count() == 25
    objects = await _cell_texts(page, 1)
    assert objects[0].endswith("n° 29") and objects[-1].endswith("n° 05")  # newest first by default
    pagination = page.get_by_role("navigation", name="Pages de la liste des besoins")
    assert "Page 1 sur 2 — 30 résultats" in await pagination.inner_text()

    # Value, ascending then descending; the filter stays, the list starts again at page 1.
    await page.locator("#besoins thead").get_by_role("link", name="Valeur estimée (HT)").click()
    await page.wait_for_url(f"**/besoins?q={tag}&tri=valeur")
    await assert_accessible(page)
    header = await page.locator("th[aria-sort=ascending]").inner_text()
    assert header.startswith("Valeur estimée (HT)") and "▲" in header and "trié par ordre croissant" in header
    values = [_euros(text) for text in await _cell_texts(page, 3)]
    assert values == sorted(values) and values[0] == 2000 and len(values) == 25
    await page.locator("#besoins thead").get_by_role("link", name="Valeur estimée (HT)").click()
    await page.wait_for_url(f"**/besoins?q={tag}&tri=-valeur")
    assert [_euros(text) for text in await _cell_texts(page, 3)][:2] == [31000, 30000]

    # The next page keeps the filter and the order: the 5 cheapest.
    await pagination.get_by_role("link", name="Suivante").click()
    await page.wait_for_url(f"**/besoins?q={tag}&tri=-valeur&page=2")
    await assert_accessible(page)
    assert [_euros(text) for text in await _cell_texts(page, 3)] == [6000, 5000, 4000, 3000, 2000]
    assert "Page 2 sur 2" in await pagination.inner_text()

    # Filtering by status keeps the order (and goes back to page 1).
    await page.locator("#statut").select_option("submitted")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Filtrer").click()
    assert "tri=-valeur" in page.url and "page=" not in page.url
    assert await _cell_texts(page, 1) == [f"Fournitures {tag} n° 29"]
    assert await page.locator("#besoins").get_by_text("Soumis").count() == 1

    # An order the list does not know gives the default order, not an error.
    await visit(page, f"{sourcing}/besoins?{httpx.QueryParams({'q': tag, 'tri': 'created_at;DROP TABLE needs', 'page': 'x'})}")
    assert (await _cell_texts(page, 1))[0].endswith("n° 29")
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
    assert await page.locator("#siret").get_attribute("aria-invalid") == "true"
    assert await page.locator("#erreurs a[href='#siret']").count() == 1
    assert await page.locator("#erreurs a[href='#commune']").count() == 1
    await visit(page, f"{sourcing}/fournisseurs?q=zqxjwvkq")
    assert "Aucun établissement" in await page.locator("main").inner_text()
    assert page_errors == []


async def test_supplier_directory_asks_for_a_criterion_and_reads_a_spaced_siret(platform, service_dsn, page, page_errors):
    # Issue 10, item 13: the demo suppliers are in the directory (seeded at every `make up`).
    from unefois_deploy.demo import seed_supplier_directory

    await seed_supplier_directory(service_dsn("sourcing"))
    sourcing = platform.url("sourcing")
    await log_in(page, sourcing, BUYER_LOGIN)
    await visit(page, f"{sourcing}/fournisseurs")
    assert "Renseignez au moins un critère" in await page.locator("main").inner_text()
    await submit_form(page, "Rechercher", status=422)  # every field empty
    assert "Indiquez au moins un critère" in await page.locator("#q-messages").inner_text()
    assert await page.locator("#fournisseurs").count() == 0  # not the whole directory
    await page.locator("#q").fill("menuiserie " * 25)
    await submit_form(page, "Rechercher", status=422)
    assert "dépasse 200 caractères" in await page.locator("#q-messages").inner_text()
    await page.locator("#q").fill("")
    spaced = SUPPLIERS[0]["siret"]
    await page.locator("#siret").fill(f"{spaced[:3]} {spaced[3:6]} {spaced[6:9]} {spaced[9:]}")
    await submit_form(page, "Rechercher", status=200)
    rows = page.locator("#fournisseurs tbody tr")
    assert await rows.count() == 1 and SUPPLIERS[0]["name"] in await rows.inner_text()
    assert page_errors == []
