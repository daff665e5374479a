"""Invoicing stage UI (read-only for now): the home page lists the buyer's latest commitments."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import public
from unefois_kernel.auth.principal import Principal
from unefois_kernel.web import render

from unefois_invoicing.commitments import service
from unefois_invoicing.commitments.views import COLUMNS, home_row

router = APIRouter(tags=["interface"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse, summary="Accueil de la facturation")
async def home(request: Request, principal: Principal | None = public()) -> HTMLResponse:
    rows = None  # None: not a buyer, nothing to show
    if principal is not None and principal.tenant:
        rows = [home_row(ledger) for ledger in await service.latest_of_tenant(runtime_of(request).uow(principal))]
    return render(request, "home.html", {"title": "Accueil", "columns": COLUMNS, "rows": rows})
