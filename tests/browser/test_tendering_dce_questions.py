"""DCE and questions in Chromium (issue 11, items 2 and 3): the buyer uploads a DCE file on its
consultation's DCE page (htmx multipart, the CSRF token in a header); once published, a signed-in
supplier downloads it from the public DCE page (recorded in the buyer's « Registre des retraits »),
asks a question; the buyer answers and publishes it; the supplier sees the answer, without its
name, and the in-app message. axe-core on every page; screenshots at 1280 and 375 px in
$UNEFOIS_SCREENSHOTS (default /tmp/unefois-shots/tendering)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from browser_harness import assert_accessible, visit
from test_sourcing_need_flow import log_in
from test_tendering_preparation_page import BUYER_LOGIN, SHOTS, a_draft, shoot
from unefois_deploy.demo import demo_preparation

SUPPLIER_LOGIN = "contact@tp-rhodaniens.fr"
PDF = b"%PDF-1.7\n" + b"cahier des clauses " * 4000 + b"\n%%EOF\n"


async def publish(platform, tokens, consultation_id: str) -> None:
    url = f"{platform.url('tendering')}/api/consultations/{consultation_id}"
    async with await tokens.client_for(BUYER_LOGIN) as buyer:
        current = (await buyer.get(url)).json()
        prepared = await buyer.put(url, json=demo_preparation(current))
        assert prepared.status_code == 200, prepared.text
        assert (await buyer.post(f"{url}/publish")).status_code == 200


async def test_dce_download_question_and_published_answer(platform, tokens, page, browser, page_errors, tmp_path):
    consultation = await a_draft(platform, tokens)
    cid = consultation["id"]
    tendering = platform.url("tendering")
    await log_in(page, tendering, BUYER_LOGIN)

    # The buyer: from its consultation's page to the DCE page, a file uploaded.
    await visit(page, f"{tendering}/consultations/{cid}")
    await page.get_by_role("link", name="Dossier de consultation (DCE)").click()
    await page.wait_for_url(f"{tendering}/consultations/{cid}/dce")
    await assert_accessible(page)
    rc = tmp_path / "Règlement de la consultation.pdf"
    rc.write_bytes(PDF)
    await page.get_by_label("Titre du document").fill("Règlement de la consultation")
    await page.locator("#fichier").set_input_files(str(rc))
    async with page.expect_navigation(url=f"{tendering}/consultations/{cid}/dce?message=ajoute"):
        await page.get_by_role("button", name="Déposer le fichier").click()
    await assert_accessible(page)
    assert hashlib.sha256(PDF).hexdigest() in await page.locator("#dce-fichiers").inner_text()
    await shoot(page, "dce-acheteur")
    await publish(platform, tokens, cid)

    # The supplier, in a context of its own: downloads the file signed in, asks a question.
    supplier_context = await browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900},
                                                 accept_downloads=True)
    supplier = await supplier_context.new_page()
    try:
        await log_in(supplier, tendering, SUPPLIER_LOGIN)
        await visit(supplier, f"{tendering}/consultations-publiques/{cid}/dce")
        await shoot(supplier, "dce-public")
        async with supplier.expect_download() as download_info:
            await supplier.get_by_role("link", name="Règlement de la consultation").click()
        download = await download_info.value
        assert Path(await download.path()).read_bytes() == PDF
        await visit(supplier, f"{tendering}/consultations-publiques/{cid}/questions")
        await supplier.get_by_label("Votre question").fill("Une visite de site est-elle prévue ?")
        async with supplier.expect_navigation():
            await supplier.get_by_role("button", name="Envoyer la question").click()
        await assert_accessible(supplier)
        assert "Votre question est transmise" in await supplier.locator("main").inner_text()
        await shoot(supplier, "questions-fournisseur")

        # The buyer: the registry names the supplier; the question with its asker; the answer published.
        await visit(page, f"{tendering}/consultations/{cid}/dce")
        assert "Travaux Publics Rhodaniens" in await page.locator("#retraits").inner_text()
        await visit(page, f"{tendering}/consultations/{cid}/questions")
        assert "Travaux Publics Rhodaniens" in await page.locator("main").inner_text()
        await shoot(page, "questions-acheteur")
        await page.get_by_label("Réponse").fill("Oui, le 12 janvier à 10 h, sur inscription.")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Publier la réponse").click()
        await assert_accessible(page)
        assert "Réponse publiée" in await page.locator("main").inner_text()

        # The supplier: the answer (no name), and the message in « Mes messages ».
        await visit(supplier, f"{tendering}/consultations-publiques/{cid}/questions")
        answers = await supplier.locator("#reponses").locator("..").inner_text()
        assert "Oui, le 12 janvier à 10 h" in answers and "Rhodaniens" not in answers
        await shoot(supplier, "questions-reponse-publiee")
        # The buyer amends the DCE on its page (a new version, described); the supplier is told.
        await visit(page, f"{tendering}/consultations/{cid}/dce")
        rc.write_bytes(PDF + b"version 2")
        await page.get_by_label("Titre du document").fill("Règlement de la consultation")
        await page.locator("#fichier").set_input_files(str(rc))
        await page.get_by_label("Remplace le document").select_option(label="Règlement de la consultation (version 1)")
        await page.get_by_label("Description de la modification").fill("Article 4 : la visite de site est ajoutée.")
        async with page.expect_navigation(url=f"{tendering}/consultations/{cid}/dce?message=modifie"):
            await page.get_by_role("button", name="Enregistrer la modification du DCE").click()
        await assert_accessible(page)
        assert "Article 4 : la visite de site est ajoutée." in await page.locator("main").inner_text()
        await shoot(page, "dce-acheteur-modifie")
        await visit(supplier, f"{tendering}/messages")
        messages = await supplier.locator("main").inner_text()
        assert "Réponse à une question" in messages and "Modification du dossier de consultation" in messages
        await shoot(supplier, "messages-fournisseur")
    finally:
        await supplier_context.close()
    assert not page_errors, page_errors
    assert SHOTS.exists()
