"""Sourcing HTTP API (walking skeleton): create a need, approve it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from unefois_kernel.app import runtime_of
from unefois_kernel.events.catalogue import Organisation, PurchaseDetails, PurchaseFacts
from unefois_kernel.outbox import publish
from unefois_kernel.problems import NotFound
from unefois_sourcing import domain

router = APIRouter(prefix="/api/needs", tags=["besoins"])


class NeedDraft(BaseModel):
    facts: PurchaseDetails = Field(description="Le besoin tel que saisi par l'acheteur")


class NeedView(BaseModel):
    id: uuid.UUID
    status: domain.NeedStatus
    facts: PurchaseFacts
    approved_by: str | None = None
    approved_at: datetime | None = None


class Approval(BaseModel):
    approver: str = Field(min_length=1, max_length=200)
    invited_suppliers: list[Organisation] = Field(default_factory=list)


def _view(row) -> NeedView:
    return NeedView(
        id=row["id"],
        status=row["status"],
        facts=PurchaseFacts.model_validate(row["facts"]),
        approved_by=row["approved_by"],
        approved_at=row["approved_at"],
    )


@router.post("", status_code=201, response_model=NeedView, summary="Créer un besoin (brouillon)")
async def create_need(draft: NeedDraft, request: Request) -> NeedView:
    need_id = domain.new_need_id()
    facts = PurchaseFacts(need_id=need_id, **draft.facts.model_dump())
    domain.check_lots_add_up(facts)
    async with runtime_of(request).pool.acquire() as conn:
        row = await conn.fetchrow(
            "INSERT INTO needs (id, tenant, status, facts) VALUES ($1, $2, 'draft', $3) RETURNING *",
            need_id,
            facts.buyer.siret,
            facts.model_dump(mode="json"),
        )
    return _view(row)


@router.get("/{need_id}", response_model=NeedView, summary="Lire un besoin")
async def get_need(need_id: uuid.UUID, request: Request) -> NeedView:
    async with runtime_of(request).pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM needs WHERE id = $1", need_id)
    if row is None:
        raise NotFound("besoin introuvable", field="need_id")
    return _view(row)


@router.post("/{need_id}/approve", response_model=NeedView, summary="Approuver un besoin : il part en consultation")
async def approve_need(need_id: uuid.UUID, approval: Approval, request: Request) -> NeedView:
    runtime = runtime_of(request)
    async with runtime.pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow("SELECT * FROM needs WHERE id = $1 FOR UPDATE", need_id)
        if row is None:
            raise NotFound("besoin introuvable", field="need_id")
        at = datetime.now(UTC)
        event = domain.approve(
            domain.NeedStatus(row["status"]),
            PurchaseFacts.model_validate(row["facts"]),
            approver=approval.approver,
            at=at,
            invited=approval.invited_suppliers,
        )
        row = await conn.fetchrow(
            "UPDATE needs SET status = 'approved', approved_by = $2, approved_at = $3 WHERE id = $1 RETURNING *",
            need_id,
            approval.approver,
            at,
        )
        await publish(conn, "sourcing", event)
    return _view(row)
