"""SQL of the supplier directory (table suppliers, migration 0003: platform-wide, no tenant scope).
The import (import_sirene.py, an operator command) writes it in bulk; the service only reads."""

from __future__ import annotations

import asyncpg

from unefois_kernel.db import like_pattern
from unefois_sourcing.reference import normalise
from unefois_sourcing.suppliers.domain import Establishment

COLUMNS = (
    "siret, siren, name, address_line, address_complement, postal_code, city, commune_code, country, size_category, "
    "size_basis, naf_code, head_office, active, cpv_interests, source, updated_at"
)


def cpv_prefix(code8: str) -> str:
    """"45210000" -> "4521": an interest in 45212000 answers a search on 45210000 (CPV is a tree)."""
    significant = code8.rstrip("0")
    return code8[: max(len(significant), 2)]


def _establishment(row: asyncpg.Record) -> Establishment:
    return Establishment(**{**dict(row), "cpv_interests": list(row["cpv_interests"] or [])})


class SuppliersRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self._trigram: bool | None = None

    async def has_trigram(self) -> bool:
        """Whether pg_trgm is installed in this database (migration 0003 tries; it may not be allowed to)."""
        if self._trigram is None:
            self._trigram = bool(await self._conn.fetchval("SELECT true FROM pg_extension WHERE extname = 'pg_trgm'"))
        return self._trigram

    async def get(self, siret: str) -> Establishment | None:
        row = await self._conn.fetchrow(f"SELECT {COLUMNS} FROM suppliers WHERE siret = $1", siret)
        return _establishment(row) if row else None

    async def search(
        self,
        *,
        name: str | None = None,
        siret: str | None = None,
        cpv: str | None = None,
        commune: str | None = None,
        include_closed: bool = False,
        trigram: bool | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[Establishment]:
        """Suppliers matching every criterion given.

        name: each word typed must occur in the name (accents and case ignored); with pg_trgm
        (`trigram`: None asks the database), a close spelling also matches ("sociéte generalle"),
        and results come by similarity. cpv: matches interests in that code or below it in the CPV tree.
        """
        if trigram is None:
            trigram = await self.has_trigram()
        where, args = [], []

        def arg(value) -> str:
            args.append(value)
            return f"${len(args)}"

        order = "name, siret"
        if siret:
            where.append(f"siret = {arg(siret)}")
        if commune:
            where.append(f"commune_code = {arg(commune.upper())}")
        if cpv:
            where.append(f"EXISTS (SELECT 1 FROM unnest(cpv_interests) AS i WHERE i LIKE {arg(cpv_prefix(cpv[:8]) + '%')})")
        if not include_closed:
            where.append("active")
        query = normalise(name or "")
        if query:
            words = " AND ".join(f"search_name LIKE {arg(like_pattern(word))}" for word in query.split())
            if trigram:
                text = arg(query)
                where.append(f"(({words}) OR search_name % {text})")
                order = f"similarity(search_name, {text}) DESC, name, siret"
            else:
                where.append(f"({words})")
        sql = f"SELECT {COLUMNS} FROM suppliers"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {order} LIMIT {arg(limit)} OFFSET {arg(offset)}"
        return [_establishment(row) for row in await self._conn.fetch(sql, *args)]

    async def declare_interests(self, siret: str, cpv_codes: list[str]) -> bool:
        """The CPV codes (8 digits) an establishment says it works in: what a directory search by CPV
        finds. SIRENE knows nothing of them; a re-import keeps them. False when the SIRET is not in
        the directory. Written by operators' tools (the demo's seeding), never by a buyer."""
        done = await self._conn.execute("UPDATE suppliers SET cpv_interests = $2 WHERE siret = $1", siret,
                                        sorted({code[:8] for code in cpv_codes}))
        return done != "UPDATE 0"
