"""Tendering in Chromium (issue 11, item 1): the consultation opened from an approved need is en
préparation; the buyer prepares it on its page (a refused field said next to it, the minimum
next to the deadline), publishes it, and prints its notice. axe-core on every page; screenshots
at 1280 and 375 px in $UNEFOIS_SCREENSHOTS (default /tmp/unefois-shots/tendering) to look at."""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from pathlib import Path

from browser_harness import assert_accessible, visit
from test_sourcing_need_flow import log_in
from unefois_deploy.demo import REGION, need_facts

BUYER_LOGIN = "acheteur@region-demo.fr"
APPROVER_LOGIN = "valideur@region-demo.fr"
SHOTS = Path(os.environ.get("UNEFOIS_SCREENSHOTS", "/tmp/unefois-shots/tendering"))


async def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        await page.set_viewport_size({"width": width, "height": 900})
        await page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    # At 375 px, the page in screen-high parts too (a full page that long is unreadable shrunk).
    height = await page.evaluate("() => document.documentElement.scrollHeight")
    for part, top in enumerate(range(0, height, 1400)):
        await page.screenshot(path=str(SHOTS / f"{name}-375-{part + 1}.png"), full_page=True,
                              clip={"x": 0, "y": top, "width": 375, "height": min(1400, height - top)})
    await page.set_viewport_size({"width": 1280, "height": 900})


async def a_draft(platform, tokens) -> dict:
    """A need of two lots entered, submitted and approved through sourcing's API; its consultation."""
    facts = need_facts(object_=f"Entretien des voiries {uuid.uuid4().hex[:6]}", cpv="45233141", value="150000.00",
                       commune="69123", nature="works")
    facts["lots"] = [{"number": 1, "title": "Voirie nord", "estimated_value": "90000.00"},
                     {"number": 2, "title": "Voirie sud", "estimated_value": "60000.00"}]
    sourcing, tendering = platform.url("sourcing"), platform.url("tendering")
    async with await tokens.client_for(BUYER_LOGIN) as buyer, await tokens.client_for(APPROVER_LOGIN) as approver:
        created = await buyer.post(f"{sourcing}/api/needs", json={"facts": facts})
        assert created.status_code == 201, created.text
        need_id = created.json()["id"]
        assert (await buyer.post(f"{sourcing}/api/needs/{need_id}/submit")).status_code == 200
        assert (await approver.post(f"{sourcing}/api/needs/{need_id}/approve", json={})).status_code == 200
        for _ in range(100):
            found = (await buyer.get(f"{tendering}/api/consultations", params={"need_id": need_id})).json()
            if found:
                return found[0]
            await asyncio.sleep(0.1)
    raise AssertionError("no consultation for the approved need")


async def save(page, *, status: int) -> None:
    async with page.expect_navigation() as navigation:
        await page.get_by_role("button", name="Enregistrer la préparation").click()
    response = await navigation.value
    assert response is not None and response.status == status, f"{page.url}: {response and response.status}"
    await assert_accessible(page)


