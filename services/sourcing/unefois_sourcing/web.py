"""Sourcing stage UI: home, needs list (filters, sortable columns, 25 a page), need page with
its approval actions.

The need form and its htmx fragments are in web_form.py, the supplier directory in
web_suppliers.py; their routers are included here (main.py includes this one). Every page
goes through the same application layer as the JSON API (needs_service.py), under
`scoped_for(pool, principal)`.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from unefois_kernel.app import runtime_of
from unefois_kernel.db import like_pattern
from unefois_kernel.auth.access import allow, public
from unefois_kernel.auth.principal import BUYER_ROLES, Principal, Role
from unefois_kernel.clock import paris_date
from unefois_events.catalogue import PurchaseFacts
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.tenancy import scoped_for
from unefois_kernel.web import format_date, format_euros, render
from unefois_kernel.web.listing import Page, Sort
from unefois_kernel.web.templating import web_of
from unefois_sourcing import needs_service, reference
from unefois_sourcing.research.api import read_research
from unefois_rules import decide
from unefois_rules.engine import PUBLICITY_LABELS
from unefois_sourcing.web_form import BAND_LABELS, NATURE_LABELS, PLACE_TYPE_LABELS
from unefois_sourcing.web_form import router as form_router
from unefois_sourcing.web_suppliers import router as suppliers_router

router = APIRouter(tags=["interface"], include_in_schema=False)
# First: /besoins/nouveau, /besoins/cpv... must match before /besoins/{need_id}.
# (copied, not include_router'd: the app's access check and OpenAPI see plain APIRoutes)
router.routes.extend(form_router.routes)
router.routes.extend(suppliers_router.routes)

STATUS_LABELS = {"draft": "Brouillon", "submitted": "Soumis", "approved": "Approuvé"}
# ui.badge kinds (components.html): the text says the status, the colour repeats it.
STATUS_BADGES = {"draft": "neutral", "submitted": "info", "approved": "success"}
# The need's way through the purchase, as the need page shows it (ui.steps).
STEPS = ["Brouillon", "Soumis", "Approuvé", "En consultation"]
STATUS_STEP = {"draft": 0, "submitted": 1, "approved": 2}
HOME_COLUMNS = ["Objet", "Valeur estimée (HT)", "Statut", "Créé le"]
HOME_LIMIT = 10
MESSAGES = {
    "cree": "Le besoin est enregistré en brouillon.",
    "soumis": "Le besoin est soumis à l’approbation.",
    "approuve": "Le besoin est approuvé : il part en consultation.",
    "renvoye": "Le besoin est renvoyé à son auteur avec votre commentaire.",
}
LIST_PAGE_SIZE = 25
# The needs list's sortable columns: public key (?tri=key or ?tri=-key) -> SQL expression.
# These expressions are the only text that reaches ORDER BY: never anything from the request.
SORT_COLUMNS = {
    "objet": "lower(facts->>'object')",
    "valeur": "(facts->>'estimated_value')::numeric",
    "statut": "CASE status WHEN 'draft' THEN 0 WHEN 'submitted' THEN 1 WHEN 'approved' THEN 2 ELSE 3 END",
    "date": "created_at",
}
DEFAULT_SORT = "-date"
LIST_COLUMNS = [("Objet", "objet"), "CPV principal", ("Valeur estimée (HT)", "valeur"), ("Statut", "statut"),
                ("Créé le", "date")]
NEEDS_FILTER = """tenant = $1 AND ($2::text IS NULL OR status = $2)
                 AND ($3::text IS NULL OR facts->>'object' ILIKE $3)
                 AND ($4::text IS NULL OR left(facts->>'main_cpv', 2) = $4)"""


def status_badge(status: str) -> dict:
    """A table cell showing the need's status as a badge (components.html, table cells)."""
    return {"badge": STATUS_LABELS.get(status, status), "kind": STATUS_BADGES.get(status, "neutral")}


