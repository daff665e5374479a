"""Supplier directory API: buyers search public company data (SIRENE) for their market research."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from unefois_events.values import CpvCode, Line
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import Principal
from unefois_sourcing.suppliers import service
from unefois_sourcing.suppliers.domain import READERS, SupplierSearch
from unefois_sourcing.suppliers.views import SupplierView

router = APIRouter(prefix="/api/suppliers", tags=["annuaire des fournisseurs"])

@router.get("", response_model=list[SupplierView], summary="Rechercher des fournisseurs (nom, SIRET, CPV, commune)",
            description="Au moins un critère (q, siret, cpv ou commune) ; sans critère, 422 nommant le champ q.")
async def search_suppliers(
    request: Request,
    q: Annotated[Line(200, min_length=0) | None, Query(description="Nom (mots, sans tenir compte des accents)")] = None,
    siret: Annotated[Line(30) | None, Query(description="SIRET exact (14 chiffres ; les espaces sont ignorés : "
                                                          "« 123 456 789 00012 »)")] = None,
    cpv: Annotated[CpvCode | None, Query(description="Code CPV d'intérêt, avec ou sans clé ; inclut les codes fils")] = None,
    commune: Annotated[Line(5) | None, Query(description="Code commune INSEE de l'établissement")] = None,
    include_closed: Annotated[bool, Query(description="Inclure les établissements fermés")] = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    principal: Principal = allow(*READERS),
) -> list[SupplierView]:
    criteria = SupplierSearch(name=q, siret=siret, cpv=cpv, commune=commune, include_closed=include_closed,
                              limit=limit, offset=offset)
    return [SupplierView.of(found) for found in await service.search(runtime_of(request).uow(principal), criteria)]


# Platform-wide data, not a tenant's: the end-to-end access matrix (tests/e2e/test_e2e_access_matrix.py)
# lists both paths as shared (any buyer reads them, no stranger gets a 404); their access is
# also tested in services/sourcing/tests/integration/test_suppliers_api.py.
@router.get("/{siret}", response_model=SupplierView, summary="Lire un fournisseur par son SIRET")
async def get_supplier(
    request: Request,
    siret: Annotated[Line(30), Path(description="SIRET (14 chiffres ; les espaces sont ignorés)")],
    principal: Principal = allow(*READERS),
) -> SupplierView:
    return SupplierView.of(await service.get(runtime_of(request).uow(principal), siret))
