"""Demo data: purchases driven through the five services' HTTP APIs, as a buyer would.

Each purchase is entered once at sourcing; every later stage is reached through events, and the
award only from sealed bids (deposited, opened after the deadline, evaluated, decided): the
platform clock is moved past each deadline. The end-to-end tests drive the same `run_purchase`
and the helpers below (deposit_bid, award_from_bids...), so the demo cannot silently rot.
The SIRETs are fictitious but pass the Luhn check.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from unefois_deploy.summary import DemoPurchase

REGION = {"siret": "20000001600010", "name": "Région Démo-Alpes"}
DEPARTEMENT = {"siret": "22000002000010", "name": "Département du Val-Démo"}
VILLAGE = {"siret": "21000003000010", "name": "Commune de Démoville (312 habitants)"}
SUPPLIERS = [
    {"siret": "80000004400019", "name": "Travaux Publics Rhodaniens SAS"},
    {"siret": "81000005900016", "name": "Fournitures Scolaires du Centre SARL"},
    {"siret": "82000006500012", "name": "Numérique Territorial SA"},
    {"siret": "83000007100019", "name": "Entretien Espaces Verts SCOP"},
]
# The demo suppliers as the supplier directory (/fournisseurs) holds them: written at every `up`
# (seed_supplier_directory) through the operator's SIRENE import, from a StockEtablissement and a
# StockUniteLegale file made for them. Fictitious companies; the SIRETs pass the Luhn check.
SUPPLIER_DIRECTORY = [
    {"siret": "80000004400019", "numero": "12", "voie": ("RUE", "DE LA REPUBLIQUE"), "postal": "69002",
     "commune": ("69382", "LYON 2E ARRONDISSEMENT"), "naf": "42.11Z", "tranche": "21", "categorie": "PME",
     "cpv": ["45200000", "45261000"]},
    {"siret": "81000005900016", "numero": "3", "voie": ("AV", "JEAN JAURES"), "postal": "63000",
     "commune": ("63113", "CLERMONT-FERRAND"), "naf": "46.49Z", "tranche": "11", "categorie": "PME",
     "cpv": ["39160000", "30192000"]},
    {"siret": "82000006500012", "numero": "45", "voie": ("BD", "GAMBETTA"), "postal": "38000",
     "commune": ("38185", "GRENOBLE"), "naf": "62.02A", "tranche": "32", "categorie": "ETI",
     "cpv": ["72000000", "48000000"]},
    {"siret": "83000007100019", "numero": "8", "voie": ("CHE", "DU MOULIN"), "postal": "01500",
     "commune": ("01004", "AMBERIEU-EN-BUGEY"), "naf": "81.30Z", "tranche": "12", "categorie": "PME",
     "cpv": ["77310000", "77300000"]},
]

# Logins of the development issuer's seeded users (deploy/dev_issuer/.../users.json).
BUYER_LOGINS = {
    REGION["siret"]: ("acheteur@region-demo.fr", "valideur@region-demo.fr"),
    DEPARTEMENT["siret"]: ("acheteur@val-demo.fr", "valideur@val-demo.fr"),
    VILLAGE["siret"]: ("acheteur@demoville.fr", "valideur@demoville.fr"),
}
SUPPLIER_LOGINS = {
    "80000004400019": "contact@tp-rhodaniens.fr",
    "81000005900016": "contact@fournitures-centre.fr",
    "82000006500012": "contact@numerique-territorial.fr",
    "83000007100019": "contact@espaces-verts-scop.fr",
}


@dataclass(frozen=True)
class PurchaseActors:
    """Authorization headers of who acts on a purchase: the buyer, its approver, the winner."""

    buyer: dict[str, str]
    approver: dict[str, str]
    supplier: dict[str, str]


async def actors_for(get_headers, buyer_siret: str, supplier_siret: str) -> PurchaseActors:
    """`get_headers(login)` -> {"Authorization": ...} (the tests' Tokens.headers_for, or a password grant)."""
    buyer_login, approver_login = BUYER_LOGINS[buyer_siret]
    return PurchaseActors(
        buyer=await get_headers(buyer_login),
        approver=await get_headers(approver_login),
        supplier=await get_headers(SUPPLIER_LOGINS[supplier_siret]),
    )


@dataclass(frozen=True)
class PurchaseIds:
    need_id: str
    consultation_id: str
    award_id: str
    contract_id: str
    contract_number: str
    commitment_id: str
    deposit_ids: tuple[str, ...] = ()  # the bids deposited, the winner's first


def need_facts(*, object_: str, cpv: str, value: str, commune: str, nature: str = "works") -> dict:
    """A need as the buyer types it (the buyer organisation comes from the login)."""
    return {
        "object": object_,
        "nature": nature,
        "main_cpv": cpv,
        "estimated_value": value,
        "duration_months": 12,
        "place_of_execution": {"code": commune, "code_type": "Code commune"},
        "procedure": "Procédure adaptée",
        "ccag": "Travaux" if nature == "works" else "Fournitures courantes et services",
        "techniques": ["Sans objet"],
        "execution_modes": ["Sans objet"],
        "social_considerations": ["Pas de considération sociale"],
        "environmental_considerations": ["Clause environnementale"],
    }


async def wait_for(fetch, *, timeout_s: float = 30.0, interval_s: float = 0.05):
    """Poll until `fetch()` returns something truthy (an event has crossed a hop)."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = await fetch()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError("the expected record did not appear in time")
        await asyncio.sleep(interval_s)


async def _first(client: httpx.AsyncClient, url: str, params: dict, headers: dict) -> dict | None:
    response = await client.get(url, params=params, headers=headers)
    response.raise_for_status()
    items = response.json()
    return items[0] if items else None


def demo_preparation(consultation: dict) -> dict:
    """What the demo buyer adds to a consultation en préparation: the bid deadline at noon (Paris)
    the day after the earliest the rules allow, questions closed a week before, price 60 /
    environment 20 / technical value 20 per lot (art. R2152-7), no variants (art. R2151-8), the
    DUME or DC1 and DC2."""
    earliest = datetime.fromisoformat(consultation["minimum_bid_deadline"]["deadline"])
    bid = earliest + timedelta(hours=12)
    lots = [lot["number"] for lot in consultation["purchase"]["lots"]] or [None]
    criteria = [{"lot_number": number, "criteria": [
        {"kind": "price", "name": "Prix des prestations", "weight": 60},
        {"kind": "environmental", "name": "Performance environnementale", "weight": 20},
        {"kind": "quality", "name": "Valeur technique", "weight": 20,
         "sub_criteria": [{"name": "Méthodologie", "weight": 12}, {"name": "Moyens humains et matériels", "weight": 8}]},
    ]} for number in lots]
    return {"bid_deadline": bid.isoformat(), "questions_deadline": (bid - timedelta(days=7)).isoformat(),
            "criteria": criteria, "variants_allowed": False,
            "required_documents": ["dume", "dc1", "dc2", "tax_social_certificates"],
            "price_form": "Forfaitaire", "price_types": ["Définitif ferme"]}


async def prepare_and_publish(client: httpx.AsyncClient, urls: dict[str, str], consultation_id: str,
                              actors: PurchaseActors) -> dict:
    """The buyer completes the consultation en préparation, then publishes it (through the API)."""
    url = f"{urls['tendering']}/api/consultations/{consultation_id}"
    response = await client.get(url, headers=actors.buyer)
    response.raise_for_status()
    response = await client.put(url, json=demo_preparation(response.json()), headers=actors.buyer)
    response.raise_for_status()
    response = await client.post(f"{url}/publish", headers=actors.buyer)
    response.raise_for_status()
    return response.json()


# Moves every service's clock by a duration and returns the new instant: the test profile's
# `platform_clock.advance`, the demo loader's `unefois_deploy.clock.advance` on the dev profile.
Advance = Callable[[timedelta], datetime]

BID_DOCUMENT = b"%PDF-1.7\n% memoire technique\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass(frozen=True)
class Bidder:
    """A supplier who deposits a bid at `price` (excl. tax), signed in as `headers`."""

    supplier: dict
    headers: dict[str, str]
    price: str


async def consultation_public_key(client: httpx.AsyncClient, tendering: str, consultation_id: str):
    """The published consultation's public key, for sealing bids (unefois_tendering.bids.domain)."""
    from unefois_tendering.bids.domain import load_public_key

    response = await client.get(f"{tendering}/api/consultations/{consultation_id}/public-key")
    response.raise_for_status()
    return load_public_key(response.json()["public_key_pem"])


async def deposit_bid(client: httpx.AsyncClient, tendering: str, consultation_id: str, headers: dict,
                      public_key, supplier: dict, price: str, *, lot_number: int | None = None,
                      document: bytes = BID_DOCUMENT, document_role: str = "bid_document",
                      document_name: str = "memoire.pdf") -> dict:
    """A supplier's deposit through the API, sealed as the API client does (`seal_bytes`): begun,
    the bid form (price, the supplier as mandataire) and one document sent (by default a
    technical memoir; `document_role="candidate_document"` for a DC1/DUME), completed.
    Returns the completed deposit (its id, receipt hash...)."""
    from unefois_tendering.bids.domain import BidForm, seal_bytes

    begun = await client.post(f"{tendering}/api/consultations/{consultation_id}/deposits",
                              json={"lot_number": lot_number}, headers=headers)
    if begun.status_code != 201:
        raise AssertionError(f"deposit not begun: {begun.status_code} {begun.text}")
    deposit_id = begun.json()["id"]
    form = BidForm(lot_number=lot_number, price_excl_tax=price, members=[
        {"name": supplier["name"], "identifier_type": "SIRET", "identifier": supplier["siret"], "mandataire": True}])
    for role, filename, plain in (("bid_form", "formulaire.json", form.model_dump_json().encode()),
                                  (document_role, document_name, document)):
        sent = await client.post(f"{tendering}/api/deposits/{deposit_id}/parts", params={"role": role},
                                 content=seal_bytes(public_key, plain),
                                 headers=headers | {"X-Filename": filename, "Content-Type": "application/octet-stream"})
        if sent.status_code != 201:
            raise AssertionError(f"deposit part {role} refused: {sent.status_code} {sent.text}")
    done = await client.post(f"{tendering}/api/deposits/{deposit_id}/complete", headers=headers)
    if done.status_code != 200:
        raise AssertionError(f"deposit not completed: {done.status_code} {done.text}")
    return done.json()


def grid_marks(view: dict) -> list[dict]:
    """Marks for an evaluation grid (GET .../evaluation): full marks to the first bid of the
    ranking, half to the others, a comment each; computed criteria (price) left to the formula."""
    marks = []
    for position, bid in enumerate(view["ranking"]):
        for criterion in bid["criteria"]:
            if criterion["computed"]:
                continue
            for sub in criterion["subs"]:
                points = sub["weight"] if position == 0 else sub["weight"] / 2
                marks.append({"bid_id": bid["bid_id"], "criterion": criterion["index"],
                              "sub_criterion": sub["index"], "points": str(points), "comment": "Argumenté"})
    return marks


def advance_past(advance: Advance, instant: datetime, *, margin: timedelta = timedelta(minutes=1)) -> datetime:
    """The platform clock moved to `margin` after `instant` (never backwards)."""
    now = advance(timedelta(0))
    return advance(max(instant + margin - now, timedelta(0)))


async def consultation_in(client: httpx.AsyncClient, tendering: str, consultation_id: str, headers: dict,
                          status: str, *, timeout_s: float = 30.0) -> dict:
    """The consultation once it has `status` (a due transition has run)."""
    async def fetch():
        response = await client.get(f"{tendering}/api/consultations/{consultation_id}", headers=headers)
        response.raise_for_status()
        return response.json() if response.json()["status"] == status else None
    return await wait_for(fetch, timeout_s=timeout_s)


def evaluation_url(tendering: str, consultation_id: str, lot: int | None = None) -> str:
    """The lot's evaluation (lot 0: a consultation without lots)."""
    return f"{tendering}/api/consultations/{consultation_id}/lots/{lot or 0}/evaluation"


async def open_bids(client: httpx.AsyncClient, tendering: str, consultation_id: str, bid_deadline: datetime,
                    actors: PurchaseActors, advance: Advance, *, timeout_s: float = 30.0) -> dict:
    """The clock passes the bid deadline, the due transition closes the consultation, the buyer
    opens the bids and declares each admissible. Returns the opening (its bids with their prices)."""
    advance_past(advance, bid_deadline)
    await consultation_in(client, tendering, consultation_id, actors.buyer, "closed", timeout_s=timeout_s)
    opened = await client.post(f"{tendering}/api/consultations/{consultation_id}/opening", headers=actors.buyer)
    opened.raise_for_status()
    for bid in opened.json()["bids"]:
        response = await client.put(
            f"{tendering}/api/consultations/{consultation_id}/opening/bids/{bid['bid_id']}/admissibility",
            json={"admissibility": "admissible"}, headers=actors.buyer)
        response.raise_for_status()
    return opened.json()


async def mark_grid(client: httpx.AsyncClient, tendering: str, consultation_id: str, buyer: dict,
                    lot: int | None = None) -> dict:
    """The buyer marks the lot's grid (grid_marks, the price by the proportional formula)."""
    url = evaluation_url(tendering, consultation_id, lot)
    response = await client.get(url, headers=buyer)
    response.raise_for_status()
    response = await client.put(url, json={"formula": "proportional", "marks": grid_marks(response.json())},
                                headers=buyer)
    response.raise_for_status()
    return response.json()


async def propose_and_decide(client: httpx.AsyncClient, tendering: str, consultation_id: str,
                             actors: PurchaseActors, advance: Advance, lot: int | None = None) -> str:
    """The buyer proposes the best-ranked bid (no amount: its price), the approver decides; in a
    formal procedure the clock passes the standstill (art. R2182-1), whose due transition sends
    AwardDecided.v2 (at once in a MAPA). Returns the award id."""
    url = evaluation_url(tendering, consultation_id, lot)
    response = await client.post(f"{url}/proposal", json={}, headers=actors.buyer)
    response.raise_for_status()
    response = await client.post(f"{url}/decision", headers=actors.approver)
    response.raise_for_status()
    decision = response.json()["decision"]
    if decision["standstill_ends_at"] is not None:
        advance_past(advance, datetime.fromisoformat(decision["standstill_ends_at"]))
    return decision["award_id"]


async def award_from_bids(client: httpx.AsyncClient, urls: dict[str, str], consultation_id: str,
                          bid_deadline: datetime, actors: PurchaseActors, advance: Advance,
                          *, timeout_s: float = 30.0) -> str:
    """After the deposits of a consultation without lots: open_bids, mark_grid, propose_and_decide.
    Returns the award id."""
    tendering = urls["tendering"]
    await open_bids(client, tendering, consultation_id, bid_deadline, actors, advance, timeout_s=timeout_s)
    await mark_grid(client, tendering, consultation_id, actors.buyer)
    return await propose_and_decide(client, tendering, consultation_id, actors, advance)


async def run_purchase(
    client: httpx.AsyncClient,
    urls: dict[str, str],
    facts: dict,
    supplier: dict,
    amount: str,
    actors: PurchaseActors,
    *,
    advance: Advance,
    rivals: Sequence[Bidder] = (),
    timeout_s: float = 30.0,
) -> PurchaseIds:
    """Need -> submission -> approval -> consultation (prepared, published) -> sealed bids (the
    winner `supplier` at `amount`, each rival at its own, higher, price) -> the deadline passed
    (`advance` moves the platform clock) -> closed -> opened -> admissible -> grid -> proposal ->
    decision (-> standstill, formal procedures) -> AwardDecided.v2 -> contract at the winning
    bid's price -> notification -> commitment."""
    response = await client.post(f"{urls['sourcing']}/api/needs", json={"facts": facts}, headers=actors.buyer)
    response.raise_for_status()
    need_id = response.json()["id"]
    response = await client.post(f"{urls['sourcing']}/api/needs/{need_id}/submit", headers=actors.buyer)
    response.raise_for_status()
    response = await client.post(f"{urls['sourcing']}/api/needs/{need_id}/approve", json={}, headers=actors.approver)
    response.raise_for_status()

    consultation = await wait_for(
        lambda: _first(client, f"{urls['tendering']}/api/consultations", {"need_id": need_id}, actors.buyer),
        timeout_s=timeout_s,
    )
    published = await prepare_and_publish(client, urls, consultation["id"], actors)
    public_key = await consultation_public_key(client, urls["tendering"], consultation["id"])
    deposits = [await deposit_bid(client, urls["tendering"], consultation["id"], bidder.headers, public_key,
                                  bidder.supplier, bidder.price)
                for bidder in (Bidder(supplier, actors.supplier, amount), *rivals)]
    award_id = await award_from_bids(client, urls, consultation["id"], datetime.fromisoformat(published["bid_deadline"]),
                                     actors, advance, timeout_s=timeout_s)

    contract = await wait_for(
        lambda: _first(client, f"{urls['contracts']}/api/contracts", {"award_id": award_id}, actors.buyer),
        timeout_s=timeout_s * 2,
    )
    response = await client.post(
        f"{urls['contracts']}/api/contracts/{contract['id']}/notify",
        json={},  # notified today: the Paris date of the contracts service's own clock
        headers=actors.buyer,
    )
    response.raise_for_status()
    contract_number = response.json()["contract_number"]

    commitment = await wait_for(
        lambda: _first(client, f"{urls['invoicing']}/api/commitments", {"contract_id": contract["id"]}, actors.buyer),
        timeout_s=timeout_s,
    )
    return PurchaseIds(need_id, consultation["id"], award_id, contract["id"], contract_number, commitment["id"],
                       tuple(deposit["id"] for deposit in deposits))


# (buyer, object, CPV, estimate, commune, nature, winner's index in SUPPLIERS, its bid's price,
# the rivals' bids: (index in SUPPLIERS, a higher price)). The awards come from these bids.
DEMO_PURCHASES = [
    (REGION, "Réfection de la toiture du lycée Jean-Moulin", "45261210", "480000.00", "69123", "works", 0, "452300.00",
     ()),
    (DEPARTEMENT, "Fourniture de mobilier scolaire pour les collèges", "39160000", "95000.00", "38185", "supplies", 1,
     "88750.50", ((2, "93400.00"),)),
    (VILLAGE, "Entretien des espaces verts communaux", "77310000", "42000.00", "01004", "services", 3, "41200.00",
     ((0, "44850.00"),)),
]


def demo_buyers() -> list[DemoPurchase]:
    """The demo purchases by buyer, without their ids (the demo was loaded by an earlier `up`)."""
    return [DemoPurchase(buyer["name"], object_) for buyer, object_, *_ in DEMO_PURCHASES]


async def load_demo(service_urls: dict[str, str], *, issuer_url: str, advance: Advance) -> list[DemoPurchase]:
    """The demo purchases, each awarded from sealed bids: `advance` moves the platform clock past
    each bid deadline (the demo loader sets the development clock back before, and puts it back
    on the real time after)."""
    from unefois_dev_issuer.client import access_token

    async def headers_for(login: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {await access_token(issuer_url, login)}"}

    loaded = []
    async with httpx.AsyncClient(timeout=30) as client:
        for buyer, object_, cpv, value, commune, nature, supplier_index, amount, rivals in DEMO_PURCHASES:
            facts = need_facts(object_=object_, cpv=cpv, value=value, commune=commune, nature=nature)
            supplier = SUPPLIERS[supplier_index]
            actors = await actors_for(headers_for, buyer["siret"], supplier["siret"])
            bidders = [Bidder(SUPPLIERS[index], await headers_for(SUPPLIER_LOGINS[SUPPLIERS[index]["siret"]]), price)
                       for index, price in rivals]
            ids = await run_purchase(client, service_urls, facts, supplier, amount, actors, advance=advance,
                                     rivals=bidders)
            loaded.append(DemoPurchase(buyer["name"], object_, ids.contract_number, ids.contract_id))
    return loaded


# Consultations left open for bids, published on the real time once the awarded purchases are
# loaded (buyer, object, CPV, estimate, commune, nature): a supplier who signs in finds them,
# downloads the rules and deposits a sealed bid; their deadlines are weeks away.
OPEN_CONSULTATIONS = [
    (REGION, "Maintenance des ascenseurs des lycées de la région", "50750000", "180000.00", "69123", "services"),
    (VILLAGE, "Réfection du préau de l’école communale", "45261000", "38000.00", "01004", "works"),
]
OPEN_RULES_PDF = (b"%PDF-1.7\n% Reglement de la consultation (demonstration)\n1 0 obj<<>>endobj\n"
                  b"trailer<<>>\n%%EOF\n")


async def load_open_consultations(service_urls: dict[str, str], *, issuer_url: str) -> list[str]:
    """Each OPEN_CONSULTATIONS need approved, its consultation given its rules (DCE) and published
    on the platform's present time; returns the public pages' URLs."""
    from unefois_dev_issuer.client import access_token

    async def headers_for(login: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {await access_token(issuer_url, login)}"}

    tendering, pages = service_urls["tendering"], []
    async with httpx.AsyncClient(timeout=30) as client:
        for buyer, object_, cpv, value, commune, nature in OPEN_CONSULTATIONS:
            actors = await actors_for(headers_for, buyer["siret"], SUPPLIERS[0]["siret"])
            facts = need_facts(object_=object_, cpv=cpv, value=value, commune=commune, nature=nature)
            need = await client.post(f"{service_urls['sourcing']}/api/needs", json={"facts": facts},
                                     headers=actors.buyer)
            need.raise_for_status()
            need_id = need.json()["id"]
            (await client.post(f"{service_urls['sourcing']}/api/needs/{need_id}/submit",
                               headers=actors.buyer)).raise_for_status()
            (await client.post(f"{service_urls['sourcing']}/api/needs/{need_id}/approve", json={},
                               headers=actors.approver)).raise_for_status()
            consultation = await wait_for(
                lambda: _first(client, f"{tendering}/api/consultations", {"need_id": need_id}, actors.buyer))
            rules = await client.post(f"{tendering}/api/consultations/{consultation['id']}/documents",
                                      headers=actors.buyer, data={"titre": "Règlement de la consultation"},
                                      files={"fichier": ("RC.pdf", OPEN_RULES_PDF, "application/pdf")})
            rules.raise_for_status()
            await prepare_and_publish(client, service_urls, consultation["id"], actors)
            pages.append(f"{tendering}/consultations-publiques/{consultation['id']}")
    return pages


async def seed_supplier_directory(sourcing_dsn: str) -> str:
    """The demo suppliers into the supplier directory, by the operator's SIRENE import (an upsert:
    safe at every `up`, and it fills a runtime whose demo was loaded before the directory was
    seeded), then their CPV interests. Returns what the CLI prints."""
    import csv
    import tempfile
    from pathlib import Path

    from unefois_kernel import db
    from unefois_sourcing.suppliers.import_sirene import import_file
    from unefois_sourcing.suppliers.repository import SuppliersRepository

    names = {supplier["siret"]: supplier["name"] for supplier in SUPPLIERS}
    establishments = [{
        "siren": entry["siret"][:9], "nic": entry["siret"][9:], "siret": entry["siret"],
        "statutDiffusionEtablissement": "O", "trancheEffectifsEtablissement": entry["tranche"],
        "etablissementSiege": "true", "numeroVoieEtablissement": entry["numero"],
        "typeVoieEtablissement": entry["voie"][0], "libelleVoieEtablissement": entry["voie"][1],
        "codePostalEtablissement": entry["postal"], "libelleCommuneEtablissement": entry["commune"][1],
        "codeCommuneEtablissement": entry["commune"][0], "etatAdministratifEtablissement": "A",
        "activitePrincipaleEtablissement": entry["naf"], "nomenclatureActivitePrincipaleEtablissement": "NAFRev2",
        "dateDernierTraitementEtablissement": "2026-01-05T08:00:00",
    } for entry in SUPPLIER_DIRECTORY]
    legal_units = [{
        "siren": entry["siret"][:9], "statutDiffusionUniteLegale": "O", "categorieEntreprise": entry["categorie"],
        "etatAdministratifUniteLegale": "A", "denominationUniteLegale": names[entry["siret"]],
        "nicSiegeUniteLegale": entry["siret"][9:],
    } for entry in SUPPLIER_DIRECTORY]
    layouts = Path(__file__).resolve().parents[2] / "services/sourcing/tests/fixtures/sirene"
    conn = await db.connect(sourcing_dsn)
    try:
        with tempfile.TemporaryDirectory(prefix="unefois-demo-sirene-") as folder:
            files = {}
            for kind, rows in (("etablissement", establishments), ("unite_legale", legal_units)):
                header = (layouts / f"stock_{kind}_header.csv").read_text(encoding="utf-8").strip().split(",")
                files[kind] = Path(folder) / f"stock_{kind}.csv"
                with files[kind].open("w", encoding="utf-8", newline="") as handle:
                    writer = csv.writer(handle, lineterminator="\n")
                    writer.writerow(header)
                    writer.writerows([row.get(column, "") for column in header] for row in rows)
            summary = await import_file(conn, files["etablissement"], rejects_path=Path(folder) / "rejets.csv",
                                        legal_units_path=files["unite_legale"])
        repository = SuppliersRepository(conn)
        for entry in SUPPLIER_DIRECTORY:
            await repository.declare_interests(entry["siret"], entry["cpv"])
    finally:
        await conn.close()
    if summary.rejected_total:
        return f"supplier directory: {summary.rejected_total} demo supplier(s) refused by the import"
    return f"supplier directory: {summary.imported} demo suppliers ({summary.inserted} new)"
