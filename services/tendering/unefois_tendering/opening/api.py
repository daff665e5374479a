"""Opening API (the buyer's agents): open the bids after the deadline, read the record and the
opened bids (prices, files), open a backup copy in a listed case, decide each bid's admissibility.
Refusals are problem+json naming the field (bid_deadline before the deadline, whoever asks)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.web.uploads import content_disposition

from unefois_tendering.opening import service
from unefois_tendering.opening.views import (
    AdmissibilityRequest,
    BackupRequest,
    DocumentRequestBody,
    DocumentRequestView,
    OpenedBidView,
    OpeningView,
)

router = APIRouter(prefix="/api/consultations", tags=["ouverture des plis"])


def _view(page: service.OpeningView) -> OpeningView:
    assert page.opening is not None
    return OpeningView(consultation_id=page.consultation.id, opened_by=page.opening.opened_by,
                       opened_at=page.opening.opened_at, record=page.opening.record,
                       bids=[OpenedBidView.of(record) for record in page.bids])


@router.post("/{consultation_id}/opening", response_model=OpeningView, status_code=201,
             summary="Ouvrir les plis (après la date limite)",
             description="Refusé avant la date limite de remise des offres par l’horloge du service, quel que soit "
                         "le demandeur (409, champ bid_deadline). Déchiffre chaque dépôt reçu (pas les copies de "
                         "sauvegarde ; les dépôts hors délai et remplacés sont listés, jamais ouverts), enregistre "
                         "le procès-verbal d’ouverture des plis ; la consultation passe « plis ouverts ».")
async def open_bids(consultation_id: uuid.UUID, request: Request,
                    principal: Principal = allow(*BUYER_ROLES)) -> OpeningView:
    runtime = runtime_of(request)
    await service.open_bids(runtime.uow(principal), consultation_id)
    return _view(await service.opening_page(runtime.uow(principal), consultation_id))


@router.get("/{consultation_id}/opening", response_model=OpeningView, summary="Le procès-verbal et les offres ouvertes",
            description="409 (champ status) tant que les plis ne sont pas ouverts.")
async def get_opening(consultation_id: uuid.UUID, request: Request,
                      principal: Principal = allow(*BUYER_ROLES)) -> OpeningView:
    page = await service.opening_page(runtime_of(request).uow(principal), consultation_id)
    if page.opening is None:
        raise DomainError("Les plis de cette consultation ne sont pas encore ouverts.", field="status", status=409)
    return _view(page)


@router.post("/{consultation_id}/opening/backups", response_model=OpenedBidView, status_code=201,
             summary="Ouvrir une copie de sauvegarde (cas listés)",
             description="Seulement dans un cas de l’arrêté du 22 mars 2019, art. 2 (R2132-11) : malveillance "
                         "détectée (déclarée par l’acheteur : la plateforme n’analyse pas les fichiers), offre reçue "
                         "incomplète, hors délai (transmission commencée avant la date limite) ou illisible ; avec "
                         "un motif. Tout autre cas est refusé (422, champ case).")
async def open_backup(consultation_id: uuid.UUID, body: BackupRequest, request: Request,
                      principal: Principal = allow(*BUYER_ROLES)) -> OpenedBidView:
    record = await service.open_backup(runtime_of(request).uow(principal), consultation_id, body.backup_id,
                                       case=body.case, reason=body.reason)
    return OpenedBidView.of(record)


@router.put("/{consultation_id}/opening/bids/{bid_id}/admissibility", response_model=OpenedBidView,
            summary="Décider de l’admissibilité d’une offre",
            description="admissible, ou irrégulière (L2152-2), inacceptable (L2152-3), inappropriée (L2152-4) avec "
                        "un motif obligatoire (422, champ reason).")
async def decide(consultation_id: uuid.UUID, bid_id: uuid.UUID, body: AdmissibilityRequest, request: Request,
                 principal: Principal = allow(*BUYER_ROLES)) -> OpenedBidView:
    record = await service.decide(runtime_of(request).uow(principal), consultation_id, bid_id,
                                  admissibility=body.admissibility, reason=body.reason)
    return OpenedBidView.of(record)


@router.get("/{consultation_id}/opening/bids/{bid_id}/files/{document_id}", response_class=Response,
            summary="Télécharger un fichier d’une offre ouverte")
async def opened_file(consultation_id: uuid.UUID, bid_id: uuid.UUID, document_id: uuid.UUID, request: Request,
                      principal: Principal = allow(*BUYER_ROLES)) -> Response:
    document, content = await service.opened_file(runtime_of(request).uow(principal), consultation_id, bid_id,
                                                  document_id)
    return Response(content, media_type=document.media_type,
                    headers={"Content-Disposition": content_disposition(document.filename),
                             "X-Content-SHA256": document.sha256})


@router.post("/{consultation_id}/opening/bids/{bid_id}/document-requests", response_model=DocumentRequestView,
             status_code=201, summary="Demander de compléter la candidature (R2144-2)",
             description="Des pièces de candidature demandées par la consultation et absentes ou incomplètes : le "
                         "candidat les dépose avant la date limite de complément, identique pour tous les candidats "
                         "(422, champ deadline, sinon). À cette date, une demande sans réponse est marquée « délai "
                         "passé sans réponse ».")
async def request_documents(consultation_id: uuid.UUID, bid_id: uuid.UUID, body: DocumentRequestBody,
                            request: Request, principal: Principal = allow(*BUYER_ROLES)) -> DocumentRequestView:
    created = await service.request_documents(runtime_of(request).uow(principal), consultation_id, bid_id,
                                              documents=body.documents, message=body.message, deadline=body.deadline)
    return DocumentRequestView.of(created)
