"""Open data stage UI, public (anyone may read it): the latest published DECP records, sortable
and paginated, and each buyer's page (/acheteurs/{siret}) with its own name and logo."""

from __future__ import annotations

import re
from decimal import Decimal

import asyncpg
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import public
from unefois_kernel.domain_errors import NotFound
from unefois_kernel.web import buyer_brand, format_date, format_euros, render
from unefois_kernel.web.listing import Page, Sort

router = APIRouter(tags=["interface"], include_in_schema=False)

# As the public API (api.py): contracts under 25 000 € HT have no publication duty.
PUBLISHED = ("mandatory", "decp_or_annual_list")
PAGE_SIZE = 25
SIRET = re.compile(r"^[0-9]{14}$")
# Sortable columns: public key (?tri=key or ?tri=-key) -> SQL expression. Only these
# expressions reach ORDER BY, never text from the request.
SORT_COLUMNS = {
    "numero": "contract_number",
    "objet": "lower(record->>'objet')",
    "acheteur": "lower(coalesce(buyer_name, buyer_siret))",
    "montant": "(record->>'montant')::numeric",
    "notification": "notified_on",
}
DEFAULT_SORT = "-notification"
COLUMNS = [("Marché", "numero"), ("Objet", "objet"), ("Acheteur", "acheteur"), "Titulaire (SIRET)",
           ("Montant (HT)", "montant"), ("Notifié le", "notification")]
BUYER_COLUMNS = [column for column in COLUMNS if column != ("Acheteur", "acheteur")]
# Records of the published kinds, of one buyer ($2) or of all ($2 NULL).
FILTER = "publication_duty = ANY($1::text[]) AND ($2::text IS NULL OR buyer_siret = $2)"


def buyer_label(siret: str, name: str | None) -> str:
    """The buyer as the pages name it: its name when a notified contract carried it, else its SIRET."""
    return name or f"SIRET {siret}"


def record_row(row: asyncpg.Record | dict, *, with_buyer: bool = True) -> list:
    """A table row of one DECP record (components.html table cells)."""
    record = row["record"]
    cells: list = [record.get("id", ""), record.get("objet", "")]
    if with_buyer:
        cells.append({"text": buyer_label(row["buyer_siret"], row["buyer_name"]), "url": f"/acheteurs/{row['buyer_siret']}"})
    cells += [
        ", ".join(entry.get("titulaire", {}).get("id", "") for entry in record.get("titulaires", [])),
        format_euros(record.get("montant")),
        format_date(row["notified_on"]),
    ]
    return cells


async def published_page(conn: asyncpg.Connection, request: Request, buyer_siret: str | None) -> tuple[Sort, Page, list]:
    """The sort, the page and the records shown, of one buyer or of all."""
    sort = Sort.from_request(request, SORT_COLUMNS, default=DEFAULT_SORT)
    total = await conn.fetchval(f"SELECT count(*) FROM decp_records WHERE {FILTER}", list(PUBLISHED), buyer_siret)
    page = Page.from_request(request, total=total, size=PAGE_SIZE)
    direction = "ASC" if sort.ascending else "DESC"
    records = await conn.fetch(
        f"""SELECT buyer_siret, buyer_name, record, notified_on FROM decp_records WHERE {FILTER}
            ORDER BY {sort.column} {direction} NULLS LAST, published_on DESC, contract_number LIMIT $3 OFFSET $4""",
        list(PUBLISHED), buyer_siret, page.size, page.offset,
    )
    return sort, page, records


@router.get("/", response_class=HTMLResponse, summary="Accueil des données ouvertes")
async def home(request: Request, _principal=public()) -> HTMLResponse:
    # Open data by law (R.2196-1): no tenant scope, the same rows as GET /api/decp.
    async with runtime_of(request).pool.acquire() as conn:
        sort, page, records = await published_page(conn, request, None)
    return render(request, "home.html", {
        "title": "Accueil",
        "columns": COLUMNS,
        "rows": [record_row(row) for row in records],
        "sort": sort,
        "page": page,
    })


@router.get("/acheteurs/{siret}", response_class=HTMLResponse, summary="Marchés publiés par un acheteur")
async def buyer(request: Request, siret: str, _principal=public()) -> HTMLResponse:
    if not SIRET.match(siret):
        raise NotFound(f"« {siret[:40]} » n’est pas un numéro SIRET : il compte 14 chiffres.")
    async with runtime_of(request).pool.acquire() as conn:
        sort, page, records = await published_page(conn, request, siret)
        facts = await conn.fetchrow(
            f"""SELECT count(*) AS contracts, sum((record->>'montant')::numeric) AS amount,
                       (SELECT buyer_name FROM decp_records WHERE buyer_siret = $2 AND buyer_name IS NOT NULL
                        ORDER BY published_on DESC LIMIT 1) AS name
                FROM decp_records WHERE {FILTER}""",
            list(PUBLISHED), siret,
        )
    name = buyer_label(siret, facts["name"])
    return render(request, "buyer.html", {
        "title": name,
        "breadcrumbs": [(name, None)],
        "buyer_brand": buyer_brand(siret, facts["name"]),
        "siret": siret,
        "buyer_name": name,
        "contracts": facts["contracts"],
        "amount": format_euros(facts["amount"] if facts["amount"] is not None else Decimal(0)),
        "columns": BUYER_COLUMNS,
        "rows": [record_row(row, with_buyer=False) for row in records],
        "sort": sort,
        "page": page,
    })
