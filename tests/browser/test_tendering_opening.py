"""Opening of the bids in Chromium (issue 11, items 5, 7, 9): two bids deposited through the API
(sealed by the API client), the deadline passed by the platform clock; the buyer's page
« Ouverture des plis » before and after the opening, the record, a bid set aside as
« irrégulière » (its reason required, said next to the field). axe-core on every page;
screenshots at 1280 and 375 px in $UNEFOIS_SCREENSHOTS (default /tmp/unefois-shots/tendering)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from browser_harness import assert_accessible, visit
from test_sourcing_need_flow import log_in
from test_tendering_deposit import CANDIDATE_PDF as PDF
from test_tendering_deposit import SUPPLIER_LOGIN, a_published_consultation, deposit_through_api
from test_tendering_preparation_page import BUYER_LOGIN, shoot

OTHER_LOGIN = "contact@fournitures-centre.fr"


async def test_the_buyer_opens_the_bids_and_decides_admissibility(platform, tokens, page, page_errors,
                                                                   platform_clock):
    consultation = await a_published_consultation(platform, tokens)
    tendering = platform.url("tendering")
    deadline = datetime.fromisoformat(consultation["bid_deadline"])
    await deposit_through_api(tokens, tendering, consultation, SUPPLIER_LOGIN,
                              "Travaux Publics Rhodaniens SAS", "80000004400019", "48500.00")
    other = await deposit_through_api(tokens, tendering, consultation, OTHER_LOGIN,
                                      "Fournitures Scolaires du Centre SARL", "81000005900016", "52250.50")
    url = f"{tendering}/consultations/{consultation['id']}/ouverture"

    await log_in(page, tendering, BUYER_LOGIN)
    await visit(page, url)
    text = await page.locator("main").inner_text()
    assert "Les plis restent chiffrés jusqu’à cette date" in text
    assert await page.get_by_role("button", name="Ouvrir les plis").count() == 0
    await assert_accessible(page)
    await shoot(page, "ouverture-avant-la-date-limite")

    platform_clock.set(deadline + timedelta(minutes=1))
    await visit(page, url)
    await assert_accessible(page)
    await shoot(page, "ouverture-bouton")
    await page.get_by_role("button", name="Ouvrir les plis").click()
    await page.wait_for_url(re.compile(r"/ouverture\?message=ouverts$"))
    main = await page.locator("main").inner_text()
    assert "Procès-verbal d’ouverture des plis" in main
    assert "48\u202f500,00 € HT" in main and "52\u202f250,50 € HT" in main
    await assert_accessible(page)
    await shoot(page, "ouverture-proces-verbal")

    card = page.locator(f"#offre-{other['id']}")
    await card.get_by_label("Irrégulière").check()
    await card.get_by_role("button", name="Enregistrer la décision").click()
    card = page.locator(f"#offre-{other['id']}")
    assert "Indiquez pourquoi l’offre est écartée" in await card.inner_text()
    await assert_accessible(page)
    await shoot(page, "ouverture-motif-requis")
    await card.get_by_label("Irrégulière").check()
    await card.get_by_label("Motif").fill("Le bordereau des prix n’est pas joint (L2152-2).")
    await card.get_by_role("button", name="Enregistrer la décision").click()
    await page.wait_for_url(re.compile(r"message=decide"))
    assert "Irrégulière" in await page.locator(f"#offre-{other['id']}").inner_text()
    await assert_accessible(page)

    # A missing candidate document requested (R2144-2), then sent by the supplier from its deposits page.
    card = page.locator(f"#offre-{other['id']}")
    await card.get_by_text("Demander de compléter la candidature").click()
    due = (deadline + timedelta(days=7)).astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M")
    await card.get_by_label("Date limite de complément (heure de Paris)").fill(due)
    await card.get_by_role("button", name="Demander les pièces").click()
    await page.wait_for_url(re.compile(r"message=complement"))
    assert "Compléments demandés (R2144-2)" in await page.locator(f"#offre-{other['id']}").inner_text()
    await assert_accessible(page)
    await shoot(page, "ouverture-complement-demande")

    await page.context.clear_cookies()
    await log_in(page, tendering, OTHER_LOGIN)
    await visit(page, f"{tendering}/mes-complements")
    await assert_accessible(page)
    await shoot(page, "complements-fournisseur")
    form = page.locator("form[enctype='multipart/form-data']").first
    await form.get_by_label("Pièce").select_option(label="Déclaration du candidat (DC2)")
    await form.get_by_label("Fichier (50 Mio au plus)").set_input_files(
        {"name": "dc2.pdf", "mimeType": "application/pdf", "buffer": PDF})
    await form.get_by_role("button", name="Envoyer la pièce").click()
    await page.wait_for_url(re.compile(r"message=envoye"))
    assert "La pièce est reçue." in await page.locator("main").inner_text()
    assert "Déclaration du candidat (DC2) : dc2.pdf" in await page.locator("main").inner_text()
    await assert_accessible(page)
    await shoot(page, "complements-envoye")
    assert page_errors == []
