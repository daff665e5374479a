"""Contracts' event handlers: an award becomes a contract to notify, prefilled."""

from __future__ import annotations

import uuid

import asyncpg

from unefois_kernel import audit
from unefois_events.catalogue import AwardDecided
from unefois_kernel.envelope import IncomingEvent


async def on_award_decided(conn: asyncpg.Connection, incoming: IncomingEvent) -> None:
    award: AwardDecided = incoming.payload
    contract_id = await conn.fetchval(
        """INSERT INTO contracts (id, tenant, award_id, status, award)
           VALUES ($1, $2, $3, 'to_notify', $4)
           ON CONFLICT (award_id) DO NOTHING RETURNING id""",
        uuid.uuid4(),
        award.tenant,
        award.award_id,
        award.model_dump(mode="json"),
    )
    if contract_id is not None:
        await audit.record(conn, tenant=award.tenant, aggregate_type="contract", aggregate_id=str(contract_id),
                           actor="system:contracts", action="contract.prepared", change={"award_id": str(award.award_id)})


HANDLERS = {AwardDecided.ce_type: on_award_decided}
