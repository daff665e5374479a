"""The relay takes a row committed while the previous batch waits for its acks at once (its
NOTIFY, the second connection), not after those acks; and it still marks both batches."""

from __future__ import annotations

import asyncio

import pytest

from unefois_kernel import relay as relay_module
from unefois_kernel.outbox import publish
from unefois_kernel.relay import OutboxRelay

pytestmark = pytest.mark.integration

BUYER = "21000003000010"


class _RecordBatch:
    def __init__(self) -> None:
        self.keys: list[bytes] = []

    def append(self, *, key, value, timestamp, headers):
        self.keys.append(key)
        return object()

    def close(self) -> None:
        pass


class _HeldProducer:
    """Stands for AIOKafkaProducer: each record batch's ack resolves only when the test releases it."""

    def __init__(self) -> None:
        self.acks: list[asyncio.Future] = []
        self.keys: list[bytes] = []
        self.sent = asyncio.Event()

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def partitions_for(self, topic):
        return {0}

    def create_batch(self) -> _RecordBatch:
        return _RecordBatch()

    async def send_batch(self, batch: _RecordBatch, topic, *, partition):
        ack = asyncio.get_running_loop().create_future()
        self.acks.append(ack)
        self.keys.extend(batch.keys)
        self.sent.set()
        return ack


async def _write(kernel_db, probe, key: str) -> None:
    async with kernel_db.pool.acquire() as conn, conn.transaction():
        await publish(conn, "test", probe(probe_key=key, seq=0, buyer_siret=BUYER))


async def _published(kernel_db) -> int:
    async with kernel_db.pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL")


async def _next_send(producer: _HeldProducer, count: int) -> None:
    async with asyncio.timeout(20):
        while len(producer.acks) < count:
            producer.sent.clear()
            await producer.sent.wait()


async def test_a_row_written_during_the_last_batchs_ack_is_sent_before_that_ack(
        kernel_db, probe_topic, kafka_bootstrap, monkeypatch) -> None:
    producer = _HeldProducer()
    monkeypatch.setattr(relay_module, "new_producer", lambda *_args, **_kwargs: producer)
    # A 10-minute poll: only the NOTIFY can explain the second take.
    relay = OutboxRelay(dsn=kernel_db.dsn, bootstrap=kafka_bootstrap, batch_size=100, poll_interval_s=600)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        await _write(kernel_db, probe_topic, "first")
        await _next_send(producer, 1)
        await _write(kernel_db, probe_topic, "second")
        await _next_send(producer, 2)  # the first ack is still held
        assert not producer.acks[0].done()
        assert producer.keys == [b"first", b"second"]
        assert await _published(kernel_db) == 0  # neither is marked before its ack
        for ack in producer.acks:
            ack.set_result(None)
        async with asyncio.timeout(20):
            while await _published(kernel_db) < 2:
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=20)
