"""Inbox consumer throughput: the kernel's InboxConsumer on FastStream against raw aiokafka getmany + commit.

Two measured figures on the same records: a batch handler (the target: one INSERT per run of
events, the way a service whose events commute writes its state) and a plain per-event
handler (one INSERT per event, what a handler that must see events one by one costs)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker

from benchmarks.support import (
    SAMPLE_TRACEPARENT,
    KernelDatabase,
    Throughput,
    contract_type,
    fresh_topics,
    kernel_database,
    registered,
    topic_name,
    wait_until,
)
from unefois_deploy.databases import Databases
from unefois_kernel.consumer import BatchOutcome, EventHandler, InboxConsumer, batch_handler, subscribe
from unefois_kernel.dlq import DeadLetterProducer
from unefois_kernel.envelope import wrap
from unefois_kernel.testing import contract_notified
from unefois_events.topics import dlq_of

MAX_RECORDS = 500
CONSUME_TIMEOUT_S = 120.0
TARGET_PER_S = 5000

_APPLIED_TABLE = """CREATE TABLE bench_applied (
    event_id uuid PRIMARY KEY, contract_id uuid NOT NULL, contract_number text NOT NULL, amount numeric(15, 2) NOT NULL)"""


class _TimedInbox(InboxConsumer):
    """The kernel's consumer, unchanged, noting when the first batch reached it."""

    first_batch_at: float | None = None
    batches = 0

    async def process(self, records: Sequence[ConsumerRecord]) -> BatchOutcome:
        if self.first_batch_at is None:
            self.first_batch_at = time.perf_counter()
        self.batches += 1
        return await super().process(records)


async def _apply_one(conn, incoming) -> None:
    # Per-event handler: one INSERT per event in the batch's transaction.
    contract = incoming.payload
    await conn.execute(
        "INSERT INTO bench_applied (event_id, contract_id, contract_number, amount) VALUES ($1, $2, $3, $4)",
        incoming.envelope.id,
        contract.contract_id,
        contract.contract_number,
        contract.amount,
    )


@batch_handler
async def _apply_run(conn, events) -> None:
    # Batch handler: the run's rows in one INSERT … SELECT FROM unnest(arrays), one round trip.
    await conn.execute(
        """INSERT INTO bench_applied (event_id, contract_id, contract_number, amount)
           SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::numeric[])""",
        [incoming.envelope.id for incoming in events],
        [incoming.payload.contract_id for incoming in events],
        [incoming.payload.contract_number for incoming in events],
        [incoming.payload.amount for incoming in events],
    )


@dataclass
class InboxFigures:
    batched: Throughput  # the target's figure
    per_event: Throughput


async def run(databases: Databases, bootstrap: str, n: int) -> InboxFigures:
    topic = topic_name("inbox")
    model = contract_type(topic)
    async with fresh_topics(bootstrap, [topic, dlq_of(topic)]), kernel_database(databases, "inbox", _APPLIED_TABLE) as kdb:
        with registered(model):
            value_bytes = await _produce(bootstrap, model, n)
            # Raw reads before and after the measured ones (each in its own group): best of the two.
            first = await _raw_rate(bootstrap, topic, n)
            batched, batched_notes = await _inbox_rate(kdb, bootstrap, topic, model.ce_type, n, _apply_run)
            per_event, per_event_notes = await _inbox_rate(kdb, bootstrap, topic, model.ce_type, n, _apply_one)
            second = await _raw_rate(bootstrap, topic, n)
    rates = [rate for rate, _ in (first, second) if rate is not None]
    baseline = max(rates) if rates else None
    common = [
        f"{n:,} ContractNotified payloads (~{value_bytes:,} B JSON), kernel envelope, 6 partitions, "
        f"batches of ≤ {MAX_RECORDS}",
        "timed from the first batch to committed offsets = N; each measured consumer in a group of its own",
        f"baseline: AIOKafkaConsumer getmany(max_records={MAX_RECORDS}) + commit() per batch; "
        "timed from the first batch to the last commit",
        f"baseline: best of {', '.join(f'{rate:,.0f}' for rate in rates)} events/s (measured before and after "
        "both measured consumers, each in a group of its own)",
        *first[1], *second[1],
    ]
    return InboxFigures(
        Throughput(
            "inbox consumer, batch handler: batch → DB commit → offset commit",
            batched,
            baseline,
            "events/s",
            n,
            f"≥ {TARGET_PER_S:,}/s per process",
            None if batched is None else batched >= TARGET_PER_S,
            [
                "measured: kernel subscribe() on a FastStream KafkaBroker, InboxConsumer, a @batch_handler "
                "writing each run's rows with one INSERT … unnest",
                *common,
                *batched_notes,
            ],
        ),
        Throughput(
            "inbox consumer, per-event handler: batch → DB commit → offset commit",
            per_event,
            baseline,
            "events/s",
            n,
            "none (the per-event path, for comparison)",
            None,
            [
                "measured: the same consumer with a plain handler, one INSERT per event",
                *common,
                *per_event_notes,
            ],
        ),
    )


