"""Bid deposit pages (suppliers): the deposit form of a published consultation (sealed in the
browser by static/js/deposit.js with sealed-bid.js, sent through the deposit API), the
supplier's deposits and each deposit's receipt (printable; the PDF beside it)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal, Role
from unefois_kernel.clock import PLATFORM_TZ
from unefois_kernel.web import render

from unefois_tendering.bids import service
from unefois_tendering.bids.domain import (
    DEPOSIT_STATUS_LABELS,
    MAX_BID_FORM_BYTES,
    MAX_FILE_BYTES,
    DepositStatus,
    GroupingType,
    IdentifierType,
)
from unefois_tendering.bids.views import receipt_context

router = APIRouter(tags=["interface"], include_in_schema=False)

STATUS_BADGES = {DepositStatus.IN_PROGRESS: "warning", DepositStatus.RECEIVED: "success",
                 DepositStatus.LATE: "error", DepositStatus.REPLACED: "neutral"}
MESSAGES = {"depose": "Votre dépôt est reçu : voici son accusé de réception, envoyé aussi par courriel."}
GROUPINGS = [(GroupingType.NONE.value, "Candidat seul"), (GroupingType.CONJOINT.value, "Groupement conjoint"),
             (GroupingType.SOLIDAIRE.value, "Groupement solidaire")]
IDENTIFIER_TYPES = [(kind.value, kind.value) for kind in IdentifierType]


def _moment(value) -> str:
    return "—" if value is None else value.astimezone(PLATFORM_TZ).strftime("%d/%m/%Y à %H:%M:%S")


def _octets(size: int) -> str:
    return f"{size:,}".replace(",", "\u202f") + " octets"


def _row(deposit) -> list:
    kind = "Copie de sauvegarde" if deposit.backup else "Offre"
    receipt = ({"url": f"/api/deposits/{deposit.id}/receipt.pdf", "text": "PDF"}
               if deposit.receipt_document_id else "—")
    return [{"url": f"/mes-depots/{deposit.id}", "text": f"{deposit.consultation_reference} — {deposit.lot_label}"},
            deposit.consultation_title, kind, _moment(deposit.begun_at), _moment(deposit.completed_at),
            {"badge": DEPOSIT_STATUS_LABELS[deposit.status], "kind": STATUS_BADGES[deposit.status]}, receipt]


COLUMNS = ["Consultation et lot", "Objet", "Nature", "Début (serveur)", "Fin (serveur)", "État", "Accusé"]


@router.get("/consultations-publiques/{consultation_id}/depot", response_class=HTMLResponse,
            summary="Déposer une offre")
async def deposit_page(consultation_id: uuid.UUID, request: Request,
                       principal: Principal = allow(Role.SUPPLIER)) -> HTMLResponse:
    form = await service.deposit_form(runtime_of(request).uow(principal), consultation_id)
    target = form.target
    lots = [(str(number), f"Lot {number} — {title}") for number, title in sorted(target.lots.items())]
    status = 200 if form.open else 409
    return render(request, "bids/deposit.html", {
        "title": f"Déposer une offre — {target.reference}", "target": target, "open": form.open,
        "deadline": _moment(target.bid_deadline), "lots": lots, "groupings": GROUPINGS,
        "identifier_types": IDENTIFIER_TYPES, "principal_siret": principal.supplier_siret,
        "principal_org": principal.org_name or "", "columns": COLUMNS,
        "rows": [_row(deposit) for deposit in reversed(form.deposits)],
        "fingerprint": form.public_key.fingerprint, "max_form": MAX_BID_FORM_BYTES, "max_file": MAX_FILE_BYTES,
        "breadcrumbs": [("Consultations publiques", "/consultations-publiques"),
                        (target.reference, f"/consultations-publiques/{consultation_id}"), ("Dépôt", None)],
    }, status_code=status)


@router.get("/mes-depots", response_class=HTMLResponse, summary="Mes dépôts")
async def my_deposits_page(request: Request, principal: Principal = allow(Role.SUPPLIER)) -> HTMLResponse:
    deposits = await service.my_deposits(runtime_of(request).uow(principal))
    return render(request, "bids/mine.html", {"title": "Mes dépôts", "columns": COLUMNS,
                                              "rows": [_row(deposit) for deposit in deposits]})


@router.get("/mes-depots/{deposit_id}", response_class=HTMLResponse, summary="Un dépôt et son accusé de réception")
async def deposit_receipt_page(deposit_id: uuid.UUID, request: Request, message: str | None = Query(default=None),
                               principal: Principal = allow(Role.SUPPLIER)) -> HTMLResponse:
    deposit = await service.deposit_of(runtime_of(request).uow(principal), deposit_id)
    return render(request, "bids/receipt.html", {
        "title": f"Dépôt {deposit.consultation_reference} — {deposit.lot_label}", **receipt_context(deposit),
        "badge": STATUS_BADGES[deposit.status], "message": MESSAGES.get(message or ""),
        "part_rows": [[part["label"], part["filename"], part["size"], part["sha256"]]
                      for part in receipt_context(deposit)["parts"]],
        "breadcrumbs": [("Mes dépôts", "/mes-depots"), (deposit.lot_label, None)]})


REGISTER_COLUMNS = ["Lot", "Soumissionnaire", "Nature", "Début (serveur)", "Fin (serveur)", "État", "Pièces (chiffrées)"]


@router.get("/consultations/{consultation_id}/depots", response_class=HTMLResponse,
            summary="Registre des dépôts d’une consultation")
async def register_page(consultation_id: uuid.UUID, request: Request,
                        principal: Principal = allow(*BUYER_ROLES)) -> HTMLResponse:
    deposits = await service.register(runtime_of(request).uow(principal), consultation_id)
    rows = [[deposit.lot_label, f"{deposit.supplier_name} ({deposit.supplier_siret})",
             "Copie de sauvegarde" if deposit.backup else "Offre", _moment(deposit.begun_at),
             _moment(deposit.completed_at),
             {"badge": DEPOSIT_STATUS_LABELS[deposit.status], "kind": STATUS_BADGES[deposit.status]},
             "; ".join(f"{part.filename} ({_octets(part.size)}, SHA-256 {part.sha256})" for part in deposit.parts)
             or "—"] for deposit in deposits]
    return render(request, "bids/register.html", {
        "title": "Registre des dépôts", "consultation_id": consultation_id, "columns": REGISTER_COLUMNS,
        "rows": rows, "breadcrumbs": [("Consultation", f"/consultations/{consultation_id}"),
                                      ("Registre des dépôts", None)]})
