"""Tendering HTTP API (walking skeleton): read consultations, award one."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from unefois_kernel import audit
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal, Role
from unefois_kernel.tenancy import scoped_for
from unefois_events.catalogue import Organisation, PurchaseFacts
from unefois_events.values import Money, OperatorGrouping, PriceForm, PriceType
from unefois_kernel.outbox import publish
from unefois_kernel.domain_errors import NotFound
from unefois_tendering import domain

router = APIRouter(prefix="/api/consultations", tags=["consultations"])


class ConsultationView(BaseModel):
    id: uuid.UUID
    reference: str
    status: str
    purchase: PurchaseFacts
    published_at: datetime
    bid_deadline: datetime


class AwardRequest(BaseModel):
    winners: list[Organisation] = Field(min_length=1)
    grouping: OperatorGrouping = OperatorGrouping.NONE
    amount: Money
    price_form: PriceForm
    price_types: list[PriceType] = Field(min_length=1)
    offers_received: int = Field(ge=1)
    lot_number: int | None = Field(default=None, ge=1)


class AwardView(BaseModel):
    award_id: uuid.UUID
    consultation_id: uuid.UUID


def _view(row) -> ConsultationView:
    return ConsultationView(
        id=row["id"],
        reference=row["reference"],
        status=row["status"],
        purchase=PurchaseFacts.model_validate(row["purchase"]),
        published_at=row["published_at"],
        bid_deadline=row["bid_deadline"],
    )


@router.get("", response_model=list[ConsultationView], summary="Consultations, filtrées par besoin")
async def list_consultations(
    request: Request, need_id: uuid.UUID | None = Query(default=None), principal: Principal = allow(*BUYER_ROLES)
) -> list[ConsultationView]:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        rows = await conn.fetch(
            "SELECT * FROM consultations WHERE ($1::uuid IS NULL OR need_id = $1) ORDER BY published_at DESC LIMIT 100",
            need_id,
        )
    return [_view(row) for row in rows]


@router.get("/{consultation_id}", response_model=ConsultationView, summary="Lire une consultation")
async def get_consultation(
    consultation_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)
) -> ConsultationView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        row = await conn.fetchrow("SELECT * FROM consultations WHERE id = $1", consultation_id)
    if row is None:
        raise NotFound("consultation introuvable", field="consultation_id")
    return _view(row)


@router.post("/{consultation_id}/award", status_code=201, response_model=AwardView, summary="Attribuer la consultation")
async def award_consultation(
    consultation_id: uuid.UUID, body: AwardRequest, request: Request, principal: Principal = allow(Role.BUYER_APPROVER)
) -> AwardView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        row = await conn.fetchrow("SELECT * FROM consultations WHERE id = $1 FOR UPDATE", consultation_id)
        if row is None:
            raise NotFound("consultation introuvable", field="consultation_id")
        at = runtime_of(request).clock.now()
        event = domain.award(
            status=row["status"],
            consultation_id=consultation_id,
            reference=row["reference"],
            purchase=PurchaseFacts.model_validate(row["purchase"]),
            award_id=uuid.uuid4(),
            at=at,
            **body.model_dump(),
        )
        await conn.execute(
            "INSERT INTO awards (id, tenant, consultation_id, lot_number, decision, awarded_at) VALUES ($1, $2, $3, $4, $5, $6)",
            event.award_id,
            row["tenant"],
            consultation_id,
            event.lot_number,
            body.model_dump(mode="json"),
            event.awarded_at,
        )
        await conn.execute("UPDATE consultations SET status = 'awarded' WHERE id = $1", consultation_id)
        await publish(conn, "tendering", event, at=at)
        await audit.record(conn, tenant=row["tenant"], aggregate_type="consultation", aggregate_id=str(consultation_id),
                           actor=principal.actor, action="award.decided",
                           change={"award_id": str(event.award_id)} | body.model_dump(mode="json"))
    return AwardView(award_id=event.award_id, consultation_id=consultation_id)
