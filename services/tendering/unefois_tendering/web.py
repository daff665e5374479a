"""Tendering stage UI (read-only for now): the home page lists the buyer's latest consultations."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import public
from unefois_kernel.auth.principal import Principal
from unefois_kernel.tenancy import scoped_for
from unefois_kernel.web import format_date, render

router = APIRouter(tags=["interface"], include_in_schema=False)

STATUS_LABELS = {"published": "Publiée", "awarded": "Attribuée"}
COLUMNS = ["Référence", "Objet", "Statut", "Publiée le", "Date limite des offres"]


@router.get("/", response_class=HTMLResponse, summary="Accueil des consultations")
async def home(request: Request, principal: Principal | None = public()) -> HTMLResponse:
    rows = None  # None: not a buyer, nothing to show
    if principal is not None and principal.tenant:
        async with scoped_for(runtime_of(request).pool, principal) as conn:
            consultations = await conn.fetch(
                """SELECT reference, status, purchase, published_at, bid_deadline FROM consultations
                   WHERE tenant = $1 ORDER BY published_at DESC LIMIT 50""",
                principal.tenant,
            )
        rows = [
            [
                consultation["reference"],
                consultation["purchase"].get("object", ""),
                STATUS_LABELS.get(consultation["status"], consultation["status"]),
                format_date(consultation["published_at"]),
                format_date(consultation["bid_deadline"]),
            ]
            for consultation in consultations
        ]
    return render(request, "home.html", {"title": "Accueil", "columns": COLUMNS, "rows": rows})
