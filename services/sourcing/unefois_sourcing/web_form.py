"""The need form (/besoins/nouveau) and its htmx fragments: CPV suggestions, live procedure
recommendation. The form builds the same NeedDraft as the JSON API and goes through
needs_service.create: the same pydantic, reference-data and procedure checks, each refused
field shown next to its control (HTTP 422, values kept)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal
from unefois_events.values import Ccag, ExecutionMode, Procedure, PurchaseNature, PurchaseTechnique
from unefois_kernel.domain_errors import DomainError, InvalidFields
from unefois_kernel.tenancy import scoped_for
from unefois_kernel.validation_messages import french_message
from unefois_kernel.web import render
from unefois_sourcing import needs_service, reference
from unefois_sourcing.needs_service import NeedDraft
from unefois_rules import decide
from unefois_rules.engine import PUBLICITY_LABELS, Publicity

router = APIRouter(tags=["interface"], include_in_schema=False)

NATURE_LABELS = {"works": "Travaux", "supplies": "Fournitures", "services": "Services"}
PLACE_TYPE_LABELS = {"Code commune": "Commune (code INSEE)", "Code département": "Département",
                     "Code région": "Région"}
BAND_LABELS = {
    "no_competition": "Sous le seuil de dispense de publicité et de mise en concurrence",
    "adapted": "Procédure adaptée (MAPA)",
    "formal": "Au-dessus des seuils européens : procédure formalisée",
}
LOT_ROWS = 3
FIELDS = {
    "object", "description", "desired_start_date", "nature", "main_cpv", "additional_cpvs", "estimated_value", "duration_months", "place_code",
    "place_type", "lots", "procedure", "ccag", "technique", "execution_mode", "clauses", "innovative",
    *(f"lot{n}_{part}" for n in range(1, LOT_ROWS + 1) for part in ("title", "value")),
}

# What the error summary calls each field (forms.error_summary links each one to its control:
# these keys are the controls' ids, or the fieldset's for the lots and the clauses).
FIELD_LABELS = {
    "object": "Objet du besoin", "description": "Description", "nature": "Nature",
    "desired_start_date": "Date de début souhaitée", "main_cpv": "Code CPV principal",
    "additional_cpvs": "Codes CPV complémentaires", "estimated_value": "Valeur estimée", "duration_months": "Durée",
    "place_type": "Type de lieu d’exécution", "place_code": "Code du lieu d’exécution", "lots": "Lots",
    **{f"lot{n}_{part}": f"{label} du lot {n}" for n in range(1, LOT_ROWS + 1)
       for part, label in (("title", "Intitulé"), ("value", "Estimation"))},
    "procedure": "Procédure de passation", "ccag": "CCAG", "technique": "Technique d’achat",
    "execution_mode": "Modalité d’exécution", "innovative": "Achat innovant", "clauses": "Clauses",
}


def in_form_order(errors: dict[str, str]) -> dict[str, str]:
    """The error summary lists the fields as the form shows them (a message about the whole form first)."""
    order = {field: n for n, field in enumerate(["_form", *FIELD_LABELS])}
    return dict(sorted(errors.items(), key=lambda item: order.get(item[0], len(order))))


def money_text(raw: str) -> str:
    """'12 000,50 €' -> '12000.50' (what pydantic's Decimal reads); anything else unchanged."""
    text = re.sub(r"[\s\u00a0\u202f€]", "", raw or "").replace(",", ".")
    return text


def form_payload(form) -> tuple[dict[str, Any], dict[str, Any], list[int]]:
    """(values as typed, for re-rendering; the NeedDraft payload; the form row of each lot)."""
    text = {key: str(form.get(key, "")).strip() for key in FIELDS if key not in {"clauses", "innovative"}}
    values: dict[str, Any] = dict(text)
    values["clause_ids"] = [str(v) for v in form.getlist("clause_ids")]
    values["innovative"] = form.get("innovative") == "on"
    facts: dict[str, Any] = {}
    for key in ("object", "description", "desired_start_date", "nature", "procedure", "ccag", "duration_months"):
        if text[key]:
            facts[key] = text[key]
    if text["main_cpv"]:
        facts["main_cpv"] = text["main_cpv"].replace(" ", "")
    facts["additional_cpvs"] = [code for code in re.split(r"[\s,;]+", text["additional_cpvs"]) if code]
    if text["estimated_value"]:
        facts["estimated_value"] = money_text(text["estimated_value"])
    facts["place_of_execution"] = {"code": text["place_code"], "code_type": text["place_type"] or None}
    lots, lot_rows = [], []
    for n in range(1, LOT_ROWS + 1):
        title, value = text[f"lot{n}_title"], text[f"lot{n}_value"]
        if title or value:
            lots.append({"number": len(lots) + 1, "title": title, "estimated_value": money_text(value) or None})
            lot_rows.append(n)
    facts["lots"] = lots
    facts["techniques"] = [text["technique"] or PurchaseTechnique.NONE.value]
    facts["execution_modes"] = [text["execution_mode"] or ExecutionMode.NONE.value]
    facts["innovative"] = values["innovative"]
    return values, {"facts": facts, "clause_ids": values["clause_ids"]}, lot_rows


def field_of(loc: tuple | list, lot_rows: list[int]) -> str:
    """A pydantic location or an API field path ('facts.place_of_execution.code') -> form field."""
    parts = [int(p) if isinstance(p, str) and p.isdigit() else p for p in loc]
    if parts and parts[0] == "clause_ids":
        return "clauses"
    if parts and parts[0] == "facts":
        parts = parts[1:]
    if not parts:
        return "_form"
    head = parts[0]
    if head == "place_of_execution":
        return "place_type" if len(parts) > 1 and parts[1] == "code_type" else "place_code"
    if head == "lots":
        if len(parts) > 2 and isinstance(parts[1], int) and parts[1] < len(lot_rows):
            return f"lot{lot_rows[parts[1]]}_{'title' if parts[2] == 'title' else 'value'}"
        return "lots"
    if head == "techniques":
        return "technique"
    if head == "execution_modes":
        return "execution_mode"
    if head in {"additional_cpvs", "main_cpv"}:
        return head
    return head if head in FIELDS else "_form"


def french(error: dict, field: str) -> str:
    """pydantic's error -> a French sentence for the person filling the form."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return "Ce champ est obligatoire."
    if kind in {"enum", "literal_error"} or (kind == "none_required"):
        return "Choisissez une valeur dans la liste."
    if kind == "string_pattern_mismatch" and field in {"main_cpv", "additional_cpvs"}:
        return "Code CPV attendu : 8 chiffres, avec ou sans clé de contrôle (par exemple 45000000-7)."
    if kind in {"decimal_parsing", "decimal_type", "float_parsing"}:
        return "Montant attendu en euros, par exemple 12 000,50."
    if kind == "greater_than_equal":
        return "Le montant ne peut pas être négatif." if "value" in field else f"Valeur minimale : {ctx.get('ge')}."
    if kind == "decimal_max_places":
        return "Deux décimales au plus (les centimes)."
    if kind in {"decimal_max_digits", "decimal_whole_digits"}:
        return "Montant trop élevé."
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return "Nombre entier attendu (en mois)."
    if kind == "string_too_long":
        return f"Texte trop long : {ctx.get('max_length')} caractères au plus."
    if kind == "uuid_parsing":
        return "Clause inconnue de la bibliothèque."
    if kind == "too_short":
        return "Choisissez au moins une valeur."
    # Any other type: the kernel's French wording (never pydantic's English text).
    return french_message(error) + "."


def _add(errors: dict[str, str], field: str, message: str) -> None:
    message = message[:1].upper() + message[1:]
    errors[field] = f"{errors[field]} {message}" if field in errors else message


def validation_errors(error: ValidationError, lot_rows: list[int]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for item in error.errors():
        field = field_of(item["loc"], lot_rows)
        _add(errors, field, french(item, field))
    return errors


def domain_errors(error: DomainError, lot_rows: list[int]) -> dict[str, str]:
    errors: dict[str, str] = {}
    items = error.errors if isinstance(error, InvalidFields) else [{"field": error.field or "", "reason": error.detail}]
    for item in items:
        _add(errors, field_of(str(item["field"]).split(".") if item["field"] else [], lot_rows), item["reason"])
    return errors


async def _clauses(conn) -> list:
    # The clause library as GET /api/clauses lists it (platform templates, then the buyer's own).
    return await conn.fetch("SELECT * FROM clauses ORDER BY tenant NULLS FIRST, kind, title")


def _choices() -> dict[str, Any]:
    return {
        "natures": list(NATURE_LABELS.items()),
        "procedures": [(p.value, p.value) for p in Procedure],
        "ccags": [(c.value, c.value) for c in Ccag],
        "techniques": [(t.value, t.value) for t in PurchaseTechnique],
        "execution_modes": [(m.value, m.value) for m in ExecutionMode],
        "place_types": list(PLACE_TYPE_LABELS.items()),
        "lot_rows": range(1, LOT_ROWS + 1),
    }


def _form_page(request: Request, clauses, values: dict, errors: dict, *, status_code: int = 200) -> HTMLResponse:
    return render(request, "need_form.html", {
        "title": "Nouveau besoin", "breadcrumbs": [("Liste des besoins", "/besoins"), ("Nouveau besoin", None)],
        "values": values, "errors": in_form_order(errors), "labels": FIELD_LABELS, "clauses": clauses, **_choices(),
        "main_cpv_label": reference.cpv_label(values.get("main_cpv", "")) if values.get("main_cpv") else None,
    }, status_code=status_code)


EMPTY = {"technique": PurchaseTechnique.NONE.value, "execution_mode": ExecutionMode.NONE.value, "place_type": "Code commune",
         "clause_ids": [], "innovative": False}


@router.get("/besoins/nouveau", response_class=HTMLResponse, summary="Formulaire d'un nouveau besoin")
async def new_need(request: Request, principal: Principal = allow(*BUYER_ROLES)) -> HTMLResponse:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        clauses = await _clauses(conn)
    return _form_page(request, clauses, dict(EMPTY), {})


@router.post("/besoins/nouveau", response_class=HTMLResponse, summary="Créer un besoin depuis le formulaire")
async def create_need(request: Request, principal: Principal = allow(*BUYER_ROLES)):
    form = await request.form()
    values, payload, lot_rows = form_payload(form)
    errors: dict[str, str] = {}
    draft = None
    try:
        draft = NeedDraft.model_validate(payload)
    except ValidationError as error:
        errors = validation_errors(error, lot_rows)
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        clauses = await _clauses(conn)
    if draft is not None:
        try:
            async with scoped_for(runtime_of(request).pool, principal) as conn:
                row, _decision, _warnings = await needs_service.create(conn, principal, draft,
                                                                       today=runtime_of(request).clock.today())
        except DomainError as error:
            errors = domain_errors(error, lot_rows)
        else:
            return RedirectResponse(f"/besoins/{row['id']}?message=cree", status_code=303)
    return _form_page(request, clauses, values, errors, status_code=422)


@router.get("/besoins/cpv", response_class=HTMLResponse, summary="Suggestions de codes CPV (fragment)")
async def cpv_suggestions(request: Request, q: str = Query(default="", max_length=200),
                          principal: Principal = allow(*BUYER_ROLES)) -> HTMLResponse:
    entries = reference.search_cpv(q, limit=10) if len(q.strip()) >= 2 else []
    return render(request, "fragments/cpv_suggestions.html", {"entries": entries, "q": q.strip()})


@router.get("/besoins/cpv/choisir", response_class=HTMLResponse, summary="Choisir un code CPV (fragment)")
async def cpv_pick(request: Request, code: str = Query(default="", max_length=12),
                   principal: Principal = allow(*BUYER_ROLES)) -> HTMLResponse:
    entry = reference.cpv_entry(code)
    return render(request, "fragments/main_cpv.html", {
        "values": {"main_cpv": entry.code if entry else code}, "errors": {},
        "main_cpv_label": entry.label_fr if entry else None, "picked": entry is not None,
    })


@router.get("/besoins/recommandation", response_class=HTMLResponse, summary="Procédure recommandée (fragment)")
async def recommendation(request: Request, nature: str = Query(default="", max_length=20),
                         estimated_value: str = Query(default="", max_length=40),
                         principal: Principal = allow(*BUYER_ROLES)) -> HTMLResponse:
    decision, problem = None, None
    try:
        value = Decimal(money_text(estimated_value))
        if not value.is_finite() or value < 0:
            raise InvalidOperation
        kind_of_purchase = PurchaseNature(nature)
    except (InvalidOperation, ValueError):
        problem = "Renseignez la nature du besoin et sa valeur estimée pour connaître la procédure à suivre."
    else:
        async with scoped_for(runtime_of(request).pool, principal) as conn:
            kind = await needs_service.buyer_kind(conn)
        try:
            decision = decide(kind_of_purchase, kind, value.quantize(Decimal("0.01")), runtime_of(request).clock.today()).to_dict()
        except DomainError as error:
            problem = error.detail
    return render(request, "fragments/recommendation.html", {
        "decision": decision, "problem": problem, "band_labels": BAND_LABELS,
        "publicity_labels": {p.value: label for p, label in PUBLICITY_LABELS.items()},
        "none_publicity": Publicity.NONE.value,
    })
