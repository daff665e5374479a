"""A deposit through the service's real unit of work: the holder, who sees the commitment through row-level
security, writes the invoice in the buyer's ledger; the event goes to the outbox and the entry to the buyer's
audit trail in the same commit; a supplier that does not hold the commitment is told it does not exist."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from unefois_events.catalogue import Organisation
from unefois_invoicing.commitments import service as commitments
from unefois_invoicing.invoices import service
from unefois_invoicing.invoices.domain import Deposit
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_kernel.testing import BUYER, SUPPLIER, contract_notified


def _deposit(supplier: Organisation = SUPPLIER, number: str = "F-2026-001", amount: str = "600.00") -> Deposit:
    return Deposit(invoice_number=number, supplier=supplier, amount_excl_vat=Decimal(amount),
                   vat_amount=Decimal("120.00"), issued_on=date(2026, 11, 27))


async def test_a_holder_deposits_into_the_buyers_ledger_with_its_event_and_audit(uows, buyer_user, holder_user):
    commitment = await commitments.open_from_contract(uows.system(BUYER.siret), contract_notified(amount=Decimal("1000.00")))
    invoice = await service.deposit_invoice(uows(holder_user), commitment.id, _deposit())
    with pytest.raises(DomainError) as refused:  # the ceiling counts what the ledger holds
        await service.deposit_invoice(uows(holder_user), commitment.id, _deposit(number="F-2026-002", amount="400.01"))
    assert refused.value.field == "amount_excl_vat" and "400.00" in refused.value.detail
    ledger = await commitments.get_ledger(uows(buyer_user), commitment.id)
    assert (ledger.invoiced_excl_vat, ledger.invoice_count) == (Decimal("600.00"), 1)
    async with uows.pool.acquire() as conn:
        outbox = await conn.fetch("SELECT event_type, key, tenant FROM outbox")
        trail = await conn.fetch("SELECT tenant, aggregate_id, actor, action FROM audit_trail WHERE action = 'invoice.received'")
    assert [tuple(row) for row in outbox] == [("fr.unefois.invoicing.InvoiceReceived.v1", str(invoice.id), BUYER.siret)]
    assert [tuple(row) for row in trail] == [(BUYER.siret, str(commitment.id), holder_user.actor, "invoice.received")]
    async with uows.system(BUYER.siret) as uow:  # the buyer's scope: row-level security hides the rows otherwise
        assert await uow.connection.fetchval("SELECT received_at FROM invoices") == uows.clock.now()


async def test_a_supplier_that_does_not_hold_the_commitment_is_told_it_does_not_exist(uows, other_supplier_user):
    commitment = await commitments.open_from_contract(uows.system(BUYER.siret), contract_notified())
    stranger = Organisation(siret=other_supplier_user.supplier_siret, name="Fournitures du Centre")
    with pytest.raises(NotFound):
        await service.deposit_invoice(uows(other_supplier_user), commitment.id, _deposit(stranger))
    with pytest.raises(NotFound):
        await service.deposit_invoice(uows(other_supplier_user), uuid.uuid4(), _deposit(stranger))
    async with uows.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 0
