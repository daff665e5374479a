"""The invoices repository on PostgreSQL: invoices stored once per supplier and number, their totals per
commitment as the transaction may see them, and the ledger a holder enters: the buyer's scope, one deposit
at a time."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import asyncpg
import pytest
from unefois_invoicing.commitments.domain import Commitment, open_commitment
from unefois_invoicing.invoices.domain import Invoice, Invoiced
from unefois_kernel.testing import BUYER, SUPPLIER, contract_notified

RECEIVED = datetime(2026, 3, 2, 8, 15, tzinfo=UTC)
CO_HOLDER = "81000005900016"


async def _stored_commitment(uows, number: str = "2026000001") -> Commitment:
    contract = contract_notified(number=number, amount=Decimal("1000.00"))
    commitment, _ = open_commitment(contract, commitment_id=uuid.uuid4(), at=RECEIVED)
    async with uows.system(BUYER.siret) as uow:
        await uow.repos.commitments.add(commitment)
    return commitment


def _invoice(commitment: Commitment, number: str, amount: str, supplier: str = SUPPLIER.siret) -> Invoice:
    return Invoice(id=uuid.uuid4(), tenant=commitment.tenant, commitment_id=commitment.id, supplier_siret=supplier,
                   invoice_number=number, amount_excl_vat=Decimal(amount), vat_amount=Decimal("0.00"),
                   issued_on=date(2026, 3, 1), received_at=RECEIVED)


async def test_invoices_add_up_per_commitment_and_a_number_is_stored_once(uows):
    first, second = await _stored_commitment(uows), await _stored_commitment(uows, "2026000002")
    async with uows.system(BUYER.siret) as uow:
        assert await uow.repos.invoices.add(_invoice(first, "F-1", "100.00"))
        assert await uow.repos.invoices.add(_invoice(first, "F-2", "250.50"))
        assert await uow.repos.invoices.add(_invoice(second, "F-3", "1.00"))
        # The same supplier's number again, even on another commitment: refused, nothing raised.
        assert await uow.repos.invoices.add(_invoice(second, "F-1", "5.00")) is False
        assert await uow.repos.invoices.add(_invoice(second, "F-1", "5.00", supplier=CO_HOLDER))  # another's F-1
    async with uows.system(BUYER.siret) as uow:
        assert await uow.repos.invoices.totals([first.id, second.id, uuid.uuid4()]) == {
            first.id: Invoiced(Decimal("350.50"), 2), second.id: Invoiced(Decimal("6.00"), 2)}
        assert await uow.repos.invoices.totals([]) == {}
        received_at = await uow.connection.fetchval("SELECT received_at FROM invoices WHERE invoice_number = 'F-3'")
    assert received_at == RECEIVED  # the clock's instant, not the database's now()


async def test_a_holder_writes_in_the_buyers_ledger_only_once_entered(uows, holder_user):
    commitment = await _stored_commitment(uows)
    async with uows.system(BUYER.siret) as uow:
        await uow.repos.invoices.add(_invoice(commitment, "C-1", "300.00", supplier=CO_HOLDER))
    with pytest.raises(asyncpg.InsufficientPrivilegeError):  # row-level security: not in the buyer's scope
        async with uows(holder_user) as uow:
            await uow.repos.invoices.add(_invoice(commitment, "F-1", "100.00"))
    async with uows(holder_user) as uow:
        # Before: the supplier sees its own invoices only; after: the buyer's whole ledger.
        assert await uow.repos.invoices.totals([commitment.id]) == {}
        await uow.act_for_buyer(commitment.tenant)
        await uow.repos.invoices.lock_ledger(commitment.id)
        assert await uow.repos.invoices.totals([commitment.id]) == {commitment.id: Invoiced(Decimal("300.00"), 1)}
        assert await uow.repos.invoices.add(_invoice(commitment, "F-1", "100.00"))
    async with uows(holder_user) as uow:
        assert await uow.repos.invoices.totals([commitment.id]) == {commitment.id: Invoiced(Decimal("100.00"), 1)}


async def test_deposits_on_one_commitment_wait_for_each_other(uows, holder_user):
    commitment, other = await _stored_commitment(uows), await _stored_commitment(uows, "2026000002")
    entered = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with uows(holder_user) as uow:
            await uow.act_for_buyer(commitment.tenant)
            await uow.repos.invoices.lock_ledger(commitment.id)
            entered.set()
            await release.wait()

    async def enter(target: Commitment) -> None:
        async with uows(holder_user) as uow:
            await uow.act_for_buyer(target.tenant)
            await uow.repos.invoices.lock_ledger(target.id)

    holding = asyncio.create_task(first())
    try:
        await asyncio.wait_for(entered.wait(), timeout=5)
        await asyncio.wait_for(enter(other), timeout=5)  # another commitment's ledger is free
        waiting = asyncio.create_task(enter(commitment))
        await asyncio.sleep(0.5)
        assert not waiting.done(), "the second deposit entered the ledger while the first held it"
        release.set()
        await asyncio.wait_for(waiting, timeout=5)
    finally:
        release.set()  # a failure above must not leave the first transaction open
        await asyncio.wait_for(holding, timeout=5)
