"""Supplier directory page (/fournisseurs): search by name, SIRET, CPV, commune through the
same use case as GET /api/suppliers (platform-wide SIRENE data, no tenant scope).

Results come 25 a page in the repository's order (by similarity of the name when pg_trgm is
there, else by name). The directory counts nothing (a count over a million SIRENE rows for
every page would cost more than the page), so the page asks for one row more than it shows
to know whether a next page exists, and links to the previous and the next page only."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import Principal
from unefois_kernel.web import render
from unefois_kernel.web.listing import MAX_OFFSET
from unefois_sourcing import reference
from unefois_sourcing.suppliers import service
from unefois_sourcing.suppliers.domain import READERS, SupplierSearch, criteria_errors, normalise_siret
from unefois_sourcing.suppliers.views import directory_row

router = APIRouter(tags=["interface"], include_in_schema=False)

PAGE_SIZE = 25
COLUMNS = ["Nom", "SIRET", "Adresse", "Catégorie", "CPV d’intérêt"]
FIELD_LABELS = {"q": "Nom de l’entreprise", "siret": "SIRET", "cpv": "Code CPV d’intérêt", "commune": "Code commune INSEE"}


def page_number(raw: str | None) -> int:
    """?page=N, 1 when absent or not a positive number (an edited URL gets the first page); at most
    the page of the kernel's deepest offset (MAX_OFFSET), so that no offset overflows the database's integer."""
    try:
        return min(max(1, int(raw or "1")), MAX_OFFSET // PAGE_SIZE)
    except ValueError:
        return 1


def sentence(reason: str) -> str:
    """A domain's reason ("code commune INSEE inconnu ...") as the page says it: a sentence."""
    return reason[:1].upper() + reason[1:] + ("" if reason.endswith(".") else ".")


# What the form shows back of a value typed (a criterion too long is named, and shown cut to this).
ECHO_LIMIT = 300


@router.get("/fournisseurs", response_class=HTMLResponse, summary="Annuaire des fournisseurs")
async def suppliers_page(
    request: Request,
    # No max_length here: a value too long is a message next to its field (criteria_errors), not a 422 page.
    q: str = Query(default=""),
    siret: str = Query(default=""),
    cpv: str = Query(default=""),
    commune: str = Query(default=""),
    principal: Principal = allow(*READERS),
) -> HTMLResponse:
    values = {"q": q.strip(), "siret": normalise_siret(siret), "cpv": cpv.strip(), "commune": commune.strip().upper()}
    searched = any(values.values())
    # The form sent with every field empty: ask for a criterion (the directory is not listed whole).
    submitted = any(name in request.query_params for name in FIELD_LABELS)
    # Every criterion that can match nothing is named at once, next to its field.
    errors = {error["field"]: sentence(error["reason"])
              for error in criteria_errors(siret=values["siret"], cpv=values["cpv"], commune=values["commune"],
                                             name=values["q"], require_one=submitted)}
    values = {key: value[:ECHO_LIMIT] for key, value in values.items()}
    number = page_number(request.query_params.get("page"))
    rows, more = [], False
    if searched and not errors:
        cpv_entry = reference.cpv_entry(values["cpv"]) if values["cpv"] else None
        criteria = SupplierSearch(name=values["q"] or None, siret=values["siret"] or None,
                                  cpv=cpv_entry.code8 if cpv_entry else None, commune=values["commune"] or None,
                                  limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE)
        found = await service.search(runtime_of(request).uow(principal), criteria)
        rows, more = [directory_row(establishment) for establishment in found[:PAGE_SIZE]], len(found) > PAGE_SIZE
    kept = {key: value for key, value in values.items() if value}

    def page_url(n: int) -> str:
        return "/fournisseurs?" + urlencode({**kept, "page": n})

    return render(request, "suppliers/directory.html", {
        "title": "Annuaire des fournisseurs", "breadcrumbs": [("Annuaire des fournisseurs", None)],
        "values": values, "errors": errors, "labels": FIELD_LABELS, "searched": searched,
        "no_criterion": submitted and not searched,
        "columns": COLUMNS, "rows": rows, "page_number": number, "first": (number - 1) * PAGE_SIZE + 1,
        "previous_url": page_url(number - 1) if number > 1 else None, "next_url": page_url(number + 1) if more else None,
    }, status_code=422 if errors else 200)
