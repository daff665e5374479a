"""Tendering stage UI: the home page lists the buyer's latest consultations; a consultation's
page shows it and, when its procedure awaits the buyer, why and the form to confirm one."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from unefois_events.values import PriceForm, PriceType
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow, public
from unefois_kernel.auth.principal import BUYER_ROLES, Principal, Role
from unefois_kernel.clock import PLATFORM_TZ
from unefois_kernel.domain_errors import DomainError, InvalidFields
from unefois_kernel.web import render
from unefois_tendering.consultations import service
from unefois_tendering.consultations.domain import ConsultationAction, ConsultationStatus, CriterionKind, allowed_actions
from unefois_tendering.consultations.views import (
    COLUMNS,
    CRITERIA_ROWS,
    PREPARATION_LABELS,
    consultation_context,
    form_values,
    home_row,
    lot_keys,
    notice_context,
    preparation_context,
)

router = APIRouter(tags=["interface"], include_in_schema=False)

MESSAGES = {
    "publiee": "Procédure confirmée : la consultation est publiée.",
    "publiee-directement": "La consultation est publiée.",
    "a-confirmer": "La décision de procédure reprise ce jour ne tient plus : confirmez une procédure pour publier.",
    "preparee": "Préparation enregistrée.",
}


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
    context["warnings"] = [warning["reason"] for warning in file.warnings]
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


# ---------------------------------------------------------------- preparation and publication

_FORM_FIELD = {"bid_deadline": "bid_deadline_date", "questions_deadline": "questions_deadline_date",
               "criteria": "criteres"}


def _form_field(field: str) -> str:
    if field.startswith("criteria."):
        return "criteres-" + field.split(".")[1]
    return _FORM_FIELD.get(field, field)


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _moment(form, name: str, errors: dict[str, str]) -> datetime | None:
    day, hour = str(form.get(f"{name}_date", "")).strip(), str(form.get(f"{name}_time", "")).strip() or "12:00"
    if not day:
        return None
    try:
        parsed_day = date.fromisoformat(day)
    except ValueError:
        errors[f"{name}_date"] = "Date attendue (jj/mm/aaaa)."
        return None
    try:
        parsed_time = time.fromisoformat(hour)
    except ValueError:
        errors[f"{name}_time"] = "Heure attendue (hh:mm)."
        return None
    return datetime.combine(parsed_day, parsed_time, tzinfo=PLATFORM_TZ)


def parse_preparation(form, consultation) -> tuple[dict, dict[str, str]]:
    """The preparation page's form as the use case's changes, and what could not be read (by field)."""
    errors: dict[str, str] = {}
    changes: dict = {"publication_date": None, "variants_allowed": None}
    publication = str(form.get("publication_date", "")).strip()
    if publication:
        try:
            changes["publication_date"] = date.fromisoformat(publication)
        except ValueError:
            errors["publication_date"] = "Date attendue (jj/mm/aaaa)."
    changes["bid_deadline"] = _moment(form, "bid_deadline", errors)
    changes["questions_deadline"] = _moment(form, "questions_deadline", errors)
    variants = str(form.get("variants_allowed", ""))
    changes["variants_allowed"] = {"oui": True, "non": False}.get(variants)
    changes["required_documents"] = [str(code) for code in form.getlist("required_documents")]
    price_form = str(form.get("price_form", "")).strip()
    if price_form and price_form not in {str(item) for item in PriceForm}:
        errors["price_form"] = "Choisissez une forme de prix de la liste."
    changes["price_form"] = price_form if price_form in {str(item) for item in PriceForm} else None
    price_types = [str(value) for value in form.getlist("price_types")]
    if any(value not in {str(item) for item in PriceType} for value in price_types):
        errors["price_types"] = "Cochez des types de prix de la liste."
    changes["price_types"] = [value for value in price_types if value in {str(item) for item in PriceType}]
    criteria = []
    for key, _title in lot_keys(consultation):
        rows = []
        for index in range(CRITERIA_ROWS):
            prefix = f"crit_{key}_{index}"
            kind = str(form.get(f"{prefix}_kind", "")).strip()
            name = str(form.get(f"{prefix}_name", "")).strip()
            weight = str(form.get(f"{prefix}_weight", "")).strip()
            subs = str(form.get(f"{prefix}_subs", "")).strip()
            if not (name or weight or subs):
                continue
            if kind not in {str(k) for k in CriterionKind}:
                errors[f"{prefix}_kind"] = "Choisissez le type du critère."
            if not name or len(name) > 300:
                errors[f"{prefix}_name"] = "Nommez le critère (300 caractères au plus)."
            if not weight.isdigit() or not 1 <= int(weight) <= 100:
                errors[f"{prefix}_weight"] = "Poids entier de 1 à 100 attendu."
            sub_criteria = []
            for line in filter(None, (line.strip() for line in subs.splitlines())):
                sub_name, _, sub_weight = line.rpartition(":")
                sub_name, sub_weight = sub_name.strip(), sub_weight.strip()
                if not sub_name or not sub_weight.isdigit() or not 1 <= int(sub_weight) <= 100 or len(sub_name) > 300:
                    errors[f"{prefix}_subs"] = f"Ligne illisible « {line[:60]} » : écrivez « nom : poids »."
                    break
                sub_criteria.append({"name": sub_name, "weight": int(sub_weight)})
            if f"{prefix}_kind" not in errors and f"{prefix}_name" not in errors and f"{prefix}_weight" not in errors:
                rows.append({"kind": kind, "name": name, "weight": int(weight), "sub_criteria": sub_criteria})
        if rows:
            criteria.append({"lot_number": None if key == 0 else key, "criteria": rows})
    changes["criteria"] = criteria
    return changes, errors


async def _preparation_page(request: Request, principal: Principal, consultation_id: uuid.UUID, *,
                            values: dict | None = None, errors: dict[str, str] | None = None,
                            status_code: int = 200):
    file = await service.consultation_file(runtime_of(request).uow(principal), consultation_id)
    consultation = file.consultation
    if ConsultationAction.PREPARE not in allowed_actions(consultation.status):
        return RedirectResponse(f"/consultations/{consultation_id}", status_code=303)
    context = preparation_context(consultation, file.minimum, file.formal, values=values or form_values(consultation),
                                  errors=errors or {}, warnings=() if errors else file.warnings)
    return render(request, "consultations/preparation.html", context, status_code=status_code)


@router.get("/consultations/{consultation_id}/preparer", response_class=HTMLResponse,
            summary="Préparer une consultation")
async def preparation_page(consultation_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)):
    return await _preparation_page(request, principal, consultation_id)


@router.post("/consultations/{consultation_id}/preparer", response_class=HTMLResponse,
             summary="Enregistrer la préparation d’une consultation")
async def save_preparation(consultation_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)):
    form = await request.form()
    consultation = (await service.consultation_file(runtime_of(request).uow(principal), consultation_id)).consultation
    changes, errors = parse_preparation(form, consultation)
    values = {key: form.get(key) for key in form} | {"required_documents": form.getlist("required_documents")}
    if not errors:
        try:
            await service.prepare(runtime_of(request).uow(principal), consultation_id, changes, replace=True)
        except InvalidFields as refused:
            errors = {}
            for error in refused.errors:
                field = _form_field(error["field"])
                errors[field] = (errors[field] + " " if field in errors else "") + _sentence(error["reason"])
        except DomainError as error:
            if error.status == 404:
                raise
            errors = {"_form": _sentence(error.detail)}
    if errors:
        return await _preparation_page(request, principal, consultation_id, values=values, errors=errors,
                                       status_code=422)
    return RedirectResponse(f"/consultations/{consultation_id}?{urlencode({'message': 'preparee'})}", status_code=303)


@router.post("/consultations/{consultation_id}/publier", response_class=HTMLResponse,
             summary="Publier une consultation depuis sa page")
async def publish(consultation_id: uuid.UUID, request: Request, principal: Principal = allow(Role.BUYER)):
    try:
        published = await service.publish(runtime_of(request).uow(principal), consultation_id)
    except InvalidFields as refused:
        listed = " ".join(f"{PREPARATION_LABELS.get(_form_field(e['field']).split('-')[0], 'Critères d’attribution')} : "
                          f"{_sentence(e['reason'])}" for e in refused.errors)
        return await _consultation_page(request, principal, consultation_id,
                                        status_error="La consultation n’est pas publiée. " + listed, status_code=422)
    except DomainError as error:
        if error.status == 404:
            raise
        return await _consultation_page(request, principal, consultation_id, status_error=_sentence(error.detail),
                                        status_code=error.status)
    message = "a-confirmer" if published.status is ConsultationStatus.AWAITING_PROCEDURE else "publiee-directement"
    return RedirectResponse(f"/consultations/{consultation_id}?{urlencode({'message': message})}", status_code=303)


@router.get("/consultations/{consultation_id}/avis", response_class=HTMLResponse, summary="Avis de marché imprimable")
async def notice_page(consultation_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)):
    try:
        consultation = await service.notice(runtime_of(request).uow(principal), consultation_id)
    except DomainError as error:
        if error.status == 404:
            raise
        return await _consultation_page(request, principal, consultation_id, status_error=_sentence(error.detail),
                                        status_code=error.status)
    return render(request, "consultations/avis.html", notice_context(consultation))
