"""In-memory repositories with the methods of the real ones (unefois_invoicing.*.repository), for use-case
tests on a FakeUnitOfWork. They keep what the database's constraints keep (one commitment per contract, one
invoice per supplier and number); row-level security is the integration tests' business."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from unefois_invoicing.commitments.domain import Commitment
from unefois_invoicing.invoices.domain import Invoice, Invoiced


class FakeCommitments:
    def __init__(self, *commitments: Commitment) -> None:
        self.rows: dict[uuid.UUID, Commitment] = {commitment.id: commitment for commitment in commitments}

    async def add(self, commitment: Commitment) -> bool:
        if any(row.contract_id == commitment.contract_id for row in self.rows.values()):
            return False
        self.rows[commitment.id] = commitment
        return True

    async def get(self, commitment_id: uuid.UUID) -> Commitment | None:
        return self.rows.get(commitment_id)

    def _latest(self, rows: Iterable[Commitment], limit: int) -> list[Commitment]:
        return sorted(rows, key=lambda row: row.opened_at, reverse=True)[:limit]

    async def latest(self, *, contract_id: uuid.UUID | None = None, limit: int = 100) -> list[Commitment]:
        return self._latest((row for row in self.rows.values() if contract_id in (None, row.contract_id)), limit)

    async def latest_of_tenant(self, tenant: str, *, limit: int = 50) -> list[Commitment]:
        return self._latest((row for row in self.rows.values() if row.tenant == tenant), limit)


class FakeInvoices:
    def __init__(self, *invoices: Invoice) -> None:
        self.rows: list[Invoice] = list(invoices)
        self.locked: list[uuid.UUID] = []  # the commitments whose ledger a deposit locked

    async def lock_ledger(self, commitment_id: uuid.UUID) -> None:
        self.locked.append(commitment_id)

    async def totals(self, commitment_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Invoiced]:
        wanted = set(commitment_ids)
        totals: dict[uuid.UUID, Invoiced] = {}
        for row in self.rows:
            if row.commitment_id in wanted:
                amount, count = totals.get(row.commitment_id, Invoiced(0, 0))
                totals[row.commitment_id] = Invoiced(amount + row.amount_excl_vat, count + 1)
        return totals

    async def add(self, invoice: Invoice) -> bool:
        if any((row.supplier_siret, row.invoice_number) == (invoice.supplier_siret, invoice.invoice_number)
               for row in self.rows):
            return False
        self.rows.append(invoice)
        return True


@dataclass
class FakeRepositories:
    commitments: FakeCommitments = field(default_factory=FakeCommitments)
    invoices: FakeInvoices = field(default_factory=FakeInvoices)
