"""Use cases of market research. Each reads its need's status through the needs repository
(locked for a change, so that an approval and an edit of the research do not cross)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from unefois_events.catalogue import Organisation
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_kernel.uow import UnitOfWork
from unefois_sourcing.repositories import Repositories
from unefois_sourcing.research import domain
from unefois_sourcing.research.domain import Quote, Research


async def _need_must_exist(uow: UnitOfWork[Repositories], need_id: uuid.UUID, *, lock: bool = False):
    status = await uow.repos.needs.status(need_id, lock=lock)
    if status is None:
        raise NotFound("besoin introuvable", field="need_id")
    return status


async def _editable(uow: UnitOfWork[Repositories], need_id: uuid.UUID) -> None:
    domain.check_editable(await _need_must_exist(uow, need_id, lock=True))


async def read(uow: UnitOfWork[Repositories], need_id: uuid.UUID) -> Research:
    async with uow:
        await _need_must_exist(uow, need_id)
        return await uow.repos.research.of(need_id)


async def write_notes(uow: UnitOfWork[Repositories], need_id: uuid.UUID, notes: str) -> Research:
    async with uow:
        await _editable(uow, need_id)
        await uow.repos.research.save_notes(need_id, notes, tenant=uow.tenant, at=uow.clock.now())
        return await uow.repos.research.of(need_id)


async def record_quote(uow: UnitOfWork[Repositories], need_id: uuid.UUID, *, supplier: Organisation, amount: Decimal,
                       received_on: date, file_name: str | None = None) -> Research:
    """A quote received (one per supplier: a new one of the same supplier replaces its figures)."""
    async with uow:
        await _editable(uow, need_id)
        if received_on > uow.clock.today():  # a quote received is a fact of the past, on the kernel clock
            raise DomainError("la date de réception du devis ne peut pas être dans le futur", field="received_on")
        quote = Quote(id=uuid.uuid4(), supplier=supplier, amount=amount, received_on=received_on,
                      file_name=(file_name or "").strip() or None)
        await uow.repos.research.save_quote(need_id, quote, tenant=uow.tenant)
        return await uow.repos.research.of(need_id)


async def choose_quote(uow: UnitOfWork[Repositories], need_id: uuid.UUID, quote_id: uuid.UUID, reason: str) -> Research:
    async with uow:
        await _editable(uow, need_id)
        domain.choose(await uow.repos.research.quotes(need_id), quote_id, reason)
        await uow.repos.research.choose(need_id, quote_id, reason)
        uow.audit("need", need_id, "quote.chosen", {"quote_id": str(quote_id), "reason": reason})
        return await uow.repos.research.of(need_id)


async def shortlist_supplier(uow: UnitOfWork[Repositories], need_id: uuid.UUID, supplier: Organisation) -> Research:
    async with uow:
        await _editable(uow, need_id)
        await uow.repos.research.add_to_shortlist(need_id, supplier, tenant=uow.tenant)
        return await uow.repos.research.of(need_id)


async def remove_quote(uow: UnitOfWork[Repositories], need_id: uuid.UUID, quote_id: uuid.UUID) -> Research:
    """A quote recorded by mistake taken out (404 unknown quote); a chosen one takes its choice with it."""
    async with uow:
        await _editable(uow, need_id)
        quote = domain.find_quote(await uow.repos.research.quotes(need_id), quote_id)
        await uow.repos.research.remove_quote(need_id, quote_id)
        uow.audit("need", need_id, "quote.removed", {"quote_id": str(quote_id), "supplier_siret": quote.supplier.siret,
                                                     "amount": str(quote.amount), "chosen": quote.chosen})
        return await uow.repos.research.of(need_id)


async def remove_from_shortlist(uow: UnitOfWork[Repositories], need_id: uuid.UUID, siret: str) -> Research:
    """A supplier taken off the list of those to invite (404 when it is not on it)."""
    async with uow:
        await _editable(uow, need_id)
        supplier = domain.check_shortlisted(await uow.repos.research.shortlist(need_id), siret)
        await uow.repos.research.remove_from_shortlist(need_id, supplier.siret)
        return await uow.repos.research.of(need_id)


async def research_page(uow: UnitOfWork[Repositories], need_id: uuid.UUID):
    """(the need, its research) for the market research page."""
    async with uow:
        need = await uow.repos.needs.get(need_id)
        if need is None:
            raise NotFound("besoin introuvable", field="need_id")
        return need, await uow.repos.research.of(need_id)
