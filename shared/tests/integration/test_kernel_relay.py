"""The outbox relay on the real broker and database: order, crash safety, leadership, wake-up."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict

import pytest
from aiokafka.partitioner import murmur2

from unefois_kernel.consumer import InboxConsumer
from unefois_kernel.dlq import DeadLetterProducer
from unefois_kernel.outbox import publish
from unefois_kernel.relay import OutboxRelay

from kafka_reading import read_topic

pytestmark = pytest.mark.integration

BUYER = "21000003000010"


async def _enqueue(kernel_db, probe, keys: int, per_key: int, per_transaction: int = 10) -> list:
    payloads = [probe(probe_key=f"k{k}", seq=seq, buyer_siret=BUYER) for seq in range(per_key) for k in range(keys)]
    for start in range(0, len(payloads), per_transaction):
        async with kernel_db.pool.acquire() as conn, conn.transaction():
            await publish(conn, "test", *payloads[start : start + per_transaction])
    return payloads


def _relay(kernel_db, kafka_bootstrap, **overrides) -> OutboxRelay:
    options = dict(dsn=kernel_db.dsn, bootstrap=kafka_bootstrap, batch_size=100, poll_interval_s=0.2)
    options.update(overrides)
    return OutboxRelay(**options)


async def _run_until(relay: OutboxRelay, condition, timeout_s: float = 30.0) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        async with asyncio.timeout(timeout_s):
            while not await condition():
                await asyncio.sleep(0.1)
    finally:
        stop.set()
        await task


async def _pending(kernel_db) -> int:
    async with kernel_db.pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")


async def test_relay_publishes_every_row_once_in_order_per_key(kernel_db, probe_topic, kafka_bootstrap):
    payloads = await _enqueue(kernel_db, probe_topic, keys=10, per_key=30)
    await _run_until(_relay(kernel_db, kafka_bootstrap), lambda: _no_pending(kernel_db))

    records = await read_topic(kafka_bootstrap, probe_topic.topic, expected=len(payloads))
    assert len(records) == len(payloads) == 300
    sequences = defaultdict(list)
    partitions = defaultdict(set)
    for record in records:
        headers = dict(record.headers)
        assert headers["ce_type"].decode() == probe_topic.ce_type
        assert headers["ce_tenant"].decode() == BUYER
        key = record.key.decode()
        partitions[key].add(record.partition)
        sequences[key].append((record.offset, int(record.value.decode().split('"seq":')[1].split(",")[0])))
    for key, seen in sequences.items():
        # Where any producer puts that key (the Java client's hash; the probe topic has 3 partitions).
        assert partitions[key] == {(murmur2(key.encode()) & 0x7FFFFFFF) % 3}, key
        assert [seq for _, seq in sorted(seen)] == list(range(30)), f"{key} out of order"


async def _no_pending(kernel_db) -> bool:
    return await _pending(kernel_db) == 0


class CrashBeforeMarking(OutboxRelay):
    """Dies once after the broker acked a batch but before marking it: the worst moment."""

    crashed = False

    async def _mark_published(self, conn, ids):
        if not self.crashed:
            type(self).crashed = True
            raise RuntimeError("relay killed after the broker's ack")
        await super()._mark_published(conn, ids)


async def test_a_crash_after_ack_resends_and_the_inbox_applies_once(kernel_db, probe_topic, kafka_bootstrap):
    payloads = await _enqueue(kernel_db, probe_topic, keys=5, per_key=20)
    relay = CrashBeforeMarking(
        dsn=kernel_db.dsn, bootstrap=kafka_bootstrap, batch_size=40, poll_interval_s=0.2,
        initial_backoff_s=0.05,
    )
    await _run_until(relay, lambda: _no_pending(kernel_db))
    # The crash hit the first batch's marking while the second was in flight (two batches are
    # pipelined): both went out twice.
    records = await read_topic(kafka_bootstrap, probe_topic.topic, expected=len(payloads) + 80)
    assert len(records) == len(payloads) + 80

    applied = []

    async def apply(conn, incoming):
        applied.append(incoming.envelope.id)

    consumer = InboxConsumer(
        name="ledger", pool=kernel_db.pool, handlers={probe_topic.ce_type: apply}, dlq_producer=DeadLetterProducer(kafka_bootstrap)
    )
    outcome = await consumer.process(sorted(records, key=lambda r: (r.partition, r.offset)))
    assert outcome.applied == len(payloads) == len(set(applied))
    assert outcome.duplicates == 80
    assert not outcome.dead_letters


async def test_one_leader_per_database_and_a_standby_takes_over(kernel_db, probe_topic, kafka_bootstrap):
    first, second = _relay(kernel_db, kafka_bootstrap), _relay(kernel_db, kafka_bootstrap)
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    first_task = asyncio.create_task(first.run(stop_first))
    await _wait(lambda: first.is_leader)
    second_task = asyncio.create_task(second.run(stop_second))
    await asyncio.sleep(1.5)
    assert first.is_leader and not second.is_leader

    stop_first.set()
    await first_task
    await _wait(lambda: second.is_leader, timeout_s=15)
    payloads = await _enqueue(kernel_db, probe_topic, keys=2, per_key=5)
    await _wait_async(lambda: _no_pending(kernel_db))
    stop_second.set()
    await second_task
    assert len(await read_topic(kafka_bootstrap, probe_topic.topic, expected=len(payloads))) == len(payloads)


async def test_notify_wakes_an_idle_relay_long_before_its_poll(kernel_db, probe_topic, kafka_bootstrap):
    # With a 10-minute poll, only the LISTEN/NOTIFY wake-up can publish within the test.
    relay = _relay(kernel_db, kafka_bootstrap, poll_interval_s=600)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    await _wait(lambda: relay.is_leader)
    await asyncio.sleep(0.5)  # the relay is now idle, waiting
    await _enqueue(kernel_db, probe_topic, keys=1, per_key=1)
    try:
        await _wait_async(lambda: _no_pending(kernel_db), timeout_s=20)
    finally:
        stop.set()
        await task


async def test_a_failed_publish_records_the_attempt_and_the_error(kernel_db, kafka_bootstrap):
    async with kernel_db.pool.acquire() as conn:
        await conn.execute(
            """INSERT INTO outbox (event_id, topic, key, event_type, tenant, headers, payload)
               VALUES ($1, 'no.such.topic', 'k', 't', $2, '{}'::jsonb, '{}')""",
            uuid.uuid4(),
            BUYER,
        )
    relay = _relay(kernel_db, kafka_bootstrap, request_timeout_ms=1500, initial_backoff_s=0.1)

    async def attempted():
        async with kernel_db.pool.acquire() as conn:
            return await conn.fetchrow("SELECT attempts, last_error, published_at FROM outbox WHERE attempts > 0")

    await _run_until(relay, attempted)
    row = await attempted()
    assert row["published_at"] is None
    assert row["last_error"]


async def _wait(predicate, timeout_s: float = 10.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not predicate():
            await asyncio.sleep(0.05)


async def _wait_async(predicate, timeout_s: float = 30.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not await predicate():
            await asyncio.sleep(0.05)
