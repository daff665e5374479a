"""Public API: anyone (signed in or not) searches the published consultations and reads one."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import public
from unefois_kernel.auth.principal import Principal
from unefois_tendering.public import service
from unefois_tendering.public.domain import MAX_PAGE, MAX_PAGE_SIZE
from unefois_tendering.public.views import PublicConsultationView, SearchView

router = APIRouter(prefix="/api/public/consultations", tags=["consultations publiques"])

_SEARCH_DOC = ("Recherche des consultations publiées, sans connexion. Filtres : `q` (mots, sans accents ni "
               "casse, racinisation française, le dernier mot en préfixe), `cpv` (un code ou un préfixe : "
               "« 45 » ou « 452 » trouve 45261210), `place` (code de département ou code commune INSEE), "
               "`closing_after` / `closing_before` (dates, heure de Paris, incluses), `buyer` (nom ou SIRET), "
               "`procedure` (adapted, open, restricted, negotiated, competitive_dialogue), `nature` (works, supplies, "
               "services), `status` (open par défaut, closed, all), `sort` (deadline : la date limite la plus proche "
               f"d’abord ; published : la plus récente d’abord), `page` (1 à {MAX_PAGE}), `page_size` (1 à "
               f"{MAX_PAGE_SIZE}). Un filtre illisible : 422 (problem+json) nommant le champ.")


@router.get("", response_model=SearchView, summary="Rechercher les consultations publiées", description=_SEARCH_DOC)
async def search(request: Request, q: str | None = Query(default=None, max_length=400),
                 cpv: str | None = Query(default=None, max_length=40),
                 place: str | None = Query(default=None, max_length=40),
                 closing_after: str | None = Query(default=None, max_length=40),
                 closing_before: str | None = Query(default=None, max_length=40),
                 buyer: str | None = Query(default=None, max_length=400),
                 procedure: str | None = Query(default=None, max_length=100),
                 nature: str | None = Query(default=None, max_length=40),
                 status: str | None = Query(default=None, max_length=40),
                 sort: str | None = Query(default=None, max_length=40),
                 page: str | None = Query(default=None, max_length=10),
                 page_size: str | None = Query(default=None, max_length=10),
                 principal: Principal | None = public()) -> SearchView:
    params = {"q": q, "cpv": cpv, "place": place, "closing_after": closing_after, "closing_before": closing_before,
              "buyer": buyer, "procedure": procedure, "nature": nature, "status": status, "sort": sort, "page": page,
              "page_size": page_size}
    return SearchView.of(await service.search(runtime_of(request).uow(principal), params))


@router.get("/{consultation_id}", response_model=PublicConsultationView, summary="Lire une consultation publiée",
            description="Ce qu’il faut à une entreprise pour décider de répondre ; 404 pour une consultation non "
                        "publiée ou inconnue.")
async def get_public_consultation(consultation_id: uuid.UUID, request: Request,
                                  principal: Principal | None = public()) -> PublicConsultationView:
    item, now = await service.consultation(runtime_of(request).uow(principal), consultation_id)
    return PublicConsultationView.full(item, now)
