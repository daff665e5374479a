"""Needs pages: the stage's home, the needs list (filters, sortable columns, 25 a page), the
need form with its htmx fragments (CPV suggestions, live procedure recommendation), and the
need page with the actions the domain allows (submit, return, approve).

Every page goes through the same use cases as the JSON API (service.py), in the principal's
unit of work; what a page shows of a need is built in views.py, the form's mapping in form.py.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from unefois_events.values import MONEY_CEILING, PurchaseNature, text_problem
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow, public
from unefois_kernel.auth.principal import BUYER_ROLES, Principal
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.web import render
from unefois_kernel.web.listing import Page, Sort
from unefois_rules.engine import Publicity
from unefois_sourcing import reference
from unefois_sourcing.needs import service
from unefois_sourcing.needs import domain
from unefois_sourcing.needs.domain import NeedAction, NeedFilters, NeedOrder, NeedStatus, roles_for
from unefois_sourcing.needs.form import (
    EMPTY, FIELD_LABELS, ccag_options, choices, domain_errors, form_payload, form_values, in_form_order, money_text,
    validation_errors,
)
from unefois_sourcing.needs.views import (
    BAND_LABELS, DEFAULT_SORT, HOME_COLUMNS, LIST_COLUMNS, PUBLICITY, SORT_KEYS, STATUS_LABELS, NeedDraft, cpv_divisions,
    home_row, list_row, need_context,
)

router = APIRouter(tags=["interface"], include_in_schema=False)

HOME_LIMIT = 10
LIST_PAGE_SIZE = 25


def sentence(reason: str) -> str:
    """A domain's reason ("indiquez pourquoi ...") as the page says it: a sentence."""
    return reason[:1].upper() + reason[1:] + ("" if reason.endswith(".") else ".")


# ---------------------------------------------------------------- home and list


@router.get("/", response_class=HTMLResponse, summary="Accueil des besoins")
async def home(request: Request, principal: Principal | None = public()) -> HTMLResponse:
    rows = None  # None: not a buyer, nothing to show
    total = 0
    if principal is not None and principal.tenant:
        items, total = await service.latest(runtime_of(request).uow(principal), HOME_LIMIT)
        rows = [home_row(item) for item in items]
    return render(request, "home.html", {"title": "Accueil", "columns": HOME_COLUMNS, "rows": rows, "total": total})


@router.get("/besoins", response_class=HTMLResponse, summary="Liste des besoins")
async def needs_list(
    request: Request,
    statut: str | None = Query(default=None, max_length=20),
    q: str | None = Query(default=None, max_length=200),
    division: str | None = Query(default=None, max_length=2),
    principal: Principal = allow(*BUYER_ROLES),
) -> HTMLResponse:
    # What the URL says is read leniently: an unknown value is no filter, never an error.
    filters = NeedFilters(
        status=NeedStatus(statut) if statut in set(NeedStatus) else None,
        text=(q or "").strip() if q and text_problem(q, multiline=False) is None else None,
        division=division if division and division.isdigit() and len(division) == 2 else None,
    )
    sort = Sort.from_request(request, SORT_KEYS, default=DEFAULT_SORT)
    page, items = await service.list_needs(
        runtime_of(request).uow(principal), filters, order=NeedOrder(sort.key), ascending=sort.ascending,
        window=lambda total: Page.from_request(request, total=total, size=LIST_PAGE_SIZE),
    )
    return render(request, "needs/list.html", {
        "title": "Liste des besoins", "breadcrumbs": [("Liste des besoins", None)],
        "columns": LIST_COLUMNS, "rows": [list_row(item) for item in items], "filtered": filters.any, "sort": sort,
        "page": page,
        "filters": {"statut": filters.status.value if filters.status else "", "q": filters.text or "",
                    "division": filters.division or ""},
        "status_options": [(status.value, label) for status, label in STATUS_LABELS.items()],
        "divisions": cpv_divisions(),
    })


# ---------------------------------------------------------------- the need form and its fragments
# Before /besoins/{need_id}: /besoins/nouveau, /besoins/cpv... must match first.


