"""Invoice use cases: a holder deposits an invoice against a commitment."""

from __future__ import annotations

import uuid

from unefois_kernel.uow import UnitOfWork

from unefois_invoicing.commitments import domain as commitments
from unefois_invoicing.commitments.domain import Ledger
from unefois_invoicing.invoices import domain
from unefois_invoicing.invoices.domain import NOTHING_INVOICED, Deposit, Invoice
from unefois_invoicing.repositories import Repositories


async def deposit_invoice(uow: UnitOfWork[Repositories], commitment_id: uuid.UUID, deposit: Deposit) -> Invoice:
    """Receive the calling supplier's invoice into the commitment's ledger, once, within the ceiling."""
    depositor = uow.principal.supplier_siret if uow.principal else None
    domain.check_depositor(depositor, deposit)
    async with uow:
        # Row-level security: only a holder of the commitment sees it.
        commitment = await uow.repos.commitments.get(commitment_id)
        if commitment is None:
            raise commitments.not_found()
        # The holder saw it: the ledger is the buyer's, read and written in its scope, one deposit at a time.
        await uow.act_for_buyer(commitment.tenant)
        await uow.repos.invoices.lock_ledger(commitment.id)
        invoiced = (await uow.repos.invoices.totals([commitment.id])).get(commitment.id, NOTHING_INVOICED)
        received = domain.receive(Ledger(commitment, *invoiced), deposit, invoice_id=uuid.uuid4(),
                                  today=uow.clock.today(), at=uow.clock.now())
        if not await uow.repos.invoices.add(received.invoice):
            raise domain.already_deposited()
        uow.emit(*received.events)
        uow.audit("commitment", commitment.id, "invoice.received",
                  {"invoice_id": str(received.invoice.id)} | deposit.as_change(), tenant=commitment.tenant)
        return received.invoice
