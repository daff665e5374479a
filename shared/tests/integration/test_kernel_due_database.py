"""The due-transitions worker on the real PostgreSQL (a scratch database owned by a
non-superuser role, so row-level security applies as in a service).

Each handler writes one row into `due_effects` (no unique key there: a transition run twice
would show as two rows) and an audit entry (committed by the joined unit of work like its events), so "exactly once" is counted, not assumed."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from unefois_kernel import db, due, migrations
from unefois_kernel.clock import SettableClock
from unefois_kernel.uow import UnitsOfWork

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TENANTS = ("21350238800019", "21750001600019", "20005372700014")
KIND = "probe.deadline_reached"


@pytest.fixture
async def due_db(scratch_database):
    dsn = await scratch_database()
    conn = await db.connect(dsn)
    await migrations.apply(conn, migrations.kernel_migrations())
    await conn.execute("""CREATE TABLE due_effects (id bigserial PRIMARY KEY, aggregate_id text NOT NULL,
                                                    tenant text NOT NULL, scope text)""")
    await conn.close()
    pools = []

    async def pool():
        opened = await db.create_pool(dsn, min_size=1, max_size=4)
        pools.append(opened)
        return opened

    try:
        yield dsn, pool
    finally:
        for opened in pools:
            await opened.close()


def _handlers(delay_s: float = 0.0, fail: set[str] | None = None):
    async def reached(uow, item: due.Due) -> None:
        scope = await uow.connection.fetchval("SELECT unefois_tenant()")
        await uow.connection.execute("INSERT INTO due_effects (aggregate_id, tenant, scope) VALUES ($1, $2, $3)",
                                     item.aggregate_id, item.tenant, scope)
        uow.audit("probe", item.aggregate_id, KIND, {"due_at": item.due_at.isoformat()})
        if delay_s:
            await asyncio.sleep(delay_s)
        if fail and item.aggregate_id in fail:
            raise RuntimeError("le gestionnaire a échoué")

    return {KIND: reached}


def _worker(pool, clock, **options) -> due.DueWorker:
    handlers = options.pop("handlers", None) or _handlers()
    uows = UnitsOfWork(service="probe", clock=clock, repositories=lambda conn: None, pool=pool)
    return due.DueWorker(service="probe", pool=pool, uows=uows, handlers=handlers, clock=clock, **options)


async def _schedule_many(pool, clock, count: int, at: datetime) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(count)]
    uows = UnitsOfWork(service="probe", clock=clock, repositories=lambda conn: None, pool=pool)
    for index, aggregate_id in enumerate(ids):
        tenant = TENANTS[index % len(TENANTS)]
        async with uows.system(tenant) as uow:
            assert await due.schedule(uow, KIND, aggregate_id, at + timedelta(seconds=index % 7))
    return ids


async def _effects(dsn: str) -> list:
    conn = await db.connect(dsn)
    try:
        return await conn.fetch("SELECT aggregate_id, tenant, scope FROM due_effects")
    finally:
        await conn.close()


async def _statuses(dsn: str) -> dict[str, int]:
    conn = await db.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute("SELECT set_config('unefois.due_worker', 'on', true)")
            rows = await conn.fetch("SELECT status, count(*) AS n FROM due_transitions GROUP BY status")
        return {row["status"]: row["n"] for row in rows}
    finally:
        await conn.close()


async def test_two_replicas_run_200_due_rows_each_exactly_once(due_db) -> None:
    dsn, pool = due_db
    clock = SettableClock(T0)
    ids = await _schedule_many(await pool(), clock, 200, T0 - timedelta(minutes=1))
    first = _worker(await pool(), clock, handlers=_handlers(delay_s=0.002))
    second = _worker(await pool(), clock, handlers=_handlers(delay_s=0.002))

    taken = await asyncio.gather(first.run_pending(), second.run_pending())

    assert sum(taken) == 200 and all(n > 0 for n in taken), taken  # both replicas worked
    effects = await _effects(dsn)
    assert sorted(row["aggregate_id"] for row in effects) == sorted(ids)  # each once, none lost
    assert all(row["scope"] == row["tenant"] for row in effects)  # the handler ran in the row's tenant scope
    assert await _statuses(dsn) == {"done": 200}
    conn = await db.connect(dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM audit_trail") == 200  # the audit entries committed with them
    finally:
        await conn.close()
    assert await first.run_pending() + await second.run_pending() == 0


async def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_nothing(due_db) -> None:
    dsn, pool = due_db
    clock = SettableClock(T0)
    ids = await _schedule_many(await pool(), clock, 60, T0 - timedelta(minutes=1))
    in_handler = asyncio.Event()
    release = asyncio.Event()
    calls = 0

    async def slow(uow, item: due.Due) -> None:
        nonlocal calls
        calls += 1
        await uow.connection.execute("INSERT INTO due_effects (aggregate_id, tenant) VALUES ($1, $2)",
                                     item.aggregate_id, item.tenant)
        if calls == 10:  # the tenth transition: its effect written, not yet committed
            in_handler.set()
            await release.wait()

    doomed = _worker(await pool(), clock, handlers={KIND: slow})
    task = asyncio.create_task(doomed.run_pending())
    await asyncio.wait_for(in_handler.wait(), 10)
    task.cancel()  # the replica dies in the middle of its batch
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(await _effects(dsn)) == 9  # the cut transaction left nothing

    survivor = _worker(await pool(), clock)
    assert await survivor.run_pending() == 51
    assert sorted(row["aggregate_id"] for row in await _effects(dsn)) == sorted(ids)
    assert await _statuses(dsn) == {"done": 60}


async def test_a_dropped_connection_mid_transition_leaves_the_row_to_the_next_replica(due_db) -> None:
    dsn, pool = due_db
    clock = SettableClock(T0)
    [only] = await _schedule_many(await pool(), clock, 1, T0 - timedelta(minutes=1))

    async def cut(uow, item: due.Due) -> None:
        await uow.connection.execute("INSERT INTO due_effects (aggregate_id, tenant) VALUES ($1, $2)",
                                     item.aggregate_id, item.tenant)
        admin = await db.connect(dsn)
        try:
            await admin.execute("SELECT pg_terminate_backend($1)", uow.connection.get_server_pid())
        finally:
            await admin.close()
        await uow.connection.execute("SELECT 1")

    with pytest.raises(Exception):  # noqa: B017 - whichever error asyncpg raises for a killed backend
        await _worker(await pool(), clock, handlers={KIND: cut}).run_one()
    assert await _effects(dsn) == []
    assert await _worker(await pool(), clock).run_pending() == 1
    assert [row["aggregate_id"] for row in await _effects(dsn)] == [only]


async def test_a_row_due_later_waits_for_the_service_clock(due_db) -> None:
    dsn, pool = due_db
    clock = SettableClock(T0)
    [later] = await _schedule_many(await pool(), clock, 1, T0 + timedelta(days=11))
    worker = _worker(await pool(), clock)

    assert await worker.run_pending() == 0
    clock.advance(timedelta(days=11) - timedelta(seconds=1))
    assert await worker.run_pending() == 0
    clock.advance(timedelta(seconds=1))
    assert await worker.run_pending() == 1
    assert [row["aggregate_id"] for row in await _effects(dsn)] == [later]


async def test_the_runtime_loop_wakes_on_its_clock_and_stops_cleanly(due_db) -> None:
    dsn, pool = due_db
    clock = SettableClock(T0)
    await _schedule_many(await pool(), clock, 3, T0 + timedelta(hours=1))
    worker = _worker(await pool(), clock, poll_interval_s=0.05)
    stop = asyncio.Event()
    loop = asyncio.create_task(worker.run(stop))
    await asyncio.sleep(0.2)
    assert await _effects(dsn) == []
    clock.advance(timedelta(hours=2))
    for _ in range(100):
        if len(await _effects(dsn)) == 3:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(loop, 5)
    assert len(await _effects(dsn)) == 3


async def test_a_failing_handler_is_rolled_back_retried_with_back_off_then_marked_failed(due_db, caplog) -> None:
    dsn, pool = due_db
    clock = SettableClock(T0)
    [bad] = await _schedule_many(await pool(), clock, 1, T0)
    worker = _worker(await pool(), clock, handlers=_handlers(fail={"never"}), max_attempts=3,
                     initial_backoff_s=60, max_backoff_s=600)
    worker.handlers = _handlers(fail={bad})
    before = due.DUE_TRANSITIONS.labels("probe", KIND, "failed")._value.get()

    assert await worker.run_pending() == 1  # attempt 1 fails
    assert await worker.run_pending() == 0  # not before its back-off (60 s by the service clock)
    clock.advance(timedelta(seconds=60))
    assert await worker.run_pending() == 1  # attempt 2 fails
    clock.advance(timedelta(seconds=119))
    assert await worker.run_pending() == 0  # back-off doubled: 120 s
    clock.advance(timedelta(seconds=1))
    assert await worker.run_pending() == 1  # attempt 3 fails: given up
    clock.advance(timedelta(days=1))
    assert await worker.run_pending() == 0

    assert await _effects(dsn) == []  # every attempt's writes rolled back
    conn = await db.connect(dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM audit_trail") == 0  # and its audit entries
    finally:
        await conn.close()
    [failed] = await due.failed(await pool(), "probe")
    assert failed["aggregate_id"] == bad and failed["attempts"] == 3
    assert failed["last_error"] == "RuntimeError: le gestionnaire a échoué"
    assert due.DUE_TRANSITIONS.labels("probe", KIND, "failed")._value.get() == before + 1
    assert any("FAILED after 3 attempts" in record.getMessage() for record in caplog.records)

    # Rescheduled (by the use case, once the cause is fixed): re-armed, and run once.
    worker.handlers = _handlers()
    uows = UnitsOfWork(service="probe", clock=clock, repositories=lambda conn: None, pool=await pool())
    async with uows.system(failed["tenant"]) as uow:
        assert await due.schedule(uow, KIND, bad, clock.now())
    assert await worker.run_pending() == 1
    assert len(await _effects(dsn)) == 1


async def test_scheduling_is_idempotent_moves_the_deadline_and_cancels(due_db) -> None:
    dsn, pool = due_db
    clock = SettableClock(T0)
    opened = await pool()
    uows = UnitsOfWork(service="probe", clock=clock, repositories=lambda conn: None, pool=opened)
    aggregate = str(uuid.uuid4())
    async with uows.system(TENANTS[0]) as uow:
        await due.schedule(uow, KIND, aggregate, T0 + timedelta(days=3), payload={"lot": 1})
        await due.schedule(uow, KIND, aggregate, T0 + timedelta(days=1), payload={"lot": 1})  # moved earlier
        await due.schedule(uow, KIND, aggregate, T0 + timedelta(days=5), key="justification:bid-1")
    with pytest.raises(RuntimeError):  # a rolled-back use case schedules nothing
        async with uows.system(TENANTS[0]) as uow:
            await due.schedule(uow, KIND, str(uuid.uuid4()), T0)
            raise RuntimeError("refusé")
    async with uows.system(TENANTS[1]) as uow:  # another tenant cannot see, move or cancel them
        assert not await due.cancel(uow, KIND, aggregate)
    conn = await db.connect(dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM due_transitions") == 0  # unscoped: sees nothing
    finally:
        await conn.close()

    worker = _worker(opened, clock)
    clock.advance(timedelta(days=1))
    assert await worker.run_pending() == 1
    async with uows.system(TENANTS[0]) as uow:
        assert not await due.schedule(uow, KIND, aggregate, T0 + timedelta(days=9))  # done stays done
        assert await due.cancel(uow, KIND, aggregate, key="justification:bid-1")
        assert not await due.cancel(uow, KIND, aggregate)
    clock.advance(timedelta(days=30))
    assert await worker.run_pending() == 0
    assert await _statuses(dsn) == {"done": 1}


async def test_a_replica_only_takes_the_kinds_it_handles(due_db) -> None:
    dsn, pool = due_db
    clock = SettableClock(T0)
    opened = await pool()
    uows = UnitsOfWork(service="probe", clock=clock, repositories=lambda conn: None, pool=opened)
    async with uows.system(TENANTS[0]) as uow:
        await due.schedule(uow, "probe.unknown_yet", "a-1", T0)
    assert await _worker(opened, clock).run_pending() == 0
    assert await _statuses(dsn) == {"pending": 1}


async def test_counts_per_status_for_operators(due_db) -> None:
    dsn, pool = due_db
    clock = SettableClock(T0)
    opened = await pool()
    await _schedule_many(opened, clock, 3, T0 - timedelta(minutes=1))
    await _schedule_many(opened, clock, 2, T0 + timedelta(days=1))
    assert await _worker(opened, clock, handlers=_handlers(fail=set())).run_pending() == 3
    conn = await db.connect(dsn)
    try:
        assert await due.counts(conn, "probe") == {"pending": 2, "done": 3, "failed": 0}
        assert await due.counts(conn, "another") == {"pending": 0, "done": 0, "failed": 0}
    finally:
        await conn.close()
