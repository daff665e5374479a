"""Evaluation and award adapters in process (api.py, web.py over fake units of work): the grid's
JSON, a proposal body with an amount refused (422) and the award event at the bid's price, the
buyer's page (marks saved, a comment missing said next to its field), the supplier's pages."""

from __future__ import annotations

import dataclasses
import re
import uuid
from decimal import Decimal

import pytest
from unefois_events.catalogue import AwardDecidedV2
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.storage import FakeDocumentStore
from unefois_kernel.testing import BUYER, adapter_client
from unefois_kernel.uow import FakeUnitsOfWork
from unefois_tendering.bids.domain import BidForm
from unefois_tendering.consultations.domain import ConsultationStatus
from unefois_tendering.evaluations import api as evaluations_api
from unefois_tendering.evaluations import web as evaluations_web
from unefois_tendering.opening.domain import Admissibility, OpenedBidRecord, OpenedState

ROUTERS = [evaluations_web.router, evaluations_api.router, evaluations_api.supplier_router]
BUYER_P = Principal(subject="u-1", name="Alice Acheteuse", roles=frozenset({Role.BUYER}), org_siret=BUYER.siret,
                    org_name=BUYER.name, org_kind=OrgKind.BUYER)
ALPHA, BETA = ("Alpha Travaux", "80000004400019"), ("Bêta Voirie", "73282932000074")


def supplier(siret: str) -> Principal:
    return Principal(subject=f"s-{siret}", name="Contact", roles=frozenset({Role.SUPPLIER}), org_siret=siret,
                     org_name="Entreprise", org_kind=OrgKind.SUPPLIER)


@pytest.fixture
def repos(fakes, clock):
    return dataclasses.replace(fakes.fake_repositories(), documents=FakeDocumentStore(clock),
                               evaluations=fakes.FakeEvaluationRepository())


@pytest.fixture
def uows(repos, clock):
    return FakeUnitsOfWork(repos, clock=clock, service="tendering")


@pytest.fixture
def client_as(uows):
    return lambda principal: adapter_client(ROUTERS, uows, stage="tendering", principal=principal)


@pytest.fixture
async def consultation(fakes, repos, clock):
    consultation = fakes.a_consultation(at=clock.now(), procedure="Procédure adaptée")
    consultation = dataclasses.replace(consultation, status=ConsultationStatus("opened"))
    repos.consultations.rows[consultation.id] = consultation
    for (name, siret), price in ((ALPHA, "100000.00"), (BETA, "95000.00")):
        form = BidForm(lot_number=None, price_excl_tax=price,
                       members=[{"name": name, "identifier_type": "SIRET", "identifier": siret, "mandataire": True}])
        await repos.opened_bids.add(OpenedBidRecord(
            bid_id=uuid.uuid4(), tenant=consultation.tenant, consultation_id=consultation.id, lot_number=None,
            supplier_siret=siret, supplier_name=name, state=OpenedState.OPENED, bid_form=form, price=Decimal(price),
            files=(), receipt_hash="0" * 64, opened_at=clock.now(), admissibility=Admissibility.ADMISSIBLE))
    return consultation


def _marks(view: dict, comment: str = "Argumenté") -> list[dict]:
    marks = []
    for bid in view["ranking"]:
        for criterion in bid["criteria"]:
            if criterion["computed"]:
                continue
            for sub in criterion["subs"]:
                marks.append({"bid_id": bid["bid_id"], "criterion": criterion["index"], "sub_criterion": sub["index"],
                              "points": str(sub["weight"]), "comment": comment})
    return marks


async def test_the_api_grid_a_proposal_without_amount_and_the_event_at_the_bid_price(consultation, client_as, uows,
                                                                                   approver):
    buyer = client_as(BUYER_P)
    url = f"/api/consultations/{consultation.id}/lots/0/evaluation"
    view = buyer.get(url).json()
    assert view["lot_number"] is None and view["formula"] == "proportional"
    assert "Formule proportionnelle" in view["formula_text"] and len(view["formulas"]) == 2
    assert buyer.put(url, json={"formula": "linear", "marks": _marks(view)}).status_code == 200
    # A proposal naming an amount is refused: the amount is the bid's price.
    refused = buyer.post(url + "/proposal", json={"amount": "1.00"})
    assert refused.status_code == 422
    proposed = buyer.post(url + "/proposal", json={})
    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["proposal"]["amount"] == "95000.00"  # Bêta: lowest price, full marks
    assert client_as(BUYER_P).post(url + "/decision").status_code == 403
    decided = client_as(approver).post(url + "/decision")
    assert decided.status_code == 201, decided.text
    events = [e for e in uows.committed_events() if isinstance(e, AwardDecidedV2)]
    assert [e.amount for e in events] == [Decimal("95000.00")]  # MAPA: at the decision
    assert {letter["kind"] for letter in decided.json()["letters"]} == {"award", "rejection"}
    # The supplier's results: its own letter only.
    uows.repos.evaluations.supplier = ALPHA[1]  # the fake's stand-in for row-level security
    mine = client_as(supplier(ALPHA[1])).get("/api/mes-depots/resultats").json()
    assert [letter["kind"] for letter in mine] == ["rejection"]


async def test_the_page_saves_marks_and_says_a_missing_comment_next_to_its_field(consultation, client_as, repos):
    repos.evaluations.supplier = None
    buyer = client_as(BUYER_P)
    page = buyer.get(f"/consultations/{consultation.id}/lots/0/evaluation")
    assert page.status_code == 200
    assert "Formule proportionnelle" in page.text and "Grille de notation" in page.text
    key = re.search(r'name="(m-[0-9a-f-]+-1-x)-points"', page.text).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    data = {"formula": "proportional", f"{key}-points": "12,5", f"{key}-comment": ""}
    if csrf:
        data["csrf_token"] = csrf.group(1)
    refused = buyer.post(f"/consultations/{consultation.id}/lots/0/evaluation", data=data)
    assert refused.status_code == 422
    assert "commentaire obligatoire" in refused.text and f'id="{key}-comment-message-error"' in refused.text
    data[f"{key}-comment"] = "Bon plan environnemental"
    saved = buyer.post(f"/consultations/{consultation.id}/lots/0/evaluation", data=data, follow_redirects=False)
    assert saved.status_code == 303
    assert buyer.get(saved.headers["location"]).text.count("12,5") >= 1


async def test_the_supplier_pages(consultation, client_as, repos):
    repos.evaluations.supplier = ALPHA[1]
    page = client_as(supplier(ALPHA[1])).get("/mes-depots/justifications")
    assert page.status_code == 200 and "Aucune demande de justification" in page.text
    results = client_as(supplier(ALPHA[1])).get("/mes-depots/resultats")
    assert results.status_code == 200 and "Aucun résultat" in results.text
