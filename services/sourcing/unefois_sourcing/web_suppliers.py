"""Supplier directory page (/fournisseurs): search by name, SIRET, CPV, commune through the
same repository as GET /api/suppliers (platform-wide SIRENE data, no tenant scope).

Results come 25 a page in the repository's order (by similarity of the name when pg_trgm is
there, else by name). The repository counts nothing (a count over a million SIRENE rows for
every page would cost more than the page), so the page asks for one row more than it shows
to know whether a next page exists, and links to the previous and the next page only."""

from __future__ import annotations

from urllib.parse import urlencode

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

PAGE_SIZE = 25
COLUMNS = ["Nom", "SIRET", "Adresse", "Catégorie", "CPV d’intérêt"]
FIELD_LABELS = {"q": "Nom de l’entreprise", "siret": "SIRET", "cpv": "Code CPV d’intérêt", "commune": "Code commune INSEE"}


def page_number(raw: str | None) -> int:
    """?page=N, 1 when absent or not a positive number (an edited URL gets the first page)."""
    try:
        return max(1, int(raw or "1"))
    except ValueError:
        return 1


def supplier_row(row) -> list[str]:
    address = " ".join(part for part in (row["address_line"], row["postal_code"], row["city"]) if part)
    return [
        row["name"] + ("" if row["active"] else " (fermé)"),
        row["siret"],
        address or "—",
        row["size_category"] or "—",
        ", ".join(row["cpv_interests"] or []) or "—",
    ]


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
    number = page_number(request.query_params.get("page"))
    rows, more = [], False
    if searched and not errors:
        async with runtime_of(request).pool.acquire() as conn:
            found = await repository.search(
                conn, name=values["q"] or None, siret=values["siret"] or None,
                cpv=cpv_entry.code8 if cpv_entry else None, commune=values["commune"] or None,
                trigram=await _trigram(request, conn), limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE,
            )
        rows, more = [supplier_row(row) for row in found[:PAGE_SIZE]], len(found) > PAGE_SIZE
    criteria = {key: value for key, value in values.items() if value}

    def page_url(n: int) -> str:
        return "/fournisseurs?" + urlencode({**criteria, "page": n})

    return render(request, "suppliers.html", {
        "title": "Annuaire des fournisseurs", "breadcrumbs": [("Annuaire des fournisseurs", None)],
        "values": values, "errors": errors, "labels": FIELD_LABELS, "searched": searched,
        "columns": COLUMNS, "rows": rows, "page_number": number, "first": (number - 1) * PAGE_SIZE + 1,
        "previous_url": page_url(number - 1) if number > 1 else None, "next_url": page_url(number + 1) if more else None,
    }, status_code=422 if errors else 200)
