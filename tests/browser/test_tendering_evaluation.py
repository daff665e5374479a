"""Evaluation and award in Chromium (issue 11, items 8 and 9): two bids deposited through the API on
lot 1 (the lower one flagged abnormally low by the « moyenne réduite »), the deadline passed by the
platform clock and the bids opened; the buyer's lot page: the grid with the formula explained, a
justification requested; the supplier answers on « Mes demandes de justification » with a file; the
buyer keeps the bid, enters the marks (a missing comment said next to its field), proposes; the
approver decides; the letters listed on the lot's page and the supplier's « Résultat ». axe-core on
every page; screenshots at 1280 and 375 px in $UNEFOIS_SCREENSHOTS."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from browser_harness import assert_accessible, visit
from test_sourcing_need_flow import log_in
from test_tendering_deposit import SUPPLIER_LOGIN, a_published_consultation, deposit_through_api
from test_tendering_preparation_page import BUYER_LOGIN, shoot
from unefois_deploy.demo import wait_for

APPROVER_LOGIN = "valideur@region-demo.fr"
OTHER_LOGIN = "contact@fournitures-centre.fr"


async def _as(page, tendering: str, login: str) -> None:
    await page.context.clear_cookies()
    await log_in(page, tendering, login)


async def test_grid_flag_justification_proposal_decision_letters(platform, tokens, page, page_errors, platform_clock,
                                                                 tmp_path):
    consultation = await a_published_consultation(platform, tokens)
    tendering = platform.url("tendering")
    cid = consultation["id"]
    deadline = datetime.fromisoformat(consultation["bid_deadline"])
    await deposit_through_api(tokens, tendering, consultation, SUPPLIER_LOGIN,
                              "Travaux Publics Rhodaniens SAS", "80000004400019", "100000.00")
    low = await deposit_through_api(tokens, tendering, consultation, OTHER_LOGIN,
                                    "Fournitures Scolaires du Centre SARL", "81000005900016", "75000.00")
    platform_clock.set(deadline + timedelta(minutes=1))
    async with await tokens.client_for(BUYER_LOGIN) as buyer:
        async def closed():
            return (await buyer.get(f"{tendering}/api/consultations/{cid}")).json()["status"] == "closed"
        await wait_for(closed, timeout_s=30)
        opened = await buyer.post(f"{tendering}/api/consultations/{cid}/opening")
        assert opened.status_code == 201, opened.text
    url = f"{tendering}/consultations/{cid}/lots/1/evaluation"

    await log_in(page, tendering, BUYER_LOGIN)
    await visit(page, url)
    main = await page.locator("main").inner_text()
    assert "Formule proportionnelle" in main and "moyenne réduite" in main
    assert "Fournitures Scolaires du Centre SARL" in main and "demande de justification requise" in main
    await assert_accessible(page)
    await shoot(page, "evaluation-grille")

    await page.get_by_role("button", name="Demander une justification").click()
    await page.wait_for_url(re.compile(r"message=demande$"))
    assert "justification demandée" in await page.locator("main").inner_text()
    await assert_accessible(page)

    # The supplier answers on its deposits' pages, with a file.
    await _as(page, tendering, OTHER_LOGIN)
    await visit(page, f"{tendering}/mes-depots/justifications")
    await assert_accessible(page)
    await shoot(page, "evaluation-justification-fournisseur")
    proof = tmp_path / "factures.pdf"
    proof.write_bytes(b"%PDF-1.7\n% factures du stock\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    await page.get_by_label("Votre justification").fill("Nos prix s’expliquent par un stock acquis avant la hausse.")
    await page.get_by_label("Pièce justificative (facultatif)").set_input_files(str(proof))
    await page.get_by_role("button", name="Envoyer ma justification").click()
    await page.wait_for_url(re.compile(r"message=reponse$"))
    assert "Votre réponse du" in await page.locator("main").inner_text()
    await assert_accessible(page)

    # The buyer keeps the bid, then marks the grid.
    await _as(page, tendering, BUYER_LOGIN)
    await visit(page, url)
    await page.get_by_label("Maintenir l’offre (justification suffisante)").check()
    await page.get_by_label("Motif de la décision").fill("Justification et factures convaincantes.")
    await page.get_by_role("button", name="Enregistrer la décision").click()
    await page.wait_for_url(re.compile(r"message=justification$"))
    points = page.locator("input[name$='-points']")
    comments = page.locator("textarea[name$='-comment']")
    count = await points.count()
    assert count == 6  # two bids x (environment + two quality sub-criteria)
    for index in range(count):
        await points.nth(index).fill("5")
        if index:
            await comments.nth(index).fill("Éléments précis et vérifiables.")
    await page.get_by_role("button", name="Enregistrer les notes").click()
    main = await page.locator("main").inner_text()
    assert "commentaire obligatoire pour chaque note" in main
    await assert_accessible(page)
    await shoot(page, "evaluation-commentaire-requis")
    await page.locator("textarea[name$='-comment']").first.fill("Plan environnemental détaillé.")
    await page.get_by_role("button", name="Enregistrer les notes").click()
    await page.wait_for_url(re.compile(r"message=notes$"))
    await page.get_by_role("button", name="Proposer l’attribution").click()
    await page.wait_for_url(re.compile(r"message=proposition$"))
    assert "75\u202f000,00 €" in await page.locator("main").inner_text()
    await assert_accessible(page)
    await shoot(page, "evaluation-proposition")

    # The approver decides: the letters are sent and listed.
    await _as(page, tendering, APPROVER_LOGIN)
    await visit(page, url)
    await page.get_by_role("button", name="Décider l’attribution").click()
    await page.wait_for_url(re.compile(r"message=decision$"))
    main = await page.locator("main").inner_text()
    assert "Lettres envoyées" in main and "Lettre de rejet" in main and "Lettre d’attribution" in main
    await assert_accessible(page)
    await shoot(page, "evaluation-decision")

    await _as(page, tendering, SUPPLIER_LOGIN)
    await visit(page, f"{tendering}/mes-depots/resultats")
    main = await page.locator("main").inner_text()
    assert "Résultat : Lettre de rejet" in main and "Fournitures Scolaires du Centre SARL" in main
    await assert_accessible(page)
    await shoot(page, "evaluation-resultat-fournisseur")
    assert page_errors == []
    assert low["id"]
