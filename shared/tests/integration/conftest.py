"""Fixtures for the kernel's integration tests: a scratch database with the kernel's
tables, and a fresh topic (with its DLQ twin) carrying a probe event type."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from unefois_kernel import db, migrations
from unefois_events.catalogue import CATALOGUE
from unefois_kernel.testing import ProbeEvent, event_type_on
from unefois_events.topics import dlq_of

pytestmark = pytest.mark.integration

@dataclass
class KernelDatabase:
    dsn: str
    pool: asyncpg.Pool


@pytest.fixture
async def kernel_db(admin_dsn):
    name = f"kernel_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = admin_dsn.rsplit("/", 1)[0] + f"/{name}"
    conn = await db.connect(dsn)
    await migrations.apply(conn, migrations.kernel_migrations())
    await conn.execute(
        "CREATE TABLE probe_applied (event_id uuid PRIMARY KEY, probe_key text NOT NULL, seq integer NOT NULL)"
    )
    await conn.close()
    pool = await db.create_pool(dsn)
    try:
        yield KernelDatabase(dsn, pool)
    finally:
        await pool.close()
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def probe_topic(kafka_bootstrap, monkeypatch):
    """A fresh 3-partition topic, its DLQ twin, and a probe event type published on it."""
    topic = f"probe.{uuid.uuid4().hex[:10]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, 3, 1), NewTopic(dlq_of(topic), 3, 1)])
    model = event_type_on(ProbeEvent, topic)
    monkeypatch.setitem(CATALOGUE, model.ce_type, model)
    try:
        yield model
    finally:
        await admin.delete_topics([topic, dlq_of(topic)])
        await admin.close()


@pytest.fixture
async def raw_producer(kafka_bootstrap):
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    yield producer
    await producer.stop()
