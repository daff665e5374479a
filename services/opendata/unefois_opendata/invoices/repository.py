"""The SQL of the invoices area: the table contract_invoices (migration 0001), no row-level security."""

from __future__ import annotations

import asyncpg

from unefois_opendata.invoices.domain import ContractInvoice


class InvoiceRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, invoice: ContractInvoice) -> bool:
        """Keep an invoice; False when it is already kept (a second delivery)."""
        inserted = await self.conn.fetchval(
            """INSERT INTO contract_invoices (invoice_id, contract_id, buyer_siret, amount_excl_vat, issued_on)
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT (invoice_id) DO NOTHING RETURNING invoice_id""",
            invoice.invoice_id,
            invoice.contract_id,
            invoice.buyer_siret,
            invoice.amount_excl_vat,
            invoice.issued_on,
        )
        return inserted is not None
