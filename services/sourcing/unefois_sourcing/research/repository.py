"""SQL of market research (tables market_research, quotes, shortlist; migration 0006). The need
itself, and its status, are the needs repository's."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from unefois_events.catalogue import Organisation
from unefois_sourcing.research.domain import Quote, Research


def _quote(row: asyncpg.Record) -> Quote:
    return Quote(id=row["id"], supplier=Organisation(siret=row["supplier_siret"], name=row["supplier_name"]),
                 amount=row["amount"], received_on=row["received_on"], chosen=row["chosen"],
                 choice_reason=row["choice_reason"], file_name=row["file_name"])


class ResearchRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def of(self, need_id: uuid.UUID) -> Research:
        """The need's research (empty when nothing was recorded yet)."""
        notes = await self._conn.fetchval("SELECT notes FROM market_research WHERE need_id = $1", need_id)
        return Research(need_id=need_id, notes=notes or "", quotes=tuple(await self.quotes(need_id)),
                        shortlist=tuple(await self.shortlist(need_id)))

    async def quotes(self, need_id: uuid.UUID) -> list[Quote]:
        rows = await self._conn.fetch(
            """SELECT id, supplier_siret, supplier_name, amount, received_on, chosen, choice_reason, file_name FROM quotes
               WHERE need_id = $1 ORDER BY amount, supplier_name""", need_id)
        return [_quote(row) for row in rows]

    async def shortlist(self, need_id: uuid.UUID) -> list[Organisation]:
        rows = await self._conn.fetch(
            "SELECT supplier_siret, supplier_name FROM shortlist WHERE need_id = $1 ORDER BY supplier_name", need_id)
        return [Organisation(siret=row["supplier_siret"], name=row["supplier_name"]) for row in rows]

    async def save_notes(self, need_id: uuid.UUID, notes: str, *, tenant: str, at: datetime) -> None:
        await self._conn.execute(
            """INSERT INTO market_research (need_id, tenant, notes, updated_at) VALUES ($1, $2, $3, $4)
               ON CONFLICT (need_id) DO UPDATE SET notes = excluded.notes, updated_at = excluded.updated_at""",
            need_id, tenant, notes, at,
        )

    async def save_quote(self, need_id: uuid.UUID, quote: Quote, *, tenant: str) -> None:
        """A quote received; one per supplier: a new quote of the same supplier replaces its figures."""
        await self._conn.execute(
            """INSERT INTO quotes (id, need_id, tenant, supplier_siret, supplier_name, amount, received_on, file_name)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               ON CONFLICT (need_id, supplier_siret) DO UPDATE
               SET amount = excluded.amount, received_on = excluded.received_on, supplier_name = excluded.supplier_name,
                   file_name = excluded.file_name""",
            quote.id, need_id, tenant, quote.supplier.siret, quote.supplier.name, quote.amount, quote.received_on,
            quote.file_name,
        )

    async def remove_quote(self, need_id: uuid.UUID, quote_id: uuid.UUID) -> None:
        await self._conn.execute("DELETE FROM quotes WHERE id = $1 AND need_id = $2", quote_id, need_id)

    async def choose(self, need_id: uuid.UUID, quote_id: uuid.UUID, reason: str) -> None:
        """`quote_id` becomes the one chosen quote of the need (any earlier choice is withdrawn)."""
        await self._conn.execute("UPDATE quotes SET chosen = false, choice_reason = NULL WHERE need_id = $1", need_id)
        await self._conn.execute("UPDATE quotes SET chosen = true, choice_reason = $3 WHERE id = $1 AND need_id = $2",
                                 quote_id, need_id, reason)

    async def add_to_shortlist(self, need_id: uuid.UUID, supplier: Organisation, *, tenant: str) -> None:
        await self._conn.execute(
            """INSERT INTO shortlist (need_id, tenant, supplier_siret, supplier_name) VALUES ($1, $2, $3, $4)
               ON CONFLICT (need_id, supplier_siret) DO UPDATE SET supplier_name = excluded.supplier_name""",
            need_id, tenant, supplier.siret, supplier.name,
        )

    async def remove_from_shortlist(self, need_id: uuid.UUID, siret: str) -> None:
        await self._conn.execute("DELETE FROM shortlist WHERE need_id = $1 AND supplier_siret = $2", need_id, siret)
