"""Tendering stage UI: the home page lists the buyer's latest consultations; a consultation's
page shows it and, when its procedure awaits the buyer, why and the form to confirm one."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow, public
from unefois_kernel.auth.principal import BUYER_ROLES, Principal
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.web import render
from unefois_tendering.consultations import service
from unefois_tendering.consultations.domain import ConsultationStatus
from unefois_tendering.consultations.views import COLUMNS, consultation_context, home_row

router = APIRouter(tags=["interface"], include_in_schema=False)

MESSAGES = {"publiee": "Procédure confirmée : la consultation est publiée."}


@router.get("/", response_class=HTMLResponse, summary="Accueil des consultations")
async def home(request: Request, principal: Principal | None = public()) -> HTMLResponse:
    rows = None  # None: not a buyer, nothing to show
    awaiting = 0
    if principal is not None and principal.tenant:
        consultations = await service.latest(runtime_of(request).uow(principal), limit=50)
        rows = [home_row(consultation) for consultation in consultations]
        awaiting = sum(1 for consultation in consultations if consultation.status is ConsultationStatus.AWAITING_PROCEDURE)
    return render(request, "home.html", {"title": "Accueil", "columns": COLUMNS, "rows": rows, "awaiting": awaiting})


async def _consultation_page(request: Request, principal: Principal, consultation_id: uuid.UUID, *,
                             message: str | None = None, selected: str | None = None, error: str | None = None,
                             status_error: str | None = None, status_code: int = 200) -> HTMLResponse:
    file = await service.consultation_file(runtime_of(request).uow(principal), consultation_id)
    context = consultation_context(file.consultation, file.review, message=message, selected=selected, error=error,
                                   status_error=status_error)
    return render(request, "consultations/consultation.html", context, status_code=status_code)


@router.get("/consultations/{consultation_id}", response_class=HTMLResponse, summary="Une consultation")
async def consultation_page(consultation_id: uuid.UUID, request: Request,
                            message: str = Query(default="", max_length=40),
                            principal: Principal = allow(*BUYER_ROLES)) -> HTMLResponse:
    return await _consultation_page(request, principal, consultation_id, message=MESSAGES.get(message))


@router.post("/consultations/{consultation_id}/procedure", response_class=HTMLResponse,
             summary="Confirmer la procédure depuis la page de la consultation")
async def confirm_procedure(consultation_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)):
    procedure = str((await request.form()).get("procedure", "")).strip()
    if not procedure:
        return await _consultation_page(request, principal, consultation_id, error="Choisissez une procédure.",
                                        status_code=422)
    try:
        await service.confirm_procedure(runtime_of(request).uow(principal), consultation_id, procedure)
    except DomainError as error:
        if error.status == 404:
            raise
        detail = error.detail[:1].upper() + error.detail[1:]
        detail = detail if detail.endswith((".", "!", "?")) else detail + "."
        if error.field == "procedure":
            return await _consultation_page(request, principal, consultation_id, selected=procedure, error=detail,
                                            status_code=error.status)
        return await _consultation_page(request, principal, consultation_id, status_error=detail,
                                        status_code=error.status)
    return RedirectResponse(f"/consultations/{consultation_id}?{urlencode({'message': 'publiee'})}", status_code=303)
