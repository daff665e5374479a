"""Contracts rules (pure): numbering, preparation from an award, notification, allowed actions."""

import uuid
from datetime import UTC, date, datetime

import pytest

from unefois_contracts.contracts import domain
from unefois_contracts.contracts.domain import ContractAction, ContractStatus
from unefois_kernel.domain_errors import DomainError

PREPARED_AT = datetime(2026, 11, 10, 13, tzinfo=UTC)
NOTIFIED_AT = datetime(2026, 11, 12, 9, tzinfo=UTC)


@pytest.fixture
def contract(fakes):
    prepared, _ = domain.prepare(fakes.an_award(), contract_id=uuid.uuid4(), at=PREPARED_AT)
    return prepared


def test_contract_numbers_fit_the_decp_identifier():
    number = domain.contract_number(2026, 1)
    assert number == "2026000001"
    assert len(domain.contract_number(2026, 999_999)) <= 16
    with pytest.raises(ValueError):
        domain.contract_number(2026, 1_000_000)
    with pytest.raises(ValueError):
        domain.contract_number(2026, 0)
    assert domain.legal_commitment_number(2026, 42) == "EJ2026000042"


def test_an_award_prepares_a_contract_to_notify_and_sends_nothing_yet(fakes):
    award = fakes.an_award()
    contract_id = uuid.uuid4()
    contract, events = domain.prepare(award, contract_id=contract_id, at=PREPARED_AT)
    assert events == []
    assert (contract.id, contract.status, contract.award, contract.created_at) == (
        contract_id, ContractStatus.TO_NOTIFY, award, PREPARED_AT)
    assert contract.tenant == award.purchase.buyer.siret
    assert contract.award_id == award.award_id
    assert (contract.contract_number, contract.legal_commitment_number, contract.notified_on, contract.notified_at) == (
        None, None, None, None)


def test_notification_numbers_the_contract_and_carries_the_award_unchanged(contract):
    notified, events = domain.notify(contract, sequence=7, notified_on=date(2026, 11, 12), at=NOTIFIED_AT)
    assert notified.status is ContractStatus.NOTIFIED
    assert (notified.contract_number, notified.legal_commitment_number) == ("2026000007", "EJ2026000007")
    assert (notified.notified_on, notified.notified_at) == (date(2026, 11, 12), NOTIFIED_AT)
    assert notified.created_at == contract.created_at and notified.award == contract.award
    [event] = events
    award = contract.award
    assert event.contract_id == contract.id
    assert (event.contract_number, event.legal_commitment_number) == ("2026000007", "EJ2026000007")
    assert event.purchase == award.purchase
    assert event.holders == award.winners
    assert event.amount == award.amount
    assert (event.award_id, event.consultation_id, event.lot_number, event.grouping) == (
        award.award_id, award.consultation_id, award.lot_number, award.grouping)
    assert (event.price_form, event.price_types, event.offers_received) == (
        award.price_form, award.price_types, award.offers_received)
    assert (event.notified_on, event.notified_at) == (date(2026, 11, 12), NOTIFIED_AT)
    assert event.tenant == award.purchase.buyer.siret


def test_the_year_of_the_notification_names_the_numbers(contract):
    notified, _ = domain.notify(contract, sequence=1, notified_on=date(2027, 1, 4), at=NOTIFIED_AT)
    assert (notified.contract_number, notified.legal_commitment_number) == ("2027000001", "EJ2027000001")


def test_a_contract_is_notified_once(contract):
    notified, _ = domain.notify(contract, sequence=1, notified_on=date(2026, 11, 12), at=NOTIFIED_AT)
    for refuse in (lambda: domain.check_notification(notified, date(2026, 11, 13)),
                   lambda: domain.notify(notified, sequence=2, notified_on=date(2026, 11, 13), at=NOTIFIED_AT)):
        with pytest.raises(DomainError) as refused:
            refuse()
        assert (refused.value.status, refused.value.field) == (409, "status")


def test_notification_cannot_precede_the_award(contract):
    with pytest.raises(DomainError) as refused:
        domain.notify(contract, sequence=1, notified_on=date(2026, 11, 9), at=NOTIFIED_AT)
    assert (refused.value.status, refused.value.field) == (422, "notified_on")
    domain.check_notification(contract, date(2026, 11, 10))  # the award's own day is fine


def test_only_a_contract_to_notify_may_be_notified():
    assert domain.allowed_actions(ContractStatus.TO_NOTIFY) == {ContractAction.NOTIFY}
    assert domain.allowed_actions(ContractStatus.NOTIFIED) == frozenset()
    assert domain.allowed_actions("to_notify") == {ContractAction.NOTIFY}  # as stored
    for status in ContractStatus:  # every status says what it allows
        assert domain.allowed_actions(status) <= set(ContractAction)
