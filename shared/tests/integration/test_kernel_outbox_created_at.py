"""An outbox row's created_at is its insert's time (kernel migration 0011), not the start of the
writing transaction: the relay's pickup is measured from the moment the event was written."""

from __future__ import annotations

import asyncio

import pytest
from unefois_kernel import db, migrations
from unefois_kernel.outbox import publish
from unefois_kernel.testing import contract_notified

pytestmark = pytest.mark.integration


async def test_created_at_is_the_insert_time(scratch_database) -> None:
    conn = await db.connect(await scratch_database())
    try:
        await migrations.apply(conn, migrations.kernel_migrations())
        async with conn.transaction():
            began = await conn.fetchval("SELECT now()")
            await asyncio.sleep(0.3)  # the use case's own statements
            [event] = await publish(conn, "contracts", contract_notified(number="CA0001"))
        created = await conn.fetchval("SELECT created_at FROM outbox WHERE event_id = $1", event.envelope.id)
        assert (created - began).total_seconds() >= 0.3
    finally:
        await conn.close()
