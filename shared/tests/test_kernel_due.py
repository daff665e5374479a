"""Due transitions without a database: what a use case's FakeUnitOfWork records, the checks
on what is scheduled, the back-off, and the runtime wiring from a ServiceDefinition."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from unefois_kernel import due
from unefois_kernel.app import ServiceDefinition
from unefois_kernel.clock import SettableClock
from unefois_kernel.uow import FakeUnitOfWork

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_a_fake_unit_of_work_records_what_would_be_scheduled_and_cancelled() -> None:
    uow = FakeUnitOfWork(repos=None, clock=SettableClock(T0))
    async with uow:
        assert await due.schedule(uow, "consultation.deadline_reached", "c-1", T0 + timedelta(days=35),
                                  payload={"lot": 2}, key="lot-2")
        assert await due.cancel(uow, "consultation.standstill_over", "c-1")
    [scheduled] = uow.due_scheduled
    assert scheduled == due.Due(kind="consultation.deadline_reached", aggregate_id="c-1", tenant=uow.tenant,
                                due_at=T0 + timedelta(days=35), payload={"lot": 2}, key="lot-2")
    assert uow.due_cancelled == [("consultation.standstill_over", "c-1", "")]


@pytest.mark.parametrize(("kind", "aggregate_id", "due_at", "tenant"), [
    ("Consultation Deadline", "c-1", T0, "21350238800019"),      # not a dotted lowercase kind
    ("consultation.deadline_reached", "", T0, "21350238800019"),  # no aggregate
    ("consultation.deadline_reached", "c-1", T0.replace(tzinfo=None), "21350238800019"),  # naive instant
    ("consultation.deadline_reached", "c-1", T0, None),           # no tenant at all
])
async def test_what_cannot_be_scheduled(kind, aggregate_id, due_at, tenant) -> None:
    uow = FakeUnitOfWork(repos=None, tenant=tenant)
    with pytest.raises(ValueError):
        await due.schedule(uow, kind, aggregate_id, due_at)


def test_the_back_off_doubles_up_to_its_cap() -> None:
    delays = [due.retry_delay(n, initial_s=5, max_s=30).total_seconds() for n in range(1, 6)]
    assert delays == [5, 10, 20, 30, 30]


def test_a_worker_refuses_a_badly_named_kind() -> None:
    with pytest.raises(ValueError):
        due.DueWorker(service="probe", pool=None, uows=None, handlers={"Bad Kind": None}, clock=SettableClock(T0))


class _Runtime:
    def __init__(self, definition: ServiceDefinition) -> None:
        self.definition = definition
        self.pool = None
        self.uow = object()
        self.clock = SettableClock(T0)
        self.due_worker = None


async def test_the_runtime_starts_a_worker_only_for_a_service_with_due_handlers() -> None:
    stop = asyncio.Event()
    stop.set()  # the loop ends at once: only the wiring is looked at here
    plain = _Runtime(ServiceDefinition(name="probe", package="unefois_kernel", title="Probe"))
    assert due.start_due_worker(plain, stop) is None

    async def reached(uow, item) -> None: ...

    seen = []

    def handlers(uows):
        seen.append(uows)
        return {"probe.deadline_reached": reached}

    runtime = _Runtime(ServiceDefinition(name="probe", package="unefois_kernel", title="Probe",
                                         due_handlers=handlers))
    task = due.start_due_worker(runtime, stop)
    await asyncio.wait_for(task, 2)
    assert seen == [runtime.uow]  # the factory is given the service's units of work
    assert runtime.due_worker.handlers == {"probe.deadline_reached": reached}
    assert runtime.due_worker.clock is runtime.clock  # the service's clock, never the wall clock


async def test_the_fake_runner_runs_what_committed_use_cases_scheduled_by_the_fake_clock() -> None:
    from unefois_kernel.uow import FakeUnitsOfWork

    clock = SettableClock(T0)
    uows = FakeUnitsOfWork(repos=None, clock=clock, service="tendering")
    seen: list[tuple[str, str, str | None]] = []

    async def deadline_reached(uow, item: due.Due) -> None:
        seen.append((item.kind, item.aggregate_id, uow.tenant))
        # A transition may schedule the next one (the standstill after the letters, say).
        await due.schedule(uow, "consultation.standstill_over", item.aggregate_id, uow.clock.now() + timedelta(days=11))

    async def standstill_over(uow, item: due.Due) -> None:
        seen.append((item.kind, item.aggregate_id, uow.tenant))

    runner = due.FakeDueRunner(uows, {"consultation.deadline_reached": deadline_reached,
                                      "consultation.standstill_over": standstill_over})
    async with uows.system("21350238800019") as uow:
        await due.schedule(uow, "consultation.deadline_reached", "c-1", T0 + timedelta(days=3))
        await due.schedule(uow, "consultation.deadline_reached", "c-1", T0 + timedelta(days=2))  # moved
        await due.schedule(uow, "consultation.deadline_reached", "c-2", T0 + timedelta(days=2))
    with pytest.raises(RuntimeError):
        async with uows.system("21350238800019") as uow:
            await due.schedule(uow, "consultation.deadline_reached", "c-3", T0)
            raise RuntimeError("refusé")
    async with uows.system("21350238800019") as uow:
        await due.cancel(uow, "consultation.deadline_reached", "c-2")

    assert await runner.run_due() == []
    clock.advance(timedelta(days=2))
    assert [d.aggregate_id for d in await runner.run_due()] == ["c-1"]
    assert await runner.run_due() == []  # once
    clock.advance(timedelta(days=11))
    assert [d.kind for d in await runner.run_due()] == ["consultation.standstill_over"]
    assert seen == [("consultation.deadline_reached", "c-1", "21350238800019"),
                    ("consultation.standstill_over", "c-1", "21350238800019")]
