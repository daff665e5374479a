"""Tenant scoping enforced by PostgreSQL row-level security.

Every table of buyer data carries `tenant` (the buyer SIRET) and a policy comparing it
with the transaction-local setting `unefois.tenant`; tables a supplier may read compare
their supplier column with `unefois.supplier`. A query run outside `scoped()` sees those
settings unset and so returns nothing: a forgotten filter fails closed.

Policies are FORCEd, because each service's role owns its tables and owners otherwise
bypass row-level security.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from unefois_kernel.auth.principal import Principal

_SET_SCOPE = "SELECT set_config('unefois.tenant', $1, true), set_config('unefois.supplier', $2, true)"


async def set_scope(conn: asyncpg.Connection, *, tenant: str | None = None, supplier: str | None = None) -> None:
    """Scope the current transaction (empty string = matches nothing)."""
    await conn.execute(_SET_SCOPE, tenant or "", supplier or "")


@asynccontextmanager
async def scoped(pool: asyncpg.Pool, *, tenant: str | None = None, supplier: str | None = None) -> AsyncIterator[asyncpg.Connection]:
    """A transaction that sees the rows of one buyer (and/or one supplier) only."""
    async with pool.acquire() as conn, conn.transaction():
        await set_scope(conn, tenant=tenant, supplier=supplier)
        yield conn


def scope_of(principal: Principal | None) -> dict[str, str | None]:
    if principal is None:
        return {"tenant": None, "supplier": None}
    return {"tenant": principal.tenant, "supplier": principal.supplier_siret}


@asynccontextmanager
async def scoped_for(pool: asyncpg.Pool, principal: Principal | None) -> AsyncIterator[asyncpg.Connection]:
    async with scoped(pool, **scope_of(principal)) as conn:
        yield conn
