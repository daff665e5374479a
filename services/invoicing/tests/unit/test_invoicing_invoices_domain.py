"""Invoicing rules: who may invoice, and never past the commitment's ceiling."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from unefois_events.catalogue import InvoiceReceived, Organisation
from unefois_invoicing.commitments.domain import (
    CommitmentStatus,
    Ledger,
    open_commitment,
)
from unefois_invoicing.invoices.domain import (
    Deposit,
    InvoiceStatus,
    already_deposited,
    check_depositor,
    receive,
)
from unefois_invoicing.invoices.views import InvoiceDeposit
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.testing import BUYER, SUPPLIER, contract_notified

TODAY = date(2026, 11, 28)
AT = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
COMMITMENT, _ = open_commitment(contract_notified(amount=Decimal("1000.00")), commitment_id=uuid.uuid4(), at=AT)
STRANGER = Organisation(siret="81000005900016", name="Fournitures du Centre")


def _deposit(**changes) -> Deposit:
    fields = dict(invoice_number="F-2026-001", supplier=SUPPLIER, amount_excl_vat=Decimal("100.00"),
                  vat_amount=Decimal("20.00"), issued_on=TODAY)
    fields.update(changes)
    return Deposit(**fields)


def _receive(deposit: Deposit | None = None, *, already_invoiced: str = "900.00"):
    ledger = Ledger(COMMITMENT, Decimal(already_invoiced), 3)
    return receive(ledger, deposit or _deposit(), invoice_id=uuid.uuid4(), today=TODAY, at=AT)


def test_an_invoice_up_to_the_ceiling_is_accepted():
    received = _receive()
    invoice = received.invoice
    assert (invoice.commitment_id, invoice.tenant, invoice.supplier_siret) == (COMMITMENT.id, BUYER.siret, SUPPLIER.siret)
    assert (invoice.amount_excl_vat, invoice.received_at, invoice.status) == (Decimal("100.00"), AT, InvoiceStatus.RECEIVED)
    assert received.commitment_status is CommitmentStatus.FULLY_INVOICED


def test_a_received_invoice_tells_the_other_stages_everything_about_it():
    received = _receive(already_invoiced="0")
    assert received.commitment_status is CommitmentStatus.OPEN
    (event,) = received.events
    assert event == InvoiceReceived(
        invoice_id=received.invoice.id, invoice_number="F-2026-001", contract_id=COMMITMENT.contract_id,
        contract_number="2026000001", legal_commitment_number="EJ2026000001", buyer=BUYER, supplier=SUPPLIER,
        amount_excl_vat=Decimal("100.00"), vat_amount=Decimal("20.00"), issued_on=TODAY, received_at=AT,
    )
    assert event.tenant == BUYER.siret


def test_one_cent_over_the_ceiling_is_refused_naming_the_amount():
    with pytest.raises(DomainError) as refused:
        _receive(_deposit(amount_excl_vat=Decimal("100.01")))
    assert refused.value.field == "amount_excl_vat"
    assert "100.00" in refused.value.detail


def test_only_a_holder_may_invoice():
    with pytest.raises(DomainError) as refused:
        _receive(_deposit(supplier=STRANGER))
    assert (refused.value.status, refused.value.field) == (403, "supplier.siret")


def test_an_invoice_dated_tomorrow_is_refused():
    with pytest.raises(DomainError) as refused:
        _receive(_deposit(issued_on=date(2026, 11, 29)))
    assert refused.value.field == "issued_on"


def test_a_zero_invoice_is_refused():
    with pytest.raises(DomainError) as refused:
        _receive(_deposit(amount_excl_vat=Decimal("0")))
    assert refused.value.field == "amount_excl_vat"


def test_a_supplier_deposits_its_own_invoices_only():
    check_depositor(SUPPLIER.siret, _deposit())
    for depositor in (STRANGER.siret, None):
        with pytest.raises(DomainError) as refused:
            check_depositor(depositor, _deposit())
        assert (refused.value.status, refused.value.field) == (403, "supplier.siret")


def test_a_number_deposited_twice_is_a_conflict_on_the_number():
    conflict = already_deposited()
    assert (conflict.status, conflict.field) == (409, "invoice_number")


def test_the_audit_trail_records_the_deposit_as_the_request_carried_it():
    body = InvoiceDeposit(invoice_number="F-1", supplier=SUPPLIER, amount_excl_vat=Decimal("12000.00"),
                          vat_amount=Decimal("2400.0"), issued_on=TODAY)
    assert body.deposit().as_change() == body.model_dump(mode="json")
