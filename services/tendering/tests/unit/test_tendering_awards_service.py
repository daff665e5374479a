"""The award use case on a FakeUnitOfWork: the approver's decision is stored, closes the
consultation, goes to contracts as AwardDecided and lands in the audit trail; a refused one
leaves everything as it was."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from unefois_events.catalogue import AwardDecided, AwardDecidedV2, Lot
from unefois_events.values import OperatorGrouping
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_kernel.testing import BUYER, SUPPLIER
from unefois_tendering.awards import service
from unefois_tendering.consultations.domain import ConsultationStatus


@pytest.fixture
async def consultation(fakes, repos, clock):
    lots = [Lot(number=1, title="Voirie", estimated_value=Decimal("60000.00")),
            Lot(number=2, title="Éclairage", estimated_value=Decimal("60000.00"))]
    consultation = fakes.a_consultation(at=clock.now(), lots=lots)
    await repos.consultations.add(consultation)
    return consultation


async def test_an_award_is_stored_closes_the_consultation_and_is_sent_on(fakes, repos, uow_for, clock, approver, consultation):
    decision = fakes.a_decision(lot_number=2)
    uow = uow_for(approver)
    award = await service.award(uow, consultation.id, decision)

    assert repos.consultations.locked == [consultation.id], "the consultation is locked before the decision"
    assert repos.awards.rows == [award]
    assert (award.tenant, award.consultation_id, award.decision, award.lot_number, award.awarded_at) == (
        BUYER.siret, consultation.id, decision, 2, clock.now())
    assert repos.consultations.rows[consultation.id].status is ConsultationStatus.AWARDED
    [v2, event] = uow.committed.events  # v2 first, v1 beside it on the same key
    assert isinstance(v2, AwardDecidedV2) and isinstance(event, AwardDecided)
    assert (v2.award_id, v2.lot_title, v2.holders[0].siret, v2.amount_source) == (award.id, "Éclairage", SUPPLIER.siret, "saisi")
    # A MAPA (the fake consultation's procedure): no standstill; the letters went on the award's day.
    assert (v2.letters_sent_on, v2.standstill_ends_on) == (clock.today(), None)
    assert (event.award_id, event.consultation_id, event.consultation_reference, event.purchase, event.lot_number) == (
        award.id, consultation.id, consultation.reference, consultation.purchase, 2)
    assert (event.winners, event.amount, event.price_form, event.offers_received, event.awarded_at) == (
        [SUPPLIER], Decimal("98765.43"), "Forfaitaire", 3, clock.now())
    [note] = uow.committed.audits
    assert (note.tenant, note.aggregate_type, note.aggregate_id, note.action, note.actor) == (
        BUYER.siret, "consultation", str(consultation.id), "award.decided", approver.actor)
    assert note.change == {
        "award_id": str(award.id), "winners": [{"siret": SUPPLIER.siret, "name": SUPPLIER.name}],
        "grouping": "Pas de groupement", "amount": "98765.43", "price_form": "Forfaitaire",
        "price_types": ["Définitif ferme"], "offers_received": 3, "lot_number": 2,
        "subcontracting_declared": False, "letters_electronic": True,
    }


async def test_an_awarded_consultation_is_not_awarded_again(fakes, repos, uow_for, approver, consultation):
    first = await service.award(uow_for(approver), consultation.id, fakes.a_decision(lot_number=1))
    again = uow_for(approver)
    with pytest.raises(DomainError) as refused:
        await service.award(again, consultation.id, fakes.a_decision(lot_number=2))
    assert (refused.value.status, refused.value.field) == (409, "status")
    assert repos.awards.rows == [first]
    assert again.committed.events == [] and again.committed.audits == []
    assert (again.commits, again.rollbacks) == (0, 1)


@pytest.mark.parametrize(("changes", "field"), [
    ({"lot_number": 3}, "lot_number"),
    ({"winners": [SUPPLIER, SUPPLIER.model_copy(update={"siret": "81000005900016"})],
      "grouping": OperatorGrouping.NONE}, "grouping"),
])
async def test_a_refused_decision_changes_nothing(fakes, repos, uow_for, approver, consultation, changes, field):
    uow = uow_for(approver)
    with pytest.raises(DomainError) as refused:
        await service.award(uow, consultation.id, fakes.a_decision(**changes))
    assert (refused.value.status, refused.value.field) == (422, field)
    assert repos.awards.rows == []
    assert repos.consultations.rows[consultation.id].status is ConsultationStatus.PUBLISHED
    assert uow.committed.events == [] and uow.committed.audits == [] and uow.rollbacks == 1


async def test_awarding_an_unknown_consultation_is_not_found(fakes, repos, uow_for, approver):
    uow = uow_for(approver)
    with pytest.raises(NotFound) as missing:
        await service.award(uow, uuid.uuid4(), fakes.a_decision())
    assert (missing.value.status, missing.value.field) == (404, "consultation_id")
    assert repos.awards.rows == [] and uow.committed.events == []
