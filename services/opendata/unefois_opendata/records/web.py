"""Open data stage UI, public (anyone may read it): the latest published DECP records, sortable
and paginated, and each buyer's page (/acheteurs/{siret}) with its own name and logo."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import public
from unefois_kernel.web import buyer_brand, format_euros, render
from unefois_kernel.web.listing import Page, Sort
from unefois_opendata.records import service, views
from unefois_opendata.records.domain import RecordOrder

router = APIRouter(tags=["interface"], include_in_schema=False)

PAGE_SIZE = 25
# Sortable columns: public key (?tri=key or ?tri=-key) -> the repository's order.
SORT_COLUMNS = {
    "numero": RecordOrder.NUMBER,
    "objet": RecordOrder.OBJECT,
    "acheteur": RecordOrder.BUYER,
    "montant": RecordOrder.AMOUNT,
    "notification": RecordOrder.NOTIFIED,
}
DEFAULT_SORT = "-notification"


def _page_of(request: Request):
    return lambda total: Page.from_request(request, total=total, size=PAGE_SIZE)


@router.get("/", response_class=HTMLResponse, summary="Accueil des données ouvertes")
async def home(request: Request, _principal=public()) -> HTMLResponse:
    # Open data by law (R.2196-1): no tenant scope, the same rows as GET /api/decp.
    sort = Sort.from_request(request, SORT_COLUMNS, default=DEFAULT_SORT)
    listing = await service.listing(runtime_of(request).uow(None), order=RecordOrder(sort.column),
                                    descending=not sort.ascending, window=_page_of(request))
    return render(request, "home.html", {
        "title": "Accueil",
        "columns": views.COLUMNS,
        "rows": [views.record_row(record) for record in listing.records],
        "sort": sort,
        "page": listing.window,
    })


@router.get("/acheteurs/{siret}", response_class=HTMLResponse, summary="Marchés publiés par un acheteur")
async def buyer(request: Request, siret: str, _principal=public()) -> HTMLResponse:
    sort = Sort.from_request(request, SORT_COLUMNS, default=DEFAULT_SORT)
    summary, listing = await service.buyer_page(runtime_of(request).uow(None), siret, order=RecordOrder(sort.column),
                                                descending=not sort.ascending, window=_page_of(request))
    name = summary.label
    return render(request, "records/buyer.html", {
        "title": name,
        "breadcrumbs": [(name, None)],
        "buyer_brand": buyer_brand(siret, summary.name),
        "siret": siret,
        "buyer_name": name,
        "contracts": summary.contracts,
        "amount": format_euros(summary.amount),
        "columns": views.BUYER_COLUMNS,
        "rows": [views.record_row(record, with_buyer=False) for record in listing.records],
        "sort": sort,
        "page": listing.window,
    })
