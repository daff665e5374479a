"""PostgreSQL connection pool for a service."""

from __future__ import annotations

import json

import asyncpg


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _keep_session(_conn: asyncpg.Connection) -> None:
    """The pool's reset on release: nothing beyond asyncpg's own (a transaction left open is
    rolled back, listeners dropped). The default also sends `RESET ALL; UNLISTEN *; CLOSE ALL;
    pg_advisory_unlock_all()`, one round trip per release (two per approval: the revocation
    check's and the use case's): the services never leave session state on a pooled connection
    (the row-level-security scope is transaction-local, cursors live in transactions, the
    migration lock is released explicitly, LISTEN runs on the relay's own connection)."""


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, init=_init_connection,
                                     reset=_keep_session)


async def connect(dsn: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(dsn)
    await _init_connection(conn)
    return conn


def like_pattern(text: str) -> str:
    """`%text%` for a LIKE/ILIKE match, the text's own %, _ and backslash escaped with a
    backslash (PostgreSQL's default escape character): they match themselves only."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
