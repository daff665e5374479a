"""Tendering rules (pure): opening a consultation from a need, its states, and awarding it."""

import dataclasses
import uuid
from datetime import UTC, datetime

import pytest
from unefois_events.catalogue import (
    ConsultationPublished,
    NeedApproved,
    Organisation,
)
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.testing import purchase
from unefois_tendering.consultations import domain
from unefois_tendering.consultations.domain import (
    ConsultationAction,
    ConsultationStatus,
)

AT = datetime(2026, 11, 2, 10, tzinfo=UTC)


def _consultation(status=ConsultationStatus.PUBLISHED, **facts):
    need = NeedApproved(purchase=purchase(**facts), approved_by="A", approved_at=AT)
    consultation = domain.open_consultation(need, consultation_id=uuid.uuid4(), reference="2026-0001", at=AT)
    return dataclasses.replace(consultation, status=status)


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


def test_no_status_allows_a_typed_award_the_opening_follows_the_deadline():
    assert domain.allowed_actions(ConsultationStatus.DRAFT) == {ConsultationAction.PREPARE, ConsultationAction.PUBLISH}
    assert domain.allowed_actions(ConsultationStatus.PUBLISHED) == {ConsultationAction.CLOSE}
    assert domain.allowed_actions("closed") == {ConsultationAction.OPEN_BIDS}
    # An award comes only from the opened bids (evaluations/), never from an action on the consultation.
    assert "award" not in {action.value for action in ConsultationAction}
    assert domain.allowed_actions("opened") == frozenset()
    assert domain.allowed_actions("abandoned") == frozenset()
    assert domain.allowed_actions("awarded") == frozenset()
    domain.require(ConsultationStatus.CLOSED, ConsultationAction.OPEN_BIDS)
    with pytest.raises(DomainError) as refused:
        domain.require(ConsultationStatus.PUBLISHED, ConsultationAction.OPEN_BIDS)
    assert (refused.value.status, refused.value.field) == (409, "status")
    assert "date limite" in refused.value.detail


def test_the_statuses_are_the_tables():
    # migrations/0018: CHECK (status IN ('draft', 'awaiting_procedure', 'published', 'closed', 'opened',
    # 'abandoned', 'awarded'))
    assert {str(status) for status in ConsultationStatus} == {"draft", "awaiting_procedure", "published", "closed",
                                                              "opened", "abandoned", "awarded"}
