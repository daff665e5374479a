"""Sourcing rules: lots add up, a need is approved once."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from unefois_events.catalogue import Lot
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.testing import purchase
from unefois_sourcing import domain

AT = datetime(2026, 11, 2, 10, tzinfo=UTC)


def test_lots_must_add_up_to_the_estimate():
    lots = [Lot(number=1, title="A", estimated_value=Decimal("70000.00")),
            Lot(number=2, title="B", estimated_value=Decimal("50000.00"))]
    domain.check_lots_add_up(purchase(lots=lots))  # 120 000 = 120 000
    short = [lots[0], lots[1].model_copy(update={"estimated_value": Decimal("49999.99")})]
    with pytest.raises(DomainError) as refused:
        domain.check_lots_add_up(purchase(lots=short))
    assert refused.value.field == "lots"


def test_approval_publishes_everything_downstream_needs():
    facts = purchase()
    event = domain.approve(domain.NeedStatus.SUBMITTED, facts, approver="Cheffe", at=AT, invited=[])
    assert event.purchase == facts
    assert event.subject == str(facts.need_id)
    assert event.tenant == facts.buyer.siret


def test_a_need_is_approved_once():
    with pytest.raises(DomainError) as refused:
        domain.approve(domain.NeedStatus.APPROVED, purchase(), approver="C", at=AT, invited=[])
    assert refused.value.status == 409


def test_the_review_workflow_goes_draft_submitted_approved():
    assert domain.submit(domain.NeedStatus.DRAFT) == domain.NeedStatus.SUBMITTED
    with pytest.raises(DomainError) as refused:
        domain.submit(domain.NeedStatus.SUBMITTED)
    assert refused.value.status == 409


def test_a_draft_cannot_be_approved_before_it_is_submitted():
    with pytest.raises(DomainError) as refused:
        domain.approve(domain.NeedStatus.DRAFT, purchase(), approver="C", at=AT, invited=[])
    assert refused.value.field == "status"


def test_a_returned_need_goes_back_to_draft_with_a_reason():
    assert domain.return_for_changes(domain.NeedStatus.SUBMITTED, "Lots à revoir") == domain.NeedStatus.DRAFT
    with pytest.raises(DomainError) as refused:
        domain.return_for_changes(domain.NeedStatus.SUBMITTED, "   ")
    assert refused.value.field == "comment"
    with pytest.raises(DomainError):
        domain.return_for_changes(domain.NeedStatus.DRAFT, "Lots à revoir")
