"""Consultations API: the buyer's consultations, filtered by need, and one consultation."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal, Role
from unefois_tendering.consultations import service
from unefois_tendering.consultations.domain import Preparation
from unefois_tendering.consultations.views import (
    ConsultationFileView,
    ConsultationView,
    MinimumView,
    ProcedureChoice,
    notice_data,
)

router = APIRouter(prefix="/api/consultations", tags=["consultations"])


@router.get("", response_model=list[ConsultationView], summary="Consultations, filtrées par besoin")
async def list_consultations(
    request: Request, need_id: uuid.UUID | None = Query(default=None), principal: Principal = allow(*BUYER_ROLES)
) -> list[ConsultationView]:
    consultations = await service.latest(runtime_of(request).uow(principal), need_id=need_id, limit=100)
    return [ConsultationView.of(consultation) for consultation in consultations]


@router.get("/{consultation_id}", response_model=ConsultationFileView, summary="Lire une consultation",
            description="Avec, tant qu’elle se prépare, la date limite des offres la plus proche permise.")
async def get_consultation(
    consultation_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)
) -> ConsultationFileView:
    file = await service.consultation_file(runtime_of(request).uow(principal), consultation_id)
    view = ConsultationView.of(file.consultation).model_dump()
    minimum = None if file.minimum is None else MinimumView(**file.minimum._asdict())
    return ConsultationFileView(**view, minimum_bid_deadline=minimum, formal=file.formal,
                                warnings=list(file.warnings))


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


_PREPARE_DOC = ("Ce que l’acheteur ajoute aux faits du besoin (repris en lecture seule) : date de publication "
                "prévue, date limite des offres (au plus tôt le délai minimal de la procédure calculé à la date de "
                "publication prévue), date limite des questions (avant celle des offres ; en procédure formalisée, "
                "six jours avant au plus tard, art. R2132-6), critères d’attribution et sous-critères pondérés par "
                "lot (somme 100, art. R2152-7 et R2152-12), variantes (art. R2151-8), pièces de candidature. "
                "Une date sans fuseau est une heure de Paris. 422 nommant chaque champ refusé ; 409 (champ "
                "`status`) une fois publiée.")


@router.put("/{consultation_id}", response_model=ConsultationView, summary="Préparer une consultation (remplace)",
            description=_PREPARE_DOC)
async def put_preparation(consultation_id: uuid.UUID, body: Preparation, request: Request,
                          principal: Principal = allow(*BUYER_ROLES)) -> ConsultationView:
    changes = body.model_dump()
    prepared = await service.prepare(runtime_of(request).uow(principal), consultation_id, changes, replace=True)
    return ConsultationView.of(prepared)


@router.patch("/{consultation_id}", response_model=ConsultationView,
              summary="Préparer une consultation (les champs donnés)", description=_PREPARE_DOC)
async def patch_preparation(consultation_id: uuid.UUID, body: Preparation, request: Request,
                            principal: Principal = allow(*BUYER_ROLES)) -> ConsultationView:
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    changes = Preparation.model_validate(changes).model_dump(include=set(changes))
    prepared = await service.prepare(runtime_of(request).uow(principal), consultation_id, changes)
    return ConsultationView.of(prepared)


@router.post("/{consultation_id}/publish", response_model=ConsultationView, summary="Publier une consultation",
             description="Publie une consultation en préparation : tout ce que la publication demande doit être "
                         "donné (422 nommant chaque champ manquant ou refusé) ; la décision de procédure est reprise "
                         "à la date de publication (art. R2121-3) : publiée si elle tient (ConsultationPublished), "
                         "sinon « à confirmer » (status awaiting_procedure, sans événement) ; la date limite des "
                         "offres est vérifiée de nouveau contre le délai minimal à cette date. 409 (champ `status`) "
                         "si elle n’est pas en préparation.")
async def publish(consultation_id: uuid.UUID, request: Request,
                  principal: Principal = allow(Role.BUYER)) -> ConsultationView:
    return ConsultationView.of(await service.publish(runtime_of(request).uow(principal), consultation_id))


@router.get("/{consultation_id}/notice", summary="Données de l’avis de marché (termes eForms)",
            description="Les champs de l’avis de marché d’une consultation publiée, nommés par leur terme métier "
                        "eForms (BT-xx). 409 (champ `status`) avant la publication.")
async def get_notice(consultation_id: uuid.UUID, request: Request,
                     principal: Principal = allow(*BUYER_ROLES)) -> dict:
    return notice_data(await service.notice(runtime_of(request).uow(principal), consultation_id))
