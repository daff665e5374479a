"""Hostile values sent to the running services (issue 9, item 1): each finding of the probe,
sent as it was, gets a 4xx naming the field in French (problem+json for the APIs, a message
next to the field for the forms), or is normalised; none costs a 500 or reaches storage."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from unefois_deploy.config import TEST_CLOCK_START
from unefois_deploy.demo import (
    SUPPLIER_LOGINS,
    SUPPLIERS,
    VILLAGE,
    consultation_public_key,
    deposit_bid,
    evaluation_url,
    mark_grid,
    need_facts,
    open_bids,
    prepare_and_publish,
    propose_and_decide,
    wait_for,
)
from unefois_kernel.clock import paris_date

pytestmark = pytest.mark.integration

PLATFORM_TODAY = paris_date(TEST_CLOCK_START)
NUL = "\u0000"
RLO = "\u202e"
SUPPLIER = SUPPLIERS[0]


def refused(response, field: str, *, status: int = 422) -> str:
    """The problem's message about `field` (asserting a problem+json refusal naming it)."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/problem+json")
    messages = {error["field"]: error["message"] for error in response.json().get("errors", [])}
    assert field in messages, messages
    return messages[field]


def facts(**changes) -> dict:
    return {**need_facts(object_="Entretien de la salle des fêtes", cpv="45233140", value="85000.00",
                         commune="01004"), **changes}


@pytest.fixture
async def who(actors):
    return await actors(VILLAGE["siret"], SUPPLIER["siret"])


async def _need(client, urls, who, **changes) -> str:
    response = await client.post(f"{urls['sourcing']}/api/needs", json={"facts": facts(**changes)}, headers=who.buyer)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_nul_and_direction_controls_in_a_need_are_refused_naming_the_field(urls, client, who):
    needs = f"{urls['sourcing']}/api/needs"
    lots = [{"number": 1, "title": f"Lot{NUL}", "estimated_value": "85000.00"}]
    for changes, field, word in (
        ({"object": f"Entretien{NUL}"}, "facts.object", "contrôle"),
        ({"lots": lots}, "facts.lots.0.title", "contrôle"),
        ({"object": f"Entretien {RLO}cod.exe"}, "facts.object", "direction"),
        ({"description": f"ligne{NUL}"}, "facts.description", "contrôle"),
    ):
        response = await client.post(needs, json={"facts": facts(**changes)}, headers=who.buyer)
        assert word in refused(response, field)


async def test_absurd_numbers_and_lists_in_a_need_are_refused_or_normalised(urls, client, who):
    needs = f"{urls['sourcing']}/api/needs"
    response = await client.post(needs, json={"facts": facts(duration_months=10**100)}, headers=who.buyer)
    assert "360" in refused(response, "facts.duration_months").replace("\u202f", "")
    response = await client.post(needs, json={"facts": facts(additional_cpvs=["45000000"] * 50_000)}, headers=who.buyer)
    assert "50" in refused(response, "facts.additional_cpvs")
    response = await client.post(needs, json={"facts": facts(estimated_value="1e26")}, headers=who.buyer)
    refused(response, "facts.estimated_value")
    response = await client.post(needs, json={"facts": facts(techniques=["Accord-cadre"], duration_months=60)},
                                 headers=who.buyer)
    assert "48 mois" in refused(response, "facts.duration_months")

    # Repeated CPV codes say nothing more: kept once. "-0" is zero, stored and answered as 0.
    need_id = await _need(client, urls, who, additional_cpvs=["45000000", "45000000", "45233140-2", "45000000"],
                          lots=[{"number": 1, "title": "Gros œuvre", "estimated_value": "85000.00"},
                                {"number": 2, "title": "Option", "estimated_value": "-0"}])
    stored = (await client.get(f"{needs}/{need_id}", headers=who.buyer)).json()["facts"]
    assert stored["additional_cpvs"] == ["45000000", "45233140-2"]
    assert stored["lots"][1]["estimated_value"] in {"0", "0.00"}  # never "-0"


