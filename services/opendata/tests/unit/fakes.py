"""In-memory repositories of opendata, with the methods (and the orders) of the real ones, for
the use-case tests on FakeUnitOfWork. Loaded by conftest.py as `opendata_fakes`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from unefois_opendata.invoices.domain import ContractInvoice
from unefois_opendata.records.domain import BuyerSummary, DecpRecord, RecordOrder


def _order_value(record: DecpRecord, order: RecordOrder):
    """What the real repository sorts by (records/repository.py _ORDER_BY), None when absent."""
    marche = record.record
    match order:
        case RecordOrder.NUMBER:
            return record.contract_number
        case RecordOrder.OBJECT:
            return marche["objet"].lower() if marche.get("objet") is not None else None
        case RecordOrder.BUYER:
            return (record.buyer_name or record.buyer_siret).lower()
        case RecordOrder.AMOUNT:
            return Decimal(str(marche["montant"])) if marche.get("montant") is not None else None
        case RecordOrder.NOTIFIED:
            return record.notified_on
    raise ValueError(order)


class FakeRecordRepository:
    def __init__(self, *records: DecpRecord) -> None:
        self.rows: dict[uuid.UUID, DecpRecord] = {record.contract_id: record for record in records}

    async def add(self, record: DecpRecord) -> bool:
        if record.contract_id in self.rows:
            return False
        if any((r.buyer_siret, r.contract_number) == (record.buyer_siret, record.contract_number)
               for r in self.rows.values()):
            raise ValueError("duplicate key value violates unique constraint (buyer_siret, contract_number)")
        self.rows[record.contract_id] = record
        return True

    async def add_all(self, records: list[DecpRecord]) -> set[uuid.UUID]:
        return {record.contract_id for record in records if await self.add(record)}

    async def published(self, contract_id: uuid.UUID) -> DecpRecord | None:
        record = self.rows.get(contract_id)
        return record if record is not None and record.is_published else None

    def _published(self, buyer_siret: str | None) -> list[DecpRecord]:
        return [r for r in self.rows.values() if r.is_published and buyer_siret in (None, r.buyer_siret)]

    async def count_published(self, *, buyer_siret: str | None = None) -> int:
        return len(self._published(buyer_siret))

    async def list_published(self, *, buyer_siret: str | None = None, order: RecordOrder | None = None,
                             descending: bool = False, limit: int, offset: int = 0) -> list[DecpRecord]:
        # ORDER BY [order NULLS LAST,] published_on DESC, contract_number: stable sorts, last key first.
        records = sorted(self._published(buyer_siret), key=lambda r: r.contract_number)
        records.sort(key=lambda r: r.published_on, reverse=True)
        if order is not None:
            present = [r for r in records if _order_value(r, order) is not None]
            present.sort(key=lambda r: _order_value(r, order), reverse=descending)
            records = present + [r for r in records if _order_value(r, order) is None]
        return records[offset:offset + limit]

    async def buyer_summary(self, siret: str) -> BuyerSummary:
        published = self._published(siret)
        named = sorted((r for r in self.rows.values() if r.buyer_siret == siret and r.buyer_name is not None),
                       key=lambda r: r.published_on, reverse=True)
        amount = sum((Decimal(str(r.record["montant"])) for r in published), Decimal(0))
        return BuyerSummary(siret=siret, name=named[0].buyer_name if named else None, contracts=len(published),
                            amount=amount)


class FakeInvoiceRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, ContractInvoice] = {}

    async def add(self, invoice: ContractInvoice) -> bool:
        if invoice.invoice_id in self.rows:
            return False
        self.rows[invoice.invoice_id] = invoice
        return True


@dataclass
class FakeRepositories:
    """Same attributes as unefois_opendata.repositories.Repositories."""

    records: FakeRecordRepository = field(default_factory=FakeRecordRepository)
    invoices: FakeInvoiceRepository = field(default_factory=FakeInvoiceRepository)
