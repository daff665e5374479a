"""Issue 11's « done when » in Chromium: a two-lot consultation from publication to award, through
the pages (the API only to enter and approve the need, as sourcing's part of the story).

A formal procedure (appel d'offres ouvert, services above the threshold), so that the letters and
the standstill apply: the buyer prepares and publishes it; three demo suppliers deposit through
the deposit page (sealed in the browser): A and B on both lots, A replaces its lot 1 bid, C bids
on lot 2 in time, then completes a lot 1 deposit after the deadline (« hors délai ») and is refused
when it begins another; the platform clock passes the deadline, the consultation shows closed;
the buyer opens (the record lists the replaced and late deposits, not opened) and marks each bid
admissible. Lot 1: grid with comments, proposal, the approver's decision, letters. Lot 2: B's
price is flagged by the « moyenne réduite » (60 000, 40 000, 62 000: mean 54 000, none left out,
40 000 at least 10 % below it), its justification requested, answered by B on its page, kept;
grid, proposal, decision, letters. Each supplier reads its result and its letter with the
standstill's end; the clock passes the standstill; both lots show the award sent, the
consultation « Attribuée », the contracts stage lists the two contracts at the winning prices.
axe-core on every page; screenshots at 1280 and 375 px in $UNEFOIS_SCREENSHOTS."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from browser_harness import assert_accessible, visit
from test_sourcing_need_flow import log_in
from test_tendering_deposit import fill_and_send
from test_tendering_preparation_page import APPROVER_LOGIN, BUYER_LOGIN, shoot
from unefois_deploy.demo import SUPPLIER_LOGINS, SUPPLIERS, need_facts

A, B, C = SUPPLIERS[0], SUPPLIERS[1], SUPPLIERS[2]
PDF = {"name": "memoire-technique.pdf", "mimeType": "application/pdf",
       "buffer": b"%PDF-1.7\n% memoire\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"}
DC = {"name": "dume.pdf", "mimeType": "application/pdf",
      "buffer": b"%PDF-1.7\n% DUME\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"}
FILES = {"Pièces de candidature (DC1, DC2, DUME…)": DC,
         "Pièces de l’offre (mémoire technique, acte d’engagement…)": PDF}
NNBSP = "\u202f"


async def an_approved_need(platform, tokens, object_: str) -> dict:
    """A two-lot need of services above the formal threshold, entered, submitted and approved
    through sourcing's API; the consultation it opened (en préparation)."""
    facts = need_facts(object_=object_, cpv="50750000", value="400000.00", commune="69123",
                       nature="services") | {"procedure": "Appel d'offres ouvert"}
    facts["lots"] = [{"number": 1, "title": "Ascenseurs du siège", "estimated_value": "250000.00"},
                     {"number": 2, "title": "Ascenseurs des lycées", "estimated_value": "150000.00"}]
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


async def as_user(page, tendering: str, login: str) -> None:
    await page.context.clear_cookies()
    await log_in(page, tendering, login)


async def prepare_and_publish(page, url: str) -> datetime:
    """The buyer's preparation page: the deadline the day after the earliest the code allows (at
    noon), the criteria of each lot, then « Publier ». Returns the deadline shown."""
    await visit(page, url)
    assert "En préparation" in await page.locator("main h1 + p .badge").inner_text()
    await page.get_by_role("link", name="Préparer").click()
    await page.wait_for_url(f"{url}/preparer")
    await assert_accessible(page)
    hint = await page.locator("label[for=bid_deadline_date]").inner_text()
    earliest = re.search(r"Au plus tôt le (\d\d)/(\d\d)/(\d{4}) à 24 h", hint)
    assert earliest, hint  # a formal procedure: the code's minimum (R2161-2), not a suggestion
    day, month, year = (int(part) for part in earliest.groups())
    bid_day = date(year, month, day) + timedelta(days=1)
    await page.locator("#bid_deadline_date").fill(bid_day.isoformat())
    await page.locator("#questions_deadline_date").fill((bid_day - timedelta(days=7)).isoformat())
    for lot in (1, 2):
        for index, (kind, name, weight) in enumerate((("price", "Prix", "60"),
                                                      ("environmental", "Performance environnementale", "20"),
                                                      ("quality", "Valeur technique", "20"))):
            await page.locator(f"#crit_{lot}_{index}_kind").select_option(kind)
            await page.locator(f"#crit_{lot}_{index}_name").fill(name)
            await page.locator(f"#crit_{lot}_{index}_weight").fill(weight)
        await page.locator(f"#crit_{lot}_2_subs").fill("Méthodologie : 12\nMoyens : 8")
    await page.get_by_label("Interdites").check()
    await page.locator("#price_form").select_option("Forfaitaire")
    await page.get_by_label("Définitif ferme").check()
    await page.get_by_label("Document unique de marché européen (DUME)").check()
    await shoot(page, "consultation-entiere-preparation")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Enregistrer la préparation").click()
    assert page.url.endswith("?message=preparee"), page.url
    await assert_accessible(page)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Publier la consultation").click()
    await assert_accessible(page)
    assert "La consultation est publiée." in await page.locator("main").inner_text()
    assert "Publiée" in await page.locator("main h1 + p .badge").inner_text()
    await shoot(page, "consultation-entiere-publiee")
    return datetime.combine(bid_day, time(12, 0), tzinfo=ZoneInfo("Europe/Paris"))