async def test_research_return_and_clauses_refuse_nul_naming_the_field(urls, client, who):
    need_id = await _need(client, urls, who)
    research = f"{urls['sourcing']}/api/needs/{need_id}/research"
    refused(await client.put(f"{research}/notes", json={"notes": f"a{NUL}b"}, headers=who.buyer), "notes")
    refused(await client.post(f"{research}/shortlist", json={**SUPPLIER, "name": f"TPR{NUL}"}, headers=who.buyer),
            "name")
    quote = {"supplier": {**SUPPLIER, "name": f"TPR{NUL}"}, "amount": "100.00", "received_on": "2026-11-20"}
    refused(await client.post(f"{research}/quotes", json=quote, headers=who.buyer), "supplier.name")
    # A quote received is a past fact: not after the platform's today.
    tomorrow = (PLATFORM_TODAY + timedelta(days=1)).isoformat()
    quote = {"supplier": SUPPLIER, "amount": "100.00", "received_on": tomorrow}
    assert "futur" in refused(await client.post(f"{research}/quotes", json=quote, headers=who.buyer), "received_on")
    quote = {"supplier": SUPPLIER, "amount": "100.00", "received_on": "9999-12-31"}
    assert "2099" in refused(await client.post(f"{research}/quotes", json=quote, headers=who.buyer), "received_on")

    clause = {"kind": "social", "consideration": "Clause sociale", "title": f"Insertion{NUL}",
              "body": "Heures d'insertion réservées aux personnes éloignées de l'emploi."}
    refused(await client.post(f"{urls['sourcing']}/api/clauses", json=clause, headers=who.buyer), "title")
    clause = {**clause, "title": "Insertion", "body": f"Heures{NUL} d'insertion réservées."}
    refused(await client.post(f"{urls['sourcing']}/api/clauses", json=clause, headers=who.buyer), "body")

    assert (await client.post(f"{urls['sourcing']}/api/needs/{need_id}/submit", headers=who.buyer)).status_code == 200
    response = await client.post(f"{urls['sourcing']}/api/needs/{need_id}/return", json={"comment": f"CCTP{NUL}"},
                                 headers=who.approver)
    refused(response, "comment")
    # Nothing was stored: the need is still submitted, its research empty.
    need = (await client.get(f"{urls['sourcing']}/api/needs/{need_id}", headers=who.buyer)).json()
    assert need["status"] == "submitted"
    assert (await client.get(research, headers=who.buyer)).json()["notes"] == ""


async def test_the_need_forms_say_it_next_to_the_field(urls, client, who):
    form = {"object": f"Entretien{NUL}", "nature": "works", "main_cpv": "45233140", "estimated_value": "85 000",
            "duration_months": "6", "place_code": "01004", "place_type": "Code commune",
            "procedure": "Procédure adaptée", "ccag": "Travaux"}
    page = await client.post(f"{urls['sourcing']}/besoins/nouveau", data=form, headers=who.buyer)
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert "Caractère de contrôle interdit (U+0000, position 10)" in page.text
    page = await client.post(f"{urls['sourcing']}/besoins/nouveau", data={**form, "object": "Entretien",
                                                                         "duration_months": "1" + "0" * 100},
                             headers=who.buyer)
    assert page.status_code == 422 and "360" in page.text.replace("\u202f", "").replace("&#8239;", "")

    need_id = await _need(client, urls, who)
    assert (await client.post(f"{urls['sourcing']}/api/needs/{need_id}/submit", headers=who.buyer)).status_code == 200
    page = await client.post(f"{urls['sourcing']}/besoins/{need_id}/renvoyer", data={"comment": f"Manque{NUL}"},
                             headers=who.approver)
    assert page.status_code == 422 and "Caractère de contrôle interdit (U+0000" in page.text
    need = (await client.get(f"{urls['sourcing']}/api/needs/{need_id}", headers=who.buyer)).json()
    assert need["status"] == "submitted" and need["return_comment"] is None


async def test_the_recommendation_fragment_and_the_decp_offset_answer_without_a_500(urls, client, who):
    page = await client.get(f"{urls['sourcing']}/besoins/recommandation",
                            params={"nature": "works", "estimated_value": "1e26"}, headers=who.buyer)
    assert page.status_code == 200 and "trop élevée" in page.text
    for offset in ("9223372036854775808", "-1", str(10**7)):
        response = await client.get(f"{urls['opendata']}/api/decp", params={"offset": offset})
        refused(response, "offset")
    response = await client.get(f"{urls['opendata']}/api/decp", params={"limit": "9223372036854775808"})
    refused(response, "limit")
    assert (await client.get(f"{urls['opendata']}/api/decp", params={"offset": "1000000"})).status_code == 200


