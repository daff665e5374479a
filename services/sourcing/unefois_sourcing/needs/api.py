"""Needs HTTP API: a buyer creates a need, edits it while a draft (or returned), and submits it;
an approver returns or approves it."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Request

from unefois_events.values import Money, PurchaseNature
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal
from unefois_sourcing.needs import service
from unefois_sourcing.needs.domain import NeedAction, roles_for
from unefois_sourcing.needs.views import Approval, NeedDraft, NeedView, Return

router = APIRouter(prefix="/api/needs", tags=["besoins"])


@router.post("", status_code=201, response_model=NeedView, summary="Créer un besoin (brouillon)")
async def create_need(draft: NeedDraft, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> NeedView:
    created = await service.create(runtime_of(request).uow(principal), draft)
    return NeedView.of(created.need, decision=created.decision, warnings=[*created.warnings, *created.advice])


@router.get("/recommendation", summary="Procédure recommandée pour un besoin (moteur de règles, sans enregistrer)")
async def recommend(
    request: Request,
    nature: PurchaseNature,
    estimated_value: Money,
    launch_date: date | None = None,
    principal: Principal = allow(*BUYER_ROLES),
) -> dict:
    decision = await service.recommend(runtime_of(request).uow(principal), nature, estimated_value, launch_date)
    return decision.to_dict()


@router.get("/{need_id}", response_model=NeedView, summary="Lire un besoin")
async def get_need(need_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> NeedView:
    return NeedView.of(await service.get(runtime_of(request).uow(principal), need_id))


@router.put("/{need_id}", response_model=NeedView, summary="Modifier un besoin (brouillon ou renvoyé)",
            responses={409: {"description": "Le besoin est soumis ou approuvé : il ne se modifie plus (champ status)"}})
async def edit_need(need_id: uuid.UUID, draft: NeedDraft, request: Request,
                    principal: Principal = allow(*roles_for(NeedAction.EDIT))) -> NeedView:
    """The same body as the creation; the changed fields go to the audit trail, before and after."""
    edited = await service.edit(runtime_of(request).uow(principal), need_id, draft)
    return NeedView.of(edited.need, decision=edited.decision, warnings=[*edited.warnings, *edited.advice])


@router.post("/{need_id}/submit", response_model=NeedView, summary="Soumettre le besoin à l'approbation")
async def submit_need(need_id: uuid.UUID, request: Request,
                      principal: Principal = allow(*roles_for(NeedAction.SUBMIT))) -> NeedView:
    return NeedView.of(await service.submit(runtime_of(request).uow(principal), need_id))


@router.post("/{need_id}/return", response_model=NeedView, summary="Renvoyer le besoin à son auteur, avec un commentaire")
async def return_need(
    need_id: uuid.UUID, body: Return, request: Request, principal: Principal = allow(*roles_for(NeedAction.RETURN))
) -> NeedView:
    return NeedView.of(await service.return_for_changes(runtime_of(request).uow(principal), need_id, body.comment))


@router.post("/{need_id}/approve", response_model=NeedView, summary="Approuver un besoin : il part en consultation")
async def approve_need(
    need_id: uuid.UUID, approval: Approval, request: Request, principal: Principal = allow(*roles_for(NeedAction.APPROVE))
) -> NeedView:
    return NeedView.of(await service.approve(runtime_of(request).uow(principal), need_id, approval.invited_suppliers))
