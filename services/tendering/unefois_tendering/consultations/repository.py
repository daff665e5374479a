"""The consultations' SQL (tables consultations, and the kernel's yearly_sequences for references)."""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg

from unefois_events.catalogue import Organisation, ProcedureDecision, PurchaseFacts
from unefois_kernel.sequences import next_in_year
from unefois_tendering.consultations.domain import (
    REFERENCE_SEQUENCE,
    Consultation,
    ConsultationStatus,
    Preparation,
    ProcedureHold,
    consultation_reference,
)

_COLUMNS = "id, tenant, reference, status, purchase, invited, received_at, published_at, bid_deadline, decision, hold, preparation"


def _hold_json(hold: ProcedureHold | None) -> dict | None:
    if hold is None:
        return None
    return {"reason": hold.reason, "previous": hold.previous.model_dump(mode="json"), "held_on": hold.held_on.isoformat()}


def _hold(data: dict | None) -> ProcedureHold | None:
    if data is None:
        return None
    return ProcedureHold(reason=data["reason"], previous=ProcedureDecision.model_validate(data["previous"]),
                         held_on=date.fromisoformat(data["held_on"]))


def _consultation(row: asyncpg.Record) -> Consultation:
    return Consultation(
        id=row["id"],
        tenant=row["tenant"],
        reference=row["reference"],
        status=ConsultationStatus(row["status"]),
        purchase=PurchaseFacts.model_validate(row["purchase"]),
        received_at=row["received_at"],
        published_at=row["published_at"],
        bid_deadline=row["bid_deadline"],
        invited=tuple(Organisation.model_validate(supplier) for supplier in row["invited"]),
        decision=None if row["decision"] is None else ProcedureDecision.model_validate(row["decision"]),
        hold=_hold(row["hold"]),
        preparation=Preparation.model_validate(row["preparation"]),
    )


class ConsultationRepository:
    """Row-level security scopes every query to the unit of work's tenant."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def next_reference(self, *, tenant: str, year: int) -> str:
        """The tenant's next consultation reference of `year` (2026-0001, 2026-0002, ...); the
        sequence row stays locked until the transaction ends, and a rollback gives the number back."""
        sequence = await next_in_year(self.conn, name=REFERENCE_SEQUENCE, tenant=tenant, year=year)
        return consultation_reference(year, sequence)

    async def add(self, consultation: Consultation) -> None:
        await self.conn.execute(
            """INSERT INTO consultations (id, tenant, need_id, reference, status, purchase, invited, received_at,
                                         published_at, bid_deadline, decision, hold, preparation)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)""",
            consultation.id,
            consultation.tenant,
            consultation.need_id,
            consultation.reference,
            str(consultation.status),
            consultation.purchase.model_dump(mode="json"),
            [supplier.model_dump(mode="json") for supplier in consultation.invited],
            consultation.received_at,
            consultation.published_at,
            consultation.bid_deadline,
            None if consultation.decision is None else consultation.decision.model_dump(mode="json"),
            _hold_json(consultation.hold),
            consultation.preparation.model_dump(mode="json"),
        )

    async def get(self, consultation_id: uuid.UUID, *, for_update: bool = False) -> Consultation | None:
        """`for_update`: lock the row until the transaction ends (a decision on it is coming)."""
        lock = " FOR UPDATE" if for_update else ""
        row = await self.conn.fetchrow(f"SELECT {_COLUMNS} FROM consultations WHERE id = $1{lock}", consultation_id)
        return None if row is None else _consultation(row)

    async def latest(self, *, need_id: uuid.UUID | None = None, limit: int = 100) -> list[Consultation]:
        """The latest received first; only those opened from `need_id` when it is given."""
        rows = await self.conn.fetch(
            f"""SELECT {_COLUMNS} FROM consultations WHERE ($1::uuid IS NULL OR need_id = $1)
                ORDER BY received_at DESC, id LIMIT $2""",
            need_id,
            limit,
        )
        return [_consultation(row) for row in rows]

    async def set_status(self, consultation_id: uuid.UUID, status: ConsultationStatus) -> None:
        await self.conn.execute("UPDATE consultations SET status = $2 WHERE id = $1", consultation_id, str(status))

    async def update(self, consultation: Consultation) -> None:
        """Store what changed on a consultation: its status, the purchase (as confirmed), the dates,
        the decision, the hold and the buyer's preparation."""
        await self.conn.execute(
            """UPDATE consultations SET status = $2, purchase = $3, published_at = $4, bid_deadline = $5,
                                        decision = $6, hold = $7, preparation = $8
               WHERE id = $1""",
            consultation.id,
            str(consultation.status),
            consultation.purchase.model_dump(mode="json"),
            consultation.published_at,
            consultation.bid_deadline,
            None if consultation.decision is None else consultation.decision.model_dump(mode="json"),
            _hold_json(consultation.hold),
            consultation.preparation.model_dump(mode="json"),
        )

    publish = update
