"""Questions pages: /consultations-publiques/{id}/questions (the published answers for everyone,
the form and one's own questions for a signed-in supplier) and /consultations/{id}/questions (the
buyer's: every question with its asker, the answer form)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow, public
from unefois_kernel.auth.principal import BUYER_ROLES, Principal, Role
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.web import render

from unefois_tendering.documents.web import moment
from unefois_tendering.questions import service
from unefois_tendering.questions.api import public_link
from unefois_tendering.questions.domain import check_can_ask

router = APIRouter(tags=["interface"], include_in_schema=False)

MESSAGES = {"posee": "Votre question est transmise à l’acheteur. Sa réponse sera publiée ici, sans votre nom.",
            "repondu": "Réponse enregistrée.",
            "publiee": "Réponse publiée : les entreprises qui ont retiré le dossier et l’auteur de la question "
                       "sont prévenus."}
LABELS = {"question": "Votre question", "answer": "Réponse", "published_question": "Question publiée",
          "preparation.questions_deadline": "Date limite des questions", "status": "Statut"}


def _answers(answers) -> list[dict]:
    return [{"question": a.question, "answer": a.answer, "at": moment(a.published_at)} for a in answers]


async def _public_page(request: Request, principal: Principal | None, consultation_id: uuid.UUID, *,
                       errors: dict[str, str] | None = None, values: dict | None = None, message: str | None = None,
                       status_code: int = 200) -> HTMLResponse:
    runtime = runtime_of(request)
    found = await service.published(runtime.uow(principal), consultation_id)
    consultation = found.consultation
    supplier = principal is not None and principal.supplier_siret is not None
    mine = await service.mine(runtime.uow(principal), consultation_id) if supplier else []
    closed = None
    try:
        check_can_ask(consultation, runtime.clock.now())
    except DomainError as refusal:
        closed = refusal.detail
    context = {
        "title": f"Questions et réponses — {consultation.purchase.object}", "consultation": consultation,
        "facts": consultation.purchase, "answers": _answers(found.answers), "supplier": supplier,
        "mine": [{"question": q.question, "at": moment(q.asked_at), "answered": q.answer is not None,
                  "published": q.published_answer_id is not None} for q in mine],
        "closed": closed, "deadline": moment(consultation.preparation.questions_deadline),
        "errors": errors or {}, "values": values or {}, "labels": LABELS, "message": message,
    }
    return render(request, "questions/public_questions.html", context, status_code=status_code)


@router.get("/consultations-publiques/{consultation_id}/questions", response_class=HTMLResponse,
            summary="Questions et réponses d’une consultation")
async def public_questions_page(consultation_id: uuid.UUID, request: Request,
                                message: str | None = Query(default=None), principal: Principal | None = public()):
    return await _public_page(request, principal, consultation_id, message=MESSAGES.get(message or ""))


@router.post("/consultations-publiques/{consultation_id}/questions", response_class=HTMLResponse,
             summary="Poser une question")
async def public_ask(consultation_id: uuid.UUID, request: Request, principal: Principal = allow(Role.SUPPLIER)):
    form = await request.form()
    text = str(form.get("question", ""))
    try:
        await service.ask(runtime_of(request).uow(principal), consultation_id, text)
    except DomainError as refusal:
        field = refusal.field if refusal.field in LABELS else "question"
        return await _public_page(request, principal, consultation_id, errors={field: refusal.detail},
                                  values={"question": text}, status_code=refusal.status)
    return RedirectResponse(f"/consultations-publiques/{consultation_id}/questions?message=posee", status_code=303)


async def _buyer_page(request: Request, principal: Principal, consultation_id: uuid.UUID, *,
                      errors: dict[str, dict[str, str]] | None = None, message: str | None = None,
                      warning: str | None = None, status_code: int = 200) -> HTMLResponse:
    found = await service.for_buyer(runtime_of(request).uow(principal), consultation_id)
    context = {
        "title": f"Questions — {found.consultation.reference}", "consultation": found.consultation,
        "facts": found.consultation.purchase,
        "questions": [{"id": str(q.id), "asker": f"{q.supplier_name} ({q.supplier_siret})", "person": q.person_name,
                       "question": q.question, "at": moment(q.asked_at), "answer": q.answer or "",
                       "answered": moment(q.answered_at) if q.answered_at else None,
                       "published": q.published_answer_id is not None} for q in found.questions],
        "answers": _answers(found.answers), "errors": errors or {}, "labels": LABELS, "message": message,
        "warning": warning,
    }
    return render(request, "questions/buyer_questions.html", context, status_code=status_code)


@router.get("/consultations/{consultation_id}/questions", response_class=HTMLResponse,
            summary="Questions des entreprises (acheteur)")
async def buyer_questions_page(consultation_id: uuid.UUID, request: Request,
                               message: str | None = Query(default=None), principal: Principal = allow(*BUYER_ROLES)):
    return await _buyer_page(request, principal, consultation_id, message=MESSAGES.get(message or ""))


@router.post("/consultations/{consultation_id}/questions/{question_id}/repondre", response_class=HTMLResponse,
             summary="Répondre à une question")
async def buyer_answer(consultation_id: uuid.UUID, question_id: uuid.UUID, request: Request,
                       principal: Principal = allow(*BUYER_ROLES)):
    form = await request.form()
    publish = str(form.get("publier", "")) == "oui"
    try:
        done = await service.answer(runtime_of(request).uow(principal), consultation_id, question_id,
                                    answer=str(form.get("answer", "")), publish=publish,
                                    published_question=str(form.get("published_question", "")),
                                    link=public_link(request, consultation_id))
    except DomainError as refusal:
        field = refusal.field if refusal.field in LABELS else "answer"
        return await _buyer_page(request, principal, consultation_id,
                                 errors={str(question_id): {field: refusal.detail}}, status_code=refusal.status)
    if done.warning:
        return await _buyer_page(request, principal, consultation_id, message=MESSAGES["publiee"], warning=done.warning)
    return RedirectResponse(f"/consultations/{consultation_id}/questions?message={'publiee' if publish else 'repondu'}",
                            status_code=303)
