"""DCE pages: the buyer's (/consultations/{id}/dce: files, upload and amendment form, amendments,
registry of withdrawals) and the public one (/consultations-publiques/{id}/dce: current files
with size and SHA-256, amendments, downloads)."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow, public
from unefois_kernel.auth.principal import BUYER_ROLES, Principal
from unefois_kernel.clock import PLATFORM_TZ
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.storage import MiB
from unefois_kernel.web import render
from unefois_kernel.web.security import body_limit
from unefois_kernel.web.uploads import document_response

from unefois_tendering.documents import domain, service
from unefois_tendering.documents.api import (
    UPLOAD_LIMIT,
    content_of,
    upload,
    zip_response,
)
from unefois_tendering.documents.service import Dce
from unefois_tendering.documents.views import size_label

router = APIRouter(tags=["interface"], include_in_schema=False)

MESSAGES = {"ajoute": "Le fichier est ajouté au dossier de consultation.",
            "modifie": "Modification du DCE enregistrée : les entreprises qui ont retiré le dossier sont prévenues."}
LABELS = {"fichier": "Fichier", "titre": "Titre du document", "description": "Description de la modification",
          "remplace": "Document remplacé", "bid_deadline": "Date limite de remise des offres", "status": "Statut"}


def moment(at: datetime | None) -> str:
    if at is None:
        return "—"
    local = at.astimezone(PLATFORM_TZ)
    return f"{local:%d/%m/%Y} à {local:%H:%M}"


def _file_row(d, url: str) -> dict:
    return {"id": str(d.id), "title": d.title, "filename": d.filename, "size": size_label(d.size), "sha256": d.sha256,
            "added": moment(d.added_at), "version": d.version, "url": url, "current": d.current,
            "replaced": moment(d.replaced_at)}


def _common(dce: Dce) -> dict:
    consultation = dce.consultation
    return {"consultation": consultation, "facts": consultation.purchase,
            "amendments": [{"description": a.description, "at": moment(a.created_at)} for a in reversed(dce.amendments)],
            "bid_deadline": moment(consultation.bid_deadline),
            "max_file": f"{domain.MAX_FILE_BYTES // MiB} Mio", "max_total": f"{domain.MAX_DCE_BYTES // (1024 * MiB)} Gio"}


async def _buyer_page(request: Request, principal: Principal, consultation_id: uuid.UUID, *,
                      errors: dict[str, str] | None = None, values: dict | None = None, message: str | None = None,
                      status_code: int = 200) -> HTMLResponse:
    dce = await service.buyer_dce(runtime_of(request).uow(principal), consultation_id)
    base = f"/consultations/{consultation_id}/dce"
    context = _common(dce) | {
        "title": f"Dossier de consultation — {dce.consultation.reference}",
        "current": [_file_row(d, f"{base}/{d.id}") for d in dce.current],
        "replaced": [_file_row(d, f"{base}/{d.id}") for d in dce.documents if not d.current],
        "download_rows": [[f"{d.supplier_name} ({d.supplier_siret})", d.person_name, d.email or "—",
                           next((x.title for x in dce.documents if x.id == d.dce_document_id), "Archive ZIP"),
                           moment(d.downloaded_at)] for d in dce.downloads],
        "replace_options": [("", "Aucun (nouveau document)")] + [(str(d.id), f"{d.title} (version {d.version})")
                                                                 for d in dce.current],
        "amending": domain.is_amendment(dce.consultation),
        "changeable": _changeable(dce, runtime_of(request).clock.now()),
        "errors": errors or {}, "labels": LABELS, "values": values or {}, "message": message,
    }
    return render(request, "documents/buyer_dce.html", context, status_code=status_code)


def _changeable(dce: Dce, now: datetime) -> str | None:
    """None when the DCE may change, else why not."""
    try:
        domain.check_changeable(dce.consultation, now)
    except DomainError as refusal:
        return refusal.detail
    return None


@router.get("/consultations/{consultation_id}/dce", response_class=HTMLResponse,
            summary="Dossier de consultation (acheteur)")
async def buyer_dce_page(consultation_id: uuid.UUID, request: Request, message: str | None = Query(default=None),
                         principal: Principal = allow(*BUYER_ROLES)):
    return await _buyer_page(request, principal, consultation_id, message=MESSAGES.get(message or ""))


@router.post("/consultations/{consultation_id}/dce", response_class=HTMLResponse,
             dependencies=[body_limit(UPLOAD_LIMIT)], summary="Déposer un fichier du dossier de consultation")
async def buyer_dce_upload(consultation_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)):
    try:
        document = await upload(request, principal, consultation_id)
    except DomainError as refusal:
        field = refusal.field if refusal.field in LABELS else "fichier"
        # htmx swaps 2xx answers only: the page with the message next to the field, as a 200 to
        # htmx and with the refusal's status to a plain form post.
        status = 200 if request.headers.get("hx-request") else refusal.status
        return await _buyer_page(request, principal, consultation_id, errors={field: refusal.detail},
                                 status_code=status)
    target = f"/consultations/{consultation_id}/dce?message={'modifie' if document.amendment_id else 'ajoute'}"
    if request.headers.get("hx-request"):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


@router.get("/consultations/{consultation_id}/dce/{document_id}", summary="Télécharger un fichier du DCE (acheteur)")
async def buyer_dce_file(consultation_id: uuid.UUID, document_id: uuid.UUID, request: Request,
                         principal: Principal = allow(*BUYER_ROLES)):
    """Any version, the draft's included (the public route serves a published DCE only)."""
    _document, stored = await service.buyer_document(runtime_of(request).uow(principal), consultation_id, document_id)
    return document_response(stored, content_of(request, stored))


@router.get("/consultations-publiques/{consultation_id}/dce", response_class=HTMLResponse,
            summary="Dossier de consultation (public)")
async def public_dce_page(consultation_id: uuid.UUID, request: Request, principal: Principal | None = public()):
    dce = await service.public_dce(runtime_of(request).uow(principal), consultation_id)
    base = f"/consultations-publiques/{consultation_id}/dce"
    mine = await service.my_downloads(runtime_of(request).uow(principal), consultation_id) if principal else []
    context = _common(dce) | {
        "title": f"Dossier de consultation — {dce.consultation.purchase.object}",
        "current": [_file_row(d, f"{base}/{d.id}") for d in dce.current], "zip_url": f"{base}.zip",
        "supplier": principal is not None and principal.supplier_siret is not None,
        "registered": bool(mine), "open": dce.consultation.bid_deadline is None
        or runtime_of(request).clock.now() < dce.consultation.bid_deadline,
    }
    return render(request, "documents/public_dce.html", context)


@router.get("/consultations-publiques/{consultation_id}/dce.zip", summary="Télécharger tout le DCE (ZIP)")
async def public_dce_zip(consultation_id: uuid.UUID, request: Request, principal: Principal | None = public()):
    dce = await service.public_archive(runtime_of(request).uow(principal), consultation_id)
    return zip_response(request, dce)


@router.get("/consultations-publiques/{consultation_id}/dce/{document_id}", summary="Télécharger un fichier du DCE")
async def public_dce_file(consultation_id: uuid.UUID, document_id: uuid.UUID, request: Request,
                          principal: Principal | None = public()):
    _document, stored = await service.public_download(runtime_of(request).uow(principal), consultation_id, document_id)
    return document_response(stored, content_of(request, stored))
