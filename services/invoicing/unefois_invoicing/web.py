"""Invoicing stage UI (read-only for now): the home page lists the buyer's latest commitments."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import public
from unefois_kernel.auth.principal import Principal
from unefois_kernel.tenancy import scoped_for
from unefois_kernel.web import format_date, format_euros, render

router = APIRouter(tags=["interface"], include_in_schema=False)

COLUMNS = ["Marché", "Engagement juridique", "Titulaire", "Plafond (HT)", "Facturé (HT)", "Factures", "Ouvert le"]


@router.get("/", response_class=HTMLResponse, summary="Accueil de la facturation")
async def home(request: Request, principal: Principal | None = public()) -> HTMLResponse:
    rows = None  # None: not a buyer, nothing to show
    if principal is not None and principal.tenant:
        async with scoped_for(runtime_of(request).pool, principal) as conn:
            commitments = await conn.fetch(
                """SELECT c.contract_number, c.legal_commitment_number, c.holders, c.ceiling, c.opened_at,
                          coalesce(sum(i.amount_excl_vat), 0) AS invoiced, count(i.id) AS invoice_count
                   FROM commitments c LEFT JOIN invoices i ON i.commitment_id = c.id
                   WHERE c.tenant = $1 GROUP BY c.id ORDER BY c.opened_at DESC LIMIT 50""",
                principal.tenant,
            )
        rows = [
            [
                commitment["contract_number"],
                commitment["legal_commitment_number"],
                ", ".join(holder.get("name", "") for holder in commitment["holders"]),
                format_euros(commitment["ceiling"]),
                format_euros(commitment["invoiced"]),
                str(commitment["invoice_count"]),
                format_date(commitment["opened_at"]),
            ]
            for commitment in commitments
        ]
    return render(request, "home.html", {"title": "Accueil", "columns": COLUMNS, "rows": rows})
