"""Relay throughput: outbox insert to broker ack, against raw aiokafka send() + gather."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

from benchmarks.support import (
    SAMPLE_TRACEPARENT,
    KernelDatabase,
    Throughput,
    fresh_topics,
    kernel_database,
    padded_probe,
    probe_type,
    registered,
    topic_name,
    wait_until,
)
from unefois_deploy.databases import Databases
from unefois_kernel.envelope import wrap
from unefois_kernel.outbox import publish
from unefois_kernel.relay import RELAY_LOCK, OutboxRelay
from unefois_kernel.relay_process import RelayChild, RelaySettings
from unefois_kernel.settings import ServiceSettings

PAYLOAD_BYTES = 300
KEYS = 1000  # aggregates: spread over the 6 partitions like real ids
PER_TRANSACTION = 100
# Writers in flight at once, each on its own connection, as a service's concurrent requests and
# consumers write: one writer alone is bounded by its own round trips and Python, not the relay's.
WRITERS = 2
BATCH = 1000  # the service default (ServiceSettings.relay_batch_size)
DRAIN_TIMEOUT_S = 120.0


@dataclass
class RelayFigures:
    live: Throughput  # the relay in its own process, as services run it (relay_mode "process")
    backlog: Throughput
    in_process: Throughput | None = None  # the relay as an asyncio task beside the inserts (relay_mode "task")
    raw_send_batch: float | None = None  # like-for-like baseline: raw create_batch/send_batch, the relay's own API
    writers: float | None = None  # rows/s the writers inserted while the relay ran (insert→ack cannot exceed it)
    tail_ms: float | None = None  # from the writers' last commit to no row pending


_LEADER = """SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
             AND ((classid::bigint << 32) | objid::bigint) = $1"""


class _ChildRelay:
    """The relay as services run it: a child process (unefois_kernel.relay_process.RelayChild)."""

    def __init__(self, kdb: KernelDatabase, bootstrap: str) -> None:
        self.kdb = kdb
        settings = ServiceSettings(service_name="bench", database_url=kdb.dsn, kafka_bootstrap=bootstrap,
                                   relay_batch_size=BATCH, log_level="WARNING")
        self.child = RelayChild(RelaySettings.of_service(settings))
        self.stop = asyncio.Event()
        self.task: asyncio.Task | None = None

    async def start(self) -> float:
        """Spawn it and wait for its leadership; returns the seconds that took (interpreter start-up)."""
        began = time.perf_counter()
        await self.child.start()
        self.task = asyncio.create_task(self.child.run(self.stop))
        await wait_until(self._leader, timeout_s=30, interval_s=0.005)
        return time.perf_counter() - began

    async def _leader(self) -> bool:
        async with self.kdb.pool.acquire() as conn:
            return await conn.fetchval(_LEADER, RELAY_LOCK) > 0

    async def close(self) -> None:
        self.stop.set()
        if self.task is not None:
            await self.task


async def run(databases: Databases, bootstrap: str, n: int) -> RelayFigures:
    topic = topic_name("relay")
    model = probe_type(topic)
    async with fresh_topics(bootstrap, [topic]), kernel_database(databases, "relay") as kdb:
        with registered(model):
            payloads = [padded_probe(model, seq, keys=KEYS, size=PAYLOAD_BYTES) for seq in range(n)]
            # The baseline brackets the relay's runs (before and after), so that a burst of other
            # work on the machine during one of them shows up as a gap between the two.
            baselines = [await _raw_producer_rate(bootstrap, payloads)]
            batch_baselines = [await _raw_batch_rate(bootstrap, payloads)]
            live_run = await _live_rate(kdb, bootstrap, payloads)
            task_rate, task_notes = await _in_process_rate(kdb, bootstrap, payloads)
            backlog_rate, backlog_notes = await _backlog_rate(kdb, bootstrap, payloads)
            baselines.append(await _raw_producer_rate(bootstrap, payloads))
            batch_baselines.append(await _raw_batch_rate(bootstrap, payloads))
    baseline = max(baselines)
    batch_baseline = max(batch_baselines)
    notes = [
        f"{n:,} × {PAYLOAD_BYTES} B JSON, 9 headers (ce_* + traceparent), {KEYS} keys, 6 partitions",
        f"inserts: kernel outbox.publish, {PER_TRANSACTION} per transaction, from this process; the relay in its own "
        f"process as services run it (relay_process.RelayChild, batches of {BATCH}); timed from the first insert "
        "to no row pending",
        "baseline: AIOKafkaProducer(enable_idempotence=True, acks='all', linger_ms=2, max_batch_size=512 KiB — the "
        f"relay's own producer settings) send() × N + gather; best of {', '.join(f'{r:,.0f}' for r in baselines)} msg/s "
        "(measured before and after the relay)",
        "the relay sends with create_batch/send_batch (unefois_kernel.relay_batches), cheaper per record than send(): "
        f"the same producer filling one batch per partition raw does {batch_baseline:,.0f} msg/s (best of "
        f"{', '.join(f'{r:,.0f}' for r in batch_baselines)}), the stricter like-for-like baseline; the issue's target "
        "is judged against send()",
    ]
    live = Throughput("relay: insert → broker ack", live_run.rate, baseline, "msg/s", n, "≥ 0.5× raw", None,
                      notes + live_run.notes)
    in_process = Throughput("relay as a task of the inserting process: insert → broker ack", task_rate, baseline,
                            "msg/s", n, "(contrast: relay_mode task)", None, task_notes)
    backlog = Throughput(
        "relay: drain a pre-filled backlog", backlog_rate, baseline, "msg/s", n, "≥ 0.5× raw", None, backlog_notes
    )
    for figure in (live, backlog):
        figure.target_met = None if figure.ratio is None else figure.ratio >= 0.5
    return RelayFigures(live, backlog, in_process, batch_baseline, live_run.write_rate, live_run.tail_ms)


def _raw_producer(bootstrap: str) -> AIOKafkaProducer:
    # The relay's producer settings (unefois_kernel.relay.new_producer), so the ratio shows what
    # the outbox (database round trips, per-row Python) costs, not a producer tuning difference.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=2, max_batch_size=512 * 1024
    )


async def _raw_producer_rate(bootstrap: str, payloads) -> float:
    messages = []
    for payload in payloads:
        event = wrap(payload, source="bench")
        headers = event.envelope.kafka_headers() + [("traceparent", SAMPLE_TRACEPARENT.encode())]
        messages.append((event.topic, event.value, event.key.encode(), headers))
    producer = _raw_producer(bootstrap)
    await producer.start()
    try:
        # Warm-up: metadata for the topic, connection, producer id.
        await producer.send_and_wait(messages[0][0], messages[0][1], key=messages[0][2], headers=messages[0][3])
        began = time.perf_counter()
        pending = [await producer.send(topic, value, key=key, headers=headers) for topic, value, key, headers in messages]
        await asyncio.gather(*pending)
        return len(messages) / (time.perf_counter() - began)
    finally:
        await producer.stop()


async def _raw_batch_rate(bootstrap: str, payloads) -> float:
    """The producer's batch API with no database: DefaultPartitioner per record, one open batch per
    partition, a full one submitted at once, each batch closed before it goes."""
    messages = [(event.value, event.key.encode(), event.envelope.kafka_headers()
                 + [("traceparent", SAMPLE_TRACEPARENT.encode())])
                for event in (wrap(payload, source="bench") for payload in payloads)]
    topic = payloads[0].topic
    partitioner = DefaultPartitioner()
    producer = _raw_producer(bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, messages[0][0], key=messages[0][1], headers=messages[0][2])
        began = time.perf_counter()
        partitions = sorted(await producer.partitions_for(topic))
        pending = []
        for start in range(0, len(messages), BATCH):
            batches = {}
            for value, key, headers in messages[start : start + BATCH]:
                partition = partitioner(key, partitions, partitions)
                batch = batches.get(partition)
                if batch is None:
                    batch = batches[partition] = producer.create_batch()
                if batch.append(key=key, value=value, timestamp=None, headers=headers) is None:
                    pending.append(await producer.send_batch(batch, topic, partition=partition))
                    batch = batches[partition] = producer.create_batch()
                    batch.append(key=key, value=value, timestamp=None, headers=headers)
            for partition, batch in batches.items():
                batch.close()
                pending.append(await producer.send_batch(batch, topic, partition=partition))
        await asyncio.gather(*pending)
        return len(messages) / (time.perf_counter() - began)
    finally:
        await producer.stop()


def _relay(kdb: KernelDatabase, bootstrap: str) -> OutboxRelay:
    # The service defaults (unefois_kernel.settings): batches of 1000, 0.5 s poll, NOTIFY wake-up.
    return OutboxRelay(dsn=kdb.dsn, bootstrap=bootstrap, batch_size=BATCH, poll_interval_s=0.5)


async def _pending(kdb: KernelDatabase) -> int:
    async with kdb.pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")


async def _insert_all(kdb: KernelDatabase, payloads) -> None:
    transactions = [payloads[start : start + PER_TRANSACTION] for start in range(0, len(payloads), PER_TRANSACTION)]
    await asyncio.gather(*(_write(kdb, transactions[writer::WRITERS]) for writer in range(WRITERS)))


async def _write(kdb: KernelDatabase, transactions) -> None:
    async with kdb.pool.acquire() as conn:
        for payloads in transactions:
            async with conn.transaction():
                await publish(conn, "bench", *payloads)


async def _start_relay(relay: OutboxRelay, stop: asyncio.Event) -> asyncio.Task:
    task = asyncio.create_task(relay.run(stop))
    await wait_until(lambda: _true(relay.is_leader and relay._producer is not None), timeout_s=30)
    return task


async def _true(value: bool) -> bool:
    return value


async def _none_pending(kdb: KernelDatabase) -> bool:
    return await _pending(kdb) == 0


@dataclass
class _TimedRun:
    rate: float | None  # first insert to no row pending
    notes: list[str]
    write_rate: float  # the writers' own rate while the relay ran
    tail_ms: float | None  # the writers' end to no row pending: how far behind the relay was


async def _timed_inserts(kdb: KernelDatabase, payloads) -> _TimedRun:
    """Insert everything, then wait for no row pending: the rate from the first insert to the last ack."""
    began = time.perf_counter()
    await _insert_all(kdb, payloads)
    inserted = time.perf_counter()
    backlog_at_end = await _pending(kdb)
    drained = await wait_until(lambda: _none_pending(kdb), timeout_s=DRAIN_TIMEOUT_S, interval_s=0.005)
    ended = time.perf_counter()
    insert_rate = len(payloads) / (inserted - began)
    notes = [
        f"insert phase {inserted - began:.2f} s ({insert_rate:,.0f} rows/s while the relay ran), "
        f"{backlog_at_end:,} rows still pending when it ended; drained {ended - inserted:.2f} s later",
    ]
    if not drained:
        return _TimedRun(None, notes + [f"NOT DRAINED within {DRAIN_TIMEOUT_S:.0f} s"], insert_rate, None)
    return _TimedRun(len(payloads) / (ended - began), notes, insert_rate, (ended - inserted) * 1000)


async def _live_rate(kdb: KernelDatabase, bootstrap: str, payloads) -> _TimedRun:
    relay = _ChildRelay(kdb, bootstrap)
    try:
        startup = await relay.start()
        await asyncio.sleep(0.5)  # the producer has connected; the relay idles on LISTEN
        timed = await _timed_inserts(kdb, payloads)
    finally:
        await relay.close()
    timed.notes.insert(0, f"relay process: leader {startup:.2f} s after its spawn (excluded)")
    return timed


async def _in_process_rate(kdb: KernelDatabase, bootstrap: str, payloads) -> tuple[float | None, list[str]]:
    # Same payload objects, new envelopes: the relay as an asyncio task on the inserting loop.
    relay = _relay(kdb, bootstrap)
    stop = asyncio.Event()
    task = await _start_relay(relay, stop)
    await asyncio.sleep(0.5)
    try:
        timed = await _timed_inserts(kdb, payloads)
    finally:
        stop.set()
        await task
    return timed.rate, ["the kernel's OutboxRelay as a task of this process (relay_mode task), sharing its loop and "
                        "core with the inserts", *timed.notes]


async def _backlog_rate(kdb: KernelDatabase, bootstrap: str, payloads) -> tuple[float | None, list[str]]:
    # Same payload objects, new envelopes (new event ids): a second, fully pre-filled outbox.
    began_fill = time.perf_counter()
    await _insert_all(kdb, payloads)
    fill_s = time.perf_counter() - began_fill
    relay = _ChildRelay(kdb, bootstrap)
    try:
        startup = await relay.start()
        first = time.perf_counter()
        drained = await wait_until(lambda: _none_pending(kdb), timeout_s=DRAIN_TIMEOUT_S, interval_s=0.005)
        ended = time.perf_counter()
    finally:
        await relay.close()
    notes = [
        f"{len(payloads):,} rows written first with no relay ({fill_s:.2f} s, {len(payloads) / fill_s:,.0f} rows/s); "
        f"the relay process timed from its leadership ({startup:.2f} s of spawn excluded; its producer's start-up "
        "and first fetch included)",
    ]
    if not drained:
        return None, notes + [f"NOT DRAINED within {DRAIN_TIMEOUT_S:.0f} s"]
    return len(payloads) / (ended - first), notes