async def _produce(bootstrap: str, model, n: int) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=5)
    await producer.start()
    try:
        pending = []
        size = 0
        for seq in range(n):
            payload = model(**contract_notified(number=f"B{seq:07d}").model_dump())
            event = wrap(payload, source="bench")
            size = len(event.value)
            headers = event.envelope.kafka_headers() + [("traceparent", SAMPLE_TRACEPARENT.encode())]
            pending.append(await producer.send(event.topic, event.value, key=event.key.encode(), headers=headers))
        await asyncio.gather(*pending)
        return size
    finally:
        await producer.stop()


async def _raw_rate(bootstrap: str, topic: str, n: int) -> tuple[float | None, list[str]]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-raw-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        read = batches = 0
        first = None
        deadline = time.monotonic() + CONSUME_TIMEOUT_S
        while read < n and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200, max_records=MAX_RECORDS)
            if not batch:
                continue
            if first is None:
                first = time.perf_counter()
            read += sum(len(records) for records in batch.values())
            await consumer.commit()
            batches += 1
        ended = time.perf_counter()
    finally:
        await consumer.stop()
    if read < n or first is None:
        return None, [f"baseline read only {read:,}/{n:,} within {CONSUME_TIMEOUT_S:.0f} s"]
    return n / (ended - first), []


async def _committed(admin: AIOKafkaAdminClient, group: str) -> int:
    offsets = await admin.list_consumer_group_offsets(group)
    return sum(max(meta.offset, 0) for meta in offsets.values())


async def _inbox_rate(
    kdb: KernelDatabase, bootstrap: str, topic: str, ce_type: str, n: int, handler: EventHandler
) -> tuple[float | None, list[str]]:
    # A logger without handlers below WARNING: FastStream's per-batch INFO lines are not printed.
    broker = KafkaBroker(bootstrap, logger=logging.getLogger("benchmarks.faststream"))
    dlq = DeadLetterProducer(bootstrap)
    consumer = _TimedInbox(name=f"bench-inbox-{uuid.uuid4().hex[:8]}", pool=kdb.pool, handlers={ce_type: handler}, dlq_producer=dlq)
    subscribe(broker, consumer, [topic], max_records=MAX_RECORDS)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        started = time.perf_counter()
        await broker.start()
        done = await wait_until(lambda: _reached(admin, consumer.name, n), timeout_s=CONSUME_TIMEOUT_S, interval_s=0.02)
        ended = time.perf_counter()
    finally:
        await broker.stop()
        await dlq.stop()
        await admin.close()
    async with kdb.pool.acquire() as conn:
        applied = await conn.fetchval("SELECT count(*) FROM bench_applied")
        await conn.execute("TRUNCATE bench_applied")  # the next measured consumer writes the same rows
    first = consumer.first_batch_at or started
    notes = [
        f"measured: {consumer.batches} batches, {applied:,} rows applied; group join {first - started:.2f} s excluded; "
        "committed offsets polled every 20 ms"
    ]
    if not done:
        return None, notes + [f"committed offsets did not reach {n:,} within {CONSUME_TIMEOUT_S:.0f} s"]
    return n / (ended - first), notes


async def _reached(admin: AIOKafkaAdminClient, group: str, n: int) -> bool:
    return await _committed(admin, group) >= n
