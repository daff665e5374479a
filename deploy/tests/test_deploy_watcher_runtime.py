"""Against the test runtime: the watcher daemon `up` starts brings a SIGKILLed service back
by itself (the finding: tendering stayed down until `up` ran again), and `status` shows
readiness, the watcher's restarts and the dead-letter counts."""

import asyncio
import io
import json
import os
import signal

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from rich.console import Console
from unefois_deploy.services import ServiceSupervisor
from unefois_deploy.status import DLQ_TOPICS, dead_letter_counts, status_tables
from unefois_deploy.watcher import events_file, is_watching, start_watcher, stop_watcher

pytestmark = pytest.mark.integration


def _events(profile) -> list[dict]:
    return [json.loads(line) for line in events_file(profile).read_text().splitlines()]


async def _ready_pid(supervisor: ServiceSupervisor, stage: str) -> int | None:
    pid = supervisor.pid(stage)
    if pid is None:
        return None
    try:
        async with httpx.AsyncClient() as client:
            ok = (await client.get(supervisor.url(stage) + "/readyz", timeout=2)).status_code == 200
    except httpx.HTTPError:
        return None
    return pid if ok else None


async def test_a_sigkilled_service_comes_back_by_itself_under_the_watcher(runtime, platform):
    profile = runtime.profile
    supervisor = ServiceSupervisor(profile)
    before = supervisor.pid("tendering")
    assert before is not None
    assert start_watcher(profile, ["tendering"], ["--initial-delay", "0.5"])
    try:
        async with asyncio.timeout(10):
            while not events_file(profile).exists() or '"watching"' not in events_file(profile).read_text():
                await asyncio.sleep(0.1)
        os.kill(before, signal.SIGKILL)  # as `kill -9` did in the probe: no `up`, no test restart
        async with asyncio.timeout(60):
            while (pid := await _ready_pid(supervisor, "tendering")) in (None, before):
                await asyncio.sleep(0.2)
        assert pid != before
        events = _events(profile)
        crashed = [e for e in events if e["event"] == "crashed" and e.get("pid") == before]
        restarted = [e for e in events if e["event"] == "restarted" and e.get("pid") == pid]
        assert crashed and crashed[0]["service"] == "tendering" and crashed[0]["restart_in_s"] == 0.5
        assert restarted and restarted[0]["restarts"] >= 1
        async with asyncio.timeout(10):  # the watcher's own check of the restarted process
            while not any(e["event"] == "serving" and e.get("pid") == pid for e in _events(profile)):
                await asyncio.sleep(0.2)
        serving = next(e for e in _events(profile) if e["event"] == "serving" and e.get("pid") == pid)
        print(f"\ntendering: SIGKILL to serving again in {serving['after_s'] + 0.5:.2f} s "
              f"(0.5 s back-off, then {serving['after_s']:.2f} s to start)")

        console = Console(width=80, record=True, color_system=None, file=io.StringIO())
        console.print(await status_tables(profile))
        text = console.export_text()
        assert max(len(line) for line in text.splitlines()) <= 80
        row = next(line for line in text.splitlines() if "tendering" in line and str(pid) in line)
        assert "ready" in row and "1" in row.split("│")[4]
        assert "watcher" in text and "running" in next(line for line in text.splitlines() if "watcher" in line)
    finally:
        assert stop_watcher(profile)
    assert not is_watching(profile)


async def test_status_shows_readiness_and_the_dead_letter_counts(runtime, platform):
    profile = runtime.profile
    before = await dead_letter_counts(profile.kafka_bootstrap)
    assert before is not None and set(before) == set(DLQ_TOPICS)
    producer = AIOKafkaProducer(bootstrap_servers=profile.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait("invoicing.invoice.dlq", b"{}", headers=[("dlq_reason", b"status test")])
    finally:
        await producer.stop()
    after = await dead_letter_counts(profile.kafka_bootstrap)
    assert after["invoicing.invoice.dlq"] == before["invoicing.invoice.dlq"] + 1

    console = Console(width=80, record=True, color_system=None, file=io.StringIO())
    console.print(await status_tables(profile))
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 80
    for stage in platform.stages:
        row = next(line for line in lines if f"│ {stage} " in line)
        assert "running" in row and "ready" in row and "not ready" not in row, row
    identity = next(line for line in lines if "│ identity " in line)
    assert "ready" in identity
    for topic in DLQ_TOPICS:
        row = next(line for line in lines if f"│ {topic} " in line)
        assert row.split("│")[2].strip() == str(after[topic])
