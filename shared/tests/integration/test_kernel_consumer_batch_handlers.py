"""Batch handlers on the real broker and database, as a service's (non-superuser) role: whole
runs per call, each tenant's run in its own row-level-security scope, a refused event alone in
the DLQ, duplicates skipped."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from faststream.kafka import KafkaBroker

from unefois_kernel import db, migrations
from unefois_kernel.consumer import HandlerRejected, InboxConsumer, batch_handler, subscribe
from unefois_kernel.dlq import DeadLetterProducer
from unefois_kernel.envelope import wrap
from unefois_kernel.tenancy import scoped
from unefois_events.topics import dlq_of

from kafka_reading import read_topic

pytestmark = pytest.mark.integration

BUYER_A = "21000003000010"
BUYER_B = "21350238800019"

# Row-level security FORCEd: a row written outside its tenant's scope is refused by WITH CHECK,
# and a read sees only the scope's rows.
_TABLE = """CREATE TABLE applied (event_id uuid PRIMARY KEY, tenant text NOT NULL, seq integer NOT NULL);
            ALTER TABLE applied ENABLE ROW LEVEL SECURITY; ALTER TABLE applied FORCE ROW LEVEL SECURITY;
            CREATE POLICY applied_of_tenant ON applied USING (tenant = unefois_tenant())
                WITH CHECK (tenant = unefois_tenant())"""


@pytest.fixture
async def service_pool(scratch_database):
    dsn = await scratch_database()
    conn = await db.connect(dsn)
    await migrations.apply(conn, migrations.kernel_migrations())
    await conn.execute(_TABLE)
    await conn.close()
    pool = await db.create_pool(dsn)
    try:
        yield pool
    finally:
        await pool.close()


def _recording_batch_handler(calls: list, *, refuse: set[int] = frozenset()):
    @batch_handler
    async def apply(conn, events) -> None:
        seqs = [incoming.payload.seq for incoming in events]
        calls.append((events[0].envelope.tenant, seqs, await conn.fetchval("SELECT count(*) FROM applied")))
        # One statement for the run; the rows carry the events' own tenants (WITH CHECK judges).
        await conn.execute(
            "INSERT INTO applied (event_id, tenant, seq) SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[])",
            [incoming.envelope.id for incoming in events],
            [incoming.payload.buyer_siret for incoming in events],
            seqs,
        )
        if refused := refuse.intersection(seqs):
            raise HandlerRejected(f"seq {min(refused)} refused by the business rule")

    return apply


async def _send(producer, probe, seq: int, tenant: str, *, event_id: uuid.UUID | None = None):
    # One key: one partition, so the consumer sees the events in this order.
    event = wrap(probe(probe_key="k1", seq=seq, buyer_siret=tenant), source="test", event_id=event_id)
    await producer.send_and_wait(event.topic, event.value, key=b"k1", headers=event.envelope.kafka_headers())
    return event


async def _consume(kafka_bootstrap, pool, probe, handler, expected_offsets: int) -> str:
    name = f"c-{uuid.uuid4().hex[:8]}"
    broker = KafkaBroker(kafka_bootstrap)
    consumer = InboxConsumer(name=name, pool=pool, handlers={probe.ce_type: handler},
                             dlq_producer=DeadLetterProducer(kafka_bootstrap), initial_backoff_s=0.05)
    subscribe(broker, consumer, [probe.topic], max_records=100, batch_timeout_ms=50)
    seen = 0
    original = consumer.process

    async def counting(records):
        nonlocal seen
        outcome = await original(records)
        seen += len(records)
        return outcome

    consumer.process = counting
    await broker.start()
    try:
        async with asyncio.timeout(30):
            while seen < expected_offsets:
                await asyncio.sleep(0.05)
    finally:
        await broker.stop()
        await consumer.dlq.stop()
    return name


async def _applied(pool, tenant: str) -> list[int]:
    async with scoped(pool, tenant=tenant) as conn:
        return [row["seq"] for row in await conn.fetch("SELECT seq FROM applied ORDER BY seq")]


async def test_a_batch_handler_gets_whole_runs_each_in_its_tenants_scope(
    service_pool, probe_topic, raw_producer, kafka_bootstrap
):
    tenants = [BUYER_A, BUYER_A, BUYER_A, BUYER_B, BUYER_B, BUYER_A]
    for seq, tenant in enumerate(tenants, start=1):
        await _send(raw_producer, probe_topic, seq, tenant)
    calls = []
    await _consume(kafka_bootstrap, service_pool, probe_topic, _recording_batch_handler(calls), len(tenants))

    # Whole runs in partition order; the scope changes with the tenant, and each run sees
    # only its own tenant's rows (A's second run sees A's first three, not B's two).
    assert calls == [(BUYER_A, [1, 2, 3], 0), (BUYER_B, [4, 5], 0), (BUYER_A, [6], 3)]
    assert await _applied(service_pool, BUYER_A) == [1, 2, 3, 6]
    assert await _applied(service_pool, BUYER_B) == [4, 5]


async def test_a_refused_event_of_a_run_goes_alone_to_the_dlq_and_the_others_apply(
    service_pool, probe_topic, raw_producer, kafka_bootstrap
):
    sent = [await _send(raw_producer, probe_topic, seq, BUYER_A) for seq in range(1, 6)]
    calls = []
    name = await _consume(kafka_bootstrap, service_pool, probe_topic,
                          _recording_batch_handler(calls, refuse={3}), len(sent))

    assert await _applied(service_pool, BUYER_A) == [1, 2, 4, 5]  # the refused event's row rolled back
    # The run, refused; again in a savepoint on the careful path; then one event at a time.
    assert [seqs for _, seqs, _ in calls] == [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1], [2], [3], [4], [5]]
    dead = await read_topic(kafka_bootstrap, dlq_of(probe_topic.topic), expected=1)
    assert len(dead) == 1
    headers = {key: value.decode() for key, value in dead[0].headers}
    assert headers["ce_id"] == str(sent[2].envelope.id)
    assert headers["dlq_field"] == "handler"
    assert "HandlerRejected: seq 3 refused by the business rule" in headers["dlq_reason"]
    async with service_pool.acquire() as conn:
        # Forgotten by the inbox, so that a replay from the DLQ is processed.
        kept = {row["event_id"] for row in await conn.fetch("SELECT event_id FROM inbox WHERE consumer = $1", name)}
    assert kept == {event.envelope.id for event in sent} - {sent[2].envelope.id}


async def test_a_duplicate_is_skipped_and_the_run_closes_over_it(
    service_pool, probe_topic, raw_producer, kafka_bootstrap
):
    twice = uuid.uuid4()
    await _send(raw_producer, probe_topic, 1, BUYER_A, event_id=twice)
    await _send(raw_producer, probe_topic, 1, BUYER_A, event_id=twice)  # the relay re-sent it
    await _send(raw_producer, probe_topic, 2, BUYER_A)
    calls = []
    await _consume(kafka_bootstrap, service_pool, probe_topic, _recording_batch_handler(calls), 3)

    assert [seqs for _, seqs, _ in calls] == [[1, 2]]
    assert await _applied(service_pool, BUYER_A) == [1, 2]
