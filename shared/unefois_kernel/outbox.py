"""Transactional outbox, write side: events join the state change's transaction."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from unefois_kernel.envelope import OutgoingEvent, wrap
from unefois_events.catalogue import Event
from unefois_kernel.telemetry import current_trace_headers

_INSERT = """INSERT INTO outbox (event_id, topic, key, event_type, tenant, headers, payload)
             VALUES ($1, $2, $3, $4, $5, $6, $7)"""


async def enqueue(conn: asyncpg.Connection, *events: OutgoingEvent) -> None:
    """Store events in the outbox. Call inside the transaction that makes the state change."""
    trace_headers = current_trace_headers()
    await conn.executemany(
        _INSERT,
        [
            (
                event.envelope.id,
                event.topic,
                event.key,
                event.envelope.type,
                event.envelope.tenant,
                {name: value.decode() for name, value in event.envelope.kafka_headers()} | trace_headers,
                event.value.decode(),
            )
            for event in events
        ],
    )


async def publish(
    conn: asyncpg.Connection, source: str, *payloads: Event, at: datetime | None = None
) -> list[OutgoingEvent]:
    """Wrap payloads in their envelope (timed `at`, from the service's clock) and enqueue them; returns what was stored."""
    events = [wrap(payload, source=source, at=at) for payload in payloads]
    await enqueue(conn, *events)
    return events
