"""The SQL of the commitments table."""

from __future__ import annotations

import uuid

import asyncpg
from unefois_events.catalogue import Organisation

from unefois_invoicing.commitments.domain import Commitment


def _commitment(row: asyncpg.Record) -> Commitment:
    return Commitment(
        id=row["id"],
        tenant=row["tenant"],
        contract_id=row["contract_id"],
        contract_number=row["contract_number"],
        legal_commitment_number=row["legal_commitment_number"],
        buyer=Organisation.model_validate(row["buyer"]),
        holders=tuple(Organisation.model_validate(holder) for holder in row["holders"]),
        ceiling=row["ceiling"],
        opened_at=row["opened_at"],
    )


class CommitmentRepository:
    """Row-level security decides what the transaction sees: a buyer its commitments, a holder those it holds."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, commitment: Commitment) -> bool:
        """Store a new commitment; False when its contract already has one (the event came again)."""
        stored = await self.conn.fetchval(
            """INSERT INTO commitments (id, tenant, contract_id, contract_number, legal_commitment_number,
                                        buyer, holders, ceiling, opened_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
               ON CONFLICT (contract_id) DO NOTHING RETURNING id""",
            commitment.id,
            commitment.tenant,
            commitment.contract_id,
            commitment.contract_number,
            commitment.legal_commitment_number,
            commitment.buyer.model_dump(mode="json"),
            [holder.model_dump(mode="json") for holder in commitment.holders],
            commitment.ceiling,
            commitment.opened_at,
        )
        return stored is not None

    async def get(self, commitment_id: uuid.UUID) -> Commitment | None:
        row = await self.conn.fetchrow("SELECT * FROM commitments WHERE id = $1", commitment_id)
        return None if row is None else _commitment(row)

    async def latest(self, *, contract_id: uuid.UUID | None = None, limit: int = 100) -> list[Commitment]:
        """The latest opened first, of one contract or of all the transaction sees."""
        rows = await self.conn.fetch(
            """SELECT * FROM commitments WHERE ($1::uuid IS NULL OR contract_id = $1)
               ORDER BY opened_at DESC LIMIT $2""",
            contract_id,
            limit,
        )
        return [_commitment(row) for row in rows]

    async def latest_of_tenant(self, tenant: str, *, limit: int = 50) -> list[Commitment]:
        """A buyer's own commitments, the latest opened first."""
        rows = await self.conn.fetch(
            "SELECT * FROM commitments WHERE tenant = $1 ORDER BY opened_at DESC LIMIT $2", tenant, limit
        )
        return [_commitment(row) for row in rows]
