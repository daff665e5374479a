"""Invoicing's event handlers: a notified contract opens a commitment."""

from __future__ import annotations

import uuid

import asyncpg

from unefois_kernel import audit
from unefois_events.catalogue import ContractNotified
from unefois_kernel.envelope import IncomingEvent


async def on_contract_notified(conn: asyncpg.Connection, incoming: IncomingEvent) -> None:
    contract: ContractNotified = incoming.payload
    commitment_id = await conn.fetchval(
        """INSERT INTO commitments (id, tenant, contract_id, contract_number, legal_commitment_number,
                                    buyer, holders, ceiling)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (contract_id) DO NOTHING RETURNING id""",
        uuid.uuid4(),
        contract.tenant,
        contract.contract_id,
        contract.contract_number,
        contract.legal_commitment_number,
        contract.purchase.buyer.model_dump(mode="json"),
        [holder.model_dump(mode="json") for holder in contract.holders],
        contract.amount,
    )
    if commitment_id is not None:
        await audit.record(conn, tenant=contract.tenant, aggregate_type="commitment", aggregate_id=str(commitment_id),
                           actor="system:invoicing", action="commitment.opened",
                           change={"contract_id": str(contract.contract_id), "ceiling": str(contract.amount)})


HANDLERS = {ContractNotified.ce_type: on_contract_notified}
