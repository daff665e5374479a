"""Awards API: the buyer's approver awards a consultation."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import Principal, Role
from unefois_tendering.awards import service
from unefois_tendering.awards.views import AwardRequest, AwardView

router = APIRouter(prefix="/api/consultations", tags=["consultations"])


@router.post("/{consultation_id}/award", status_code=201, response_model=AwardView, deprecated=True,
             summary="Attribuer la consultation (obsolète : décision saisie)",
             description="Obsolète : l’attribution se décide désormais depuis l’évaluation du lot "
                         "(POST /api/consultations/{id}/lots/{lot}/evaluation/proposal puis /decision), dont le "
                         "montant est le prix de l’offre retenue. Cette route, où le montant est saisi, reste pour la "
                         "démonstration et les tests de bout en bout existants.")
async def award_consultation(
    consultation_id: uuid.UUID, body: AwardRequest, request: Request, principal: Principal = allow(Role.BUYER_APPROVER)
) -> AwardView:
    decided = await service.award(runtime_of(request).uow(principal), consultation_id, body)
    return AwardView(award_id=decided.id, consultation_id=decided.consultation_id)