@router.get("/", response_class=HTMLResponse, summary="Accueil des besoins")
async def home(request: Request, principal: Principal | None = public()) -> HTMLResponse:
    rows = None  # None: not a buyer, nothing to show
    total = 0
    if principal is not None and principal.tenant:
        async with scoped_for(runtime_of(request).pool, principal) as conn:
            needs = await conn.fetch(
                "SELECT id, status, facts, created_at FROM needs WHERE tenant = $1 ORDER BY created_at DESC, id LIMIT $2",
                principal.tenant, HOME_LIMIT,
            )
            total = await conn.fetchval("SELECT count(*) FROM needs WHERE tenant = $1", principal.tenant)
        rows = [
            [
                {"text": need["facts"].get("object", ""), "url": f"/besoins/{need['id']}"},
                format_euros(need["facts"].get("estimated_value")),
                status_badge(need["status"]),
                format_date(need["created_at"]),
            ]
            for need in needs
        ]
    return render(request, "home.html", {"title": "Accueil", "columns": HOME_COLUMNS, "rows": rows, "total": total})


def needs_queries(sort: Sort) -> tuple[str, str]:
    """(count query, page query) of the needs list, both taking (tenant, status, like, division);
    the page query also takes (limit, offset). ORDER BY comes from SORT_COLUMNS through `sort`."""
    direction = "ASC" if sort.ascending else "DESC"
    count = f"SELECT count(*) FROM needs WHERE {NEEDS_FILTER}"
    rows = (f"SELECT id, status, facts, created_at FROM needs WHERE {NEEDS_FILTER} "
            f"ORDER BY {sort.column} {direction} NULLS LAST, created_at DESC, id LIMIT $5 OFFSET $6")
    return count, rows


@router.get("/besoins", response_class=HTMLResponse, summary="Liste des besoins")
async def needs_list(
    request: Request,
    statut: str | None = Query(default=None, max_length=20),
    q: str | None = Query(default=None, max_length=200),
    division: str | None = Query(default=None, max_length=2),
    principal: Principal = allow(*BUYER_ROLES),
) -> HTMLResponse:
    status = statut if statut in STATUS_LABELS else None
    text = (q or "").strip() or None
    division = division if division and division.isdigit() and len(division) == 2 else None
    sort = Sort.from_request(request, SORT_COLUMNS, default=DEFAULT_SORT)
    count_sql, rows_sql = needs_queries(sort)
    filters = (principal.tenant, status, like_pattern(text) if text else None, division)
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        total = await conn.fetchval(count_sql, *filters)
        page = Page.from_request(request, total=total, size=LIST_PAGE_SIZE)
        needs = await conn.fetch(rows_sql, *filters, page.size, page.offset)
    divisions = sorted(
        ((entry.division, f"{entry.division} — {entry.label_fr}") for entry in reference.all_cpv()
         if entry.code8[2:] == "000000"),
    )
    rows = [
        [
            {"text": need["facts"].get("object", ""), "url": f"/besoins/{need['id']}"},
            need["facts"].get("main_cpv", ""),
            format_euros(need["facts"].get("estimated_value")),
            status_badge(need["status"]),
            format_date(need["created_at"]),
        ]
        for need in needs
    ]
    filtered = bool(status or text or division)
    return render(request, "needs_list.html", {
        "title": "Liste des besoins", "breadcrumbs": [("Liste des besoins", None)],
        "columns": LIST_COLUMNS, "rows": rows, "filtered": filtered, "sort": sort, "page": page,
        "filters": {"statut": status or "", "q": text or "", "division": division or ""},
        "status_options": list(STATUS_LABELS.items()), "divisions": divisions,
    })


def need_context(request: Request, principal: Principal, row, facts: PurchaseFacts, research, warnings: list[str],
                 decision: dict | None, *, error: str | None = None, comment: str = "",
                 comment_error: str | None = None) -> dict:
    """What need.html shows of a need (row: the needs row; research: its ResearchView)."""
    main_cpv = reference.cpv_entry(facts.main_cpv)
    place = facts.place_of_execution
    place_name = None
    if place.code_type.value == "Code commune" and (found := reference.commune(place.code)):
        place_name = found.name
    elif place.code_type.value == "Code département" and (found := reference.departement(place.code)):
        place_name = getattr(found, "name", None)
    elif place.code_type.value == "Code région" and (found := reference.region(place.code)):
        place_name = getattr(found, "name", None)
    status = row["status"]
    is_approver = principal.has_any({Role.BUYER_APPROVER})
    message = MESSAGES.get(request.query_params.get("message", ""))
    short = facts.object if len(facts.object) <= 60 else facts.object[:59].rstrip() + "…"
    tendering = web_of(request).urls.get("tendering")
    return {
        "title": facts.object[:80], "breadcrumbs": [("Liste des besoins", "/besoins"), (short, None)],
        "need": row, "facts": facts, "status": status, "status_label": STATUS_LABELS.get(status, status),
        "badge": STATUS_BADGES.get(status, "neutral"), "steps": STEPS, "step": STATUS_STEP.get(status, 0),
        "tendering_url": f"{tendering}/" if tendering else None,
        "nature_label": NATURE_LABELS.get(facts.nature.value, facts.nature.value),
        "main_cpv_label": main_cpv.label_fr if main_cpv else None,
        "additional_cpvs": [(code, reference.cpv_label(code)) for code in facts.additional_cpvs],
        "place_label": PLACE_TYPE_LABELS.get(place.code_type.value, place.code_type.value), "place_name": place_name,
        "research": research, "warnings": warnings, "decision": decision, "problem": None, "band_labels": BAND_LABELS,
        "publicity_labels": {p.value: label for p, label in PUBLICITY_LABELS.items()},
        "can_submit": status == "draft", "can_decide": status == "submitted" and is_approver,
        "error": error, "comment": comment, "comment_error": comment_error, "message": message,
    }


