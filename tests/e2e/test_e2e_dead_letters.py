"""A poison record on a platform topic: dead-lettered by each consumer, the next record still flows."""

from __future__ import annotations

import asyncio
import secrets

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from unefois_events import topics
from unefois_kernel.envelope import wrap
from unefois_kernel.testing import contract_notified

pytestmark = pytest.mark.integration


async def test_poison_goes_to_the_dlq_and_the_next_contract_is_published(platform, kafka_bootstrap, service_dsn):
    run = secrets.token_hex(4).upper()  # the test database outlives a run: numbers must be new
    good = contract_notified(number=f"P{run}1")
    good_event = wrap(good, source="contracts")
    poison = wrap(contract_notified(number=f"P{run}2"), source="contracts")
    dlq = AIOKafkaConsumer(topics.dlq_of(topics.CONTRACT), bootstrap_servers=kafka_bootstrap, auto_offset_reset="latest")
    await dlq.start()
    await dlq.getmany(timeout_ms=500)  # position at the end before the poison is sent
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        key = poison.key.encode()
        await producer.send_and_wait(topics.CONTRACT, b'{"contract_id": 42}', key=key, headers=poison.envelope.kafka_headers())
        await producer.send_and_wait(topics.CONTRACT, good_event.value, key=key, headers=good_event.envelope.kafka_headers())
    finally:
        await producer.stop()

    dead = []
    try:
        async with asyncio.timeout(30):
            while {dict(r.headers)["dlq_consumer"] for r in dead} != {b"opendata", b"invoicing"}:
                for records in (await dlq.getmany(timeout_ms=500)).values():
                    dead.extend(r for r in records if dict(r.headers).get("ce_id") == str(poison.envelope.id).encode())
    finally:
        await dlq.stop()
    assert all(dict(r.headers)["dlq_field"].startswith(b"data.") for r in dead)

    conn = await asyncpg.connect(service_dsn("opendata"))
    try:
        async with asyncio.timeout(30):
            while not await conn.fetchval("SELECT count(*) FROM decp_records WHERE contract_id = $1", good.contract_id):
                await asyncio.sleep(0.1)
    finally:
        await conn.close()
