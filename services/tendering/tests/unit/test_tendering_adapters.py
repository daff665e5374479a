"""The thin adapters in-process, over the fake repositories: the API's JSON (the shape other
services and the end-to-end tests read), its refusals as problems naming the field, and the
home page's rows."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from unefois_events.catalogue import Lot
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.testing import BUYER, SUPPLIER, adapter_client
from unefois_kernel.uow import FakeUnitsOfWork
from unefois_tendering.awards import api as awards_api
from unefois_tendering.consultations import api, service, views, web
from unefois_tendering.consultations.domain import ConsultationStatus

AGENT = Principal(subject="u-1", name="Camille Martin", roles=frozenset({Role.BUYER}), org_siret=BUYER.siret,
                  org_name=BUYER.name, org_kind=OrgKind.BUYER)
JEAN = Principal(subject="u-3", name="Jean Moreau", roles=frozenset({Role.SUPPLIER}), org_siret=SUPPLIER.siret,
                 org_name=SUPPLIER.name, org_kind=OrgKind.SUPPLIER)
DECISION = {"winners": [SUPPLIER.model_dump(mode="json")], "amount": "900.00", "price_form": "Forfaitaire",
            "price_types": ["Définitif ferme"], "offers_received": 1}


@pytest.fixture
def client_as(repos, clock):
    def make(principal) -> TestClient:
        return adapter_client([api.router, awards_api.router, web.router], FakeUnitsOfWork(repos, clock=clock, service="tendering"), stage="tendering",
                              principal=principal)

    return make


async def test_the_api_reads_consultations_in_todays_json_shape(client_as, uow_for, fakes, clock):
    need = fakes.a_need(approved_at=clock.now())
    consultation = await service.open_from_need(uow_for(tenant=need.tenant), need)
    client = client_as(AGENT)

    [listed] = client.get("/api/consultations", params={"need_id": str(need.purchase.need_id)}).json()
    assert listed == {
        "id": str(consultation.id), "reference": "2026-0001", "status": "published",
        "purchase": need.purchase.model_dump(mode="json"),
        "published_at": "2026-11-02T10:00:00Z", "bid_deadline": "2026-12-07T10:00:00Z",
        "received_at": "2026-11-02T10:00:00Z", "decision": None, "hold": None,
    }
    assert client.get(f"/api/consultations/{consultation.id}").json() == listed
    assert client.get("/api/consultations", params={"need_id": str(uuid.uuid4())}).json() == []
    missing = client.get(f"/api/consultations/{uuid.uuid4()}")
    assert (missing.status_code, missing.json()["errors"][0]["field"]) == (404, "consultation_id")


async def test_the_approver_awards_once_and_refusals_name_the_field(client_as, approver, repos, fakes, clock):
    lots = [Lot(number=1, title="Voirie", estimated_value="60000.00")]
    consultation = fakes.a_consultation(at=clock.now(), lots=lots)
    await repos.consultations.add(consultation)
    client = client_as(approver)
    url = f"/api/consultations/{consultation.id}/award"

    assert client_as(AGENT).post(url, json=DECISION).status_code == 403  # a buyer who is not an approver
    wrong_lot = client.post(url, json=DECISION | {"lot_number": 2})
    assert (wrong_lot.status_code, wrong_lot.json()["errors"][0]["field"]) == (422, "lot_number")
    assert client.post(f"/api/consultations/{uuid.uuid4()}/award", json=DECISION).status_code == 404

    response = client.post(url, json=DECISION | {"lot_number": 1})
    assert response.status_code == 201
    [award] = repos.awards.rows
    assert response.json() == {"award_id": str(award.id), "consultation_id": str(consultation.id)}
    assert repos.consultations.rows[consultation.id].status is ConsultationStatus.AWARDED

    again = client.post(url, json=DECISION)
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["errors"][0]["field"] == "status"


async def test_the_home_lists_a_buyers_consultations_with_their_status(client_as, uow_for, fakes, clock, approver):
    need = fakes.a_need(approved_at=clock.now())
    consultation = await service.open_from_need(uow_for(tenant=need.tenant), need)
    row = views.home_row(consultation)
    assert row == [{"text": "2026-0001", "url": f"/consultations/{consultation.id}"}, need.purchase.object, "Publiée",
                   "02/11/2026", "07/12/2026"]
    assert len(row) == len(views.COLUMNS)
    html = client_as(AGENT).get("/").text
    assert "<table" in html
    assert f'<a href="/consultations/{consultation.id}">2026-0001</a>' in html
    for cell in row[1:]:
        assert f">{cell}<" in html
    client_as(approver).post(f"/api/consultations/{consultation.id}/award", json=DECISION)
    assert ">Attribuée<" in client_as(AGENT).get("/").text
    assert set(views.STATUS_LABELS) == set(ConsultationStatus)


def test_the_home_shows_no_data_to_a_visitor_or_a_supplier(client_as):
    for reader in (None, JEAN):
        html = client_as(reader).get("/").text
        assert "<h1>Consultations</h1>" in html and "<table" not in html