def _form_page(request: Request, clauses, values: dict, errors: dict, *, need_id: uuid.UUID | None = None,
               status_code: int = 200) -> HTMLResponse:
    """The need form: a new need, or the need `need_id` being edited."""
    if need_id is None:
        title, action, cancel = "Nouveau besoin", "/besoins/nouveau", "/besoins"
        breadcrumbs = [("Liste des besoins", "/besoins"), (title, None)]
    else:
        title, action, cancel = "Modifier le besoin", f"/besoins/{need_id}/modifier", f"/besoins/{need_id}"
        short = values.get("object", "")[:59] or "Besoin"
        breadcrumbs = [("Liste des besoins", "/besoins"), (short, cancel), ("Modifier", None)]
    return render(request, "needs/form.html", {
        "title": title, "breadcrumbs": breadcrumbs, "form_action": action, "cancel_url": cancel,
        "editing": need_id is not None,
        "values": values, "errors": in_form_order(errors), "labels": FIELD_LABELS, "clauses": clauses,
        **choices(values.get("nature")),
        "main_cpv_label": reference.cpv_label(values.get("main_cpv", "")) if values.get("main_cpv") else None,
    }, status_code=status_code)


def _draft_or_errors(form) -> tuple[dict, NeedDraft | None, dict[str, str], list[int]]:
    values, payload, lot_rows = form_payload(form)
    try:
        return values, NeedDraft.model_validate(payload), {}, lot_rows
    except ValidationError as error:
        return values, None, validation_errors(error, lot_rows), lot_rows


@router.get("/besoins/nouveau", response_class=HTMLResponse, summary="Formulaire d'un nouveau besoin")
async def new_need(request: Request, principal: Principal = allow(*BUYER_ROLES)) -> HTMLResponse:
    clauses = await service.clause_library(runtime_of(request).uow(principal))
    return _form_page(request, clauses, dict(EMPTY), {})


@router.post("/besoins/nouveau", response_class=HTMLResponse, summary="Créer un besoin depuis le formulaire")
async def create_need(request: Request, principal: Principal = allow(*BUYER_ROLES)):
    values, draft, errors, lot_rows = _draft_or_errors(await request.form())
    if draft is not None:
        try:
            created = await service.create(runtime_of(request).uow(principal), draft)
        except DomainError as error:
            errors = domain_errors(error, lot_rows)
        else:
            return RedirectResponse(f"/besoins/{created.need.id}?message=cree", status_code=303)
    clauses = await service.clause_library(runtime_of(request).uow(principal))
    return _form_page(request, clauses, values, errors, status_code=422)


@router.get("/besoins/ccag", response_class=HTMLResponse, summary="Les CCAG d'une nature (fragment)")
async def ccag_choices(request: Request, nature: str = Query(default="", max_length=20),
                       ccag: str = Query(default="", max_length=100),
                       principal: Principal = allow(*BUYER_ROLES)) -> HTMLResponse:
    """The CCAG select for the nature chosen (htmx, when the nature changes): the choice kept
    when it still applies, else the empty placeholder."""
    options = ccag_options(nature)
    selected = ccag if ccag in {value for value, _ in options} else ""
    return render(request, "needs/fragments/ccag.html", {"ccags": options, "values": {"ccag": selected}, "errors": {}})


@router.get("/besoins/dispense", response_class=HTMLResponse, summary="Le cas de dispense d'une procédure (fragment)")
async def exemption_fields(request: Request, procedure: str = Query(default="", max_length=100),
                           exemption_article: str = Query(default="", max_length=20),
                           exemption_reason: str = Query(default="", max_length=4000),
                           principal: Principal = allow(*BUYER_ROLES)) -> HTMLResponse:
    """The no-competition case and its reason when the procedure chosen is "sans publicité ni mise
    en concurrence" (htmx, when the procedure changes), nothing otherwise; what was typed kept."""
    values = {"procedure": procedure, "exemption_article": exemption_article, "exemption_reason": exemption_reason}
    return render(request, "needs/fragments/exemption.html", {"values": values, "errors": {}, **choices()})


