"""The awards' SQL (table awards: one decision per consultation, or per lot)."""

from __future__ import annotations

import uuid

import asyncpg

from unefois_tendering.awards.domain import Award, AwardDecision


def _award(row: asyncpg.Record) -> Award:
    return Award(
        id=row["id"],
        tenant=row["tenant"],
        consultation_id=row["consultation_id"],
        decision=AwardDecision.model_validate(row["decision"]),
        awarded_at=row["awarded_at"],
    )


class AwardRepository:
    """Row-level security scopes every query to the unit of work's tenant."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, award: Award) -> None:
        await self.conn.execute(
            """INSERT INTO awards (id, tenant, consultation_id, lot_number, decision, awarded_at)
               VALUES ($1, $2, $3, $4, $5, $6)""",
            award.id,
            award.tenant,
            award.consultation_id,
            award.lot_number,
            award.decision.model_dump(mode="json"),
            award.awarded_at,
        )

    async def of_consultation(self, consultation_id: uuid.UUID) -> list[Award]:
        """The consultation's awards, in the order they were decided."""
        rows = await self.conn.fetch(
            """SELECT id, tenant, consultation_id, decision, awarded_at FROM awards
               WHERE consultation_id = $1 ORDER BY awarded_at, id""",
            consultation_id,
        )
        return [_award(row) for row in rows]
