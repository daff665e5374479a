"""Queries of the supplier directory (platform-wide table: no tenant scope, see migration 0003)."""

from __future__ import annotations

import asyncpg

from unefois_kernel.db import like_pattern
from unefois_sourcing.reference import normalise

COLUMNS = (
    "siret, siren, name, address_line, address_complement, postal_code, city, commune_code, country, size_category, "
    "size_basis, naf_code, head_office, active, cpv_interests, source, updated_at"
)


async def has_trigram(conn: asyncpg.Connection) -> bool:
    """Whether pg_trgm is installed in this database (migration 0003 tries; it may not be allowed to)."""
    return bool(await conn.fetchval("SELECT true FROM pg_extension WHERE extname = 'pg_trgm'"))


def cpv_prefix(code8: str) -> str:
    """"45210000" -> "4521": an interest in 45212000 answers a search on 45210000 (CPV is a tree)."""
    significant = code8.rstrip("0")
    return code8[: max(len(significant), 2)]


async def get(conn: asyncpg.Connection, siret: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {COLUMNS} FROM suppliers WHERE siret = $1", siret)


async def search(
    conn: asyncpg.Connection,
    *,
    name: str | None = None,
    siret: str | None = None,
    cpv: str | None = None,
    commune: str | None = None,
    include_closed: bool = False,
    trigram: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> list[asyncpg.Record]:
    """Suppliers matching every criterion given.

    name: each word typed must occur in the name (accents and case ignored); with pg_trgm,
    a close spelling also matches ("sociéte generalle"), and results come by similarity.
    cpv: 8 digits; matches interests in that code or below it in the CPV tree.
    """
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
    return await conn.fetch(sql, *args)
