"""Contracts rules: numbering and notification."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from unefois_contracts import domain
from unefois_events.catalogue import AwardDecided
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.testing import SUPPLIER, purchase


def _award() -> AwardDecided:
    return AwardDecided(
        award_id=uuid.uuid4(),
        consultation_id=uuid.uuid4(),
        consultation_reference="2026-0001",
        purchase=purchase(),
        winners=[SUPPLIER],
        amount=Decimal("50000.00"),
        price_form="Forfaitaire",
        price_types=["Définitif ferme"],
        offers_received=2,
        awarded_at=datetime(2026, 11, 10, 12, tzinfo=UTC),
    )


def test_contract_numbers_fit_the_decp_identifier():
    number = domain.contract_number(2026, 1)
    assert number == "2026000001"
    assert len(domain.contract_number(2026, 999_999)) <= 16
    with pytest.raises(ValueError):
        domain.contract_number(2026, 1_000_000)


def test_notification_carries_the_award_unchanged():
    award = _award()
    event = domain.notify(
        status="to_notify",
        contract_id=uuid.uuid4(),
        award=award,
        number="2026000001",
        commitment_number="EJ2026000001",
        notified_on=date(2026, 11, 12),
        at=datetime(2026, 11, 12, 9, tzinfo=UTC),
    )
    assert event.purchase == award.purchase
    assert event.holders == award.winners
    assert event.amount == award.amount
    assert event.tenant == award.purchase.buyer.siret


def test_a_contract_is_notified_once():
    with pytest.raises(DomainError) as refused:
        domain.notify(status="notified", contract_id=uuid.uuid4(), award=_award(), number="1", commitment_number="EJ1",
                      notified_on=date(2026, 11, 12), at=datetime.now(UTC))
    assert refused.value.status == 409


def test_notification_cannot_precede_the_award():
    with pytest.raises(DomainError) as refused:
        domain.notify(status="to_notify", contract_id=uuid.uuid4(), award=_award(), number="1", commitment_number="EJ1",
                      notified_on=date(2026, 11, 9), at=datetime.now(UTC))
    assert refused.value.field == "notified_on"