async def _need_page(request: Request, principal: Principal, need_id: uuid.UUID, *, error: str | None = None,
                     comment: str = "", comment_error: str | None = None, status_code: int = 200) -> HTMLResponse:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        row = await needs_service.get(conn, need_id)
        facts = PurchaseFacts.model_validate(row["facts"])
        research = await read_research(conn, need_id)
        kind = await needs_service.buyer_kind(conn)
        created_on = paris_date(row["created_at"])
        warnings = await needs_service.splitting_warnings(conn, facts, kind, launch_date=created_on,
                                                          exclude=need_id)
    try:  # the rules as they stood when the need was created (what the approver checks)
        decision = decide(facts.nature, kind, facts.estimated_value, created_on).to_dict()
    except DomainError:
        decision = None
    context = need_context(request, principal, row, facts, research, warnings, decision, error=error,
                           comment=comment, comment_error=comment_error)
    return render(request, "need.html", context, status_code=status_code)


@router.get("/besoins/{need_id}", response_class=HTMLResponse, summary="Un besoin")
async def need_page(need_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> HTMLResponse:
    return await _need_page(request, principal, need_id)


def _done(need_id: uuid.UUID, message: str) -> RedirectResponse:
    return RedirectResponse(f"/besoins/{need_id}?{urlencode({'message': message})}", status_code=303)


@router.post("/besoins/{need_id}/soumettre", response_class=HTMLResponse, summary="Soumettre un besoin")
async def submit(need_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)):
    try:
        async with scoped_for(runtime_of(request).pool, principal) as conn:
            await needs_service.submit(conn, principal, need_id)
    except DomainError as error:
        if error.status == 404:
            raise
        return await _need_page(request, principal, need_id, error=error.detail, status_code=error.status)
    return _done(need_id, "soumis")


@router.post("/besoins/{need_id}/approuver", response_class=HTMLResponse, summary="Approuver un besoin")
async def approve(need_id: uuid.UUID, request: Request, principal: Principal = allow(Role.BUYER_APPROVER)):
    try:
        async with scoped_for(runtime_of(request).pool, principal) as conn:
            await needs_service.approve(conn, principal, need_id, [], at=runtime_of(request).clock.now())
    except DomainError as error:
        if error.status == 404:
            raise
        return await _need_page(request, principal, need_id, error=error.detail, status_code=error.status)
    return _done(need_id, "approuve")


@router.post("/besoins/{need_id}/renvoyer", response_class=HTMLResponse, summary="Renvoyer un besoin à son auteur")
async def return_for_changes(need_id: uuid.UUID, request: Request, principal: Principal = allow(Role.BUYER_APPROVER)):
    form = await request.form()
    comment = str(form.get("comment", "")).strip()
    if not comment or len(comment) > 2000:
        reason = "Indiquez pourquoi le besoin est renvoyé." if not comment else "2 000 caractères au plus."
        return await _need_page(request, principal, need_id, comment=comment, comment_error=reason, status_code=422)
    try:
        async with scoped_for(runtime_of(request).pool, principal) as conn:
            await needs_service.return_for_changes(conn, principal, need_id, comment)
    except DomainError as error:
        if error.status == 404:
            raise
        if error.field == "comment":
            return await _need_page(request, principal, need_id, comment=comment, comment_error=error.detail,
                                    status_code=error.status)
        return await _need_page(request, principal, need_id, error=error.detail, status_code=error.status)
    return _done(need_id, "renvoye")

