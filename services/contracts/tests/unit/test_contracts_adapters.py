"""The thin adapters in-process, over the fake repositories: the API's JSON (the shape other
services and the end-to-end tests read) and the home page's rows."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from unefois_contracts.contracts import api, service, web
from unefois_events.catalogue import AwardDecidedV2
from unefois_contracts.contracts.domain import ContractStatus
from unefois_kernel.testing import adapter_client
from unefois_kernel.uow import FakeUnitsOfWork


@pytest.fixture
def client_as(repos, clock):
    def make(principal) -> TestClient:
        return adapter_client([api.router, web.router], FakeUnitsOfWork(repos, clock=clock, service="contracts"), stage="contracts",
                              principal=principal)

    return make


async def test_the_api_reads_and_notifies_in_todays_json_shape(client_as, uow_for, fakes, principals):
    award = fakes.an_award()
    contract = await service.prepare_contract(uow_for(tenant=award.tenant), award)
    client = client_as(principals["buyer"])

    [listed] = client.get("/api/contracts", params={"award_id": str(award.award_id)}).json()
    assert listed == {
        "id": str(contract.id), "status": "to_notify", "award": award.model_dump(mode="json"),
        "terms": AwardDecidedV2.of_v1(award).model_dump(mode="json"),
        "contract_number": None, "legal_commitment_number": None, "notified_on": None,
    }
    assert client.get(f"/api/contracts/{contract.id}").json() == listed

    response = client.post(f"/api/contracts/{contract.id}/notify", json={"notified_on": "2026-11-12"})
    assert response.status_code == 200
    assert response.json() | {"award": None, "terms": None} == {
        "id": str(contract.id), "status": "notified", "award": None, "terms": None,
        "contract_number": "2026000001", "legal_commitment_number": "EJ2026000001", "notified_on": "2026-11-12",
    }

    again = client.post(f"/api/contracts/{contract.id}/notify", json={})
    assert again.status_code == 409
    assert client.get(f"/api/contracts/{award.award_id}").status_code == 404  # an award id is no contract id


async def test_the_home_lists_a_buyers_contracts_with_their_status(client_as, uow_for, fakes, principals):
    award = fakes.an_award()
    contract = await service.prepare_contract(uow_for(tenant=award.tenant), award)
    html = client_as(principals["buyer"]).get("/").text
    assert "<table" in html
    assert web.home_row(contract) == ["—", award.purchase.object, f"{award.consultation_reference} — lot unique",
                                      award.winners[0].name, "50\u202f000,00\u00a0€", "À notifier", "—"]
    for cell in web.home_row(contract):
        assert f">{cell}<" in html
    assert len(web.home_row(contract)) == len(web.COLUMNS)
    lot_two = contract.terms.model_copy(update={"lot_number": 2, "lot_title": "Voirie sud"})
    assert web.lot_label(lot_two) == f"{award.consultation_reference} — Lot 2 — Voirie sud"

    notified = await service.notify_contract(uow_for(principals["buyer"]), contract.id, notified_on=date(2026, 11, 12))
    assert web.home_row(notified)[0] == "2026000001"
    assert web.home_row(notified)[5:] == ["Notifié", "12/11/2026"]
    assert set(web.STATUS_LABELS) == set(ContractStatus)


def test_the_home_shows_no_data_to_a_visitor_or_a_supplier(client_as, principals):
    for reader in (None, principals["supplier"]):
        html = client_as(reader).get("/").text
        assert "<h1>Marchés</h1>" in html and "<table" not in html
