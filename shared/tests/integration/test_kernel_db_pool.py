"""The services' pool releases connections without asyncpg's session reset query (one round trip
saved per request): what a transaction scoped or left open is still gone for the next user."""

from __future__ import annotations

import pytest
from unefois_kernel import db
from unefois_kernel.tenancy import set_scope

pytestmark = pytest.mark.integration


async def test_a_released_connection_keeps_no_scope_and_no_open_transaction(scratch_database) -> None:
    pool = await db.create_pool(await scratch_database(), min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn, conn.transaction():
            await set_scope(conn, tenant="21000003000010", supplier="80000004400019")
            assert await conn.fetchval("SELECT current_setting('unefois.tenant', true)") == "21000003000010"
            first = conn.get_server_pid()
        async with pool.acquire() as conn:
            assert conn.get_server_pid() == first  # the same session, handed out again
            assert await conn.fetchval("SELECT current_setting('unefois.tenant', true)") in ("", None)
            assert await conn.fetchval("SELECT current_setting('unefois.supplier', true)") in ("", None)
            transaction = conn.transaction()
            await transaction.start()  # left open by a careless caller
            await conn.execute("CREATE TEMPORARY TABLE left_behind (x int) ON COMMIT DROP")
        async with pool.acquire() as conn:
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT to_regclass('pg_temp.left_behind')") is None  # rolled back
    finally:
        await pool.close()
