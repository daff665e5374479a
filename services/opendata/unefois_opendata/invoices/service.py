"""Use cases of the invoices area."""

from __future__ import annotations

from typing import TYPE_CHECKING

from unefois_events.catalogue import InvoiceReceived
from unefois_kernel.uow import UnitOfWork
from unefois_opendata.invoices.domain import ContractInvoice, invoice_of

if TYPE_CHECKING:
    from unefois_opendata.repositories import Repositories


async def record(uow: UnitOfWork[Repositories], invoice: InvoiceReceived) -> ContractInvoice | None:
    """Keep a received invoice against its contract; None when it is already kept."""
    async with uow:
        kept = invoice_of(invoice)
        return kept if await uow.repos.invoices.add(kept) else None
