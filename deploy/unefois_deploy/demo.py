"""Demo data: purchases driven through the five services' HTTP APIs, as a buyer would.

Each purchase is entered once at sourcing; every later stage is reached through events.
The end-to-end test drives the same `run_purchase`, so the demo cannot silently rot.
The SIRETs are fictitious but pass the Luhn check.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import date

import httpx

REGION = {"siret": "20000001600010", "name": "Région Démo-Alpes"}
DEPARTEMENT = {"siret": "22000002000010", "name": "Département du Val-Démo"}
VILLAGE = {"siret": "21000003000010", "name": "Commune de Démoville (312 habitants)"}
SUPPLIERS = [
    {"siret": "80000004400019", "name": "Travaux Publics Rhodaniens SAS"},
    {"siret": "81000005900016", "name": "Fournitures Scolaires du Centre SARL"},
    {"siret": "82000006500012", "name": "Numérique Territorial SA"},
    {"siret": "83000007100019", "name": "Entretien Espaces Verts SCOP"},
]


@dataclass(frozen=True)
class PurchaseIds:
    need_id: str
    consultation_id: str
    award_id: str
    contract_id: str
    contract_number: str
    commitment_id: str


def need_facts(buyer: dict, *, object_: str, cpv: str, value: str, commune: str, nature: str = "works") -> dict:
    return {
        "buyer": buyer,
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


async def _first(client: httpx.AsyncClient, url: str, params: dict) -> dict | None:
    response = await client.get(url, params=params)
    response.raise_for_status()
    items = response.json()
    return items[0] if items else None


async def run_purchase(
    client: httpx.AsyncClient, urls: dict[str, str], facts: dict, supplier: dict, amount: str, *, timeout_s: float = 30.0
) -> PurchaseIds:
    """Need -> approval -> consultation -> award -> contract -> notification -> commitment."""
    response = await client.post(f"{urls['sourcing']}/api/needs", json={"facts": facts})
    response.raise_for_status()
    need_id = response.json()["id"]
    response = await client.post(f"{urls['sourcing']}/api/needs/{need_id}/approve", json={"approver": "Cheffe des achats"})
    response.raise_for_status()

    consultation = await wait_for(
        lambda: _first(client, f"{urls['tendering']}/api/consultations", {"need_id": need_id}), timeout_s=timeout_s
    )
    response = await client.post(
        f"{urls['tendering']}/api/consultations/{consultation['id']}/award",
        json={
            "winners": [supplier],
            "amount": amount,
            "price_form": "Forfaitaire",
            "price_types": ["Définitif ferme"],
            "offers_received": 3,
        },
    )
    response.raise_for_status()
    award_id = response.json()["award_id"]

    contract = await wait_for(
        lambda: _first(client, f"{urls['contracts']}/api/contracts", {"award_id": award_id}), timeout_s=timeout_s
    )
    response = await client.post(
        f"{urls['contracts']}/api/contracts/{contract['id']}/notify", json={"notified_on": date.today().isoformat()}
    )
    response.raise_for_status()
    contract_number = response.json()["contract_number"]

    commitment = await wait_for(
        lambda: _first(client, f"{urls['invoicing']}/api/commitments", {"contract_id": contract["id"]}),
        timeout_s=timeout_s,
    )
    return PurchaseIds(need_id, consultation["id"], award_id, contract["id"], contract_number, commitment["id"])


DEMO_PURCHASES = [
    (REGION, "Réfection de la toiture du lycée Jean-Moulin", "45261210", "480000.00", "69123", "works", 0, "452300.00"),
    (DEPARTEMENT, "Fourniture de mobilier scolaire pour les collèges", "39160000", "95000.00", "38185", "supplies", 1, "88750.50"),
    (VILLAGE, "Entretien des espaces verts communaux", "77310000", "42000.00", "01004", "services", 3, "41200.00"),
]


async def load_demo(service_urls: dict[str, str]) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        for buyer, object_, cpv, value, commune, nature, supplier_index, amount in DEMO_PURCHASES:
            facts = need_facts(buyer, object_=object_, cpv=cpv, value=value, commune=commune, nature=nature)
            ids = await run_purchase(client, service_urls, facts, SUPPLIERS[supplier_index], amount)
            print(f"  demo purchase {ids.contract_number} ({buyer['name']}): {object_}")
