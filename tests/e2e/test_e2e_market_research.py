"""Market research: quotes compared and a choice explained; the shortlist is invited to tender."""

from __future__ import annotations

import pytest

from unefois_deploy.demo import SUPPLIERS, need_facts, wait_for

pytestmark = pytest.mark.integration


async def test_the_shortlist_flows_to_tendering_as_invited_suppliers(urls, client, tokens, service_dsn):
    buyer = await tokens.headers_for("acheteur@demoville.fr")
    approver = await tokens.headers_for("valideur@demoville.fr")
    facts = need_facts(object_="Tonte des stades", cpv="77310000", value="30000.00", commune="01004", nature="services")
    need_id = (await client.post(f"{urls['sourcing']}/api/needs", json={"facts": facts}, headers=buyer)).json()["id"]
    research = f"{urls['sourcing']}/api/needs/{need_id}/research"

    for supplier, amount in ((SUPPLIERS[3], "28000.00"), (SUPPLIERS[1], "26500.00")):
        assert (await client.post(f"{research}/quotes", headers=buyer,
                                  json={"supplier": supplier, "amount": amount, "received_on": "2026-11-20"})).status_code == 201
    quotes = (await client.get(research, headers=buyer)).json()["quotes"]
    dearest = next(q for q in quotes if q["supplier"]["siret"] == SUPPLIERS[3]["siret"])
    vague = await client.post(f"{research}/quotes/{dearest['id']}/choose", headers=buyer, json={"reason": "mieux"})
    assert vague.status_code == 422 and vague.json()["errors"][0]["field"] == "reason"
    chosen = await client.post(f"{research}/quotes/{dearest['id']}/choose", headers=buyer,
                               json={"reason": "Seule entreprise équipée pour les terrains synthétiques"})
    assert "n'est pas le moins-disant" in chosen.json()["comparison"]
    for supplier in (SUPPLIERS[3], SUPPLIERS[1], SUPPLIERS[0]):
        assert (await client.post(f"{research}/shortlist", headers=buyer, json=supplier)).status_code == 201
    # Taken off the list again (issue 10, item 14): it is not invited; a second time is a 404 naming the SIRET.
    removed = await client.delete(f"{research}/shortlist/{SUPPLIERS[0]['siret']}", headers=buyer)
    assert removed.status_code == 200 and SUPPLIERS[0]["siret"] not in {s["siret"] for s in removed.json()["shortlist"]}
    again = await client.delete(f"{research}/shortlist/{SUPPLIERS[0]['siret']}", headers=buyer)
    assert again.status_code == 404 and again.json()["errors"][0]["field"] == "siret"
    # A quote recorded by mistake, with its file's name, removed.
    mistake = await client.post(f"{research}/quotes", headers=buyer, json={
        "supplier": SUPPLIERS[2], "amount": "99999.00", "received_on": "2026-11-21", "file_name": "erreur.pdf"})
    wrong = next(q for q in mistake.json()["quotes"] if q["supplier"]["siret"] == SUPPLIERS[2]["siret"])
    assert wrong["file_name"] == "erreur.pdf"
    left = await client.delete(f"{research}/quotes/{wrong['id']}", headers=buyer)
    assert left.status_code == 200 and len(left.json()["quotes"]) == 2

    assert (await client.post(f"{urls['sourcing']}/api/needs/{need_id}/submit", headers=buyer)).status_code == 200
    assert (await client.post(f"{urls['sourcing']}/api/needs/{need_id}/approve", json={}, headers=approver)).status_code == 200
    frozen = await client.put(f"{research}/notes", headers=buyer, json={"notes": "trop tard"})
    assert frozen.status_code == 409

    async def invited():
        import asyncpg
        conn = await asyncpg.connect(service_dsn("tendering"))
        try:
            async with conn.transaction():
                await conn.execute("SELECT set_config('unefois.tenant', $1, true)", "21000003000010")
                return await conn.fetchval("SELECT invited FROM consultations WHERE need_id = $1::uuid", need_id)
        finally:
            await conn.close()

    import json
    names = {s["siret"] for s in json.loads(await wait_for(invited))}
    assert names == {SUPPLIERS[3]["siret"], SUPPLIERS[1]["siret"]}