async def test_absurd_award_notification_and_invoice_values_are_refused(urls, client, who, tokens, platform_clock):
    """The award from two sealed bids: a proposal with a typed amount, an absurd tie-break reason
    or bid id refused; then a notification dated 9999-12-31 or after today, an invoice number with
    NUL: refused; the purchase goes through, published with offresRecues 2 (the bids opened)."""
    need_id = await _need(client, urls, who)
    assert (await client.post(f"{urls['sourcing']}/api/needs/{need_id}/submit", headers=who.buyer)).status_code == 200
    assert (await client.post(f"{urls['sourcing']}/api/needs/{need_id}/approve", json={},
                              headers=who.approver)).status_code == 200

    async def consultation():
        found = (await client.get(f"{urls['tendering']}/api/consultations", params={"need_id": need_id},
                                  headers=who.buyer)).json()
        return found[0] if found else None

    consultation_id = (await wait_for(consultation))["id"]
    # The preparation refuses absurd values naming the field, then the buyer publishes.
    preparation = f"{urls['tendering']}/api/consultations/{consultation_id}"
    refused(await client.patch(preparation, json={"bid_deadline": "2026-12-01T12:00:00+01:00"}, headers=who.buyer),
            "bid_deadline")
    # The refusal names the very document code, by its position.
    refused(await client.patch(preparation, json={"required_documents": ["x" * 10_000]}, headers=who.buyer),
            "required_documents.0")
    published = await prepare_and_publish(client, urls, consultation_id, who)
    # The award comes from the bids only: two sealed bids, opened after the deadline, the grid marked.
    tendering = urls["tendering"]
    public_key = await consultation_public_key(client, tendering, consultation_id)
    await deposit_bid(client, tendering, consultation_id, who.supplier, public_key, SUPPLIER, "80000.00")
    rival = SUPPLIERS[1]
    await deposit_bid(client, tendering, consultation_id, await tokens.headers_for(SUPPLIER_LOGINS[rival["siret"]]),
                      public_key, rival, "83000.00")
    await open_bids(client, tendering, consultation_id, datetime.fromisoformat(published["bid_deadline"]), who,
                    platform_clock.advance)
    await mark_grid(client, tendering, consultation_id, who.buyer)
    proposal = f"{evaluation_url(tendering, consultation_id)}/proposal"
    # No amount can be typed (the bid's price is the award's), nor an absurd tie-break.
    assert (await client.post(proposal, json={"amount": "9000000.00"}, headers=who.buyer)).status_code == 422
    refused(await client.post(proposal, json={"tie_break_reason": "x" * 10_000}, headers=who.buyer),
            "tie_break_reason")
    refused(await client.post(proposal, json={"tie_break_bid_id": f"{NUL}"}, headers=who.buyer), "tie_break_bid_id")
    award_id = await propose_and_decide(client, tendering, consultation_id, who, platform_clock.advance)
    today = paris_date(platform_clock.now())

    async def contract():
        found = (await client.get(f"{urls['contracts']}/api/contracts", params={"award_id": award_id},
                                  headers=who.buyer)).json()
        return found[0] if found else None

    notify = f"{urls['contracts']}/api/contracts/{(await wait_for(contract))['id']}/notify"
    assert "2099" in refused(await client.post(notify, json={"notified_on": "9999-12-31"}, headers=who.buyer),
                             "notified_on")
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert "futur" in refused(await client.post(notify, json={"notified_on": tomorrow}, headers=who.buyer),
                              "notified_on")
    notified = await client.post(notify, json={}, headers=who.buyer)
    assert notified.status_code == 200, notified.text
    record = await wait_for(lambda: _decp(client, urls, notified.json()["id"]))
    assert record["offresRecues"] == 2 and record["dateNotification"] == today.isoformat()

    invoice = {"invoice_number": f"F-1{NUL}", "supplier": SUPPLIER, "amount_excl_vat": "100.00", "vat_amount": "20.00",
               "issued_on": PLATFORM_TODAY.isoformat()}
    response = await client.post(f"{urls['invoicing']}/api/commitments/{uuid.uuid4()}/invoices", json=invoice,
                                 headers=who.supplier)
    refused(response, "invoice_number")
    response = await client.post(f"{urls['invoicing']}/api/commitments/{uuid.uuid4()}/invoices",
                                 json={**invoice, "invoice_number": "F-1", "issued_on": "9999-12-31"},
                                 headers=who.supplier)
    refused(response, "issued_on")


async def _decp(client, urls, contract_id: str):
    response = await client.get(f"{urls['opendata']}/api/decp/{contract_id}")
    return response.json() if response.status_code == 200 else None


async def test_search_texts_with_nul_are_refused_or_ignored_never_a_500(urls, client, who):
    suppliers = f"{urls['sourcing']}/api/suppliers"
    refused(await client.get(suppliers, params={"q": f"travaux{NUL}"}, headers=who.buyer), "q")
    refused(await client.get(suppliers, params={"commune": f"0100{NUL}"}, headers=who.buyer), "commune")
    assert (await client.get(suppliers, params={"q": "travaux"}, headers=who.buyer)).status_code == 200
    page = await client.get(f"{urls['sourcing']}/fournisseurs", params={"q": f"travaux{NUL}"}, headers=who.buyer)
    # The directory's page names it next to the field, as it does any criterion that can match nothing.
    assert page.status_code == 422 and "Caractère de contrôle interdit (U+0000, position 8)" in page.text
    # The needs list reads its URL leniently: a filter it cannot use is no filter.
    page = await client.get(f"{urls['sourcing']}/besoins", params={"q": f"salle{NUL}", "page": "9" * 40},
                            headers=who.buyer)
    assert page.status_code == 200
    page = await client.get(f"{urls['sourcing']}/fournisseurs", params={"q": "travaux", "page": "9" * 30},
                            headers=who.buyer)
    assert page.status_code == 200


async def test_a_buyer_page_of_no_siret_is_refused_not_a_500(urls, client):
    for siret in ("2100000300001%00", "%E2%80%AE21000003000010", "9" * 40):
        page = await client.get(f"{urls['opendata']}/acheteurs/{siret}")
        assert page.status_code == 404, (siret, page.status_code)
    assert (await client.get(f"{urls['opendata']}/acheteurs/{VILLAGE['siret']}")).status_code == 200
