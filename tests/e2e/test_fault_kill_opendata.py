"""Fault test: contracts keep coming while opendata is killed (SIGKILL) and restarted.

Invariant: every notified contract appears exactly once in open data, and once as a
commitment at invoicing, whatever the crash interrupted.
"""

from __future__ import annotations

import asyncio
import secrets

import asyncpg
import pytest

from unefois_kernel import db
from unefois_kernel.outbox import publish
from unefois_kernel.tenancy import set_scope
from unefois_kernel.testing import BUYER, contract_notified

pytestmark = pytest.mark.integration

CONTRACTS = 500


async def _count(dsn: str, sql: str, ids: list) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await set_scope(conn, tenant=BUYER.siret)  # invoicing's tables are tenant-scoped
            return await conn.fetchval(sql, ids)
    finally:
        await conn.close()


async def test_500_contracts_through_a_crash_give_500_decp_records(platform, service_dsn):
    run = secrets.token_hex(3).upper()
    events = [contract_notified(number=f"K{run}{n:05d}") for n in range(CONTRACTS)]
    ids = [event.contract_id for event in events]
    decp_count = "SELECT count(*) FROM decp_records WHERE contract_id = ANY($1::uuid[])"

    async def notify(batch) -> None:
        # Written as the contracts service writes them: into its outbox, ten per transaction.
        contracts_db = await db.connect(service_dsn("contracts"))
        try:
            for start in range(0, len(batch), 10):
                async with contracts_db.transaction():
                    await publish(contracts_db, "contracts", *batch[start : start + 10])
        finally:
            await contracts_db.close()

    # Half before the kill, half while opendata is down: the kill always lands with work left,
    # however fast opendata drains the first half on a quiet machine.
    await notify(events[: CONTRACTS // 2])
    opendata_dsn = service_dsn("opendata")
    async with asyncio.timeout(60):
        while await _count(opendata_dsn, decp_count, ids) < 25:
            await asyncio.sleep(0.02)
    platform.kill("opendata")  # mid-stream: some batches applied, one perhaps half-way
    killed_at = await _count(opendata_dsn, decp_count, ids)
    await notify(events[CONTRACTS // 2 :])
    await platform.start("opendata")

    async with asyncio.timeout(120):
        while await _count(opendata_dsn, decp_count, ids) < CONTRACTS:
            await asyncio.sleep(0.2)
    await asyncio.sleep(2)  # anything doubled would show up now

    assert 25 <= killed_at < CONTRACTS
    assert await _count(opendata_dsn, decp_count, ids) == CONTRACTS
    numbers = await _count(
        opendata_dsn,
        "SELECT count(DISTINCT record->>'id') FROM decp_records WHERE contract_id = ANY($1::uuid[])",
        ids,
    )
    assert numbers == CONTRACTS
    invoicing_dsn = service_dsn("invoicing")
    async with asyncio.timeout(60):
        while await _count(invoicing_dsn, "SELECT count(*) FROM commitments WHERE contract_id = ANY($1::uuid[])", ids) < CONTRACTS:
            await asyncio.sleep(0.2)
    assert await _count(invoicing_dsn, "SELECT count(*) FROM commitments WHERE contract_id = ANY($1::uuid[])", ids) == CONTRACTS
