"""Migration 0003 on a database that numbered consultations with tendering's own counters:
every tenant's counters move into the kernel's yearly sequences ('consultation'), the old table
goes, row-level security is FORCEd again, and the numbering goes on where it stopped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from unefois_kernel import db, migrations
from unefois_kernel.clock import SettableClock
from unefois_kernel.tenancy import set_scope
from unefois_kernel.testing import BUYER, OTHER_BUYER
from unefois_kernel.uow import UnitsOfWork
from unefois_tendering.repositories import Repositories


@pytest.fixture
async def before_0003(scratch_database):
    """A database at tendering's migration 0002, with counters of two tenants (as their scopes wrote them)."""
    dsn = await scratch_database()
    conn = await db.connect(dsn)
    tendering = migrations.discover("tendering", "unefois_tendering")
    await migrations.apply(conn, migrations.kernel_migrations() + [m for m in tendering if m.version <= 2])
    for tenant, year, last in ((BUYER.siret, 2025, 41), (BUYER.siret, 2026, 7), (OTHER_BUYER.siret, 2026, 2)):
        async with conn.transaction():
            await set_scope(conn, tenant=tenant)
            await conn.execute("INSERT INTO reference_counters (tenant, year, last) VALUES ($1, $2, $3)", tenant, year, last)
    async with conn.transaction():  # another sequence of the kernel table is not touched
        await set_scope(conn, tenant=BUYER.siret)
        await conn.execute("INSERT INTO yearly_sequences (tenant, name, year, last) VALUES ($1, 'other', 2026, 5)",
                           BUYER.siret)
    try:
        yield dsn, conn, tendering
    finally:
        await conn.close()


async def test_the_counters_move_into_the_kernel_sequences(before_0003):
    dsn, conn, tendering = before_0003
    applied = await migrations.apply(conn, migrations.kernel_migrations() + tendering)
    assert [m.version for m in applied] == [3]

    assert await conn.fetchval("SELECT to_regclass('reference_counters')") is None
    assert tuple(await conn.fetchrow(
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'yearly_sequences'")) == (True, True)
    # FORCEd again: without a scope, the owner sees nothing.
    assert await conn.fetchval("SELECT count(*) FROM yearly_sequences") == 0
    seen = {}
    for tenant in (BUYER.siret, OTHER_BUYER.siret):
        async with conn.transaction():
            await set_scope(conn, tenant=tenant)
            seen[tenant] = sorted(tuple(row) for row in await conn.fetch("SELECT name, year, last FROM yearly_sequences"))
    assert seen == {
        BUYER.siret: [("consultation", 2025, 41), ("consultation", 2026, 7), ("other", 2026, 5)],
        OTHER_BUYER.siret: [("consultation", 2026, 2)],
    }

    pool = await db.create_pool(dsn, min_size=1, max_size=2)
    try:
        uows = UnitsOfWork(service="tendering", clock=SettableClock(datetime(2026, 11, 2, 10, 0, tzinfo=UTC)), repositories=Repositories.on, pool=pool)
        async with uows.system(BUYER.siret) as uow:
            assert await uow.repos.consultations.next_reference(tenant=BUYER.siret, year=2026) == "2026-0008"
    finally:
        await pool.close()
