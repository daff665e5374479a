"""The thin adapters in-process, over the fake repositories: the API's JSON (the shape other
services and the end-to-end tests read), its refusals as problems naming the field, and the
home page's rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.testing import BUYER, SUPPLIER, adapter_client
from unefois_kernel.uow import FakeUnitsOfWork
from unefois_tendering.consultations import api, service, views, web
from unefois_tendering.consultations.domain import ConsultationStatus

AGENT = Principal(subject="u-1", name="Camille Martin", roles=frozenset({Role.BUYER}), org_siret=BUYER.siret,
                  org_name=BUYER.name, org_kind=OrgKind.BUYER)
JEAN = Principal(subject="u-3", name="Jean Moreau", roles=frozenset({Role.SUPPLIER}), org_siret=SUPPLIER.siret,
                 org_name=SUPPLIER.name, org_kind=OrgKind.SUPPLIER)

@pytest.fixture
def client_as(repos, clock):
    def make(principal) -> TestClient:
        return adapter_client([api.router, web.router], FakeUnitsOfWork(repos, clock=clock, service="tendering"), stage="tendering",
                              principal=principal)

    return make


async def test_the_api_reads_consultations_in_todays_json_shape(client_as, uow_for, fakes, clock):
    need = fakes.a_need(approved_at=clock.now())
    consultation, _ = await fakes.open_and_publish(uow_for, need)
    client = client_as(AGENT)

    [listed] = client.get("/api/consultations", params={"need_id": str(need.purchase.need_id)}).json()
    assert listed == {
        "id": str(consultation.id), "reference": "2026-0001", "status": "published",
        "purchase": need.purchase.model_dump(mode="json"),
        "published_at": "2026-11-02T10:00:00Z", "bid_deadline": "2026-12-08T11:00:00Z",
        "received_at": "2026-11-02T10:00:00Z", "decision": None, "hold": None,
        "preparation": consultation.preparation.model_dump(mode="json"),
    }
    # One consultation: with, while it is prepared, the earliest bid deadline (none once published).
    assert client.get(f"/api/consultations/{consultation.id}").json() == listed | {
        "minimum_bid_deadline": None, "formal": False, "warnings": []}
    assert client.get("/api/consultations", params={"need_id": str(uuid.uuid4())}).json() == []
    missing = client.get(f"/api/consultations/{uuid.uuid4()}")
    assert (missing.status_code, missing.json()["errors"][0]["field"]) == (404, "consultation_id")


async def test_the_home_lists_a_buyers_consultations_with_their_status(client_as, uow_for, fakes, clock, repos):
    need = fakes.a_need(approved_at=clock.now())
    consultation, _ = await fakes.open_and_publish(uow_for, need)
    row = views.home_row(consultation)
    assert row == [{"text": "2026-0001", "url": f"/consultations/{consultation.id}"}, need.purchase.object, "Publiée",
                   "02/11/2026", "08/12/2026"]
    assert len(row) == len(views.COLUMNS)
    html = client_as(AGENT).get("/").text
    assert "<table" in html
    assert f'<a href="/consultations/{consultation.id}">2026-0001</a>' in html
    for cell in row[1:]:
        assert f">{cell}<" in html
    await repos.consultations.set_status(consultation.id, ConsultationStatus.AWARDED)  # awarded from its bids
    assert ">Attribuée<" in client_as(AGENT).get("/").text
    assert set(views.STATUS_LABELS) == set(ConsultationStatus)


def test_the_home_shows_no_data_to_a_visitor_or_a_supplier(client_as):
    for reader in (None, JEAN):
        html = client_as(reader).get("/").text
        assert "<h1>Consultations</h1>" in html and "<table" not in html


# ---------------------------------------------------------------- a consultation held at publication


@pytest.fixture
async def held(uow_for, fakes, clock):
    """The done-when case: planned for 2025-12-15 as a MAPA, held at publication on 2026-01-10."""
    clock.set(datetime(2026, 1, 10, 9, 0, tzinfo=UTC))
    consultation, _ = await fakes.open_and_publish(uow_for, fakes.a_planned_need(approved_at=clock.now()))
    return consultation


async def test_the_api_confirms_a_lawful_procedure_only(client_as, held, repos):
    url = f"/api/consultations/{held.id}/procedure"
    shown = client_as(AGENT).get(f"/api/consultations/{held.id}").json()
    assert (shown["status"], shown["published_at"], shown["bid_deadline"], shown["decision"]) == (
        "awaiting_procedure", None, None, None)
    assert shown["hold"]["held_on"] == "2026-01-10" and shown["hold"]["previous"]["decided_on"] == "2025-12-15"

    assert client_as(JEAN).post(url, json={"procedure": "Appel d'offres ouvert"}).status_code == 403
    mapa = client_as(AGENT).post(url, json={"procedure": "Procédure adaptée"})
    assert mapa.status_code == 422
    assert mapa.headers["content-type"] == "application/problem+json"
    assert mapa.json()["errors"][0]["field"] == "procedure"
    unknown = client_as(AGENT).post(url, json={"procedure": "Au plus offrant"})
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "procedure")
    assert repos.consultations.rows[held.id].status is ConsultationStatus.AWAITING_PROCEDURE

    opened = client_as(AGENT).post(url, json={"procedure": "Appel d'offres ouvert"})
    assert opened.status_code == 200
    body = opened.json()
    assert (body["status"], body["purchase"]["procedure"], body["published_at"]) == (
        "published", "Appel d'offres ouvert", "2026-01-10T09:00:00Z")
    assert (body["decision"]["chosen_procedure"], body["decision"]["decided_on"]) == ("Appel d'offres ouvert", "2026-01-10")
    assert body["hold"]["held_on"] == "2026-01-10", "the hold stays on record"

    again = client_as(AGENT).post(url, json={"procedure": "Appel d'offres ouvert"})
    assert (again.status_code, again.json()["errors"][0]["field"]) == (409, "status")
    assert client_as(AGENT).post(f"/api/consultations/{uuid.uuid4()}/procedure",
                                 json={"procedure": "Appel d'offres ouvert"}).status_code == 404


async def test_the_pages_show_the_held_consultation_and_confirm_its_procedure(client_as, held):
    client = client_as(AGENT)
    home = client.get("/").text
    assert '<span class="badge unefois-badge unefois-badge--warning">À confirmer</span>' in home
    assert "attend la confirmation de sa procédure" in home

    page = client.get(f"/consultations/{held.id}").text
    assert "Publication suspendue : la procédure est à confirmer" in page
    assert held.hold.reason.replace("'", "&#39;") in page
    assert "15/12/2025" in page and "10/01/2026" in page, "the dates of both decisions"
    assert "art. R2121-3" in page
    assert "Procédures formalisées (art. R2124-1)" in page
    assert 'name="procedure"' in page and 'value="Appel d&#39;offres ouvert"' in page
    assert 'value="Procédure adaptée"' not in page, "only the lawful procedures are offered"

    form = f"/consultations/{held.id}/procedure"
    refused = client.post(form, data={"procedure": "Procédure adaptée"}, follow_redirects=False)
    assert refused.status_code == 422
    assert 'id="procedure-message-error"' in refused.text and "<html" in refused.text
    empty = client.post(form, data={}, follow_redirects=False)
    assert empty.status_code == 422 and "Choisissez une procédure." in empty.text

    done = client.post(form, data={"procedure": "Appel d'offres ouvert"}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, f"/consultations/{held.id}?message=publiee")
    published = client.get(done.headers["location"]).text
    assert "la consultation est publiée" in published
    assert "Décision de procédure à la publication" in published and 'name="procedure"' not in published
    assert '<span class="badge unefois-badge unefois-badge--info">Publiée</span>' in published

    late = client.post(form, data={"procedure": "Appel d'offres ouvert"}, follow_redirects=False)
    assert late.status_code == 409 and "déjà publiée" in late.text


def test_the_consultation_page_is_for_buyers(client_as):
    assert client_as(JEAN).get(f"/consultations/{uuid.uuid4()}").status_code == 403
    assert client_as(AGENT).get(f"/consultations/{uuid.uuid4()}").status_code == 404


async def test_once_published_the_page_still_compares_the_thresholds(client_as, held):
    client = client_as(AGENT)
    client.post(f"/api/consultations/{held.id}/procedure", json={"procedure": "Appel d'offres ouvert"})
    page = client.get(f"/consultations/{held.id}").text
    row = page.split("Procédures formalisées (art. R2124-1)")[1].split("</tr>")[0]
    assert "221\u202f000,00" in row and "216\u202f000,00" in row and ">Oui<" in row
    # The buyer's deadline (35 days ending with Monday 16 February, then noon the next day), after the open
    # procedure's minimum (30 days, R2161-3 2°, ending with Monday 9 February).
    assert "17/02/2026 à 12:00" in page


async def test_the_page_says_when_the_platform_does_not_decide(client_as, uow_for, fakes, clock):
    clock.set(datetime(2026, 1, 10, 9, 0, tzinfo=UTC))
    need = fakes.a_planned_need(approved_at=clock.now())
    need = need.model_copy(update={"purchase": need.purchase.model_copy(
        update={"nature": "works", "ccag": "Travaux", "specific_services": True})})
    held, _ = await fakes.open_and_publish(uow_for, need)
    page = client_as(AGENT).get(f"/consultations/{held.id}").text
    assert "La plateforme ne décide pas de ce cas" in page
    assert 'name="procedure"' not in page


# ---------------------------------------------------------------- preparation and publication


def _api_preparation(fakes, draft, clock) -> dict:
    prep = fakes.a_preparation(draft, at=clock.now())
    return prep | {"bid_deadline": prep["bid_deadline"].isoformat(),
                   "questions_deadline": prep["questions_deadline"].isoformat()}


async def test_the_api_prepares_and_publishes_and_names_every_refused_field(client_as, uow_for, fakes, clock, approver):
    need = fakes.a_need(approved_at=clock.now())
    draft = await service.open_from_need(uow_for(tenant=need.tenant), need)
    client, url = client_as(AGENT), f"/api/consultations/{draft.id}"

    shown = client.get(url).json()
    assert (shown["status"], shown["minimum_bid_deadline"]["days"], shown["minimum_bid_deadline"]["deadline"]) == (
        "draft", 35, "2026-12-08T00:00:00+01:00")  # the end of 7 December in Paris
    early = client.patch(url, json={"bid_deadline": "2026-12-07T12:00:00+01:00"})
    assert early.status_code == 422 and early.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in early.json()["errors"]] == ["bid_deadline"]
    unknown = client.patch(url, json={"colour": "blue"})
    assert unknown.status_code == 422
    refused = client.post(f"{url}/publish")
    assert refused.status_code == 422
    assert {error["field"] for error in refused.json()["errors"]} >= {"bid_deadline", "criteria", "variants_allowed"}
    assert client.get(f"{url}/notice").status_code == 409

    assert client.put(url, json=_api_preparation(fakes, draft, clock)).status_code == 200
    assert client.patch(url, json={"variants_allowed": True}).json()["preparation"]["variants_allowed"] is True
    assert client_as(approver).post(f"{url}/publish").status_code == 403, "publication is the buyer's"
    assert client_as(JEAN).put(url, json={}).status_code == 403
    published = client.post(f"{url}/publish")
    assert (published.status_code, published.json()["status"]) == (200, "published")
    assert client.post(f"{url}/publish").json()["errors"][0]["field"] == "status"
    assert client.patch(url, json={"variants_allowed": False}).status_code == 409

    notice = client.get(f"{url}/notice").json()
    [lot] = notice["lots"]
    assert (lot["BT-131(d)-Lot"], lot["BT-131(t)-Lot"]) == ("2026-12-08+01:00", "12:00:00+01:00")
    assert lot["BT-63-Lot"] == "allowed"
    assert [(c["BT-539-Lot"], c["BT-541-Lot-WeightNumber"]) for c in lot["award_criteria"]] == [
        ("price", 60), ("quality", 20), ("quality", 20)]
    assert notice["procedure"]["BT-262-Procedure"] == need.purchase.main_cpv
    assert notice["organisation"]["BT-501-Organization-Company"] == BUYER.siret


async def test_the_pages_prepare_then_publish_and_print_the_notice(client_as, uow_for, fakes, clock):
    need = fakes.a_need(approved_at=clock.now())
    draft = await service.open_from_need(uow_for(tenant=need.tenant), need)
    client = client_as(AGENT)
    page = client.get(f"/consultations/{draft.id}").text
    assert ">En préparation<" in page and "Publier la consultation" in page

    form_url = f"/consultations/{draft.id}/preparer"
    form = client.get(form_url).text
    assert "Le besoin approuvé" in form and need.purchase.main_cpv in form
    assert "Au plus tôt le 07/12/2026 à 24 h" in form, "the minimum next to the field"
    assert 'value="12:00"' in form, "noon by default"

    data = {"bid_deadline_date": "2026-12-07", "bid_deadline_time": "12:00", "questions_deadline_date": "2026-11-30",
            "questions_deadline_time": "12:00", "variants_allowed": "non", "required_documents": ["dume", "dc1"],
            "price_form": "Forfaitaire", "price_types": ["Définitif ferme", "Définitif révisable"],
            "crit_0_0_kind": "price", "crit_0_0_name": "Prix", "crit_0_0_weight": "60",
            "crit_0_1_kind": "environmental", "crit_0_1_name": "Environnement", "crit_0_1_weight": "20",
            "crit_0_2_kind": "quality", "crit_0_2_name": "Valeur technique", "crit_0_2_weight": "x"}
    unread = client.post(form_url, data=data, follow_redirects=False)
    assert unread.status_code == 422 and 'id="crit_0_2_weight-message-error"' in unread.text
    early = client.post(form_url, data=data | {"crit_0_2_weight": "20"}, follow_redirects=False)
    assert early.status_code == 422 and 'id="bid_deadline_date-message-error"' in early.text
    assert "07/12/2026 à 24 h" in early.text
    done = client.post(form_url, data=data | {"crit_0_2_weight": "20", "bid_deadline_date": "2026-12-08",
                                              "crit_0_2_subs": "Méthodologie : 12\nMoyens : 8"},
                       follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, f"/consultations/{draft.id}?message=preparee")
    page = client.get(done.headers["location"]).text
    assert "08/12/2026 à 12:00" in page and "Méthodologie (12)" in page
    assert "Forfaitaire" in page and "Définitif ferme, Définitif révisable" in page

    published = client.post(f"/consultations/{draft.id}/publier", follow_redirects=False)
    assert published.headers["location"] == f"/consultations/{draft.id}?message=publiee-directement"
    page = client.get(published.headers["location"]).text
    assert "La consultation est publiée." in page and "Avis de marché (imprimable)" in page
    assert client.get(form_url, follow_redirects=False).status_code == 303, "published: no more preparation"
    notice = client.get(f"/consultations/{draft.id}/avis").text
    assert "BT-131(d)-Lot" in notice and "Date limite de réception des offres" in notice and "Prix" in notice


async def test_publishing_an_incomplete_consultation_from_its_page_says_what_is_missing(client_as, uow_for, fakes, clock):
    need = fakes.a_need(approved_at=clock.now())
    draft = await service.open_from_need(uow_for(tenant=need.tenant), need)
    refused = client_as(AGENT).post(f"/consultations/{draft.id}/publier", follow_redirects=False)
    assert refused.status_code == 422 and "<html" in refused.text
    no_notice = client_as(AGENT).get(f"/consultations/{draft.id}/avis")
    assert no_notice.status_code == 409 and "<html" in no_notice.text and "publiée" in no_notice.text
    assert "La consultation n’est pas publiée" in refused.text and "Variantes" in refused.text


async def test_a_short_mapa_deadline_is_kept_and_warned_on_the_api_and_the_pages(client_as, uow_for, fakes, clock):
    """MAPA: below the platform's suggested 15 days, the buyer is told (R2143-1), not refused."""
    need = fakes.a_planned_need(approved_at=clock.now(), decided_on=clock.today(), estimated_value="90000.00")
    draft = await service.open_from_need(uow_for(tenant=need.tenant), need)
    client = client_as(AGENT)
    ten_days = (clock.now() + timedelta(days=10)).isoformat()
    kept = client.patch(f"/api/consultations/{draft.id}", json={"bid_deadline": ten_days})
    assert kept.status_code == 200, kept.text
    [warning] = client.get(f"/api/consultations/{draft.id}").json()["warnings"]
    assert warning["field"] == "bid_deadline" and "R2143-1" in warning["reason"]
    for url in (f"/consultations/{draft.id}", f"/consultations/{draft.id}/preparer"):
        page = client.get(url).text
        assert "Délai des offres à vérifier" in page and "R2143-1" in page, url
