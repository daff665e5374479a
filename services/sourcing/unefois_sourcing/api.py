"""Sourcing HTTP API: a buyer creates a need, an approver approves it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from unefois_kernel import audit
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal, Role
from unefois_kernel.events.catalogue import NeedContent, Organisation, PurchaseFacts
from unefois_kernel.outbox import publish
from unefois_kernel.problems import NotFound
from unefois_kernel.tenancy import scoped_for
from unefois_sourcing import domain

router = APIRouter(prefix="/api/needs", tags=["besoins"])


class NeedDraft(BaseModel):
    facts: NeedContent = Field(description="Le besoin tel que saisi ; l'acheteur est celui de la session")


class NeedView(BaseModel):
    id: uuid.UUID
    status: domain.NeedStatus
    facts: PurchaseFacts
    approved_by: str | None = None
    approved_at: datetime | None = None


class Approval(BaseModel):
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
async def create_need(draft: NeedDraft, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> NeedView:
    need_id = domain.new_need_id()
    buyer = Organisation(siret=principal.tenant, name=principal.org_name or principal.tenant)
    facts = PurchaseFacts(need_id=need_id, buyer=buyer, **draft.facts.model_dump())
    domain.check_lots_add_up(facts)
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        row = await conn.fetchrow(
            "INSERT INTO needs (id, tenant, status, facts) VALUES ($1, $2, 'draft', $3) RETURNING *",
            need_id,
            principal.tenant,
            facts.model_dump(mode="json"),
        )
        await audit.record(conn, tenant=principal.tenant, aggregate_type="need", aggregate_id=str(need_id),
                           actor=principal.actor, action="need.created", change={"facts": facts.model_dump(mode="json")})
    return _view(row)


@router.get("/{need_id}", response_model=NeedView, summary="Lire un besoin")
async def get_need(need_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> NeedView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        row = await conn.fetchrow("SELECT * FROM needs WHERE id = $1", need_id)
    if row is None:
        raise NotFound("besoin introuvable", field="need_id")
    return _view(row)


@router.post("/{need_id}/approve", response_model=NeedView, summary="Approuver un besoin : il part en consultation")
async def approve_need(
    need_id: uuid.UUID, approval: Approval, request: Request, principal: Principal = allow(Role.BUYER_APPROVER)
) -> NeedView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        row = await conn.fetchrow("SELECT * FROM needs WHERE id = $1 FOR UPDATE", need_id)
        if row is None:
            raise NotFound("besoin introuvable", field="need_id")
        at = datetime.now(UTC)
        event = domain.approve(
            domain.NeedStatus(row["status"]),
            PurchaseFacts.model_validate(row["facts"]),
            approver=principal.name,
            at=at,
            invited=approval.invited_suppliers,
        )
        row = await conn.fetchrow(
            "UPDATE needs SET status = 'approved', approved_by = $2, approved_at = $3 WHERE id = $1 RETURNING *",
            need_id,
            principal.name,
            at,
        )
        await publish(conn, "sourcing", event)
        await audit.record(conn, tenant=principal.tenant, aggregate_type="need", aggregate_id=str(need_id),
                           actor=principal.actor, action="need.approved",
                           change={"invited_suppliers": [s.model_dump(mode="json") for s in approval.invited_suppliers]})
    return _view(row)
