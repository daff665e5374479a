"""Market research HTTP API: notes, quotes, shortlist (the shortlist is invited at approval)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request

from unefois_events.catalogue import Organisation
from unefois_events.values import Siret
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal
from unefois_sourcing.research import service
from unefois_sourcing.research.views import Choice, Notes, QuoteInput, ResearchView

router = APIRouter(prefix="/api/needs/{need_id}/research", tags=["étude de marché"])


@router.get("", response_model=ResearchView, summary="Lire l'étude de marché du besoin")
async def get_research(need_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> ResearchView:
    return ResearchView.of(await service.read(runtime_of(request).uow(principal), need_id))


@router.put("/notes", response_model=ResearchView, summary="Enregistrer les notes de l'étude de marché")
async def put_notes(need_id: uuid.UUID, body: Notes, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> ResearchView:
    return ResearchView.of(await service.write_notes(runtime_of(request).uow(principal), need_id, body.notes))


@router.post("/quotes", status_code=201, response_model=ResearchView, summary="Enregistrer un devis reçu")
async def add_quote(need_id: uuid.UUID, body: QuoteInput, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> ResearchView:
    research = await service.record_quote(runtime_of(request).uow(principal), need_id, supplier=body.supplier,
                                          amount=body.amount, received_on=body.received_on, file_name=body.file_name)
    return ResearchView.of(research)


@router.delete("/quotes/{quote_id}", response_model=ResearchView, summary="Retirer un devis enregistré par erreur")
async def remove_quote(need_id: uuid.UUID, quote_id: uuid.UUID, request: Request,
                       principal: Principal = allow(*BUYER_ROLES)) -> ResearchView:
    return ResearchView.of(await service.remove_quote(runtime_of(request).uow(principal), need_id, quote_id))


@router.post("/quotes/{quote_id}/choose", response_model=ResearchView, summary="Retenir un devis, en disant pourquoi")
async def choose_quote(
    need_id: uuid.UUID, quote_id: uuid.UUID, body: Choice, request: Request, principal: Principal = allow(*BUYER_ROLES)
) -> ResearchView:
    return ResearchView.of(await service.choose_quote(runtime_of(request).uow(principal), need_id, quote_id, body.reason))


@router.post("/shortlist", status_code=201, response_model=ResearchView, summary="Ajouter une entreprise à inviter")
async def shortlist_supplier(
    need_id: uuid.UUID, supplier: Organisation, request: Request, principal: Principal = allow(*BUYER_ROLES)
) -> ResearchView:
    return ResearchView.of(await service.shortlist_supplier(runtime_of(request).uow(principal), need_id, supplier))


@router.delete("/shortlist/{siret}", response_model=ResearchView, summary="Retirer une entreprise de la liste à inviter")
async def remove_from_shortlist(
    need_id: uuid.UUID, siret: Annotated[Siret, Path(description="SIRET (14 chiffres)")], request: Request,
    principal: Principal = allow(*BUYER_ROLES),
) -> ResearchView:
    return ResearchView.of(await service.remove_from_shortlist(runtime_of(request).uow(principal), need_id, siret))
