"""Market research page of a need (/besoins/{need_id}/etude-de-marche): its notes, the quotes
received (supplier, amount excluding VAT, date, the file's name), the one retained with its
reason, and the shortlist of companies to invite, added from the supplier directory.

Every form goes through the same use cases as /api/needs/{need_id}/research (research/service.py),
with the API's roles (the buyer roles); the request models are the API's too (views.py), so the
page refuses what the API refuses, with its French message next to the field. A success
redirects to the page (303, post/redirect/get) with a message; a refusal is the page again
(422, or 409 once the need is approved: the research is frozen) keeping what was typed.
The directory search of the shortlist is an htmx fragment (/annuaire) and, without
JavaScript, the same results in the page (?annuaire=...)."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from unefois_events.catalogue import Organisation
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.validation_messages import field_path, french_message
from unefois_kernel.web import render
from unefois_sourcing.needs.domain import NeedStatus
from unefois_sourcing.research import service
from unefois_sourcing.research.views import Choice, Notes, QuoteInput
from unefois_sourcing.suppliers import service as directory
from unefois_sourcing.suppliers.domain import SupplierSearch, criteria_errors, normalise_siret

router = APIRouter(tags=["interface"], include_in_schema=False)

DIRECTORY_RESULTS = 8
MESSAGES = {
    "notes": "Les notes sont enregistrées.",
    "devis": "Le devis est enregistré.",
    "retenu": "Le devis retenu et son motif sont enregistrés.",
    "devis-retire": "Le devis est retiré.",
    "ajoute": "L’entreprise est ajoutée à la liste des entreprises à consulter.",
    "retire": "L’entreprise est retirée de la liste des entreprises à consulter.",
}
QUOTE_LABELS = {"siret": "SIRET de l’entreprise", "name": "Nom de l’entreprise", "amount": "Montant HT (€)",
                "received_on": "Date de réception", "file_name": "Nom du fichier"}
LABELS = {"notes": "Notes", **QUOTE_LABELS, "shortlist_siret": "SIRET à ajouter", "annuaire": "Nom de l’entreprise"}
_QUOTE_FIELDS = {"supplier.siret": "siret", "supplier.name": "name", "amount": "amount", "received_on": "received_on",
                 "file_name": "file_name", "notes": "notes", "reason": "reason"}
_AMOUNT = re.compile(r"^-?[0-9]+(?:[.,][0-9]+)?$")


def url(need_id: uuid.UUID, section: str | None = None, **params: str) -> str:
    base = f"/besoins/{need_id}/etude-de-marche"
    return base + (f"?{urlencode(params)}" if params else "") + (f"#{section}" if section else "")


def sentence(reason: str) -> str:
    return reason[:1].upper() + reason[1:] + ("" if reason.endswith(".") else ".")


def amount_text(typed: str) -> str:
    """"1 200,50 €" -> "1200.50": what a French buyer types, as the API reads it ("" stays "")."""
    text = re.sub(r"[\s\u00a0\u202f€]", "", typed)
    return text.replace(",", ".") if _AMOUNT.match(text) else text


def _french(item: dict) -> str:
    kind, ctx = item.get("type", ""), item.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return "Ce champ est obligatoire."
    if kind in {"decimal_parsing", "decimal_type"}:
        return "Montant attendu en euros, par exemple 1 200,50."
    if kind == "greater_than":
        return "Le montant doit être supérieur à zéro."
    if kind in {"date_from_datetime_parsing", "date_parsing", "date_type"}:
        return "Date attendue, par exemple 2026-11-02."
    return sentence(french_message(item))


def field_errors(error: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for item in error.errors():
        field = _QUOTE_FIELDS.get(field_path(item["loc"]), field_path(item["loc"]))
        errors.setdefault(field, _french(item))
    return errors


async def _page(request: Request, principal: Principal, need_id: uuid.UUID, *, errors: dict | None = None,
                typed: dict | None = None, status_code: int = 200, refused: str | None = None,
                search: str = "") -> HTMLResponse:
    need, research = await service.research_page(runtime_of(request).uow(principal), need_id)
    frozen = need.status is NeedStatus.APPROVED
    errors = errors or {}
    found, search_error = None, None
    if search and not frozen:
        found, search_error = await _directory(request, principal, search, research)
        if search_error:
            errors = {**errors, "annuaire": search_error}
    message = MESSAGES.get(request.query_params.get("message", ""))
    labels = {**LABELS, **{f"reason-{quote.id}": f"Motif du choix ({quote.supplier.name})" for quote in research.quotes}}
    # The search box's message stays next to it: it is no failed recording.
    summary_errors = {field: text for field, text in errors.items() if field != "annuaire"}
    short = need.facts.object[:59]
    return render(request, "research/page.html", {
        "title": f"Étude de marché — {short}",
        "breadcrumbs": [("Liste des besoins", "/besoins"), (short, f"/besoins/{need_id}"), ("Étude de marché", None)],
        "need": need, "research": research, "frozen": frozen, "message": None if refused else message,
        "refused": refused, "errors": errors, "summary_errors": summary_errors, "labels": labels, "problem": None, "typed": typed or {}, "page_url": url(need_id),
        "search": search[:200], "found": found, "need_url": f"/besoins/{need_id}",
    }, status_code=status_code)


async def _directory(request: Request, principal: Principal, text: str, research) -> tuple[list | None, str | None]:
    """Directory establishments for the shortlist's search box: (results, None) or (None, the field's message)."""
    text = text.strip()
    siret = normalise_siret(text)
    by_siret = siret.isdigit() and len(siret) == 14
    problems = criteria_errors(siret=siret if by_siret else None, name=None if by_siret else text, require_one=True)
    if problems:
        return None, sentence(problems[0]["reason"])
    criteria = SupplierSearch(siret=siret) if by_siret else SupplierSearch(name=text, limit=DIRECTORY_RESULTS)
    try:
        found = await directory.search(runtime_of(request).uow(principal), criteria)
    except DomainError as error:
        return None, sentence(error.detail)
    listed = {supplier.siret for supplier in research.shortlist}
    return [(establishment, establishment.siret in listed) for establishment in found], None


def _done(need_id: uuid.UUID, message: str, section: str) -> RedirectResponse:
    return RedirectResponse(url(need_id, section, message=message), status_code=303)


async def _refusal(request: Request, principal: Principal, need_id: uuid.UUID, error: DomainError, *, field: str,
                   typed: dict | None = None) -> HTMLResponse:
    """The page again: a frozen research (409) said at the top, another refusal next to `field`."""
    if error.status == 404 and error.field == "need_id":
        raise error
    if error.status == 409:
        return await _page(request, principal, need_id, refused=sentence(error.detail), status_code=409)
    return await _page(request, principal, need_id, errors={error.field if error.field in LABELS else field:
                                                            sentence(error.detail)},
                       typed=typed, status_code=422)


def _form_text(form, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


@router.get("/besoins/{need_id}/etude-de-marche", response_class=HTMLResponse, summary="Étude de marché d'un besoin")
async def research_page(need_id: uuid.UUID, request: Request, annuaire: str = Query(default=""),
                        principal: Principal = allow(*BUYER_ROLES)) -> HTMLResponse:
    return await _page(request, principal, need_id, search=annuaire)


@router.get("/besoins/{need_id}/etude-de-marche/annuaire", response_class=HTMLResponse,
            summary="Recherche dans l'annuaire pour la liste à consulter (fragment)")
async def directory_fragment(need_id: uuid.UUID, request: Request, annuaire: str = Query(default=""),
                             principal: Principal = allow(*BUYER_ROLES)) -> HTMLResponse:
    research = await service.read(runtime_of(request).uow(principal), need_id)
    found, problem = (None, None)
    if annuaire.strip():
        found, problem = await _directory(request, principal, annuaire, research)
    return render(request, "research/fragments/directory_results.html", {
        "found": found, "problem": problem, "search": annuaire.strip()[:200], "page_url": url(need_id),
    })


@router.post("/besoins/{need_id}/etude-de-marche/notes", response_class=HTMLResponse, summary="Enregistrer les notes")
async def save_notes(need_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)):
    typed = {"notes": _form_text(await request.form(), "notes")}
    try:
        notes = Notes.model_validate({"notes": typed["notes"].replace("\r\n", "\n")})
    except ValidationError as error:
        return await _page(request, principal, need_id, errors=field_errors(error), typed=typed, status_code=422)
    try:
        await service.write_notes(runtime_of(request).uow(principal), need_id, notes.notes)
    except DomainError as error:
        return await _refusal(request, principal, need_id, error, field="notes", typed=typed)
    return _done(need_id, "notes", "etude-notes")


@router.post("/besoins/{need_id}/etude-de-marche/devis", response_class=HTMLResponse, summary="Enregistrer un devis")
async def add_quote(need_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)):
    form = await request.form()
    typed = {name: _form_text(form, name).strip() for name in QUOTE_LABELS}
    siret = normalise_siret(typed["siret"])
    name = typed["name"]
    errors: dict[str, str] = {}
    if siret and not name:  # the name of a company the directory knows need not be typed
        try:
            name = (await directory.get(runtime_of(request).uow(principal), siret)).name
        except DomainError:
            errors["name"] = "Indiquez le nom de l’entreprise : l’annuaire ne connaît pas ce SIRET."
    # A field left empty is missing (pydantic's "missing": "Ce champ est obligatoire."), not a wrong value.
    payload = {"supplier": {"siret": siret, "name": name},
               **{key: value for key, value in (("amount", amount_text(typed["amount"])),
                                                ("received_on", typed["received_on"]),
                                                ("file_name", typed["file_name"] or None)) if value != ""}}
    try:
        quote = QuoteInput.model_validate(payload)
    except ValidationError as error:
        errors = {**field_errors(error), **errors}
    if errors:
        if errors.get("name") == "Ce champ est obligatoire." and not siret:
            errors["name"] = "Ce champ est obligatoire (ou un SIRET que l’annuaire connaît)."
        return await _page(request, principal, need_id, errors=errors, typed=typed, status_code=422)
    try:
        await service.record_quote(runtime_of(request).uow(principal), need_id, supplier=quote.supplier,
                                   amount=quote.amount, received_on=quote.received_on, file_name=quote.file_name)
    except DomainError as error:
        return await _refusal(request, principal, need_id, error, field="amount", typed=typed)
    return _done(need_id, "devis", "etude-devis")


@router.post("/besoins/{need_id}/etude-de-marche/devis/{quote_id}/retenir", response_class=HTMLResponse,
             summary="Retenir un devis, avec son motif")
async def choose_quote(need_id: uuid.UUID, quote_id: uuid.UUID, request: Request,
                       principal: Principal = allow(*BUYER_ROLES)):
    reason = _form_text(await request.form(), "reason").strip()
    field = f"reason-{quote_id}"
    typed = {field: reason}
    try:
        choice = Choice.model_validate({"reason": reason})
        await service.choose_quote(runtime_of(request).uow(principal), need_id, quote_id, choice.reason)
    except ValidationError as error:
        return await _page(request, principal, need_id, errors={field: next(iter(field_errors(error).values()))},
                           typed=typed, status_code=422)
    except DomainError as error:
        if error.field == "reason":
            return await _page(request, principal, need_id, errors={field: sentence(error.detail)}, typed=typed,
                               status_code=422)
        return await _refusal(request, principal, need_id, error, field=field, typed=typed)
    return _done(need_id, "retenu", "etude-devis")


@router.post("/besoins/{need_id}/etude-de-marche/devis/{quote_id}/retirer", response_class=HTMLResponse,
             summary="Retirer un devis")
async def remove_quote(need_id: uuid.UUID, quote_id: uuid.UUID, request: Request,
                       principal: Principal = allow(*BUYER_ROLES)):
    try:
        await service.remove_quote(runtime_of(request).uow(principal), need_id, quote_id)
    except DomainError as error:
        return await _refusal(request, principal, need_id, error, field="siret")
    return _done(need_id, "devis-retire", "etude-devis")


@router.post("/besoins/{need_id}/etude-de-marche/liste", response_class=HTMLResponse,
             summary="Ajouter une entreprise de l'annuaire à la liste à consulter")
async def shortlist_supplier(need_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)):
    form = await request.form()
    typed = {"shortlist_siret": _form_text(form, "siret").strip()}
    siret = normalise_siret(typed["shortlist_siret"])
    try:
        if not siret:
            raise DomainError("indiquez le SIRET de l’entreprise, ou cherchez-la dans l’annuaire", field="shortlist_siret")
        found = await directory.get(runtime_of(request).uow(principal), siret)
        await service.shortlist_supplier(runtime_of(request).uow(principal), need_id,
                                         Organisation(siret=found.siret, name=found.name))
    except DomainError as error:
        if error.field == "siret" or error.field == "shortlist_siret":
            return await _page(request, principal, need_id, errors={"shortlist_siret": sentence(error.detail)},
                               typed=typed, status_code=422)
        return await _refusal(request, principal, need_id, error, field="shortlist_siret", typed=typed)
    return _done(need_id, "ajoute", "etude-liste")


@router.post("/besoins/{need_id}/etude-de-marche/liste/{siret}/retirer", response_class=HTMLResponse,
             summary="Retirer une entreprise de la liste à consulter")
async def remove_from_shortlist(need_id: uuid.UUID, siret: str, request: Request,
                                principal: Principal = allow(*BUYER_ROLES)):
    try:
        await service.remove_from_shortlist(runtime_of(request).uow(principal), need_id, normalise_siret(siret)[:20])
    except DomainError as error:
        return await _refusal(request, principal, need_id, error, field="shortlist_siret")
    return _done(need_id, "retire", "etude-liste")

