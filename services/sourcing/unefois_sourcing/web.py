"""Sourcing stage UI (read-only for now): the home page lists the buyer's latest needs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import public
from unefois_kernel.auth.principal import Principal
from unefois_kernel.tenancy import scoped_for
from unefois_kernel.web import format_date, format_euros, render

router = APIRouter(tags=["interface"], include_in_schema=False)

STATUS_LABELS = {"draft": "Brouillon", "submitted": "Soumis", "approved": "Approuvé"}
COLUMNS = ["Objet", "Valeur estimée (HT)", "Statut", "Créé le"]


@router.get("/", response_class=HTMLResponse, summary="Accueil des besoins")
async def home(request: Request, principal: Principal | None = public()) -> HTMLResponse:
    rows = None  # None: not a buyer, nothing to show
    if principal is not None and principal.tenant:
        async with scoped_for(runtime_of(request).pool, principal) as conn:
            needs = await conn.fetch(
                "SELECT status, facts, created_at FROM needs WHERE tenant = $1 ORDER BY created_at DESC LIMIT 50",
                principal.tenant,
            )
        rows = [
            [
                need["facts"].get("object", ""),
                format_euros(need["facts"].get("estimated_value")),
                STATUS_LABELS.get(need["status"], need["status"]),
                format_date(need["created_at"]),
            ]
            for need in needs
        ]
    return render(request, "home.html", {"title": "Accueil", "columns": COLUMNS, "rows": rows})