async def deposit(page, form_url: str, lot: str, price: str) -> None:
    await visit(page, form_url)
    await fill_and_send(page, lot=lot, price=price, files=FILES)
    await assert_accessible(page)
    assert "Votre dépôt est reçu" in await page.locator("main").inner_text()


async def mark_grid(page, name: str) -> None:
    """Every mark entered with its comment, saved; then the proposal."""
    points = page.locator("input[name$='-points']")
    comments = page.locator("textarea[name$='-comment']")
    for index in range(await points.count()):
        await points.nth(index).fill("5")
        await comments.nth(index).fill("Éléments précis et vérifiables.")
    await page.get_by_role("button", name="Enregistrer les notes").click()
    await page.wait_for_url(re.compile(r"message=notes$"))
    await assert_accessible(page)
    await shoot(page, f"{name}-notes")
    await page.get_by_role("button", name="Proposer l’attribution").click()
    await page.wait_for_url(re.compile(r"message=proposition$"))
    await assert_accessible(page)


async def decide(page, url: str, name: str) -> str:
    await visit(page, url)
    await page.get_by_role("button", name="Décider l’attribution").click()
    await page.wait_for_url(re.compile(r"message=decision$"))
    await assert_accessible(page)
    main = await page.locator("main").inner_text()
    assert "Lettres envoyées" in main and "Lettre de rejet" in main and "Lettre d’attribution" in main
    assert "Fin du délai de suspension" in main
    await shoot(page, f"{name}-decision")
    return main


