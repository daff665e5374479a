"""The public search in Chromium (issue 11, item 2): an anonymous visitor searches the published
consultations, a refused filter is said next to its field, and opens a consultation's public
page (criteria, documents, links to the DCE and the questions). axe-core on every page, no
horizontal scroll at 375 px; screenshots at 1280 and 375 px in $UNEFOIS_SCREENSHOTS (default
/tmp/unefois-shots/tendering) to look at."""

from __future__ import annotations

import httpx
from browser_harness import assert_accessible, visit
from test_tendering_preparation_page import BUYER_LOGIN, a_draft, shoot
from unefois_deploy.demo import demo_preparation


async def a_published(platform, tokens) -> dict:
    consultation = await a_draft(platform, tokens)
    url = f"{platform.url('tendering')}/api/consultations/{consultation['id']}"
    async with await tokens.client_for(BUYER_LOGIN) as buyer:
        current = (await buyer.get(url)).json()
        assert (await buyer.put(url, json=demo_preparation(current))).status_code == 200
        published = await buyer.post(f"{url}/publish")
        assert published.status_code == 200, published.text
    return published.json()


async def no_horizontal_scroll(page) -> None:
    await page.set_viewport_size({"width": 375, "height": 900})
    wide = await page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
    await page.set_viewport_size({"width": 1280, "height": 900})
    assert not wide, f"{page.url}: horizontal scroll at 375 px"


async def test_an_anonymous_visitor_searches_and_opens_a_consultation(platform, tokens, page, page_errors):
    consultation = await a_published(platform, tokens)
    word = consultation["purchase"]["object"].split()[-1]  # the unique suffix of its object
    tendering = platform.url("tendering")

    await visit(page, f"{tendering}/consultations-publiques")
    await page.get_by_label("Mots-clés").fill(f"entretien {word[:4]}")
    await page.get_by_label("Code CPV").fill("452")
    await page.get_by_role("button", name="Rechercher").click()
    await page.wait_for_load_state("load")
    await assert_accessible(page)
    assert "procedure=adapted" not in page.url and "nature=works" not in page.url  # « Toutes » by default
    results = page.locator("#liste-des-consultations > li")
    assert await results.count() == 1
    assert "Ouverte" in await results.first.inner_text()
    await no_horizontal_scroll(page)
    await shoot(page, "public-search")

    await page.get_by_role("link", name=consultation["purchase"]["object"]).click()
    await page.wait_for_url(f"{tendering}/consultations-publiques/{consultation['id']}")
    await assert_accessible(page)
    text = await page.locator("main").inner_text()
    for expected in ("Voirie nord", "Voirie sud", "Performance environnementale", "20 / 100", "DUME",
                     "45233141", "à 12:00 (heure de Paris)", "Empreinte de la clé"):
        assert expected in text, expected
    assert await page.get_by_role("link", name="Dossier de consultation (DCE)").get_attribute("href") == \
        f"/consultations-publiques/{consultation['id']}/dce"
    assert await page.get_by_role("link", name="Questions et réponses").count() == 1
    assert await page.get_by_role("link", name="Déposer une offre").count() == 0  # not signed in
    await no_horizontal_scroll(page)
    await shoot(page, "public-consultation")

    # A filter the search cannot read: said next to its field (422), the other values kept.
    await visit(page, f"{tendering}/consultations-publiques?q=voirie&place=Lyon", status=422)
    message = await page.locator("#place-message-error").inner_text()
    assert "code de département" in message.lower()
    assert await page.get_by_label("Mots-clés").input_value() == "voirie"
    await shoot(page, "public-search-refused")
    assert page_errors == []

    async with httpx.AsyncClient() as anonymous:
        api = await anonymous.get(f"{tendering}/api/public/consultations", params={"q": word, "cpv": "45"})
        assert [item["id"] for item in api.json()["items"]] == [consultation["id"]]
        refused = await anonymous.get(f"{tendering}/api/public/consultations", params={"place": "Lyon"})
        assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
        missing = await anonymous.get(f"{tendering}/consultations-publiques/00000000-0000-0000-0000-000000000000",
                                      headers={"Accept": "text/html"})
        assert missing.status_code == 404 and "<html" in missing.text.lower()
