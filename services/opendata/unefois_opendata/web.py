"""Open data stage UI: the public list of the latest published DECP records (anyone may read it)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import public
from unefois_kernel.web import format_date, format_euros, render

router = APIRouter(tags=["interface"], include_in_schema=False)

# As the public API (api.py): contracts under 25 000 € HT have no publication duty.
PUBLISHED = ("mandatory", "decp_or_annual_list")
COLUMNS = ["Marché", "Objet", "Acheteur (SIRET)", "Titulaire (SIRET)", "Montant (HT)", "Notifié le"]


@router.get("/", response_class=HTMLResponse, summary="Accueil des données ouvertes")
async def home(request: Request, _principal=public()) -> HTMLResponse:
    # Open data by law (R.2196-1): no tenant scope, the same rows as GET /api/decp.
    async with runtime_of(request).pool.acquire() as conn:
        records = await conn.fetch(
            """SELECT record, notified_on FROM decp_records WHERE publication_duty = ANY($1::text[])
               ORDER BY published_on DESC, contract_number LIMIT 50""",
            list(PUBLISHED),
        )
    rows = []
    for row in records:
        record = row["record"]
        rows.append([
            record.get("id", ""),
            record.get("objet", ""),
            record.get("acheteur", {}).get("id", ""),
            ", ".join(entry.get("titulaire", {}).get("id", "") for entry in record.get("titulaires", [])),
            format_euros(record.get("montant")),
            format_date(row["notified_on"]),
        ])
    return render(request, "home.html", {"title": "Accueil", "columns": COLUMNS, "rows": rows})
