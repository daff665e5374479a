"""Demo data: purchases driven through the five services' HTTP APIs, as a buyer would.

Each purchase is entered once at sourcing; every later stage is reached through events.
The end-to-end test drives the same `run_purchase`, so the demo cannot silently rot.
The SIRETs are fictitious but pass the Luhn check.
"""

from __future__ import annotations

import asyncio
import time
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


async def run_purchase(
    client: httpx.AsyncClient,
    urls: dict[str, str],
    facts: dict,
    supplier: dict,
    amount: str,
    actors: PurchaseActors,
    *,
    timeout_s: float = 30.0,
) -> PurchaseIds:
    """Need -> submission -> approval -> consultation (prepared, published) -> award -> contract ->
    notification -> commitment."""
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
    await prepare_and_publish(client, urls, consultation["id"], actors)
    response = await client.post(
        f"{urls['tendering']}/api/consultations/{consultation['id']}/award",
        json={
            "winners": [supplier],
            "amount": amount,
            "price_form": "Forfaitaire",
            "price_types": ["Définitif ferme"],
            "offers_received": 3,
        },
        headers=actors.approver,
    )
    response.raise_for_status()
    award_id = response.json()["award_id"]

    contract = await wait_for(
        lambda: _first(client, f"{urls['contracts']}/api/contracts", {"award_id": award_id}, actors.buyer),
        timeout_s=timeout_s,
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
    return PurchaseIds(need_id, consultation["id"], award_id, contract["id"], contract_number, commitment["id"])


DEMO_PURCHASES = [
    (REGION, "Réfection de la toiture du lycée Jean-Moulin", "45261210", "480000.00", "69123", "works", 0, "452300.00"),
    (DEPARTEMENT, "Fourniture de mobilier scolaire pour les collèges", "39160000", "95000.00", "38185", "supplies", 1, "88750.50"),
    (VILLAGE, "Entretien des espaces verts communaux", "77310000", "42000.00", "01004", "services", 3, "41200.00"),
]


def demo_buyers() -> list[DemoPurchase]:
    """The demo purchases by buyer, without their ids (the demo was loaded by an earlier `up`)."""
    return [DemoPurchase(buyer["name"], object_) for buyer, object_, *_ in DEMO_PURCHASES]


async def load_demo(service_urls: dict[str, str], *, issuer_url: str) -> list[DemoPurchase]:
    from unefois_dev_issuer.client import access_token

    async def headers_for(login: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {await access_token(issuer_url, login)}"}

    loaded = []
    async with httpx.AsyncClient(timeout=30) as client:
        for buyer, object_, cpv, value, commune, nature, supplier_index, amount in DEMO_PURCHASES:
            facts = need_facts(object_=object_, cpv=cpv, value=value, commune=commune, nature=nature)
            supplier = SUPPLIERS[supplier_index]
            actors = await actors_for(headers_for, buyer["siret"], supplier["siret"])
            ids = await run_purchase(client, service_urls, facts, supplier, amount, actors)
            loaded.append(DemoPurchase(buyer["name"], object_, ids.contract_number, ids.contract_id))
    return loaded


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
