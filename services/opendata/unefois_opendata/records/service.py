"""Use cases of the records area: publish a notified contract, read the published records."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from unefois_events.catalogue import ContractNotified
from unefois_kernel.domain_errors import NotFound
from unefois_kernel.uow import UnitOfWork
from unefois_opendata.records import domain
from unefois_opendata.records.domain import BuyerSummary, DecpRecord, RecordOrder

if TYPE_CHECKING:
    from unefois_opendata.repositories import Repositories


class Window(Protocol):
    """A page of a list: how many rows, from which one (unefois_kernel.web.listing.Page is one)."""

    @property
    def size(self) -> int: ...

    @property
    def offset(self) -> int: ...


W = TypeVar("W", bound=Window)


@dataclass(frozen=True)
class Listing(Generic[W]):
    """One page of published records, sorted."""

    window: W
    records: list[DecpRecord]


async def publish(uow: UnitOfWork[Repositories], contract: ContractNotified) -> DecpRecord | None:
    """Keep the DECP record of a notified contract, first published today (the Paris date of
    the service's clock). None when the contract already has one (a second delivery).
    RecordRefused when the format cannot hold it or the official schema refuses it."""
    published = await publish_all(uow, [contract])
    return published[0] if published else None


async def publish_all(uow: UnitOfWork[Repositories], contracts: Sequence[ContractNotified]) -> list[DecpRecord]:
    """`publish` for many contracts at once: their records in one statement, one audit entry
    each. The records kept (a contract that already has one is left out). RecordRefused when
    any of them is refused, and then nothing is kept: the caller (the inbox consumer) retries
    them one by one to single out the refused one."""
    async with uow:
        today = uow.clock.today()
        records = [domain.record_of(contract, published_on=today) for contract in contracts]
        kept = await uow.repos.records.add_all(records)
        published = []
        for record in records:
            if record.contract_id not in kept:
                continue
            kept.discard(record.contract_id)  # the same contract twice: its first record only
            uow.audit(domain.AGGREGATE_TYPE, record.contract_id, domain.PUBLISHED_ACTION, record.audit_change(),
                      tenant=record.buyer_siret)
            published.append(record)
        return published


async def document(uow: UnitOfWork[Repositories], *, buyer_siret: str | None = None, limit: int,
                   offset: int = 0) -> dict[str, Any]:
    """The published records, latest first, of one buyer or of all, as the official DECP document."""
    async with uow:
        records = await uow.repos.records.list_published(buyer_siret=buyer_siret, limit=limit, offset=offset)
    return domain.document_of(records)


async def published_record(uow: UnitOfWork[Repositories], contract_id: uuid.UUID) -> dict[str, Any]:
    """The DECP `marche` of one contract, if it is of a published kind."""
    async with uow:
        record = await uow.repos.records.published(contract_id)
    if record is None:
        raise NotFound("aucune donnée essentielle publiée pour ce marché", field="contract_id")
    return record.record


async def listing(uow: UnitOfWork[Repositories], *, buyer_siret: str | None = None, order: RecordOrder,
                  descending: bool, window: Callable[[int], W]) -> Listing[W]:
    """A page of the published records, of one buyer or of all, sorted by `order`; `window`
    turns their total into the page to show (the page asked for, within the pages there are)."""
    async with uow:
        return await _listing(uow, buyer_siret, order, descending, window)


async def buyer_page(uow: UnitOfWork[Repositories], siret: str, *, order: RecordOrder, descending: bool,
                     window: Callable[[int], W]) -> tuple[BuyerSummary, Listing[W]]:
    """A buyer's public page: what it published, summed, and a page of its records.
    NotFound for anything but a SIRET."""
    domain.check_siret(siret)
    async with uow:
        records = await _listing(uow, siret, order, descending, window)
        summary = await uow.repos.records.buyer_summary(siret)
    return summary, records


async def _listing(uow: UnitOfWork[Repositories], buyer_siret: str | None, order: RecordOrder, descending: bool,
                   window: Callable[[int], W]) -> Listing[W]:
    shown = window(await uow.repos.records.count_published(buyer_siret=buyer_siret))
    records = await uow.repos.records.list_published(buyer_siret=buyer_siret, order=order, descending=descending,
                                                     limit=shown.size, offset=shown.offset)
    return Listing(shown, records)
