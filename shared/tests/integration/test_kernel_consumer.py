"""Inbox consumers on the real broker and database: dedupe, dead letters, transient retries."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from faststream.kafka import KafkaBroker

from unefois_kernel.consumer import HandlerRejected, InboxConsumer, subscribe
from unefois_kernel.dlq import DeadLetterProducer
from unefois_kernel.errors import TransientError
from unefois_kernel.envelope import wrap
from unefois_events.topics import dlq_of

from kafka_reading import read_topic

pytestmark = pytest.mark.integration

BUYER = "21000003000010"


async def _send(producer, probe, seq: int, *, key: str = "k1", event_id: uuid.UUID | None = None, value: bytes | None = None):
    event = wrap(probe(probe_key=key, seq=seq, buyer_siret=BUYER), source="test", event_id=event_id)
    await producer.send_and_wait(
        event.topic, value if value is not None else event.value, key=key.encode(), headers=event.envelope.kafka_headers()
    )
    return event


async def _applied(kernel_db) -> list[tuple[str, int]]:
    async with kernel_db.pool.acquire() as conn:
        rows = await conn.fetch("SELECT probe_key, seq FROM probe_applied ORDER BY probe_key, seq")
    return [(row["probe_key"], row["seq"]) for row in rows]


def _recording_handler(fail_on: set[int] = frozenset(), transient_failures: dict | None = None):
    async def handle(conn, incoming):
        seq = incoming.payload.seq
        if transient_failures is not None and transient_failures.get(seq, 0) > 0:
            transient_failures[seq] -= 1
            raise TransientError("the ledger database is restarting")
        await conn.execute(
            "INSERT INTO probe_applied (event_id, probe_key, seq) VALUES ($1, $2, $3)",
            incoming.envelope.id,
            incoming.payload.probe_key,
            seq,
        )
        if seq in fail_on:
            raise HandlerRejected(f"seq {seq} refused by the business rule")

    return handle


async def _running(kafka_bootstrap, kernel_db, probe, handler, name: str):
    broker = KafkaBroker(kafka_bootstrap)
    consumer = InboxConsumer(
        name=name,
        pool=kernel_db.pool,
        handlers={probe.ce_type: handler},
        dlq_producer=DeadLetterProducer(kafka_bootstrap),
        initial_backoff_s=0.05,
    )
    subscribe(broker, consumer, [probe.topic], max_records=100, batch_timeout_ms=50)
    await broker.start()
    return broker, consumer


async def _until(predicate, timeout_s: float = 30.0):
    async with asyncio.timeout(timeout_s):
        while not await predicate():
            await asyncio.sleep(0.05)


async def _committed(kafka_bootstrap, group: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        total = 0
        for partition in range(3):
            committed = await consumer.committed(TopicPartition(topic, partition))
            total += committed or 0
        return total
    finally:
        await consumer.stop()


async def test_a_poison_message_goes_to_the_dlq_and_the_next_one_is_processed(
    kernel_db, probe_topic, raw_producer, kafka_bootstrap
):
    name = f"c-{uuid.uuid4().hex[:8]}"
    broker, consumer = await _running(kafka_bootstrap, kernel_db, probe_topic, _recording_handler(), name)
    try:
        await _send(raw_producer, probe_topic, 1)
        poison = await _send(raw_producer, probe_topic, 2, value=b'{"probe_key": "k1", "seq": "two"')
        await _send(raw_producer, probe_topic, 3)
        await _until(lambda: _has(kernel_db, 2))
    finally:
        await broker.stop()
        await consumer.dlq.stop()

    assert await _applied(kernel_db) == [("k1", 1), ("k1", 3)]
    dead = await read_topic(kafka_bootstrap, dlq_of(probe_topic.topic), expected=1)
    assert len(dead) == 1
    headers = {name: value.decode() for name, value in dead[0].headers}
    assert headers["ce_id"] == str(poison.envelope.id)  # original headers kept
    assert headers["dlq_field"].startswith("data")
    assert headers["dlq_reason"]
    assert headers["dlq_consumer"] == name
    assert headers["dlq_original_topic"] == probe_topic.topic
    assert dead[0].value == b'{"probe_key": "k1", "seq": "two"'  # original value kept
    assert await _committed(kafka_bootstrap, name, probe_topic.topic) == 3  # the partition moved on


async def _has(kernel_db, count: int) -> bool:
    return len(await _applied(kernel_db)) >= count


async def test_a_redelivered_event_is_applied_once(kernel_db, probe_topic, raw_producer, kafka_bootstrap):
    name = f"c-{uuid.uuid4().hex[:8]}"
    event_id = uuid.uuid4()
    await _send(raw_producer, probe_topic, 1, event_id=event_id)
    await _send(raw_producer, probe_topic, 1, event_id=event_id)  # the relay re-sent it
    await _send(raw_producer, probe_topic, 2)
    broker, consumer = await _running(kafka_bootstrap, kernel_db, probe_topic, _recording_handler(), name)
    try:
        await _until(lambda: _committed_at_least(kafka_bootstrap, name, probe_topic.topic, 3))
    finally:
        await broker.stop()
        await consumer.dlq.stop()
    assert await _applied(kernel_db) == [("k1", 1), ("k1", 2)]


async def _committed_at_least(kafka_bootstrap, group, topic, count) -> bool:
    return await _committed(kafka_bootstrap, group, topic) >= count


async def test_a_handler_refusal_dead_letters_only_that_event(kernel_db, probe_topic, raw_producer, kafka_bootstrap):
    name = f"c-{uuid.uuid4().hex[:8]}"
    for seq in range(1, 6):
        await _send(raw_producer, probe_topic, seq)
    broker, consumer = await _running(kafka_bootstrap, kernel_db, probe_topic, _recording_handler(fail_on={3}), name)
    try:
        await _until(lambda: _committed_at_least(kafka_bootstrap, name, probe_topic.topic, 5))
    finally:
        await broker.stop()
        await consumer.dlq.stop()
    # The refused event's own writes were rolled back with its savepoint; the others stand.
    assert await _applied(kernel_db) == [("k1", 1), ("k1", 2), ("k1", 4), ("k1", 5)]
    dead = await read_topic(kafka_bootstrap, dlq_of(probe_topic.topic), expected=1)
    assert [dict(d.headers)["dlq_field"] for d in dead] == [b"handler"]
    assert b"seq 3 refused" in dict(dead[0].headers)["dlq_reason"]
    async with kernel_db.pool.acquire() as conn:
        # Forgotten by the inbox, so that a replay from the DLQ is processed.
        assert await conn.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1", name) == 4


async def test_a_transient_failure_is_retried_never_skipped(kernel_db, probe_topic, raw_producer, kafka_bootstrap):
    name = f"c-{uuid.uuid4().hex[:8]}"
    failures = {2: 3}  # seq 2 fails three times, then the database is back
    for seq in range(1, 4):
        await _send(raw_producer, probe_topic, seq)
    broker, consumer = await _running(
        kafka_bootstrap, kernel_db, probe_topic, _recording_handler(transient_failures=failures), name
    )
    try:
        await _until(lambda: _committed_at_least(kafka_bootstrap, name, probe_topic.topic, 3))
    finally:
        await broker.stop()
        await consumer.dlq.stop()
    assert failures[2] == 0
    assert await _applied(kernel_db) == [("k1", 1), ("k1", 2), ("k1", 3)]
    assert await read_topic(kafka_bootstrap, dlq_of(probe_topic.topic), expected=0, timeout_s=1) == []


async def test_an_event_without_a_valid_tenant_is_dead_lettered(kernel_db, probe_topic, raw_producer, kafka_bootstrap):
    name = f"c-{uuid.uuid4().hex[:8]}"
    event = wrap(probe_topic(probe_key="k1", seq=1, buyer_siret=BUYER), source="test")
    headers = [(n, v) for n, v in event.envelope.kafka_headers() if n != "ce_tenant"]
    await raw_producer.send_and_wait(event.topic, event.value, key=b"k1", headers=headers)
    await _send(raw_producer, probe_topic, 2)
    broker, consumer = await _running(kafka_bootstrap, kernel_db, probe_topic, _recording_handler(), name)
    try:
        await _until(lambda: _committed_at_least(kafka_bootstrap, name, probe_topic.topic, 2))
    finally:
        await broker.stop()
        await consumer.dlq.stop()
    assert await _applied(kernel_db) == [("k1", 2)]
    dead = await read_topic(kafka_bootstrap, dlq_of(probe_topic.topic), expected=1)
    assert dict(dead[0].headers)["dlq_field"] == b"ce_tenant"


async def test_an_operator_replays_a_dead_letter_once_the_cause_is_fixed(
    kernel_db, probe_topic, raw_producer, kafka_bootstrap
):
    from unefois_kernel.dlq import read_dead_letters, replay

    name = f"c-{uuid.uuid4().hex[:8]}"
    refused = {7}
    handler = _recording_handler(fail_on=refused)
    sent = await _send(raw_producer, probe_topic, 7)
    broker, consumer = await _running(kafka_bootstrap, kernel_db, probe_topic, handler, name)
    try:
        await _until(lambda: _committed_at_least(kafka_bootstrap, name, probe_topic.topic, 1))
        entries = await read_dead_letters(kafka_bootstrap, dlq_of(probe_topic.topic))
        assert [e.summary()["ce_id"] for e in entries] == [str(sent.envelope.id)]
        assert entries[0].summary()["consumer"] == name
        assert await _applied(kernel_db) == []

        refused.clear()  # the operator fixed the cause (data, reference table, bug)
        assert await replay(kafka_bootstrap, entries[0]) == probe_topic.topic
        await _until(lambda: _has(kernel_db, 1))
    finally:
        await broker.stop()
        await consumer.dlq.stop()
    assert await _applied(kernel_db) == [("k1", 7)]
