"""Consultations API: the buyer's consultations, filtered by need, and one consultation."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal
from unefois_tendering.consultations import service
from unefois_tendering.consultations.views import ConsultationView, ProcedureChoice

router = APIRouter(prefix="/api/consultations", tags=["consultations"])


@router.get("", response_model=list[ConsultationView], summary="Consultations, filtrées par besoin")
async def list_consultations(
    request: Request, need_id: uuid.UUID | None = Query(default=None), principal: Principal = allow(*BUYER_ROLES)
) -> list[ConsultationView]:
    consultations = await service.latest(runtime_of(request).uow(principal), need_id=need_id, limit=100)
    return [ConsultationView.of(consultation) for consultation in consultations]


@router.get("/{consultation_id}", response_model=ConsultationView, summary="Lire une consultation")
async def get_consultation(
    consultation_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)
) -> ConsultationView:
    return ConsultationView.of(await service.get(runtime_of(request).uow(principal), consultation_id))


@router.post("/{consultation_id}/procedure", response_model=ConsultationView,
             summary="Confirmer la procédure d’une consultation à confirmer, et la publier",
             description="Une consultation dont la décision de procédure ne tient plus à la date de publication "
                         "(art. R2121-3 du code de la commande publique : valeur appréciée à l’envoi de l’avis) "
                         "attend que l’acheteur confirme une procédure permise ce jour ; elle est alors publiée. "
                         "409 (champ `status`) si elle n’attend pas de confirmation ; 422 (champ `procedure`) si "
                         "les règles du jour ne permettent pas cette procédure.")
async def confirm_procedure(
    consultation_id: uuid.UUID, body: ProcedureChoice, request: Request, principal: Principal = allow(*BUYER_ROLES)
) -> ConsultationView:
    confirmed = await service.confirm_procedure(runtime_of(request).uow(principal), consultation_id, body.procedure)
    return ConsultationView.of(confirmed)
