"""Contracts stage UI (read-only for now): the home page lists the buyer's latest contracts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import public
from unefois_kernel.auth.principal import Principal
from unefois_kernel.tenancy import scoped_for
from unefois_kernel.web import format_date, format_euros, render

router = APIRouter(tags=["interface"], include_in_schema=False)

STATUS_LABELS = {"to_notify": "À notifier", "notified": "Notifié"}
COLUMNS = ["Numéro", "Objet", "Titulaire", "Montant (HT)", "Statut", "Notifié le"]


@router.get("/", response_class=HTMLResponse, summary="Accueil des marchés")
async def home(request: Request, principal: Principal | None = public()) -> HTMLResponse:
    rows = None  # None: not a buyer, nothing to show
    if principal is not None and principal.tenant:
        async with scoped_for(runtime_of(request).pool, principal) as conn:
            contracts = await conn.fetch(
                """SELECT contract_number, status, award, notified_on FROM contracts
                   WHERE tenant = $1 ORDER BY created_at DESC LIMIT 50""",
                principal.tenant,
            )
        rows = []
        for contract in contracts:
            award = contract["award"]
            rows.append([
                contract["contract_number"] or "—",
                award.get("purchase", {}).get("object", ""),
                ", ".join(winner.get("name", "") for winner in award.get("winners", [])),
                format_euros(award.get("amount")),
                STATUS_LABELS.get(contract["status"], contract["status"]),
                format_date(contract["notified_on"]),
            ])
    return render(request, "home.html", {"title": "Accueil", "columns": COLUMNS, "rows": rows})
