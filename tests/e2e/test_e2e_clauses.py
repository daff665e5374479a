"""The clause library: picked clauses set the need's DECP considerations, carried downstream."""

from __future__ import annotations

import uuid

import pytest

from unefois_deploy.demo import need_facts

pytestmark = pytest.mark.integration

INSERTION = "6f1d2c1e-3c1a-4b51-9a53-0a1b00000001"  # platform library: Clause sociale
WASTE = "6f1d2c1e-3c1a-4b51-9a53-0a1b00000004"  # platform library: Clause environnementale


async def test_picked_clauses_set_the_considerations_nobody_types(urls, client, tokens):
    buyer = await tokens.headers_for("acheteur@demoville.fr")
    library = (await client.get(f"{urls['sourcing']}/api/clauses", headers=buyer)).json()
    assert {INSERTION, WASTE} <= {clause["id"] for clause in library}

    facts = need_facts(object_="Voirie du hameau", cpv="45233140", value="70000.00", commune="01004")
    del facts["social_considerations"], facts["environmental_considerations"]
    response = await client.post(f"{urls['sourcing']}/api/needs", json={"facts": facts, "clause_ids": [INSERTION, WASTE]},
                                 headers=buyer)
    assert response.status_code == 201, response.text
    need = response.json()["facts"]
    assert need["social_considerations"] == ["Clause sociale"]
    assert need["environmental_considerations"] == ["Clause environnementale"]
    assert [clause["clause_id"] for clause in need["clauses"]] == [WASTE, INSERTION]  # by kind, then title


async def test_an_unknown_clause_is_refused_naming_the_field(urls, client, tokens):
    buyer = await tokens.headers_for("acheteur@demoville.fr")
    facts = need_facts(object_="Voirie", cpv="45233140", value="70000.00", commune="01004")
    response = await client.post(f"{urls['sourcing']}/api/needs", json={"facts": facts, "clause_ids": [str(uuid.uuid4())]},
                                 headers=buyer)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "clause_ids"


async def test_a_buyers_own_clause_stays_its_own(urls, client, tokens):
    mine = await tokens.headers_for("acheteur@region-demo.fr")
    other = await tokens.headers_for("acheteur@val-demo.fr")
    title = f"Clause maison {uuid.uuid4().hex[:6]}"
    created = await client.post(f"{urls['sourcing']}/api/clauses", headers=mine, json={
        "kind": "social", "consideration": "Clause sociale", "title": title,
        "body": "Le titulaire accueille deux apprentis pendant la durée du marché."})
    assert created.status_code == 201, created.text
    assert title in {c["title"] for c in (await client.get(f"{urls['sourcing']}/api/clauses", headers=mine)).json()}
    assert title not in {c["title"] for c in (await client.get(f"{urls['sourcing']}/api/clauses", headers=other)).json()}

    wrong_kind = await client.post(f"{urls['sourcing']}/api/clauses", headers=mine, json={
        "kind": "social", "consideration": "Clause environnementale", "title": "Mauvais type", "body": "Texte assez long."})
    assert wrong_kind.status_code == 422
    assert "consideration" in wrong_kind.text
