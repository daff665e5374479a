"""Public pages: the search of published consultations and a consultation's public page (anonymous)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import public
from unefois_kernel.auth.principal import Principal
from unefois_kernel.domain_errors import InvalidFields
from unefois_kernel.web import render
from unefois_tendering.public import service
from unefois_tendering.public.domain import FILTER_NAMES
from unefois_tendering.public.views import consultation_page_context, search_context

router = APIRouter(tags=["interface"], include_in_schema=False)


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


@router.get("/consultations-publiques", response_class=HTMLResponse, summary="Consultations publiques")
async def search_page(request: Request, principal: Principal | None = public()) -> HTMLResponse:
    given = {name: request.query_params.get(name, "")[:400] for name in FILTER_NAMES}
    given = {name: value.strip() for name, value in given.items() if value.strip()}
    try:
        page = await service.search(runtime_of(request).uow(principal), given)
    except InvalidFields as refused:
        errors: dict[str, str] = {}
        for error in refused.errors:
            errors[error["field"]] = (errors.get(error["field"], "") + " " + _sentence(error["reason"])).strip()
        return render(request, "public/search.html", search_context(None, given, errors), status_code=422)
    return render(request, "public/search.html", search_context(page, given, {}))


@router.get("/consultations-publiques/{consultation_id}", response_class=HTMLResponse,
            summary="Une consultation publiée")
async def consultation_page(consultation_id: uuid.UUID, request: Request,
                            principal: Principal | None = public()) -> HTMLResponse:
    item, now = await service.consultation(runtime_of(request).uow(principal), consultation_id)
    supplier = principal is not None and bool(principal.supplier_siret)
    return render(request, "public/consultation.html", consultation_page_context(item, now, signed_in_supplier=supplier))
