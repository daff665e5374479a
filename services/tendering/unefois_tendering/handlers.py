"""Tendering's event handlers: an approved need becomes a published consultation."""

from __future__ import annotations

import uuid
from functools import partial

import asyncpg

from unefois_kernel import audit
from unefois_kernel.clock import Clock
from unefois_kernel.consumer import EventHandler
from unefois_kernel.uow import UnitsOfWork
from unefois_events.catalogue import NeedApproved
from unefois_kernel.envelope import IncomingEvent
from unefois_kernel.outbox import publish
from unefois_tendering import domain


async def next_reference(conn: asyncpg.Connection, tenant: str, year: int) -> str:
    sequence = await conn.fetchval(
        """INSERT INTO reference_counters (tenant, year, last) VALUES ($1, $2, 1)
           ON CONFLICT (tenant, year) DO UPDATE SET last = reference_counters.last + 1
           RETURNING last""",
        tenant,
        year,
    )
    return domain.consultation_reference(year, sequence)


async def on_need_approved(conn: asyncpg.Connection, incoming: IncomingEvent, *, clock: Clock) -> None:
    need: NeedApproved = incoming.payload
    at = clock.now()
    reference = await next_reference(conn, need.tenant, at.year)
    event = domain.open_consultation(need, consultation_id=uuid.uuid4(), reference=reference, at=at)
    await conn.execute(
        """INSERT INTO consultations (id, tenant, need_id, reference, status, purchase, invited, published_at, bid_deadline)
           VALUES ($1, $2, $3, $4, 'published', $5, $6, $7, $8)""",
        event.consultation_id,
        need.tenant,
        need.purchase.need_id,
        reference,
        need.purchase.model_dump(mode="json"),
        [s.model_dump(mode="json") for s in need.invited_suppliers],
        event.published_at,
        event.bid_deadline,
    )
    await publish(conn, "tendering", event, at=at)
    await audit.record(conn, tenant=need.tenant, aggregate_type="consultation", aggregate_id=str(event.consultation_id),
                       actor="system:tendering", action="consultation.published",
                       change={"need_id": str(need.purchase.need_id), "reference": reference})


def handlers(uows: UnitsOfWork) -> dict[str, EventHandler]:
    return {NeedApproved.ce_type: partial(on_need_approved, clock=uows.clock)}
