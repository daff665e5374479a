"""Demo data: purchases driven through the five services' HTTP APIs, as a buyer would.

Each purchase is entered once at sourcing; every later stage is reached through events.
The end-to-end test drives the same `run_purchase`, so the demo cannot silently rot.
The SIRETs are fictitious but pass the Luhn check.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

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
    """Need -> submission -> approval -> consultation -> award -> contract -> notification -> commitment."""
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