async def test_the_buyer_prepares_publishes_and_prints_the_notice(platform, tokens, page, page_errors):
    assert REGION["siret"]
    consultation = await a_draft(platform, tokens)
    tendering = platform.url("tendering")
    url = f"{tendering}/consultations/{consultation['id']}"
    await log_in(page, tendering, BUYER_LOGIN)
    await visit(page, url)
    await assert_accessible(page)
    assert "En préparation" in await page.locator("main h1 + p .badge").inner_text()
    await shoot(page, "consultation-en-preparation")

    await page.get_by_role("link", name="Préparer").click()
    await page.wait_for_url(f"{url}/preparer")
    await assert_accessible(page)
    hint = await page.locator("label[for=bid_deadline_date]").inner_text()
    # A MAPA of works (150 000 € HT): the code sets no minimum, the platform suggests 15 days (R2143-1).
    minimum = re.search(r"Délai suggéré : le (\d\d)/(\d\d)/(\d{4}) à 24 h", hint)
    assert minimum, hint
    assert await page.locator("#bid_deadline_time").input_value() == "12:00"
    await shoot(page, "preparation")

    day, month, year = minimum.groups()
    # The suggestion's last day at noon: shorter than suggested, kept with a warning (a MAPA).
    await page.locator("#bid_deadline_date").fill(f"{year}-{month}-{day}")
    await page.locator("#questions_deadline_date").fill(f"{year}-{month}-{int(day) - 8:02d}" if int(day) > 9 else
                                                        f"{year}-{month}-01")
    for lot in (1, 2):
        await page.locator(f"#crit_{lot}_0_kind").select_option("price")
        await page.locator(f"#crit_{lot}_0_name").fill("Prix")
        await page.locator(f"#crit_{lot}_0_weight").fill("60")
        await page.locator(f"#crit_{lot}_1_kind").select_option("environmental")
        await page.locator(f"#crit_{lot}_1_name").fill("Gestion des déchets de chantier")
        await page.locator(f"#crit_{lot}_1_weight").fill("20")
        await page.locator(f"#crit_{lot}_2_kind").select_option("quality")
        await page.locator(f"#crit_{lot}_2_name").fill("Valeur technique")
        await page.locator(f"#crit_{lot}_2_weight").fill("10")  # 90: refused
        await page.locator(f"#crit_{lot}_2_subs").fill("Méthodologie : 6\nMoyens : 4")
    await page.get_by_label("Interdites").check()
    await page.locator("#price_form").select_option("Forfaitaire")
    await page.get_by_label("Définitif ferme").check()
    await page.get_by_label("Document unique de marché européen (DUME)").check()
    await save(page, status=422)
    assert await page.locator("#bid_deadline_date-messages").inner_text() == "", "a MAPA's short deadline is no refusal"
    assert "font 90" in await page.locator("#criteres-1-messages").inner_text()
    assert await page.locator("#erreurs").evaluate("element => element === document.activeElement")
    await shoot(page, "preparation-refusee")

    for lot in (1, 2):
        await page.locator(f"#crit_{lot}_2_weight").fill("20")
        await page.locator(f"#crit_{lot}_2_subs").fill("Méthodologie : 12\nMoyens : 8")
    await save(page, status=200)
    warning = await page.locator("main").inner_text()
    assert "Délai des offres à vérifier" in warning and "R2143-1" in warning
    await shoot(page, "preparation-delai-court")
    await page.get_by_role("link", name="Préparer").click()
    await page.wait_for_url(f"{url}/preparer")

    from datetime import date, timedelta
    later = date(int(year), int(month), int(day)) + timedelta(days=1)
    await page.locator("#bid_deadline_date").fill(later.isoformat())
    await page.locator("#questions_deadline_date").fill((later - timedelta(days=7)).isoformat())
    for lot in (1, 2):
        await page.locator(f"#crit_{lot}_2_weight").fill("20")
        await page.locator(f"#crit_{lot}_2_subs").fill("Méthodologie : 12\nMoyens : 8")
    await save(page, status=200)
    assert page.url.endswith("?message=preparee")
    assert "Préparation enregistrée." in await page.get_by_role("status").first.inner_text()
    assert f"{later:%d/%m/%Y} à 12:00" in await page.locator("#preparation").inner_text()
    assert "Délai des offres à vérifier" not in await page.locator("main").inner_text()

    async with page.expect_navigation():
        await page.get_by_role("button", name="Publier la consultation").click()
    await assert_accessible(page)
    assert "La consultation est publiée." in await page.locator("main").inner_text()
    assert "Publiée" in await page.locator("main h1 + p .badge").inner_text()
    await shoot(page, "consultation-publiee")

    await page.get_by_role("link", name="Avis de marché (imprimable)").click()
    await page.wait_for_url(f"{url}/avis")
    await assert_accessible(page)
    text = await page.locator("main").inner_text()
    assert "BT-131(d)-Lot" in text and "LOT-0001" in text and "LOT-0002" in text
    await shoot(page, "avis")
    await page.emulate_media(media="print")
    await page.screenshot(path=str(SHOTS / "avis-impression.png"), full_page=True)
    assert page_errors == []
