"""Sealed bids API: the public key a consultation's bids are sealed for (anyone may read it)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import public

from unefois_tendering.bids import service
from unefois_tendering.bids.views import PublicKeyView

router = APIRouter(prefix="/api/consultations", tags=["plis chiffrés"])


@router.get("/{consultation_id}/public-key", response_model=PublicKeyView, dependencies=[public()],
            summary="Clé publique de chiffrement des plis d’une consultation publiée",
            description="Les offres sont chiffrées avant envoi (navigateur : /static/tendering/js/sealed-bid.js ; "
                        "client d’API : unefois_tendering.bids.domain.seal) pour cette clé : le service ne détient "
                        "aucun pli en clair avant la date limite. 404 si la consultation n’est pas publiée.")
async def get_public_key(consultation_id: uuid.UUID, request: Request) -> PublicKeyView:
    return PublicKeyView.of(await service.public_key_of(runtime_of(request).uow(None), consultation_id))
