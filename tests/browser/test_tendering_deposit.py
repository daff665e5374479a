"""Bid deposit in Chromium (issue 11, item 4): on a published two-lot consultation, a supplier
deposits a bid for lot 1 (a French price, a 30 MB file sealed chunk by chunk in the browser with
a progress bar, then sent), reads and downloads its receipt, replaces the bid, and sees the
earlier deposit « Remplacé » on /mes-depots. axe-core on every page; screenshots at 1280 and
375 px in $UNEFOIS_SCREENSHOTS (default /tmp/unefois-shots/tendering) to look at."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
from browser_harness import assert_accessible, visit
from test_sourcing_need_flow import log_in
from test_tendering_preparation_page import APPROVER_LOGIN, BUYER_LOGIN, a_draft, shoot
from unefois_deploy.demo import deposit_bid, demo_preparation
from unefois_tendering.bids.domain import load_public_key

SUPPLIER_LOGIN = "contact@tp-rhodaniens.fr"
BIG = 30 * 1024 * 1024
assert APPROVER_LOGIN


async def a_published_consultation(platform, tokens) -> dict:
    consultation = await a_draft(platform, tokens)
    url = f"{platform.url('tendering')}/api/consultations/{consultation['id']}"
    async with await tokens.client_for(BUYER_LOGIN) as buyer:
        current = (await buyer.get(url)).json()
        assert (await buyer.put(url, json=demo_preparation(current))).status_code == 200
        published = await buyer.post(f"{url}/publish")
        assert published.status_code == 200, published.text
    return published.json()


CANDIDATE_PDF = b"%PDF-1.7\n% DC1 et memoire\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def deposit_through_api(tokens, tendering: str, consultation: dict, login: str, name: str, siret: str,
                              price: str) -> dict:
    """A bid on lot 1 with its candidate document (DC1/DUME), sealed by the API client
    (demo.deposit_bid), as `login`: the completed deposit."""
    async with await tokens.client_for(login) as supplier:
        key = (await supplier.get(f"{tendering}/api/consultations/{consultation['id']}/public-key")).json()
        return await deposit_bid(supplier, tendering, consultation["id"], {}, load_public_key(key["public_key_pem"]),
                                 {"name": name, "siret": siret}, price, lot_number=1, document=CANDIDATE_PDF,
                                 document_role="candidate_document", document_name="dc1-dume.pdf")


async def fill_and_send(page, *, lot: str, price: str, files: dict) -> None:
    await page.get_by_label("Lot concerné").select_option(lot)
    await page.get_by_label("Prix total HT du lot, en euros").fill(price)
    for label, payload in files.items():
        await page.get_by_label(label).set_input_files(payload)
    await page.get_by_role("button", name="Chiffrer et déposer").click()
    await page.wait_for_url(re.compile(r"/mes-depots/[0-9a-f-]+\?message=depose$"), timeout=180_000)


async def test_a_supplier_deposits_replaces_and_downloads_the_receipt(platform, tokens, page, page_errors,
                                                                      mailcatcher):
    consultation = await a_published_consultation(platform, tokens)
    tendering = platform.url("tendering")
    form_url = f"{tendering}/consultations-publiques/{consultation['id']}/depot"
    await log_in(page, tendering, SUPPLIER_LOGIN)
    await visit(page, form_url)
    await assert_accessible(page)
    await shoot(page, "depot-formulaire")

    # A price that is not one: said next to the field, nothing sent.
    await page.get_by_label("Lot concerné").select_option("1")
    await page.get_by_label("Prix total HT du lot, en euros").fill("douze mille")
    await page.get_by_role("button", name="Chiffrer et déposer").click()
    assert "12 345,67" in await page.locator("#price-messages").inner_text()
    await assert_accessible(page)
    await shoot(page, "depot-prix-refuse")

    big = bytes(range(256)) * (BIG // 256)
    await fill_and_send(page, lot="1", price="98 765,43", files={
        "Bordereau de prix (BPU, DQE ou DPGF)": {"name": "DQE-lot1.xlsx", "mimeType": "application/octet-stream",
                                                 "buffer": b"PK\x03\x04 DQE " * 100},
        "Pièces de l’offre (mémoire technique, acte d’engagement…)": {
            "name": "memoire-technique.pdf", "mimeType": "application/pdf", "buffer": big},
    })
    await assert_accessible(page)
    main = await page.locator("main").inner_text()
    assert "Votre dépôt est reçu" in main and "Lot 1 — Voirie nord" in main and "Reçu" in main
    assert "memoire-technique.pdf" in main and "formulaire-offre.json" in main
    hash_text = await page.locator("#accuse").inner_text()
    assert re.search(r"[0-9a-f]{64}", hash_text)
    await shoot(page, "depot-accuse")
    first_url = page.url.split("?")[0]

    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Télécharger l’accusé de réception (PDF)").click()
    download = await download_info.value
    path = Path(await download.path())
    assert path.read_bytes()[:5] == b"%PDF-"
    assert download.suggested_filename.startswith("accuse-de-reception-") and download.suggested_filename.endswith(
        "-lot-1-offre.pdf")

    # The same lot again: the new deposit counts, the earlier one is kept and marked replaced.
    await visit(page, form_url)
    await fill_and_send(page, lot="1", price="97 000,00", files={
        "Pièces de l’offre (mémoire technique, acte d’engagement…)": {
            "name": "memoire-v2.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7 v2" * 1000},
    })
    await page.get_by_role("link", name="Mes dépôts").first.click()
    await page.wait_for_url(f"{tendering}/mes-depots")
    await assert_accessible(page)
    # The list holds every deposit this supplier ever made (other tests too): this consultation's rows.
    rows = page.locator("#mes-depots tbody tr", has_text=consultation["reference"])
    assert await rows.count() == 2
    texts = [await rows.nth(index).inner_text() for index in range(2)]
    assert "Reçu" in texts[0] and "Remplacé" in texts[1]
    await shoot(page, "mes-depots")
    await visit(page, first_url)
    assert "Dépôt remplacé" in await page.locator("main").inner_text()
    await assert_accessible(page)
    await shoot(page, "depot-remplace")

    # The buyer's register: who, when, lot, sizes and hashes; no price anywhere.
    async with await tokens.client_for(BUYER_LOGIN) as buyer:
        register = (await buyer.get(f"{tendering}/api/consultations/{consultation['id']}/deposits")).json()
    assert [row["status"] for row in register] == ["replaced", "received"]
    assert "98765" not in str(register) and "97000" not in str(register)
    # The receipts went by mail too (the service's sender, the development catcher).
    async with httpx.AsyncClient() as http:
        for _ in range(100):
            mails = (await http.get(f"{mailcatcher}/api/mails", params={"to": SUPPLIER_LOGIN})).json()
            receipts = [mail for mail in mails if "Accusé de réception" in mail.get("subject", "")]
            if len(receipts) >= 2:
                break
            await asyncio.sleep(0.2)
    assert len(receipts) >= 2, mails
    await page.context.clear_cookies()
    await log_in(page, tendering, BUYER_LOGIN)
    await visit(page, f"{tendering}/consultations/{consultation['id']}/depots")
    await assert_accessible(page)
    text = await page.locator("#registre-depots").inner_text()
    assert "Remplacé" in text and "Reçu" in text and "memoire-technique.pdf" in text and "98 765" not in text
    await shoot(page, "registre-des-depots")
    assert page_errors == []


async def test_after_the_deadline_the_page_says_so_and_a_late_completion_is_listed(
        platform, tokens, page, page_errors, platform_clock):
    from datetime import datetime, timedelta

    from unefois_tendering.bids.domain import BidForm, load_public_key, seal_bytes

    consultation = await a_published_consultation(platform, tokens)
    tendering = platform.url("tendering")
    deadline = datetime.fromisoformat(consultation["bid_deadline"])
    async with await tokens.client_for(SUPPLIER_LOGIN) as supplier:
        key = (await supplier.get(f"{tendering}/api/consultations/{consultation['id']}/public-key")).json()
        platform_clock.set(deadline - timedelta(seconds=5))
        begun = await supplier.post(f"{tendering}/api/consultations/{consultation['id']}/deposits",
                                    json={"lot_number": 2})
        assert begun.status_code == 201, begun.text
        form = BidForm(lot_number=2, price_excl_tax="1000.00", members=[
            {"name": "Travaux Publics Rhodaniens SAS", "identifier_type": "SIRET", "identifier": "80000004400019",
             "mandataire": True}])
        sealed = seal_bytes(load_public_key(key["public_key_pem"]), form.model_dump_json().encode())
        part = await supplier.post(f"{tendering}/api/deposits/{begun.json()['id']}/parts",
                                   params={"role": "bid_form"}, content=sealed,
                                   headers={"X-Filename": "formulaire-offre.json"})
        assert part.status_code == 201, part.text
        platform_clock.set(deadline + timedelta(minutes=2))
        late = await supplier.post(f"{tendering}/api/deposits/{begun.json()['id']}/complete")
        assert late.status_code == 200 and late.json()["status"] == "late", late.text
        refused = await supplier.post(f"{tendering}/api/consultations/{consultation['id']}/deposits",
                                      json={"lot_number": 1})
        assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "bid_deadline"

    await log_in(page, tendering, SUPPLIER_LOGIN)
    await visit(page, f"{tendering}/consultations-publiques/{consultation['id']}/depot", status=409)
    await assert_accessible(page)
    alert = await page.get_by_role("alert").first.inner_text()
    assert "La date limite de remise des offres est passée" in alert
    assert await page.get_by_role("button", name="Chiffrer et déposer").count() == 0
    await shoot(page, "depot-apres-la-date-limite")
    await visit(page, f"{tendering}/mes-depots")
    assert "Hors délai" in await page.locator("#mes-depots").inner_text()
    await visit(page, f"{tendering}/mes-depots/{begun.json()['id']}")
    assert "Dépôt reçu hors délai" in await page.locator("main").inner_text()
    await assert_accessible(page)
    await shoot(page, "depot-hors-delai")
    assert page_errors == []
