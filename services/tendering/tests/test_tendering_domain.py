"""Tendering rules: opening a consultation from a need, and awarding it."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from unefois_events.catalogue import Lot, NeedApproved
from unefois_events.values import OperatorGrouping
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.testing import SUPPLIER, purchase
from unefois_tendering import domain

AT = datetime(2026, 11, 2, 10, tzinfo=UTC)


def _award(**changes):
    fields = dict(
        status="published",
        consultation_id=uuid.uuid4(),
        reference="2026-0001",
        purchase=purchase(),
        award_id=uuid.uuid4(),
        winners=[SUPPLIER],
        grouping=OperatorGrouping.NONE,
        amount=Decimal("1000.00"),
        price_form="Forfaitaire",
        price_types=["Définitif ferme"],
        offers_received=1,
        lot_number=None,
        at=AT,
    )
    fields.update(changes)
    return domain.award(**fields)


def test_a_consultation_carries_the_need_unchanged():
    need = NeedApproved(purchase=purchase(), approved_by="A", approved_at=AT)
    event = domain.open_consultation(need, consultation_id=uuid.uuid4(), reference="2026-0007", at=AT)
    assert event.purchase == need.purchase
    # Open procedure: at least 35 days from the sending of the contract notice (R2161-2).
    assert event.published_at == AT
    assert event.bid_deadline == datetime(2026, 12, 7, 10, tzinfo=UTC)


def test_references_are_per_year_and_zero_padded():
    assert domain.consultation_reference(2026, 7) == "2026-0007"


def test_an_award_is_decided_once():
    with pytest.raises(DomainError) as refused:
        _award(status="awarded")
    assert refused.value.status == 409


def test_a_lot_must_exist():
    lots = [Lot(number=1, title="Voirie", estimated_value=Decimal("120000.00"))]
    assert _award(purchase=purchase(lots=lots), lot_number=1).lot_number == 1
    with pytest.raises(DomainError) as refused:
        _award(purchase=purchase(lots=lots), lot_number=2)
    assert refused.value.field == "lot_number"


def test_several_winners_need_a_grouping():
    other = SUPPLIER.model_copy(update={"siret": "81000005900016"})
    with pytest.raises(DomainError) as refused:
        _award(winners=[SUPPLIER, other])
    assert refused.value.field == "grouping"
    assert _award(winners=[SUPPLIER, other], grouping=OperatorGrouping.JOINT).grouping == OperatorGrouping.JOINT
