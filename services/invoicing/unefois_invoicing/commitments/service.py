"""Commitment use cases: open one from a notified contract; read ledgers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from unefois_events.catalogue import ContractNotified
from unefois_kernel.uow import UnitOfWork

from unefois_invoicing.commitments import domain
from unefois_invoicing.commitments.domain import Commitment, Ledger
from unefois_invoicing.invoices.domain import NOTHING_INVOICED
from unefois_invoicing.repositories import Repositories


async def open_from_contract(uow: UnitOfWork[Repositories], contract: ContractNotified) -> Commitment | None:
    """The commitment of a notified contract; None when the contract already has one (a redelivered event)."""
    async with uow:
        commitment, events = domain.open_commitment(contract, commitment_id=uuid.uuid4(), at=uow.clock.now())
        if not await uow.repos.commitments.add(commitment):
            return None
        uow.emit(*events)
        uow.audit("commitment", commitment.id, "commitment.opened",
                  {"contract_id": str(contract.contract_id), "ceiling": str(contract.amount)})
        return commitment


async def _ledgers(uow: UnitOfWork[Repositories], commitments: Sequence[Commitment]) -> list[Ledger]:
    totals = await uow.repos.invoices.totals([commitment.id for commitment in commitments])
    return [Ledger(commitment, *totals.get(commitment.id, NOTHING_INVOICED)) for commitment in commitments]


async def list_ledgers(uow: UnitOfWork[Repositories], *, contract_id: uuid.UUID | None = None) -> list[Ledger]:
    """The latest commitments the caller may see (of one contract when given), with their ledgers."""
    async with uow:
        return await _ledgers(uow, await uow.repos.commitments.latest(contract_id=contract_id, limit=100))


async def get_ledger(uow: UnitOfWork[Repositories], commitment_id: uuid.UUID) -> Ledger:
    async with uow:
        commitment = await uow.repos.commitments.get(commitment_id)
        if commitment is None:
            raise domain.not_found()
        (ledger,) = await _ledgers(uow, [commitment])
        return ledger


async def latest_of_tenant(uow: UnitOfWork[Repositories]) -> list[Ledger]:
    """The latest commitments of the caller's own organisation (a buyer's home page)."""
    if not uow.tenant:
        return []
    async with uow:
        return await _ledgers(uow, await uow.repos.commitments.latest_of_tenant(uow.tenant, limit=50))
