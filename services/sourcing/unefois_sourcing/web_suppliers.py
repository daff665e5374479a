"""Supplier directory page (/fournisseurs): search by name, SIRET, CPV, commune through the
same repository as GET /api/suppliers (platform-wide SIRENE data, no tenant scope)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import Principal, Role
from unefois_kernel.web import render
from unefois_sourcing import reference
from unefois_sourcing.suppliers import repository
from unefois_sourcing.suppliers.api import _trigram
from unefois_sourcing.suppliers.domain import is_valid_siret

router = APIRouter(tags=["interface"], include_in_schema=False)

PAGE_SIZE = 50


@router.get("/fournisseurs", response_class=HTMLResponse, summary="Annuaire des fournisseurs")
async def suppliers_page(
    request: Request,
    q: str = Query(default="", max_length=200),
    siret: str = Query(default="", max_length=20),
    cpv: str = Query(default="", max_length=12),
    commune: str = Query(default="", max_length=10),
    principal: Principal = allow(Role.BUYER, Role.BUYER_APPROVER),
) -> HTMLResponse:
    values = {"q": q.strip(), "siret": siret.replace(" ", ""), "cpv": cpv.strip(), "commune": commune.strip().upper()}
    errors: dict[str, str] = {}
    if values["siret"] and not is_valid_siret(values["siret"]):
        errors["siret"] = "SIRET invalide : 14 chiffres attendus, clé de contrôle (Luhn) incorrecte."
    cpv_entry = reference.cpv_entry(values["cpv"]) if values["cpv"] else None
    if values["cpv"] and cpv_entry is None:
        errors["cpv"] = "Code CPV inconnu de la nomenclature CPV 2008 (ou clé de contrôle erronée)."
    if values["commune"] and reference.commune(values["commune"]) is None:
        errors["commune"] = "Code commune INSEE inconnu du COG 2026."
    searched = any(values.values())
    rows = []
    if searched and not errors:
        async with runtime_of(request).pool.acquire() as conn:
            rows = await repository.search(
                conn, name=values["q"] or None, siret=values["siret"] or None,
                cpv=cpv_entry.code8 if cpv_entry else None, commune=values["commune"] or None,
                trigram=await _trigram(request, conn), limit=PAGE_SIZE,
            )
    return render(request, "suppliers.html", {
        "title": "Annuaire des fournisseurs", "values": values, "errors": errors, "searched": searched,
        "rows": rows, "page_size": PAGE_SIZE,
    }, status_code=422 if errors else 200)
