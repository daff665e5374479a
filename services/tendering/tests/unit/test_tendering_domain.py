"""Tendering rules (pure): opening a consultation from a need, its states, and awarding it."""

import dataclasses
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from unefois_events.catalogue import AwardDecided, ConsultationPublished, Lot, NeedApproved, Organisation
from unefois_events.values import OperatorGrouping
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.testing import SUPPLIER, purchase
from unefois_tendering.awards import domain as awards
from unefois_tendering.awards.domain import AwardDecision
from unefois_tendering.consultations import domain
from unefois_tendering.consultations.domain import ConsultationAction, ConsultationStatus

AT = datetime(2026, 11, 2, 10, tzinfo=UTC)


def _consultation(status=ConsultationStatus.PUBLISHED, **facts):
    need = NeedApproved(purchase=purchase(**facts), approved_by="A", approved_at=AT)
    consultation = domain.open_consultation(need, consultation_id=uuid.uuid4(), reference="2026-0001", at=AT)
    return dataclasses.replace(consultation, status=status)


def _award(consultation=None, **changes):
    fields = dict(
        winners=[SUPPLIER],
        grouping=OperatorGrouping.NONE,
        amount=Decimal("1000.00"),
        price_form="Forfaitaire",
        price_types=["Définitif ferme"],
        offers_received=1,
        lot_number=None,
    )
    fields.update(changes)
    consultation = consultation or _consultation()
    status, events = awards.award(consultation, AwardDecision(**fields), award_id=uuid.uuid4(), at=AT, today=AT.date())
    assert status is ConsultationStatus.AWARDED
    [v2, v1] = events  # AwardDecided.v2, then v1 beside it (test_tendering_awards_domain.py tests v2)
    assert v1.award_id == v2.award_id
    return v1


# ---------------------------------------------------------------- opening


def test_a_consultation_opens_en_preparation_with_the_need_unchanged():
    invited = [Organisation(siret="81000005900016", name="Voirie du Rhône")]
    need = NeedApproved(purchase=purchase(), approved_by="A", approved_at=AT, invited_suppliers=invited)
    consultation_id = uuid.uuid4()
    consultation = domain.open_consultation(need, consultation_id=consultation_id, reference="2026-0007", at=AT)
    assert consultation.status is ConsultationStatus.DRAFT
    assert consultation.purchase == need.purchase
    assert (consultation.id, consultation.reference) == (consultation_id, "2026-0007")
    assert (consultation.published_at, consultation.bid_deadline, consultation.hold) == (None, None, None)
    assert consultation.preparation == domain.Preparation()
    assert (consultation.tenant, consultation.need_id) == (need.tenant, need.purchase.need_id)
    assert consultation.invited == tuple(invited)


def test_publication_carries_the_need_and_the_buyers_deadline(fakes):
    draft = fakes.a_draft(at=AT)
    prepared = domain.prepare(draft, fakes.a_preparation(draft, at=AT), now=AT)
    consultation, events = domain.publish(prepared, at=AT)
    [event] = events
    assert isinstance(event, ConsultationPublished)
    assert event.purchase == draft.purchase == consultation.purchase
    assert (event.consultation_id, event.reference) == (consultation.id, consultation.reference)
    # No decision carried (an older producer): the open procedure's 35 days (R2161-2), to the end
    # of Monday 7 December in Paris; the buyer chose Tuesday 8 December at noon.
    assert event.published_at == consultation.published_at == AT
    assert event.bid_deadline == consultation.bid_deadline == datetime(2026, 12, 8, 11, tzinfo=UTC)
    assert event.decision is None and consultation.hold is None
    assert consultation.status is ConsultationStatus.PUBLISHED


def test_references_are_per_year_and_zero_padded():
    assert domain.consultation_reference(2026, 7) == "2026-0007"
    assert domain.consultation_reference(2027, 1234) == "2027-1234"


# ---------------------------------------------------------------- states


def test_a_published_consultation_may_be_awarded_an_awarded_one_allows_nothing():
    assert domain.allowed_actions(ConsultationStatus.DRAFT) == {ConsultationAction.PREPARE, ConsultationAction.PUBLISH}
    assert domain.allowed_actions(ConsultationStatus.PUBLISHED) == {ConsultationAction.AWARD, ConsultationAction.CLOSE}
    # closed and opened (opening/) keep the typed award until the evaluation's replaces it
    assert ConsultationAction.AWARD in domain.allowed_actions("closed") & domain.allowed_actions("opened")
    assert domain.allowed_actions("abandoned") == frozenset()
    assert domain.allowed_actions("awarded") == frozenset()
    domain.require(ConsultationStatus.PUBLISHED, ConsultationAction.AWARD)
    with pytest.raises(DomainError) as refused:
        domain.require(ConsultationStatus.AWARDED, ConsultationAction.AWARD)
    assert (refused.value.status, refused.value.field) == (409, "status")


def test_the_statuses_are_the_tables():
    # migrations/0018: CHECK (status IN ('draft', 'awaiting_procedure', 'published', 'closed', 'opened',
    # 'abandoned', 'awarded'))
    assert {str(status) for status in ConsultationStatus} == {"draft", "awaiting_procedure", "published", "closed",
                                                              "opened", "abandoned", "awarded"}


# ---------------------------------------------------------------- award


def test_an_award_carries_the_consultation_and_the_decision():
    consultation = _consultation()
    event = _award(consultation, amount=Decimal("98765.43"), offers_received=3)
    assert isinstance(event, AwardDecided)
    assert (event.consultation_id, event.consultation_reference, event.purchase) == (
        consultation.id, consultation.reference, consultation.purchase)
    assert (event.winners, event.amount, event.offers_received, event.awarded_at) == ([SUPPLIER], Decimal("98765.43"), 3, AT)


def test_an_award_is_decided_once():
    with pytest.raises(DomainError) as refused:
        _award(_consultation(ConsultationStatus.AWARDED))
    assert refused.value.status == 409
    assert refused.value.detail == "cette consultation est déjà attribuée"


def test_a_lot_must_exist():
    lots = [Lot(number=1, title="Voirie", estimated_value=Decimal("120000.00"))]
    assert _award(_consultation(lots=lots), lot_number=1).lot_number == 1
    with pytest.raises(DomainError) as refused:
        _award(_consultation(lots=lots), lot_number=2)
    assert refused.value.field == "lot_number"
    assert refused.value.status == 422


def test_several_winners_need_a_grouping():
    other = SUPPLIER.model_copy(update={"siret": "81000005900016"})
    with pytest.raises(DomainError) as refused:
        _award(winners=[SUPPLIER, other])
    assert refused.value.field == "grouping"
    assert _award(winners=[SUPPLIER, other], grouping=OperatorGrouping.JOINT).grouping == OperatorGrouping.JOINT
