"""Yearly per-tenant sequences (kernel migration 0004): the numbering a buyer's documents
restart every year with, e.g. consultation 2026-0001 or contract 2026-C-0001."""

from __future__ import annotations

import asyncpg

_NEXT = """INSERT INTO yearly_sequences (tenant, name, year, last) VALUES ($1, $2, $3, 1)
           ON CONFLICT (tenant, name, year) DO UPDATE SET last = yearly_sequences.last + 1
           RETURNING last"""


async def next_in_year(conn: asyncpg.Connection, *, name: str, tenant: str, year: int) -> int:
    """The next number (1, 2, ...) of sequence `name` for `tenant` in `year`.

    The row stays locked until the transaction ends, so numbers are gap-free per tenant and
    year; call it late in the use case (after the domain accepted) to hold the lock briefly."""
    return await conn.fetchval(_NEXT, tenant, name, year)
