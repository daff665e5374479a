"""Migrations on databases that already hold data.

Migration 0003 on a database that numbered consultations with tendering's own counters:
every tenant's counters move into the kernel's yearly sequences ('consultation'), the old table
goes, row-level security is FORCEd again, and the numbering goes on where it stopped.

Migration 0004 on a database with published consultations: each is read back as received when
it was published, with no decision nor hold, and a consultation may now wait "à confirmer"
without publication dates (and only then)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from unefois_kernel import db, migrations
from unefois_kernel.clock import SettableClock
from unefois_kernel.tenancy import set_scope
from unefois_kernel.testing import BUYER, OTHER_BUYER, purchase
from unefois_kernel.uow import UnitsOfWork
from unefois_tendering.consultations.domain import ConsultationStatus
from unefois_tendering.repositories import Repositories

PUBLISHED_AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


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
    # 0003 and 0004 apply, then every later one (assertions below are on 0003 and 0004).
    assert [m.version for m in applied] == [m.version for m in tendering if m.version >= 3]

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


@pytest.fixture
async def before_0004(scratch_database):
    """A database at tendering's migration 0003 with one published consultation of a tenant."""
    dsn = await scratch_database()
    conn = await db.connect(dsn)
    tendering = migrations.discover("tendering", "unefois_tendering")
    await migrations.apply(conn, migrations.kernel_migrations() + [m for m in tendering if m.version <= 3])
    consultation_id, need_id = uuid.uuid4(), uuid.uuid4()
    async with conn.transaction():
        await set_scope(conn, tenant=BUYER.siret)
        await conn.execute(
            """INSERT INTO consultations (id, tenant, need_id, reference, status, purchase, invited, published_at, bid_deadline)
               VALUES ($1, $2, $3, '2026-0001', 'published', $4, '[]', $5, $6)""",
            consultation_id, BUYER.siret, need_id, purchase(BUYER, need_id=need_id).model_dump(mode="json"),
            PUBLISHED_AT, PUBLISHED_AT + timedelta(days=35))
    try:
        yield dsn, conn, tendering, consultation_id
    finally:
        await conn.close()


async def test_published_consultations_are_received_when_published(before_0004):
    dsn, conn, tendering, consultation_id = before_0004
    applied = await migrations.apply(conn, migrations.kernel_migrations() + tendering)
    assert [m.version for m in applied] == [m.version for m in tendering if m.version >= 4]
    assert tuple(await conn.fetchrow(
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'consultations'")) == (True, True)

    pool = await db.create_pool(dsn, min_size=1, max_size=2)
    try:
        uows = UnitsOfWork(service="tendering", clock=SettableClock(PUBLISHED_AT), repositories=Repositories.on, pool=pool)
        async with uows.system(BUYER.siret) as uow:
            consultation = await uow.repos.consultations.get(consultation_id)
        assert (consultation.status, consultation.received_at, consultation.published_at) == (
            ConsultationStatus.PUBLISHED, PUBLISHED_AT, PUBLISHED_AT)
        assert (consultation.decision, consultation.hold) == (None, None)
        # Only a consultation awaiting its procedure may lack its publication dates.
        with pytest.raises(asyncpg.CheckViolationError):
            async with uows.system(BUYER.siret) as uow:
                await uow.connection.execute("UPDATE consultations SET published_at = NULL WHERE id = $1", consultation_id)
        async with uows.system(BUYER.siret) as uow:
            await uow.connection.execute("UPDATE consultations SET status = 'awaiting_procedure', published_at = NULL, "
                                   "bid_deadline = NULL WHERE id = $1", consultation_id)
    finally:
        await pool.close()
