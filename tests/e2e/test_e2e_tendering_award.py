"""Evaluation and award through the running services' HTTP API, the platform clock and the mail
catcher: a formal procedure (appel d'offres ouvert) published, two bids deposited (sealed with
`seal_bytes`), the deadline passed, the bids opened; the buyer marks the grid, proposes (a body with
an amount refused), the approver decides: the rejection letter reaches the other bidder by mail
with the standstill's end, each supplier reads its own result; no contract before the standstill
ends; the clock passes it, the due transition sends AwardDecided.v2 and contracts opens the
contract at the winning bid's price: the event's amount is the opened bid's price (amount_source
« offre », the winning bid named). The deposits and grid helpers are the demo's (unefois_deploy.demo)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from unefois_deploy.demo import (
    REGION,
    SUPPLIER_LOGINS,
    SUPPLIERS,
    deposit_bid,
    grid_marks,
    need_facts,
    prepare_and_publish,
    wait_for,
)
from unefois_deploy.testing import caught_mail
from unefois_tendering.bids.domain import load_public_key

pytestmark = pytest.mark.integration


async def test_grid_proposal_decision_letters_standstill_and_award_event(urls, client, actors, tokens, platform_clock,
                                                                       mailcatcher) -> None:
    winner, other_supplier = SUPPLIERS[0], SUPPLIERS[1]
    who = await actors(REGION["siret"], winner["siret"])
    other = await tokens.headers_for(SUPPLIER_LOGINS[other_supplier["siret"]])
    tendering = urls["tendering"]
    await client.delete(f"{mailcatcher}/api/mails")
    marker = uuid.uuid4().hex[:8]
    facts = need_facts(object_=f"Maintenance des ascenseurs {marker}", cpv="50750000", value="400000.00",
                       commune="69123", nature="services") | {"procedure": "Appel d'offres ouvert"}
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
    kept = await deposit_bid(client, tendering, cid, who.supplier, public_key, winner, "350000.00")
    rival = await deposit_bid(client, tendering, cid, other, public_key, other_supplier, "360000.00")

    early = await client.get(f"{tendering}/api/consultations/{cid}/lots/0/evaluation", headers=who.buyer)
    assert early.status_code == 409, early.text  # not opened yet
    platform_clock.set(deadline + timedelta(minutes=1))

    async def closed():
        found = (await client.get(f"{tendering}/api/consultations/{cid}", headers=who.buyer)).json()
        return found if found["status"] == "closed" else None
    await wait_for(closed, timeout_s=30)
    opened = await client.post(f"{tendering}/api/consultations/{cid}/opening", headers=who.buyer)
    assert opened.status_code == 201, opened.text
    opened_prices = {bid["bid_id"]: bid["price_excl_tax"] for bid in opened.json()["bids"]}

    url = f"{tendering}/api/consultations/{cid}/lots/0/evaluation"
    view = (await client.get(url, headers=who.buyer)).json()
    assert {bid["bid_id"] for bid in view["ranking"]} == {kept["id"], rival["id"]}
    assert view["ranking"][0]["bid_id"] == kept["id"]  # the lower price first before any mark
    saved = await client.put(url, json={"formula": "proportional", "marks": grid_marks(view)}, headers=who.buyer)
    assert saved.status_code == 200, saved.text
    assert saved.json()["missing"] == []
    refused = await client.post(f"{url}/proposal", json={"amount": "1.00"}, headers=who.buyer)
    assert refused.status_code == 422, refused.text
    proposed = await client.post(f"{url}/proposal", json={}, headers=who.buyer)
    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["proposal"]["amount"] == "350000.00"
    assert (await client.post(f"{url}/decision", headers=who.buyer)).status_code == 403
    decided = await client.post(f"{url}/decision", headers=who.approver)
    assert decided.status_code == 201, decided.text
    decision = decided.json()["decision"]
    ends = datetime.fromisoformat(decision["standstill_ends_at"])
    assert decision["event_emitted_at"] is None and ends > deadline

    rejection = await caught_mail(client, mailcatcher, SUPPLIER_LOGINS[other_supplier["siret"]],
                                  f"Lettre de rejet — {published['reference']},")
    text = (await client.get(f"{mailcatcher}/api/mails/{rejection['id']}")).json()["text"]
    assert "susceptible d'être signé à compter du" in text and winner["name"] in text, text
    mine = (await client.get(f"{tendering}/api/mes-depots/resultats", headers=who.supplier)).json()
    theirs = (await client.get(f"{tendering}/api/mes-depots/resultats", headers=other)).json()
    assert [x["kind"] for x in mine if x["consultation_id"] == cid] == ["award"]
    assert [x["kind"] for x in theirs if x["consultation_id"] == cid] == ["rejection"]
    award_id = decision["award_id"]
    contracts = await client.get(f"{urls['contracts']}/api/contracts", params={"award_id": award_id},
                                 headers=who.buyer)
    assert contracts.json() == []  # nothing sent during the standstill (R2182-1)

    platform_clock.set(ends + timedelta(minutes=1))

    async def contract():
        found = (await client.get(f"{urls['contracts']}/api/contracts", params={"award_id": award_id},
                                  headers=who.buyer)).json()
        return found[0] if found else None
    opened_contract = await wait_for(contract, timeout_s=60)
    # AwardDecided.v2 as contracts holds it: the opened bid's price, said to come from that bid.
    held = (await client.get(f"{urls['contracts']}/api/contracts/{opened_contract['id']}", headers=who.buyer)).json()
    assert held["award"]["amount"] == opened_prices[kept["id"]] == "350000.00"
    assert held["award"]["amount_source"] == "offre" and held["award"]["winning_bid_id"] == kept["id"]
    lot = (await client.get(url, headers=who.buyer)).json()
    assert lot["decision"]["event_emitted_at"] is not None
    assert (await client.get(f"{tendering}/api/consultations/{cid}", headers=who.buyer)).json()["status"] == "awarded"