@router.get("/besoins/cpv", response_class=HTMLResponse, summary="Suggestions de codes CPV (fragment)")
async def cpv_suggestions(request: Request, q: str = Query(default="", max_length=200),
                          nature: str = Query(default="", max_length=20),
                          principal: Principal = allow(*BUYER_ROLES)) -> HTMLResponse:
    kind = nature if nature in set(PurchaseNature) else None
    entries = _search_cpv(q, kind) if len(q.strip()) >= 2 else []
    return render(request, "needs/fragments/cpv_suggestions.html", {"entries": entries, "q": q.strip()})


def _search_cpv(text: str, nature: str | None) -> list:
    """The CPV suggestions, the need's nature's codes first."""
    return reference.search_cpv(text, limit=10, nature=PurchaseNature(nature) if nature else None)


@router.get("/besoins/cpv/choisir", response_class=HTMLResponse, summary="Choisir un code CPV (fragment)")
async def cpv_pick(request: Request, code: str = Query(default="", max_length=12),
                   principal: Principal = allow(*BUYER_ROLES)) -> HTMLResponse:
    entry = reference.cpv_entry(code)
    return render(request, "needs/fragments/main_cpv.html", {
        "values": {"main_cpv": entry.code if entry else code}, "errors": {},
        "main_cpv_label": entry.label_fr if entry else None, "picked": entry is not None,
    })


@router.get("/besoins/recommandation", response_class=HTMLResponse, summary="Procédure recommandée (fragment)")
async def recommendation(request: Request, nature: str = Query(default="", max_length=20),
                         estimated_value: str = Query(default="", max_length=40),
                         planned_launch_date: str = Query(default="", max_length=20),
                         specific_services: str = Query(default="", max_length=5),
                         principal: Principal = allow(*BUYER_ROLES)) -> HTMLResponse:
    """The rules for what the form says so far, on its planned launch date (today when empty,
    unreadable or past: R2121-3, the value is assessed when the call for competition is sent)."""
    decision, problem = None, None
    try:
        planned = date.fromisoformat(planned_launch_date) if planned_launch_date else None
    except ValueError:
        planned = None
    today = runtime_of(request).clock.today()
    if planned is not None and planned < today:
        planned = None
    try:
        value = Decimal(money_text(estimated_value))
        if not value.is_finite() or value < 0:
            raise InvalidOperation
        kind_of_purchase = PurchaseNature(nature)
    except (InvalidOperation, ValueError):
        problem = "Renseignez la nature du besoin et sa valeur estimée pour connaître la procédure à suivre."
    else:
        if value >= MONEY_CEILING:  # the amounts' bound (unefois_events.values.Money), as the JSON twin's
            problem = "La valeur estimée est trop élevée : 13 chiffres avant la virgule au plus."
    if problem is None:
        try:
            decision = (await service.recommend(runtime_of(request).uow(principal), kind_of_purchase,
                                                value.quantize(Decimal("0.01")), planned,
                                                specific_services=specific_services == "on")).to_dict()
        except DomainError as error:
            problem = error.detail
    return render(request, "needs/fragments/recommendation.html", {
        "decision": decision, "problem": problem, "band_labels": BAND_LABELS, "publicity_labels": PUBLICITY,
        "none_publicity": Publicity.NONE.value,
    })


# ---------------------------------------------------------------- the need page and its actions


async def _need_page(request: Request, principal: Principal, need_id: uuid.UUID, *, error: str | None = None,
                     comment: str = "", comment_error: str | None = None, status_code: int = 200) -> HTMLResponse:
    file = await service.need_file(runtime_of(request).uow(principal), need_id)
    decision = file.decision.to_dict() if file.decision else None
    context = need_context(request, principal, file.need, file.research, file.warnings, decision, error=error,
                           comment=comment, comment_error=comment_error, history=file.history, advice=file.advice)
    return render(request, "needs/need.html", context, status_code=status_code)


