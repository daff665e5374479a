"""Tendering stage UI (read-only for now): the home page lists the buyer's latest consultations."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import public
from unefois_kernel.auth.principal import Principal
from unefois_kernel.web import render
from unefois_tendering.consultations import service
from unefois_tendering.consultations.views import COLUMNS, home_row

router = APIRouter(tags=["interface"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse, summary="Accueil des consultations")
async def home(request: Request, principal: Principal | None = public()) -> HTMLResponse:
    rows = None  # None: not a buyer, nothing to show
    if principal is not None and principal.tenant:
        consultations = await service.latest(runtime_of(request).uow(principal), limit=50)
        rows = [home_row(consultation) for consultation in consultations]
    return render(request, "home.html", {"title": "Accueil", "columns": COLUMNS, "rows": rows})
