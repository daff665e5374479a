"""Opening of the bids through the running services' HTTP API, with the platform clock: the
buyer publishes; two suppliers deposit (sealing with the API client's `seal_bytes`), one
replaces its bid; the opening is refused before the deadline (409 naming bid_deadline, the
operator 403); the deadline passes by moving the clock; the due transition closes the
consultation; a deposit begun after it is refused; the buyer opens; the record lists the
opened bids with their prices and the replaced deposit « remplacé, non ouvert »."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from unefois_deploy.demo import (
    BID_DOCUMENT,
    REGION,
    SUPPLIER_LOGINS,
    SUPPLIERS,
    deposit_bid,
    need_facts,
    prepare_and_publish,
    wait_for,
)
from unefois_tendering.bids.domain import load_public_key

pytestmark = pytest.mark.integration



async def test_deposits_deadline_due_transition_and_opening(urls, client, actors, tokens, platform_clock) -> None:
    first, second = SUPPLIERS[0], SUPPLIERS[1]
    who = await actors(REGION["siret"], first["siret"])
    other = await tokens.headers_for(SUPPLIER_LOGINS[second["siret"]])
    operator = await tokens.headers_for("exploitation@unefois.fr")
    tendering = urls["tendering"]
    marker = uuid.uuid4().hex[:8]
    facts = need_facts(object_=f"Entretien des espaces verts {marker}", cpv="77310000", value="90000.00",
                       commune="69123", nature="services")
    need = (await client.post(f"{urls['sourcing']}/api/needs", json={"facts": facts}, headers=who.buyer)).json()
    await client.post(f"{urls['sourcing']}/api/needs/{need['id']}/submit", headers=who.buyer)
    await client.post(f"{urls['sourcing']}/api/needs/{need['id']}/approve", json={}, headers=who.approver)

    async def consultation():
        found = (await client.get(f"{tendering}/api/consultations", params={"need_id": need["id"]},
                                  headers=who.buyer)).json()
        return found[0] if found else None
    cid = (await wait_for(consultation))["id"]
    published = await prepare_and_publish(client, urls, cid, who)
    deadline = datetime.fromisoformat(published["bid_deadline"])
    key = (await client.get(f"{tendering}/api/consultations/{cid}/public-key")).json()
    public_key = load_public_key(key["public_key_pem"])

    replaced = await deposit_bid(client, tendering, cid, who.supplier, public_key, first, "51000.00")
    kept = await deposit_bid(client, tendering, cid, who.supplier, public_key, first, "48500.00")
    rival = await deposit_bid(client, tendering, cid, other, public_key, second, "52250.50")

    early = await client.post(f"{tendering}/api/consultations/{cid}/opening", headers=who.buyer)
    assert early.status_code == 409 and early.json()["errors"][0]["field"] == "bid_deadline", early.text
    assert (await client.post(f"{tendering}/api/consultations/{cid}/opening", headers=operator)).status_code == 403

    platform_clock.set(deadline + timedelta(minutes=1))

    async def closed():
        found = (await client.get(f"{tendering}/api/consultations/{cid}", headers=who.buyer)).json()
        return found if found["status"] == "closed" else None
    await wait_for(closed, timeout_s=30)

    late = await client.post(f"{tendering}/api/consultations/{cid}/deposits", json={"lot_number": None},
                             headers=other)
    assert late.status_code == 409, late.text

    opened = await client.post(f"{tendering}/api/consultations/{cid}/opening", headers=who.buyer)
    assert opened.status_code == 201, opened.text
    body = opened.json()
    prices = {bid["bid_id"]: bid["price_excl_tax"] for bid in body["bids"]}
    assert prices == {kept["id"]: "48500.00", rival["id"]: "52250.50"}
    record = body["record"]
    assert [line["deposit_id"] for line in record["replaced"]] == [replaced["id"]]
    assert record["replaced"][0]["note"] == "remplacé, non ouvert"
    assert {line["receipt_hash"] for line in record["bids"]} == {kept["receipt_hash"], rival["receipt_hash"]}
    bid = next(b for b in body["bids"] if b["bid_id"] == kept["id"])
    (file,) = bid["files"]
    content = await client.get(f"{tendering}/api/consultations/{cid}/opening/bids/{kept['id']}/files/"
                               f"{file['document_id']}", headers=who.buyer)
    assert content.status_code == 200 and content.content == BID_DOCUMENT
    assert (await client.get(f"{tendering}/api/consultations/{cid}", headers=who.buyer)).json()["status"] == "opened"

    refused = await client.put(f"{tendering}/api/consultations/{cid}/opening/bids/{rival['id']}/admissibility",
                               json={"admissibility": "unacceptable"}, headers=who.buyer)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reason", refused.text
    decided = await client.put(f"{tendering}/api/consultations/{cid}/opening/bids/{rival['id']}/admissibility",
                               json={"admissibility": "admissible"}, headers=who.buyer)
    assert decided.status_code == 200 and decided.json()["admissibility"] == "admissible"
    page = await client.get(f"{tendering}/consultations/{cid}/ouverture", headers=who.buyer)
    assert page.status_code == 200 and "Procès-verbal d’ouverture des plis" in page.text
