"""Sourcing HTTP API: a buyer creates a need, an approver approves it."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal, Role
from unefois_events.catalogue import Organisation, PurchaseFacts
from unefois_events.values import Money, PurchaseNature
from unefois_kernel.tenancy import scoped_for
from unefois_sourcing import domain, needs_service
from unefois_sourcing.needs_service import NeedDraft, NeedInput  # noqa: F401 (NeedInput: re-exported)
from unefois_rules import decide

router = APIRouter(prefix="/api/needs", tags=["besoins"])


class NeedView(BaseModel):
    id: uuid.UUID
    status: domain.NeedStatus
    facts: PurchaseFacts
    submitted_at: datetime | None = None
    return_comment: str | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    recommendation: dict | None = Field(default=None, description="Procédures permises et obligations (moteur de règles)")
    warnings: list[str] = Field(default_factory=list, description="Alertes, par exemple un possible saucissonnage")


class Return(BaseModel):
    comment: str = Field(min_length=1, max_length=2000, description="Pourquoi le besoin est renvoyé à son auteur")


class Approval(BaseModel):
    invited_suppliers: list[Organisation] = Field(default_factory=list)


def _view(row) -> NeedView:
    return NeedView(
        id=row["id"],
        status=row["status"],
        facts=PurchaseFacts.model_validate(row["facts"]),
        submitted_at=row["submitted_at"],
        return_comment=row["return_comment"],
        approved_by=row["approved_by"],
        approved_at=row["approved_at"],
    )


@router.post("", status_code=201, response_model=NeedView, summary="Créer un besoin (brouillon)")
async def create_need(draft: NeedDraft, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> NeedView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        row, decision, warnings = await needs_service.create(conn, principal, draft, today=runtime_of(request).clock.today())
    return _view(row).model_copy(update={"recommendation": decision.to_dict(), "warnings": warnings})


@router.get("/recommendation", summary="Procédure recommandée pour un besoin (moteur de règles, sans enregistrer)")
async def recommend(
    request: Request,
    nature: PurchaseNature,
    estimated_value: Money,
    launch_date: date | None = None,
    principal: Principal = allow(*BUYER_ROLES),
) -> dict:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        buyer_kind = await needs_service.buyer_kind(conn)
    return decide(nature, buyer_kind, estimated_value, launch_date or runtime_of(request).clock.today()).to_dict()


@router.get("/{need_id}", response_model=NeedView, summary="Lire un besoin")
async def get_need(need_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> NeedView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        row = await needs_service.get(conn, need_id)
    return _view(row)


@router.post("/{need_id}/submit", response_model=NeedView, summary="Soumettre le besoin à l'approbation")
async def submit_need(need_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> NeedView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        row = await needs_service.submit(conn, principal, need_id)
    return _view(row)


@router.post("/{need_id}/return", response_model=NeedView, summary="Renvoyer le besoin à son auteur, avec un commentaire")
async def return_need(
    need_id: uuid.UUID, body: Return, request: Request, principal: Principal = allow(Role.BUYER_APPROVER)
) -> NeedView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        row = await needs_service.return_for_changes(conn, principal, need_id, body.comment)
    return _view(row)


@router.post("/{need_id}/approve", response_model=NeedView, summary="Approuver un besoin : il part en consultation")
async def approve_need(
    need_id: uuid.UUID, approval: Approval, request: Request, principal: Principal = allow(Role.BUYER_APPROVER)
) -> NeedView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        row = await needs_service.approve(conn, principal, need_id, approval.invited_suppliers,
                                          at=runtime_of(request).clock.now())
    return _view(row)
