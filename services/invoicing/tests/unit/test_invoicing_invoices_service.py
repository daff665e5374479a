"""The deposit of an invoice on a fake unit of work: by a holder, once, within the ceiling, on the Paris date."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from unefois_events.catalogue import InvoiceReceived, Organisation
from unefois_invoicing.invoices import service
from unefois_invoicing.invoices.domain import Deposit
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_kernel.testing import BUYER, SUPPLIER


def _deposit(**changes) -> Deposit:
    fields = dict(invoice_number="F-2026-001", supplier=SUPPLIER, amount_excl_vat=Decimal("600.00"),
                  vat_amount=Decimal("120.00"), issued_on=date(2026, 11, 27))
    fields.update(changes)
    return Deposit(**fields)


@pytest.fixture
async def commitment(repos, make_commitment):
    commitment = make_commitment(ceiling="1000.00")
    await repos.commitments.add(commitment)
    return commitment


async def test_a_holder_deposits_an_invoice_into_the_buyers_ledger(repos, uow_of, holder_user, commitment, clock):
    uow = uow_of(holder_user)
    invoice = await service.deposit_invoice(uow, commitment.id, _deposit())
    assert repos.invoices.rows == [invoice]
    assert (invoice.tenant, invoice.commitment_id, invoice.received_at) == (BUYER.siret, commitment.id, clock.now())
    # The ledger is the buyer's: the deposit went on in its scope, the ledger locked.
    assert uow.acted_for == [BUYER.siret] and repos.invoices.locked == [commitment.id]
    (event,) = uow.committed.events
    assert isinstance(event, InvoiceReceived)
    assert (event.invoice_id, event.contract_number, event.buyer, event.received_at) == (
        invoice.id, commitment.contract_number, BUYER, clock.now())
    (note,) = uow.committed.audits
    assert (note.tenant, note.aggregate_id, note.action, note.actor) == (
        BUYER.siret, str(commitment.id), "invoice.received", holder_user.actor)
    assert note.change == {"invoice_id": str(invoice.id)} | _deposit().as_change()


async def test_nobody_deposits_anothers_invoice_and_nothing_is_read(repos, uow_of, other_supplier_user, commitment):
    uow = uow_of(other_supplier_user)
    with pytest.raises(DomainError) as refused:
        await service.deposit_invoice(uow, commitment.id, _deposit())
    assert (refused.value.status, refused.value.field) == (403, "supplier.siret")
    assert uow.acted_for == [] and repos.invoices.locked == [] and uow.commits == uow.rollbacks == 0


async def test_an_invisible_or_unknown_commitment_is_not_found(repos, uow_of, holder_user):
    uow = uow_of(holder_user)
    with pytest.raises(NotFound):
        await service.deposit_invoice(uow, uuid.uuid4(), _deposit())
    assert repos.invoices.rows == [] and uow.rollbacks == 1


async def test_a_number_is_deposited_once(repos, uow_of, holder_user, commitment):
    await service.deposit_invoice(uow_of(holder_user), commitment.id, _deposit(amount_excl_vat=Decimal("10.00")))
    again = uow_of(holder_user)
    with pytest.raises(DomainError) as refused:
        await service.deposit_invoice(again, commitment.id, _deposit(amount_excl_vat=Decimal("10.00")))
    assert (refused.value.status, refused.value.field) == (409, "invoice_number")
    assert len(repos.invoices.rows) == 1 and again.committed.events == []


async def test_the_ceiling_counts_the_invoices_already_received(repos, uow_of, holder_user, commitment):
    await service.deposit_invoice(uow_of(holder_user), commitment.id, _deposit())
    over = uow_of(holder_user)
    with pytest.raises(DomainError) as refused:
        await service.deposit_invoice(over, commitment.id, _deposit(invoice_number="F-2026-002"))
    assert refused.value.field == "amount_excl_vat" and "400.00" in refused.value.detail
    assert len(repos.invoices.rows) == 1 and over.committed.audits == []


async def test_the_issue_date_is_checked_against_the_paris_date(repos, uow_of, holder_user, commitment, clock):
    clock.set(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))  # already 1 December in Paris
    invoice = await service.deposit_invoice(uow_of(holder_user), commitment.id, _deposit(issued_on=date(2026, 12, 1)))
    assert invoice.issued_on == date(2026, 12, 1)
    with pytest.raises(DomainError) as refused:
        await service.deposit_invoice(uow_of(holder_user), commitment.id,
                                      _deposit(invoice_number="F-2", issued_on=date(2026, 12, 2), amount_excl_vat=Decimal("1")))
    assert refused.value.field == "issued_on"


async def test_a_supplier_that_sees_a_commitment_it_does_not_hold_is_refused(repos, uow_of, other_supplier_user,
                                                                            commitment):
    # Row-level security hides such a commitment; were it seen, the domain would still refuse.
    stranger = Organisation(siret=other_supplier_user.supplier_siret, name="Fournitures du Centre")
    uow = uow_of(other_supplier_user)
    with pytest.raises(DomainError) as refused:
        await service.deposit_invoice(uow, commitment.id, _deposit(supplier=stranger))
    assert (refused.value.status, refused.value.detail) == (403, "ce fournisseur n'est pas titulaire du marché")
    assert repos.invoices.rows == [] and uow.committed.events == []
