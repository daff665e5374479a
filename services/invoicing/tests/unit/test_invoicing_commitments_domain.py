"""Commitments: what a notified contract opens, the status its ledger gives it, what a caller may do on it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from unefois_invoicing.commitments.domain import (
    CommitmentAction,
    CommitmentStatus,
    Ledger,
    allowed_actions,
    not_found,
    open_commitment,
    status_of,
)
from unefois_kernel.testing import BUYER, SUPPLIER, contract_notified

AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_a_notified_contract_opens_a_commitment_with_its_facts_and_amount_as_ceiling():
    contract = contract_notified(amount=Decimal("98765.43"))
    commitment_id = uuid.uuid4()
    commitment, events = open_commitment(contract, commitment_id=commitment_id, at=AT)
    assert (commitment.id, commitment.tenant, commitment.contract_id) == (commitment_id, BUYER.siret, contract.contract_id)
    assert (commitment.contract_number, commitment.legal_commitment_number) == ("2026000001", "EJ2026000001")
    assert (commitment.buyer, commitment.holders) == (BUYER, (SUPPLIER,))
    assert (commitment.ceiling, commitment.opened_at) == (Decimal("98765.43"), AT)
    assert events == []  # the other stages read ContractNotified itself
    fresh = Ledger(commitment)
    assert (fresh.invoiced_excl_vat, fresh.invoice_count, fresh.remaining) == (0, 0, Decimal("98765.43"))
    assert fresh.status is CommitmentStatus.OPEN


def test_a_commitment_is_fully_invoiced_once_its_invoices_reach_the_ceiling():
    assert status_of(Decimal("1000.00"), Decimal("999.99")) is CommitmentStatus.OPEN
    assert status_of(Decimal("1000.00"), Decimal("1000.00")) is CommitmentStatus.FULLY_INVOICED
    commitment, _ = open_commitment(contract_notified(amount=Decimal("500.00")), commitment_id=uuid.uuid4(), at=AT)
    assert Ledger(commitment, Decimal("500.00"), 2).status is CommitmentStatus.FULLY_INVOICED


def test_only_a_holder_may_deposit_and_only_while_something_is_left():
    commitment, _ = open_commitment(contract_notified(), commitment_id=uuid.uuid4(), at=AT)
    assert commitment.is_holder(SUPPLIER.siret)
    assert not commitment.is_holder("81000005900016") and not commitment.is_holder(None)
    assert allowed_actions(CommitmentStatus.OPEN, holder=True) == {CommitmentAction.DEPOSIT_INVOICE}
    assert allowed_actions(CommitmentStatus.FULLY_INVOICED, holder=True) == frozenset()
    assert allowed_actions(CommitmentStatus.OPEN, holder=False) == frozenset()


def test_a_missing_commitment_is_a_404_naming_the_identifier():
    missing = not_found()
    assert (missing.status, missing.field) == (404, "commitment_id")
