"""The due worker inside a service runtime: started by ServiceRuntime.start() from the
definition's due_handlers, driven by the runtime's (settable) clock, stopped by stop()."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from unefois_kernel import db, due
from unefois_kernel.app import ServiceDefinition, ServiceRuntime
from unefois_kernel.clock import SettableClock
from unefois_kernel.settings import ServiceSettings

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BUYER = "21350238800019"


async def test_the_runtime_runs_its_due_transitions_on_its_clock_and_stops_its_worker(
        scratch_database, kafka_bootstrap, monkeypatch) -> None:
    monkeypatch.setenv("UNEFOIS_OPENDATA_MAIL_ENABLED", "false")
    dsn = await scratch_database()
    ran: list[str] = []

    def handlers(uows):
        async def standstill_over(uow, item: due.Due) -> None:
            assert uow.actor == "system:opendata" and uow.tenant == BUYER
            ran.append(item.aggregate_id)

        return {"award.standstill_over": standstill_over}

    clock = SettableClock(T0)
    definition = ServiceDefinition(name="opendata", package="unefois_opendata", title="t", due_handlers=handlers)
    runtime = ServiceRuntime(definition, ServiceSettings(service_name="opendata", database_url=dsn,
                                                         kafka_bootstrap=kafka_bootstrap), clock)
    await runtime.start()
    try:
        assert runtime.due_worker is not None and runtime.due_worker.clock is clock
        async with runtime.uow.system(BUYER) as uow:
            await due.schedule(uow, "award.standstill_over", "lot-1", T0 + timedelta(days=11))
        runtime.due_worker.wake()
        await asyncio.sleep(0.3)
        assert ran == []  # not before the service's clock reaches it
        clock.advance(timedelta(days=11))
        runtime.due_worker.wake()
        for _ in range(50):
            if ran:
                break
            await asyncio.sleep(0.1)
        assert ran == ["lot-1"]
    finally:
        await runtime.stop()
    assert runtime._due_task.done()
    conn = await db.connect(dsn)
    try:
        assert await due.counts(conn, "opendata") == {"pending": 0, "done": 1, "failed": 0}
    finally:
        await conn.close()
