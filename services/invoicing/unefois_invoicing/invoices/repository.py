"""The SQL of the invoices table (the ledger of each commitment)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import asyncpg

from unefois_invoicing.invoices.domain import Invoice, Invoiced


class InvoiceRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def lock_ledger(self, commitment_id: uuid.UUID) -> None:
        """Deposits on this commitment wait for each other until the transaction ends (two deposits
        cannot both pass the ceiling)."""
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"commitment:{commitment_id}")

    async def totals(self, commitment_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Invoiced]:
        """What the invoices the transaction sees add up to, per commitment (absent: none)."""
        rows = await self.conn.fetch(
            """SELECT commitment_id, sum(amount_excl_vat) AS invoiced, count(*) AS invoice_count
               FROM invoices WHERE commitment_id = ANY($1::uuid[]) GROUP BY commitment_id""",
            list(commitment_ids),
        )
        return {row["commitment_id"]: Invoiced(row["invoiced"], row["invoice_count"]) for row in rows}

    async def add(self, invoice: Invoice) -> bool:
        """Store a received invoice; False when this supplier already deposited this number."""
        stored = await self.conn.fetchval(
            """INSERT INTO invoices (id, tenant, commitment_id, supplier_siret, invoice_number,
                                     amount_excl_vat, vat_amount, issued_on, received_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
               ON CONFLICT (supplier_siret, invoice_number) DO NOTHING RETURNING id""",
            invoice.id,
            invoice.tenant,
            invoice.commitment_id,
            invoice.supplier_siret,
            invoice.invoice_number,
            invoice.amount_excl_vat,
            invoice.vat_amount,
            invoice.issued_on,
            invoice.received_at,
        )
        return stored is not None
