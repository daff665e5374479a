"""The buyer's opening page (/consultations/{id}/ouverture): before the deadline, when it opens
and the register of deposits; after it, the button; once opened, the record (« procès-verbal
d'ouverture des plis »), the bids per lot with their price and files, the backup copies, and
each bid's admissibility form."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal, Role
from unefois_kernel.clock import PLATFORM_TZ
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.web import render
from unefois_kernel.web.security import body_limit
from unefois_kernel.web.uploads import upload_body_limit

from unefois_tendering.bids.domain import (
    BACKUP_OPENING_CASE_LABELS,
    DEPOSIT_STATUS_LABELS,
)
from unefois_tendering.consultations.domain import CANDIDATE_DOCUMENTS
from unefois_tendering.documents.api import _chunks, read_upload
from unefois_tendering.opening import service
from unefois_tendering.opening.domain import (
    ADMISSIBILITY_EXPLANATIONS,
    ADMISSIBILITY_LABELS,
    R2144_2,
    REQUEST_STATUS_LABELS,
    Admissibility,
    RequestStatus,
)
from unefois_tendering.opening.views import bid_card, euros, moment

router = APIRouter(tags=["interface"], include_in_schema=False)

MESSAGES = {"ouverts": "Les plis sont ouverts : le procès-verbal d’ouverture est enregistré.",
            "decide": "La décision d’admissibilité est enregistrée.",
            "sauvegarde": "La copie de sauvegarde est ouverte à la place de l’offre électronique.",
            "complement": "La demande de complément est enregistrée : le candidat la trouve sur sa page de dépôts."}
LABELS = {"admissibility": "Admissibilité", "reason": "Motif", "case": "Cas d’ouverture", "backup_id": "Copie",
          "bid_deadline": "Date limite", "status": "Statut", "consultation_key": "Clé de la consultation"}
DECISIONS = [(a.value, ADMISSIBILITY_LABELS[a]) for a in Admissibility if a is not Admissibility.PENDING]


def _deposit_row(deposit) -> list:
    return [deposit.lot_label, f"{deposit.supplier_name} ({deposit.supplier_siret})",
            "Copie de sauvegarde" if deposit.backup else "Offre", moment(deposit.begun_at),
            moment(deposit.completed_at), DEPOSIT_STATUS_LABELS[deposit.status]]


async def _page(request: Request, principal: Principal, consultation_id: uuid.UUID, *, message: str | None = None,
                errors: dict | None = None, values: dict | None = None, status_code: int = 200) -> HTMLResponse:
    view = await service.opening_page(runtime_of(request).uow(principal), consultation_id)
    requests = await service.requests_of(runtime_of(request).uow(principal), consultation_id) if view.opening else []
    consultation = view.consultation
    required = [(code, CANDIDATE_DOCUMENTS.get(code, code)) for code in consultation.preparation.required_documents]
    cards = [bid_card(record, consultation.id) for record in view.bids]
    for card in cards:
        names = " ".join(f["filename"].lower() for f in card["files"])
        card["checklist"] = [{"code": code, "label": label, "present": code.lower() in names} for code, label in required]
        card["requests"] = [{"documents": ", ".join(CANDIDATE_DOCUMENTS.get(c, c) for c in r.documents),
                             "deadline": moment(r.deadline), "status": REQUEST_STATUS_LABELS[r.status],
                             "answers": [f"{CANDIDATE_DOCUMENTS.get(a.code, a.code)} : {a.filename}" for a in r.answers]}
                            for r in requests if str(r.bid_id) == card["id"]]
    lots = {}
    for card in cards:
        lots.setdefault(card["lot"], []).append(card)
    backups = [d for d in view.plan.backups if not any(c["id"] == str(d.id) for c in cards)]
    return render(request, "opening/opening.html", {
        "title": f"Ouverture des plis — {consultation.reference}", "consultation": consultation,
        "deadline": moment(consultation.bid_deadline), "now": moment(view.now),
        "before": consultation.bid_deadline is not None and view.now < consultation.bid_deadline,
        "can_open": view.can_open, "opening": view.opening, "opened_at": moment(view.opening.opened_at)
        if view.opening else None, "lots": lots, "record": view.opening.record if view.opening else None,
        "register_columns": ["Lot", "Soumissionnaire", "Nature", "Début (serveur)", "Fin (serveur)", "État"],
        "register_rows": [_deposit_row(d) for d in view.deposits],
        "backups": backups, "backup_options": [(str(d.id), f"{d.supplier_name} — {d.lot_label}") for d in backups],
        "backup_cases": [(case.value, label) for case, label in BACKUP_OPENING_CASE_LABELS.items()],
        "decisions": DECISIONS, "explanations": ADMISSIBILITY_EXPLANATIONS.values(), "article": R2144_2,
        "message": MESSAGES.get(message or ""), "errors": errors or {}, "labels": LABELS, "values": values or {},
        "prices": {line["deposit_id"]: euros(Decimal(line["price_excl_tax"]))
                   for line in (view.opening.record.get("bids", []) if view.opening else [])
                   if line.get("price_excl_tax")},
        "breadcrumbs": [("Consultation", f"/consultations/{consultation_id}"), ("Ouverture des plis", None)],
    }, status_code=status_code)


@router.get("/consultations/{consultation_id}/ouverture", response_class=HTMLResponse, summary="Ouverture des plis")
async def opening_page(consultation_id: uuid.UUID, request: Request, message: str | None = Query(default=None),
                       principal: Principal = allow(*BUYER_ROLES)) -> HTMLResponse:
    return await _page(request, principal, consultation_id, message=message)


@router.post("/consultations/{consultation_id}/ouverture", response_class=HTMLResponse, summary="Ouvrir les plis")
async def open_bids(consultation_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)):
    try:
        await service.open_bids(runtime_of(request).uow(principal), consultation_id)
    except DomainError as refusal:
        return await _page(request, principal, consultation_id, errors={"open": {refusal.field or "status":
                                                                                 refusal.detail}},
                           status_code=refusal.status)
    return RedirectResponse(f"/consultations/{consultation_id}/ouverture?message=ouverts", status_code=303)


@router.post("/consultations/{consultation_id}/ouverture/offres/{bid_id}", response_class=HTMLResponse,
             summary="Décider de l’admissibilité d’une offre")
async def decide(consultation_id: uuid.UUID, bid_id: uuid.UUID, request: Request,
                 principal: Principal = allow(*BUYER_ROLES)):
    form = await request.form()
    try:
        await service.decide(runtime_of(request).uow(principal), consultation_id, bid_id,
                             admissibility=str(form.get("admissibility", "")), reason=str(form.get("reason", "")))
    except DomainError as refusal:
        found = getattr(refusal, "errors", None) or [{"field": refusal.field or "admissibility",
                                                     "reason": refusal.detail}]
        return await _page(request, principal, consultation_id,
                           errors={str(bid_id): {e["field"]: e["reason"] for e in found}},
                           values={str(bid_id): {"admissibility": str(form.get("admissibility", "")),
                                                 "reason": str(form.get("reason", ""))}}, status_code=refusal.status)
    return RedirectResponse(f"/consultations/{consultation_id}/ouverture?message=decide#offre-{bid_id}",
                            status_code=303)


@router.post("/consultations/{consultation_id}/ouverture/sauvegardes", response_class=HTMLResponse,
             summary="Ouvrir une copie de sauvegarde")
async def open_backup(consultation_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)):
    form = await request.form()
    try:
        backup_id = uuid.UUID(str(form.get("backup_id", "")))
    except ValueError:
        return await _page(request, principal, consultation_id,
                           errors={"backup": {"backup_id": "Choisissez la copie de sauvegarde."}}, status_code=422)
    try:
        await service.open_backup(runtime_of(request).uow(principal), consultation_id, backup_id,
                                  case=str(form.get("case", "")), reason=str(form.get("reason", "")))
    except DomainError as refusal:
        found = getattr(refusal, "errors", None) or [{"field": refusal.field or "case", "reason": refusal.detail}]
        return await _page(request, principal, consultation_id,
                           errors={"backup": {e["field"]: e["reason"] for e in found}}, status_code=refusal.status)
    return RedirectResponse(f"/consultations/{consultation_id}/ouverture?message=sauvegarde", status_code=303)


@router.post("/consultations/{consultation_id}/ouverture/offres/{bid_id}/complements", response_class=HTMLResponse,
             summary="Demander de compléter une candidature")
async def request_complements(consultation_id: uuid.UUID, bid_id: uuid.UUID, request: Request,
                              principal: Principal = allow(*BUYER_ROLES)):
    form = await request.form()
    raw = str(form.get("deadline", ""))
    try:
        deadline = datetime.fromisoformat(raw).replace(tzinfo=PLATFORM_TZ) if raw else None
    except ValueError:
        deadline = None
    try:
        await service.request_documents(runtime_of(request).uow(principal), consultation_id, bid_id,
                                        documents=[str(code) for code in form.getlist("documents")],
                                        message=str(form.get("message", "")), deadline=deadline)
    except DomainError as refusal:
        found = getattr(refusal, "errors", None) or [{"field": refusal.field or "documents", "reason": refusal.detail}]
        return await _page(request, principal, consultation_id, status_code=refusal.status,
                           errors={f"complement-{bid_id}": {e["field"]: e["reason"] for e in found}})
    return RedirectResponse(f"/consultations/{consultation_id}/ouverture?message=complement#offre-{bid_id}",
                            status_code=303)


# ---------------------------------------------------------------- the supplier's complements (R2144-2)

async def _complements(request: Request, principal: Principal, *, message: str | None = None,
                       errors: dict | None = None, status_code: int = 200) -> HTMLResponse:
    requests = await service.my_requests(runtime_of(request).uow(principal))
    now = runtime_of(request).clock.now()
    items = [{"id": str(r.id), "deadline": moment(r.deadline), "message": r.message,
              "status": REQUEST_STATUS_LABELS[r.status],
              "open": r.status is RequestStatus.PENDING and now < r.deadline,
              "documents": [(code, CANDIDATE_DOCUMENTS.get(code, code)) for code in r.documents],
              "answers": [f"{CANDIDATE_DOCUMENTS.get(a.code, a.code)} : {a.filename} ({a.size} octets, "
                          f"SHA-256 {a.sha256}), le {moment(a.at)}" for a in r.answers]} for r in requests]
    return render(request, "opening/complements.html", {
        "title": "Compléments de candidature demandés", "items": items, "errors": errors or {},
        "message": {"envoye": "La pièce est reçue."}.get(message or ""), "article": R2144_2,
        "breadcrumbs": [("Mes dépôts", "/mes-depots"), ("Compléments demandés", None)]}, status_code=status_code)


@router.get("/mes-complements", response_class=HTMLResponse, summary="Compléments de candidature demandés")
async def complements_page(request: Request, message: str | None = Query(default=None),
                           principal: Principal = allow(Role.SUPPLIER)) -> HTMLResponse:
    return await _complements(request, principal, message=message)


@router.post("/mes-complements/{request_id}", response_class=HTMLResponse,
             dependencies=[body_limit(upload_body_limit(service.MAX_COMPLEMENT_BYTES) + 64 * 1024)],
             summary="Déposer une pièce de candidature demandée")
async def answer_complement(request_id: uuid.UUID, request: Request, principal: Principal = allow(Role.SUPPLIER)):
    try:
        upload, fields = await read_upload(request)
        try:
            await service.answer_request(runtime_of(request).uow(principal), request_id, code=fields.get("code", ""),
                                         filename=upload.filename, chunks=_chunks(upload))
        finally:
            await upload.close()
    except DomainError as refusal:
        found = getattr(refusal, "errors", None) or [{"field": refusal.field or "fichier", "reason": refusal.detail}]
        status = 200 if request.headers.get("hx-request") else refusal.status  # htmx swaps 2xx answers only
        return await _complements(request, principal, status_code=status,
                                  errors={str(request_id): {e["field"]: e["reason"] for e in found}})
    if request.headers.get("hx-request"):
        return Response(status_code=200, headers={"HX-Redirect": "/mes-complements?message=envoye"})
    return RedirectResponse("/mes-complements?message=envoye", status_code=303)
