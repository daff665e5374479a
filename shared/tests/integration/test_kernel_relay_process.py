"""The outbox relay in its own process (relay_mode "process", the default): started by the
service runtime, leader of its database, restarted after it is killed with nothing lost, and
stopped with the service (no orphan)."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest
from prometheus_client import REGISTRY

from unefois_kernel import db, relay_process
from unefois_kernel.app import ServiceDefinition, ServiceRuntime
from unefois_kernel.outbox import publish
from unefois_kernel.relay import RELAY_LOCK
from unefois_kernel.settings import ServiceSettings
from unefois_kernel.testing import contract_notified

pytestmark = pytest.mark.integration

_LEADER = """SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
             AND ((classid::bigint << 32) | objid::bigint) = $1"""


async def _eventually(check, timeout_s: float = 30.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        found = await check()
        if found:
            return found
        assert loop.time() < deadline, "not within the time allowed"
        await asyncio.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _opendata_runtime(dsn: str, kafka_bootstrap: str, monkeypatch) -> ServiceRuntime:
    monkeypatch.setenv("UNEFOIS_OPENDATA_MAIL_ENABLED", "false")
    definition = ServiceDefinition(name="opendata", package="unefois_opendata", title="t")
    return ServiceRuntime(definition, ServiceSettings(service_name="opendata", database_url=dsn,
                                                      kafka_bootstrap=kafka_bootstrap), None)


async def test_the_service_runs_its_relay_in_a_child_restarts_it_and_stops_it(
        scratch_database, kafka_bootstrap, monkeypatch) -> None:
    dsn = await scratch_database()
    runtime = _opendata_runtime(dsn, kafka_bootstrap, monkeypatch)
    assert runtime.settings.relay_mode == "process"
    conn = await db.connect(dsn)

    async def published(event_id) -> bool:
        return await conn.fetchval("SELECT published_at IS NOT NULL FROM outbox WHERE event_id = $1", event_id)

    async def write_one(number: str):
        async with conn.transaction():
            [event] = await publish(conn, "opendata", contract_notified(number=number))
        return event.envelope.id

    await runtime.start()
    try:
        child = runtime.relay_child
        assert runtime.relay is None and child is not None
        first_pid = child.process.pid
        # The child, not this process, holds the relay's leadership lock for the database.
        assert await _eventually(lambda: conn.fetchval(_LEADER, RELAY_LOCK))
        first = await write_one("RP0001")
        await _eventually(lambda: published(first))
        assert runtime.relay_state() == "process"

        os.kill(first_pid, signal.SIGKILL)
        await _eventually(lambda: _true(child.restarts == 1 and child.running and child.process.pid != first_pid))
        second = await write_one("RP0002")  # written after the kill: the new child publishes it
        await _eventually(lambda: published(second))
        last_pid = child.process.pid
    finally:
        await runtime.stop()
        await conn.close()
    assert not _alive(first_pid) and not _alive(last_pid)
    assert child.process.returncode is not None


async def _true(value: bool) -> bool:
    return value


def _published_here(topic: str) -> float:
    """The service process's own counter (what its /metrics shows), not the child's."""
    return REGISTRY.get_sample_value("unefois_outbox_published_total", {"topic": topic}) or 0.0


async def test_the_childs_publish_counts_reach_the_services_metrics_across_a_restart(
        scratch_database, kafka_bootstrap, monkeypatch) -> None:
    dsn = await scratch_database()
    runtime = _opendata_runtime(dsn, kafka_bootstrap, monkeypatch)
    conn = await db.connect(dsn)

    async def write(count: int, prefix: str) -> None:
        async with conn.transaction():
            await publish(conn, "opendata", *(contract_notified(number=f"{prefix}{i:04d}") for i in range(count)))

    topic = contract_notified(number="RC0000").topic
    before = _published_here(topic)  # this process publishes nothing itself: only the child counts
    await runtime.start()
    try:
        child = runtime.relay_child
        await write(3, "RC")
        await _eventually(lambda: _true(_published_here(topic) == before + 3))
        first_pid = child.process.pid
        os.kill(first_pid, signal.SIGKILL)
        await _eventually(lambda: _true(child.restarts == 1 and child.running))
        await write(2, "RD")
        await _eventually(lambda: _true(_published_here(topic) == before + 5))  # the new child counts from zero
        await asyncio.sleep(0.6)  # a few report intervals: nothing is counted twice
        assert _published_here(topic) == before + 5
    finally:
        await runtime.stop()
        await conn.close()


def test_a_childs_report_adds_only_what_grew() -> None:
    topic = "probe.counters"
    before = _published_here(topic)
    relay_process.add_counter_growth({}, {"published": {topic: 4}, "failures": 0, "retries": 0})
    relay_process.add_counter_growth({"published": {topic: 4}}, {"published": {topic: 6}, "failures": 0, "retries": 0})
    relay_process.add_counter_growth({"published": {topic: 6}}, {"published": {topic: 6}, "failures": 0, "retries": 0})
    assert _published_here(topic) == before + 6


async def test_the_child_stops_when_its_parent_is_gone(monkeypatch) -> None:
    stop = asyncio.Event()
    monkeypatch.setattr(relay_process, "PARENT_CHECK_S", 0.01)
    parents = iter([4242, 4242, 1])  # re-parented to init: the service died
    monkeypatch.setattr(relay_process.os, "getppid", lambda: next(parents, 1))
    await asyncio.wait_for(relay_process._watch_parent(4242, stop), timeout=5)
    assert stop.is_set()


def test_the_child_refuses_to_start_without_its_settings(monkeypatch, capsys) -> None:
    monkeypatch.delenv(relay_process.SETTINGS_VARIABLE, raising=False)
    assert relay_process.main() == 2
    assert "started by the service runtime" in capsys.readouterr().err
