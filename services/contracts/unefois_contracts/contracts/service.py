"""Contracts use cases: prepare one from an award, read them, notify one.

Each opens its unit of work: row-level security scopes what `uow.repos.contracts` sees to
the principal's buyer (or to the contracts a supplier holds); events and audit entries are
written with the change, at commit. Time comes from the unit of work's clock."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING

from unefois_events.catalogue import AwardDecided, AwardDecidedV2
from unefois_kernel.domain_errors import NotFound
from unefois_kernel.uow import UnitOfWork
from unefois_contracts.contracts import domain
from unefois_contracts.contracts.domain import Contract

if TYPE_CHECKING:
    from unefois_contracts.repositories import Repositories

AGGREGATE = "contract"
# What the home page shows of a buyer's contracts.
HOME_LIMIT = 50


async def prepare_contract(uow: UnitOfWork[Repositories], award: AwardDecided | AwardDecidedV2) -> Contract | None:
    """The contract to notify for a decided award, prefilled with it; None when the award
    already has its contract (the same decision delivered again)."""
    async with uow:
        contract, events = domain.prepare(award, contract_id=uuid.uuid4(), at=uow.clock.now())
        if not await uow.repos.contracts.add(contract):
            return None
        uow.emit(*events)
        uow.audit(AGGREGATE, contract.id, "contract.prepared", {"award_id": str(award.award_id)}, tenant=contract.tenant)
        return contract


async def list_contracts(uow: UnitOfWork[Repositories], *, award_id: uuid.UUID | None = None) -> list[Contract]:
    """The newest contracts this scope sees (100 at most), optionally of one award."""
    async with uow:
        return await uow.repos.contracts.latest(award_id=award_id)


async def get_contract(uow: UnitOfWork[Repositories], contract_id: uuid.UUID) -> Contract:
    async with uow:
        return await _get(uow, contract_id)


async def latest_of_buyer(uow: UnitOfWork[Repositories]) -> list[Contract] | None:
    """The buyer's latest contracts for its home page; None when the reader is no buyer."""
    if not uow.tenant:
        return None
    async with uow:
        return await uow.repos.contracts.latest(tenant=uow.tenant, limit=HOME_LIMIT)


async def notify_contract(uow: UnitOfWork[Repositories], contract_id: uuid.UUID, *,
                          notified_on: date | None = None) -> Contract:
    """Notify the contract to its holders on `notified_on` (default: today, the Paris date):
    it is numbered in the buyer's yearly sequence and ContractNotified goes downstream."""
    async with uow:
        contract = await _get(uow, contract_id, for_update=True)
        notified_on = notified_on or uow.clock.today()
        # Refused before a number is drawn: the sequence row stays locked only for an accepted notification.
        domain.check_notification(contract, notified_on, today=uow.clock.today())
        sequence = await uow.repos.contracts.next_sequence(tenant=contract.tenant, year=notified_on.year)
        notified, events = domain.notify(contract, sequence=sequence, notified_on=notified_on, at=uow.clock.now())
        await uow.repos.contracts.record_notification(notified)
        uow.emit(*events)
        uow.audit(AGGREGATE, notified.id, "contract.notified", {
            "contract_number": notified.contract_number,
            "notified_on": notified_on.isoformat(),
            "legal_commitment_number": notified.legal_commitment_number,
        }, tenant=notified.tenant)
        return notified


async def _get(uow: UnitOfWork[Repositories], contract_id: uuid.UUID, *, for_update: bool = False) -> Contract:
    contract = await uow.repos.contracts.get(contract_id, for_update=for_update)
    if contract is None:
        raise NotFound("marché introuvable", field="contract_id")
    return contract
