"""One purchase through the five services: entered once, never retyped, one trace."""

from __future__ import annotations

import asyncio
import secrets
from datetime import date, datetime

import pytest
from unefois_deploy.config import TEST_CLOCK_START
from unefois_deploy.demo import SUPPLIERS, VILLAGE, need_facts, run_purchase, wait_for
from unefois_kernel.clock import PLATFORM_TZ, paris_date
from unefois_opendata.records.decp import validate_decp_document

pytestmark = pytest.mark.integration

# The services of the test profile start their clocks on this day (unefois_deploy.config), so
# the dates below are the same whatever day the suite runs.
PLATFORM_TODAY = paris_date(TEST_CLOCK_START)
# The award comes from the bids: run_purchase moves the clock a minute past the bid deadline
# (Wednesday 16 December 2026 at noon, see below), so the decision, the contract's notification
# and the open data are of that day.
AWARD_DAY = date(2026, 12, 16)


async def test_a_purchase_flows_from_need_to_open_data_in_one_trace(urls, client, otlp_sink, actors, platform_clock):
    trace_id = secrets.token_hex(16)
    # The buyer's browser session carries one trace context on every request it makes.
    client.headers["traceparent"] = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    facts = need_facts(object_="Réfection du parvis de la mairie", cpv="45233140", value="85000.00", commune="01004")
    who = await actors(VILLAGE["siret"], SUPPLIERS[0]["siret"])
    ids = await run_purchase(client, urls, facts, SUPPLIERS[0], "79990.00", who, advance=platform_clock.advance)

    # Tendering and contracts hold the need's facts exactly as entered at sourcing,
    # and the buyer is the organisation of the agent who logged in.
    consultation = (await client.get(f"{urls['tendering']}/api/consultations/{ids.consultation_id}", headers=who.buyer)).json()
    contract = (await client.get(f"{urls['contracts']}/api/contracts/{ids.contract_id}", headers=who.buyer)).json()
    for stage_purchase in (consultation["purchase"], contract["award"]["purchase"]):
        for field, value in facts.items():
            assert stage_purchase[field] == value, field
        assert stage_purchase["buyer"] == VILLAGE
    assert contract["status"] == "notified"

    # Dates the law counts, on the platform's calendar: published on the day the services' clocks
    # say (Monday 30 November 2026); awarded from the bid and notified once the deadline has passed
    # (AWARD_DAY), the contract numbered in that year.
    # The consultation opened en préparation; the buyer prepared and published it through the API
    # (demo.prepare_and_publish), and tendering took the procedure decision again on that day
    # (art. R2121-3): it still holds, so it was published under that day's decision. The earliest
    # bid deadline is the procedure's minimum: a MAPA has none in the code, only a reasonable time
    # (art. R2143-1, R2151-1), for which the rules suggest 15 days; the day of sending is not
    # counted and the period ends with Tuesday 15 December 2026, a working day (règlement
    # n° 1182/71 art. 3). The buyer chose noon the next day, Wednesday 16 December.
    published_at = datetime.fromisoformat(consultation["published_at"])
    assert paris_date(published_at) == PLATFORM_TODAY == date(2026, 11, 30)
    assert consultation["status"] == "awarded" and consultation["hold"] is None  # never held
    decision = consultation["decision"]
    assert (decision["decided_on"], decision["chosen_procedure"]) == (PLATFORM_TODAY.isoformat(), facts["procedure"])
    deadline = datetime.fromisoformat(consultation["bid_deadline"]).astimezone(PLATFORM_TZ)
    assert deadline == datetime(2026, 12, 16, 12, 0, tzinfo=PLATFORM_TZ)  # 16/12/2026 at 12:00
    preparation = consultation["preparation"]
    assert preparation["variants_allowed"] is False and "dume" in preparation["required_documents"]
    [criteria] = preparation["criteria"]
    assert sum(criterion["weight"] for criterion in criteria["criteria"]) == 100
    notice = (await client.get(f"{urls['tendering']}/api/consultations/{ids.consultation_id}/notice",
                               headers=who.buyer)).json()
    assert notice["lots"][0]["BT-131(d)-Lot"] == "2026-12-16+01:00"
    # Published, so suppliers can seal their bids: the key pair was made by the publication itself,
    # and anyone (anonymous) reads the public key.
    sealing = await client.get(f"{urls['tendering']}/api/consultations/{ids.consultation_id}/public-key")
    assert sealing.status_code == 200, sealing.text
    assert sealing.json()["public_key_jwk"]["crv"] == "P-256" and len(sealing.json()["fingerprint"]) == 64
    assert date.fromisoformat(contract["notified_on"]) == AWARD_DAY
    assert ids.contract_number.startswith(str(AWARD_DAY.year))

    commitment = (await client.get(f"{urls['invoicing']}/api/commitments/{ids.commitment_id}", headers=who.buyer)).json()
    assert commitment["ceiling"] == "79990.00"
    assert commitment["contract_number"] == ids.contract_number
    assert commitment["holders"] == [SUPPLIERS[0]]

    async def published():
        response = await client.get(f"{urls['opendata']}/api/decp/{ids.contract_id}")
        return response.json() if response.status_code == 200 else None

    record = await wait_for(published)
    assert validate_decp_document({"marches": {"marche": [record]}}) == []
    assert record["id"] == ids.contract_number
    assert record["acheteur"] == {"id": VILLAGE["siret"]}
    assert record["objet"] == facts["object"]
    assert record["montant"] == 79990
    assert record["dateNotification"] == AWARD_DAY.isoformat()
    assert record["datePublicationDonnees"] == AWARD_DAY.isoformat()
    assert record["titulaires"] == [{"titulaire": {"typeIdentifiant": "SIRET", "id": SUPPLIERS[0]["siret"]}}]

    # One trace across the five services, through every Kafka hop.
    services = {f"unefois-{stage}" for stage in urls}
    kafka_hops = {"sourcing.need process", "tendering.award process", "contracts.contract process"}

    def hops_seen() -> set[str]:
        return {span.name for span in otlp_sink.spans if span.trace_id == trace_id and span.name.endswith(" process")}

    async with asyncio.timeout(20):  # spans arrive in batches, in no particular order
        while otlp_sink.services_in_trace(trace_id) != services or not kafka_hops <= hops_seen():
            await asyncio.sleep(0.2)
    assert otlp_sink.services_in_trace(trace_id) == services
    assert kafka_hops <= hops_seen()


