"""Sealed bids API: the public key a consultation's bids are sealed for (anyone may read it), and
the bid deposit (suppliers): begin, stream each sealed part, complete, list, receipt; the buyer's
register of deposits (who, when, lot, sizes, hashes: never a content)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow, public
from unefois_kernel.auth.principal import BUYER_ROLES, Principal, Role
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.web.security import body_limit
from unefois_kernel.web.uploads import (
    content_disposition,
    digest_headers,
    upload_body_limit,
    upload_filename,
)

from unefois_tendering.bids import service
from unefois_tendering.bids.domain import MAX_FILE_BYTES, BidForm, BidMember, PartRole
from unefois_tendering.bids.views import (
    BeginDeposit,
    DepositPartView,
    DepositView,
    PublicKeyView,
    ReceiptView,
    receipt_pdf,
)

router = APIRouter(prefix="/api/consultations", tags=["plis chiffrés"])
deposits_router = APIRouter(prefix="/api", tags=["dépôt des offres"])

SEALING = ("Chaque pièce est chiffrée avant envoi pour la clé publique de la consultation (navigateur : "
           "/static/tendering/js/sealed-bid.js ; client d’API : unefois_tendering.bids.domain.seal) : le service "
           "refuse une pièce qui ne commence pas par l’en-tête du format (« UFSB », version 1) et ne détient aucun "
           "pli en clair avant la date limite.")


@router.get("/{consultation_id}/public-key", response_model=PublicKeyView, dependencies=[public()],
            summary="Clé publique de chiffrement des plis d’une consultation publiée",
            description="Les offres sont chiffrées avant envoi (navigateur : /static/tendering/js/sealed-bid.js ; "
                        "client d’API : unefois_tendering.bids.domain.seal) pour cette clé : le service ne détient "
                        "aucun pli en clair avant la date limite. 404 si la consultation n’est pas publiée.")
async def get_public_key(consultation_id: uuid.UUID, request: Request) -> PublicKeyView:
    return PublicKeyView.of(await service.public_key_of(runtime_of(request).uow(None), consultation_id))


@router.post("/{consultation_id}/deposits", response_model=DepositView, status_code=201,
             summary="Commencer un dépôt d’offre (ou de copie de sauvegarde) pour un lot",
             description="Horodatage serveur. Refusé (409, champ bid_deadline) à la date limite de remise des "
                         "offres ou après. Puis : envoyer chaque pièce chiffrée (POST /api/deposits/{id}/parts), "
                         "terminer (POST /api/deposits/{id}/complete).")
async def begin_deposit(consultation_id: uuid.UUID, body: BeginDeposit, request: Request,
                        principal: Principal = allow(Role.SUPPLIER)) -> DepositView:
    deposit = await service.begin_deposit(runtime_of(request).uow(principal), consultation_id,
                                          lot_number=body.lot_number, backup=body.backup)
    return DepositView.of(deposit)


@router.get("/{consultation_id}/deposits", response_model=list[DepositView],
            summary="Registre des dépôts d’une consultation (acheteur)",
            description="Qui, quand, quel lot, tailles et empreintes des pièces chiffrées : jamais leur contenu, "
                        "qui reste chiffré jusqu’à l’ouverture des plis.")
async def deposit_register(consultation_id: uuid.UUID, request: Request,
                           principal: Principal = allow(*BUYER_ROLES)) -> list[DepositView]:
    return [DepositView.of(deposit)
            for deposit in await service.register(runtime_of(request).uow(principal), consultation_id)]


@deposits_router.get("/bid-form", response_model=BidForm, dependencies=[public()],
                     summary="Le formulaire d’offre (modèle), à chiffrer comme pièce bid_form",
                     description="Un exemple du JSON attendu ; le schéma est celui de la réponse. Le prix HT est "
                                 "une chaîne décimale à point (\"12345.67\"). " + SEALING)
async def bid_form_example() -> BidForm:
    return BidForm(lot_number=1, price_excl_tax="12345.67", grouping="none",
                   members=[BidMember(name="Travaux Publics Rhodaniens SAS", identifier_type="SIRET",
                                      identifier="80000004400019", mandataire=True)])


@deposits_router.get("/deposits", response_model=list[DepositView], summary="Mes dépôts (fournisseur)")
async def my_deposits(request: Request, principal: Principal = allow(Role.SUPPLIER)) -> list[DepositView]:
    return [DepositView.of(deposit) for deposit in await service.my_deposits(runtime_of(request).uow(principal))]


@deposits_router.get("/deposits/{deposit_id}", response_model=DepositView, summary="Un de mes dépôts")
async def get_deposit(deposit_id: uuid.UUID, request: Request,
                      principal: Principal = allow(Role.SUPPLIER)) -> DepositView:
    return DepositView.of(await service.deposit_of(runtime_of(request).uow(principal), deposit_id))


@deposits_router.post("/deposits/{deposit_id}/parts", response_model=DepositPartView, status_code=201,
                      dependencies=[body_limit(upload_body_limit(MAX_FILE_BYTES))],
                      summary="Envoyer une pièce chiffrée du dépôt (corps brut, diffusé en continu)",
                      description="Corps : la pièce chiffrée (application/octet-stream) ; nom : en-tête "
                                  "Content-Disposition (filename*=UTF-8''…) ou X-Filename. role : bid_form (le "
                                  "formulaire d’offre, un seul, 256 Kio au plus en clair), price_schedule, "
                                  "candidate_document, bid_document (200 Mio au plus en clair). " + SEALING)
async def add_part(deposit_id: uuid.UUID, request: Request, role: PartRole = Query(),
                   principal: Principal = allow(Role.SUPPLIER)) -> DepositPartView:
    try:
        filename = upload_filename(request)
    except (DomainError, ValueError):  # no name, or a name that is not UTF-8
        filename = None  # refused by the use case, once it has found the deposit (no existence leak)
    part = await service.add_part(runtime_of(request).uow(principal), deposit_id, role=role,
                                  filename=filename, chunks=request.stream())
    return DepositPartView.of(part)


@deposits_router.post("/deposits/{deposit_id}/complete", response_model=DepositView,
                      summary="Terminer le dépôt : horodatage, accusé de réception, remplacement",
                      description="Reçu avant la date limite : il remplace le dépôt reçu antérieur du même lot "
                                  "(conservé chiffré, « remplacé »). Terminé à la date limite ou après : « hors "
                                  "délai », conservé chiffré et jamais ouvert. L’accusé de réception est envoyé "
                                  "par courriel et en message.")
async def complete_deposit(deposit_id: uuid.UUID, request: Request,
                           principal: Principal = allow(Role.SUPPLIER)) -> DepositView:
    deposit = await service.complete_deposit(runtime_of(request).uow(principal), deposit_id,
                                             render_receipt=receipt_pdf)
    return DepositView.of(deposit)


@deposits_router.get("/deposits/{deposit_id}/receipt", response_model=ReceiptView,
                     summary="L’accusé de réception d’un dépôt (JSON : ce que couvre son empreinte)")
async def get_receipt(deposit_id: uuid.UUID, request: Request,
                      principal: Principal = allow(Role.SUPPLIER)) -> ReceiptView:
    deposit = await service.deposit_of(runtime_of(request).uow(principal), deposit_id)
    if deposit.receipt is None or deposit.receipt_hash is None:
        await service.receipt_of(runtime_of(request).uow(principal), deposit_id)  # the 409 naming status
    return ReceiptView(deposit_id=deposit.id, receipt_hash=deposit.receipt_hash, content=deposit.receipt,
                       pdf=f"/api/deposits/{deposit.id}/receipt.pdf")


@deposits_router.get("/deposits/{deposit_id}/receipt.pdf", response_class=Response,
                     summary="L’accusé de réception d’un dépôt, en PDF",
                     responses={200: {"content": {"application/pdf": {}}}})
async def get_receipt_pdf(deposit_id: uuid.UUID, request: Request,
                          principal: Principal = allow(Role.SUPPLIER)) -> Response:
    document, content = await service.receipt_of(runtime_of(request).uow(principal), deposit_id)
    return Response(content, media_type=document.media_type,
                    headers={"Content-Disposition": content_disposition(document.filename),
                             "Cache-Control": "private, no-store", **digest_headers(document)})