async def test_a_two_lot_consultation_from_publication_to_award(platform, tokens, page, page_errors,
                                                                platform_clock):
    tendering = platform.url("tendering")
    marker = uuid.uuid4().hex[:6]
    consultation = await an_approved_need(platform, tokens, f"Maintenance des ascenseurs {marker}")
    cid = consultation["id"]
    url = f"{tendering}/consultations/{cid}"
    form_url = f"{tendering}/consultations-publiques/{cid}/depot"

    # The buyer prepares and publishes.
    await log_in(page, tendering, BUYER_LOGIN)
    deadline = await prepare_and_publish(page, url)

    # A deposits on both lots, then replaces its lot 1 bid.
    await as_user(page, tendering, SUPPLIER_LOGINS[A["siret"]])
    await deposit(page, form_url, "1", "90 000,00")
    await shoot(page, "consultation-entiere-depot-accuse")
    await deposit(page, form_url, "2", "60 000,00")
    await deposit(page, form_url, "1", "88 000,00")
    await visit(page, f"{tendering}/mes-depots")
    # The list holds every deposit this supplier ever made: read this consultation's rows.
    rows = "\n".join(await page.locator("#mes-depots tbody tr", has_text=marker).all_inner_texts())
    assert rows.count("Remplacé") == 1 and rows.count("Reçu") == 2
    await shoot(page, "consultation-entiere-mes-depots-a")

    # B on both lots.
    await as_user(page, tendering, SUPPLIER_LOGINS[B["siret"]])
    await deposit(page, form_url, "1", "95 000,00")
    await deposit(page, form_url, "2", "40 000,00")

    # C on lot 2 in time; then a lot 1 deposit begun in time and completed after the deadline.
    await as_user(page, tendering, SUPPLIER_LOGINS[C["siret"]])
    await deposit(page, form_url, "2", "62 000,00")
    second = await page.context.new_page()  # a form opened before the deadline, sent after it
    await visit(second, form_url)
    await visit(page, form_url)

    async def late_completion(route):
        platform_clock.set(deadline + timedelta(minutes=1))
        await route.continue_()
    await page.route("**/api/deposits/*/complete", late_completion)
    await fill_and_send(page, lot="1", price="91 000,00", files=FILES)
    await page.unroute("**/api/deposits/*/complete")
    assert "Dépôt reçu hors délai" in await page.locator("main").inner_text()
    await assert_accessible(page)
    await shoot(page, "consultation-entiere-depot-hors-delai")

    await second.get_by_label("Lot concerné").select_option("1")
    await second.get_by_label("Prix total HT du lot, en euros").fill("91 000,00")
    await second.get_by_role("button", name="Chiffrer et déposer").click()
    refusal = second.locator("#depot-erreur")
    await refusal.wait_for(state="visible")
    assert "date limite" in (await refusal.inner_text()).lower(), await refusal.inner_text()
    await assert_accessible(second)
    await shoot(second, "consultation-entiere-depot-refuse")
    await second.close()
    await visit(page, form_url, status=409)
    assert "La date limite de remise des offres est passée" in await page.get_by_role("alert").first.inner_text()

    # The buyer: the consultation shows closed (the due transition), then the opening.
    await as_user(page, tendering, BUYER_LOGIN)
    for _ in range(60):
        await visit(page, url)
        if "Date limite passée" in await page.locator("main h1 + p .badge").inner_text():
            break
        await asyncio.sleep(0.5)
    assert "Date limite passée" in await page.locator("main h1 + p .badge").inner_text()
    await shoot(page, "consultation-entiere-date-limite-passee")
    await page.get_by_role("link", name="Ouverture des plis").click()
    await page.wait_for_url(f"{url}/ouverture")
    await assert_accessible(page)
    await page.get_by_role("button", name="Ouvrir les plis").click()
    await page.wait_for_url(re.compile(r"/ouverture\?message=ouverts$"))
    await assert_accessible(page)
    record = await page.locator("#pv-lignes").inner_text()
    assert "remplacé, non ouvert" in record and "hors délai, non ouvert" in record, record
    for price in ("88 000,00", "95 000,00", "60 000,00", "40 000,00", "62 000,00"):
        assert price.replace(" ", NNBSP) in record, (price, record)
    assert "90 000,00".replace(" ", NNBSP) not in record and "91 000,00".replace(" ", NNBSP) not in record
    await shoot(page, "consultation-entiere-proces-verbal")
    cards = page.locator("section[id^='offre-']")
    ids = [await cards.nth(index).get_attribute("id") for index in range(await cards.count())]
    assert len(ids) == 5, ids
    for card_id in ids:
        card = page.locator(f"#{card_id}")
        await card.get_by_label("Admissible (régulière, acceptable et appropriée)").check()
        await card.get_by_role("button", name="Enregistrer la décision").click()
        await page.wait_for_url(re.compile(r"message=decide"))
    await assert_accessible(page)
    assert (await page.locator("main").inner_text()).count("Admissibilité\nAdmissible") == 5
    await shoot(page, "consultation-entiere-admissibilite")

    # Lot 1: the grid, the proposal (A's replacing bid), the approver's decision and letters.
    lot1, lot2 = f"{url}/lots/1/evaluation", f"{url}/lots/2/evaluation"
    await visit(page, url)
    await page.get_by_role("link", name="Évaluation du lot 1").click()
    await page.wait_for_url(lot1)
    await assert_accessible(page)
    assert "Aucune offre signalée." in await page.locator("main").inner_text()
    await mark_grid(page, "consultation-entiere-lot1")
    assert f"88{NNBSP}000,00 €" in await page.locator("main").inner_text()

    # Lot 2: B flagged, its justification requested.
    await visit(page, lot2)
    main = await page.locator("main").inner_text()
    assert "moyenne réduite" in main and "demande de justification requise" in main
    await shoot(page, "consultation-entiere-lot2-signalee")
    await page.get_by_role("button", name="Demander une justification").click()
    await page.wait_for_url(re.compile(r"message=demande$"))
    assert "justification demandée" in await page.locator("main").inner_text()
    await assert_accessible(page)

    await as_user(page, tendering, SUPPLIER_LOGINS[B["siret"]])
    await visit(page, f"{tendering}/mes-depots")
    await page.get_by_role("link", name="Justifications demandées").click()
    await page.wait_for_url(f"{tendering}/mes-depots/justifications")
    await assert_accessible(page)
    await page.get_by_label("Votre justification").fill("Une équipe déjà sur place pour un autre marché.")
    await page.get_by_role("button", name="Envoyer ma justification").click()
    await page.wait_for_url(re.compile(r"message=reponse$"))
    assert "Votre réponse du" in await page.locator("main").inner_text()
    await assert_accessible(page)
    await shoot(page, "consultation-entiere-justification-envoyee")

    await as_user(page, tendering, BUYER_LOGIN)
    await visit(page, lot2)
    await page.get_by_label("Maintenir l’offre (justification suffisante)").check()
    await page.get_by_label("Motif de la décision").fill("Mutualisation des déplacements démontrée.")
    await page.get_by_role("button", name="Enregistrer la décision").click()
    await page.wait_for_url(re.compile(r"message=justification$"))
    await assert_accessible(page)
    await mark_grid(page, "consultation-entiere-lot2")
    assert f"40{NNBSP}000,00 €" in await page.locator("main").inner_text()

    # The approver decides both lots: the letters are sent, the standstill runs.
    await as_user(page, tendering, APPROVER_LOGIN)
    await decide(page, lot1, "consultation-entiere-lot1")
    await decide(page, lot2, "consultation-entiere-lot2")

    # Each supplier reads its result and its letter with the standstill's end.
    expected = [(A, ("Lettre d’attribution", "Lettre de rejet")), (B, ("Lettre d’attribution", "Lettre de rejet")),
                (C, ("Lettre de rejet",))]
    for supplier, kinds in expected:
        await as_user(page, tendering, SUPPLIER_LOGINS[supplier["siret"]])
        await visit(page, f"{tendering}/mes-depots")
        await page.get_by_role("link", name="Résultats et lettres").click()
        await page.wait_for_url(f"{tendering}/mes-depots/resultats")
        await assert_accessible(page)
        main = await page.locator("main").inner_text()
        mine = [part for part in main.split("Résultat : ")[1:] if marker in part]
        assert sorted(part.split("\n")[0].replace("Offre retenue", "").strip() for part in mine) == sorted(kinds), main
        assert all("à compter du" in part for part in mine if part.startswith("Lettre de rejet")), mine
        await shoot(page, f"consultation-entiere-resultat-{supplier['siret']}")

    # The standstill passes (11 days from the letters, R2182-1): the awards are sent, one per lot.
    platform_clock.advance(timedelta(days=16))
    await as_user(page, tendering, BUYER_LOGIN)
    for lot_url in (lot1, lot2):
        for _ in range(120):
            await visit(page, lot_url)
            if "l’attribution est transmise" in await page.locator("main").inner_text():
                break
            await asyncio.sleep(0.5)
        assert "l’attribution est transmise" in await page.locator("main").inner_text()
    await shoot(page, "consultation-entiere-lot2-transmise")
    await visit(page, url)
    assert "Attribuée" in await page.locator("main h1 + p .badge").inner_text()
    await shoot(page, "consultation-entiere-attribuee")

    contracts = platform.url("contracts")
    await visit(page, f"{contracts}/")
    if await page.get_by_role("link", name="Se connecter").count():
        await log_in(page, contracts, BUYER_LOGIN)
    # One contract per lot, each naming its lot (the award event's lot number and title).
    wanted = {(A["name"], f"88{NNBSP}000,00", "Lot 1 —"), (B["name"], f"40{NNBSP}000,00", "Lot 2 —")}
    for _ in range(120):
        await visit(page, f"{contracts}/")
        table = page.locator("#marches")
        rows = [await row.inner_text() for row in await table.locator("tbody tr").all()] if await table.count() else []
        found = {(name, amount, lot) for name, amount, lot in wanted for row in rows
                 if marker in row and name in row and amount in row and lot in row}
        if found == wanted:
            break
        await asyncio.sleep(0.5)
    assert found == wanted, rows
    await shoot(page, "consultation-entiere-marches")
    assert page_errors == []