async def test_an_invoice_lands_once_in_its_commitment_ledger(urls, client, actors, platform_clock):
    facts = need_facts(object_="Achat de bancs publics", cpv="39113000", value="30000.00", commune="01004", nature="supplies")
    who = await actors(VILLAGE["siret"], SUPPLIERS[1]["siret"])
    ids = await run_purchase(client, urls, facts, SUPPLIERS[1], "28000.00", who, advance=platform_clock.advance)
    deposit = {
        "invoice_number": f"F-{secrets.token_hex(4)}",
        "supplier": SUPPLIERS[1],
        "amount_excl_vat": "12000.00",
        "vat_amount": "2400.00",
        "issued_on": "2026-11-20",
    }
    invoices_url = f"{urls['invoicing']}/api/commitments/{ids.commitment_id}/invoices"
    first = await client.post(invoices_url, json=deposit, headers=who.supplier)
    again = await client.post(invoices_url, json=deposit, headers=who.supplier)
    assert first.status_code == 201
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["errors"][0]["field"] == "invoice_number"
    ledger = (await client.get(f"{urls['invoicing']}/api/commitments/{ids.commitment_id}", headers=who.buyer)).json()
    assert ledger["invoice_count"] == 1
    assert ledger["invoiced_excl_vat"] == "12000.00"

    over = deposit | {"invoice_number": f"F-{secrets.token_hex(4)}", "amount_excl_vat": "16000.01"}
    refused = await client.post(invoices_url, json=over, headers=who.supplier)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "amount_excl_vat"


async def test_bad_input_gets_a_problem_naming_the_field(urls, client, actors):
    who = await actors(VILLAGE["siret"], SUPPLIERS[0]["siret"])
    facts = need_facts(object_="x", cpv="4523", value="-5", commune="01004")
    response = await client.post(f"{urls['sourcing']}/api/needs", json={"facts": facts}, headers=who.buyer)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"facts.main_cpv", "facts.estimated_value"} <= fields

    # The buyer is who logged in: typing another organisation is refused, not ignored.
    typed = facts | {"main_cpv": "45233140", "estimated_value": "1000.00", "buyer": {"siret": "20000001600010", "name": "X"}}
    response = await client.post(f"{urls['sourcing']}/api/needs", json={"facts": typed}, headers=who.buyer)
    assert response.status_code == 422
    assert "facts.buyer" in {error["field"] for error in response.json()["errors"]}

    missing = await client.post(f"{urls['sourcing']}/api/needs/00000000-0000-0000-0000-000000000000/approve",
                                json={}, headers=who.approver)
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["field"] == "need_id"


async def test_a_need_is_checked_against_the_reference_data_and_the_rules(urls, client, actors):
    who = await actors(VILLAGE["siret"], SUPPLIERS[0]["siret"])
    facts = need_facts(object_="Réfection", cpv="99999999", value="300000.00", commune="99999", nature="supplies") | {
        "lots": [{"number": 1, "title": "Lot unique", "estimated_value": "100.00"}],
    }
    response = await client.post(f"{urls['sourcing']}/api/needs", json={"facts": facts}, headers=who.buyer)
    assert response.status_code == 422
    fields = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert set(fields) == {"facts.main_cpv", "facts.place_of_execution.code", "facts.lots", "facts.procedure"}
    # 300 000 € of supplies for a local authority is over the 216 000 € formal threshold.
    assert "216" in fields["facts.procedure"]

    ok = need_facts(object_="Fournitures de bureau", cpv="30192000", value="50000.00", commune="01004", nature="supplies")
    created = await client.post(f"{urls['sourcing']}/api/needs", json={"facts": ok}, headers=who.buyer)
    assert created.status_code == 201, created.text
    assert created.json()["recommendation"]["band"] == "no_competition"  # 50 000 < 60 000 (supplies, since 2026-04-01)
    recommendation = await client.get(f"{urls['sourcing']}/api/needs/recommendation", headers=who.buyer,
                                      params={"nature": "works", "estimated_value": "5404000.00", "launch_date": "2026-06-01"})
    assert recommendation.status_code == 200
    assert "Appel d'offres ouvert" in recommendation.json()["allowed_procedures"]
