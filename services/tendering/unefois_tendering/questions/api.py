"""Questions API: a signed-in supplier asks (POST /api/public/consultations/{id}/questions); anyone
reads the published answers (GET, no asker); the buyer reads the questions with their askers and
answers (POST /api/consultations/{id}/questions/{qid}/answer), publishing the answer to all."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow, public
from unefois_kernel.auth.principal import BUYER_ROLES, Principal, Role

from unefois_tendering.questions import service
from unefois_tendering.questions.views import (
    AnsweredView,
    AnswerGiven,
    PublishedAnswerView,
    QuestionAsked,
    QuestionView,
)

router = APIRouter(prefix="/api/consultations", tags=["questions"])
public_router = APIRouter(prefix="/api/public/consultations", tags=["questions"])


def public_link(request: Request, consultation_id: uuid.UUID) -> str | None:
    settings = getattr(runtime_of(request), "settings", None)
    base = (getattr(settings, "public_url", "") or "").rstrip("/")
    return f"{base}/consultations-publiques/{consultation_id}/questions" if base else None


@public_router.post("/{consultation_id}/questions", response_model=QuestionView, status_code=201,
                    summary="Poser une question (entreprise connectée)",
                    description="Avant la date limite des questions de la consultation "
                                "(`preparation.questions_deadline`) ; 409 nommant ce champ après.")
async def ask(consultation_id: uuid.UUID, body: QuestionAsked, request: Request,
              principal: Principal = allow(Role.SUPPLIER)) -> QuestionView:
    return QuestionView.of(await service.ask(runtime_of(request).uow(principal), consultation_id, body.question))


@public_router.get("/{consultation_id}/questions", response_model=list[PublishedAnswerView],
                   summary="Les réponses publiées (sans l’identité des auteurs des questions)")
async def published(consultation_id: uuid.UUID, request: Request,
                    principal: Principal | None = public()) -> list[PublishedAnswerView]:
    found = await service.published(runtime_of(request).uow(principal), consultation_id)
    return [PublishedAnswerView.of(a) for a in found.answers]


@public_router.get("/{consultation_id}/questions/mine", response_model=list[QuestionView],
                   summary="Mes questions sur cette consultation (entreprise connectée)")
async def mine(consultation_id: uuid.UUID, request: Request,
               principal: Principal = allow(Role.SUPPLIER)) -> list[QuestionView]:
    return [QuestionView.of(q) for q in await service.mine(runtime_of(request).uow(principal), consultation_id)]


@router.get("/{consultation_id}/questions", response_model=list[QuestionView],
            summary="Les questions posées sur une consultation, avec leurs auteurs (acheteur)")
async def for_buyer(consultation_id: uuid.UUID, request: Request,
                    principal: Principal = allow(*BUYER_ROLES)) -> list[QuestionView]:
    found = await service.for_buyer(runtime_of(request).uow(principal), consultation_id)
    return [QuestionView.of(q) for q in found.questions]


@router.post("/{consultation_id}/questions/{question_id}/answer", response_model=AnsweredView,
             summary="Répondre à une question, et publier la réponse",
             description="Publiée (`publish`, par défaut), la réponse est lue par tous avec la question "
                         "(reformulée si `published_question`), sans l’identité de son auteur ; les entreprises qui "
                         "ont retiré le dossier et l’auteur de la question sont prévenus (courriel et message).")
async def answer(consultation_id: uuid.UUID, question_id: uuid.UUID, body: AnswerGiven, request: Request,
                 principal: Principal = allow(*BUYER_ROLES)) -> AnsweredView:
    done = await service.answer(runtime_of(request).uow(principal), consultation_id, question_id, answer=body.answer,
                                publish=body.publish, published_question=body.published_question,
                                link=public_link(request, consultation_id))
    return AnsweredView(question=QuestionView.of(done.question),
                        published=PublishedAnswerView.of(done.published) if done.published else None,
                        warning=done.warning)