@router.get("/besoins/{need_id}", response_class=HTMLResponse, summary="Un besoin")
async def need_page(need_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> HTMLResponse:
    return await _need_page(request, principal, need_id)


@router.get("/besoins/{need_id}/modifier", response_class=HTMLResponse, summary="Formulaire de modification d'un besoin")
async def edit_form(need_id: uuid.UUID, request: Request,
                    principal: Principal = allow(*roles_for(NeedAction.EDIT))) -> HTMLResponse:
    """The form, prefilled; a need that can no longer be edited sends the buyer to its page,
    which says why (the POST is refused by the use case: 409 on the status)."""
    need = await service.get(runtime_of(request).uow(principal), need_id)
    try:
        domain.edit(need, need.facts, roles=principal.roles)  # the domain's own refusal, if any
    except DomainError as error:
        if error.status != 409:
            raise
        return RedirectResponse(f"/besoins/{need_id}?message=non-modifiable", status_code=303)
    clauses = await service.clause_library(runtime_of(request).uow(principal))
    return _form_page(request, clauses, form_values(need.facts), {}, need_id=need_id)


@router.post("/besoins/{need_id}/modifier", response_class=HTMLResponse, summary="Modifier un besoin depuis le formulaire")
async def edit_need(need_id: uuid.UUID, request: Request, principal: Principal = allow(*roles_for(NeedAction.EDIT))):
    values, draft, errors, lot_rows = _draft_or_errors(await request.form())
    if draft is not None:
        try:
            edited = await service.edit(runtime_of(request).uow(principal), need_id, draft)
        except DomainError as error:
            if error.status in {403, 404, 409}:
                return await _refused(request, principal, need_id, error)
            errors = domain_errors(error, lot_rows)
        else:
            return _done(need_id, "modifie" if edited.changed else "inchange")
    clauses = await service.clause_library(runtime_of(request).uow(principal))
    return _form_page(request, clauses, values, errors, need_id=need_id, status_code=422)


def _done(need_id: uuid.UUID, message: str) -> RedirectResponse:
    return RedirectResponse(f"/besoins/{need_id}?{urlencode({'message': message})}", status_code=303)


async def _refused(request: Request, principal: Principal, need_id: uuid.UUID, error: DomainError, *,
                   comment: str = "") -> HTMLResponse:
    """The need page again, saying why the action was refused (an unknown need stays a 404)."""
    if error.status == 404:
        raise error
    if error.field == "comment":
        return await _need_page(request, principal, need_id, comment=comment, comment_error=sentence(error.detail),
                                status_code=error.status)
    return await _need_page(request, principal, need_id, error=error.detail, status_code=error.status)


@router.post("/besoins/{need_id}/soumettre", response_class=HTMLResponse, summary="Soumettre un besoin")
async def submit(need_id: uuid.UUID, request: Request, principal: Principal = allow(*roles_for(NeedAction.SUBMIT))):
    try:
        await service.submit(runtime_of(request).uow(principal), need_id)
    except DomainError as error:
        return await _refused(request, principal, need_id, error)
    return _done(need_id, "soumis")


@router.post("/besoins/{need_id}/approuver", response_class=HTMLResponse, summary="Approuver un besoin")
async def approve(need_id: uuid.UUID, request: Request, principal: Principal = allow(*roles_for(NeedAction.APPROVE))):
    try:
        await service.approve(runtime_of(request).uow(principal), need_id)
    except DomainError as error:
        return await _refused(request, principal, need_id, error)
    return _done(need_id, "approuve")


@router.post("/besoins/{need_id}/renvoyer", response_class=HTMLResponse, summary="Renvoyer un besoin à son auteur")
async def return_for_changes(need_id: uuid.UUID, request: Request,
                             principal: Principal = allow(*roles_for(NeedAction.RETURN))):
    comment = str((await request.form()).get("comment", "")).strip()
    try:
        await service.return_for_changes(runtime_of(request).uow(principal), need_id, comment)
    except DomainError as error:
        return await _refused(request, principal, need_id, error, comment=comment)
    return _done(need_id, "renvoye")
