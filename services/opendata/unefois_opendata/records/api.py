"""Opendata public API: DECP records in the official format."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from unefois_events.values import Siret
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import public
from unefois_kernel.web.listing import Offset, limit_query
from unefois_opendata.records import service

# Open data by law (R.2196-1): readable by anyone, no tenant filter (an anonymous unit of work;
# decp_records has no row-level security).
router = APIRouter(prefix="/api/decp", tags=["données essentielles"])


@router.get("", summary="Données essentielles au format officiel (schéma DECP 2.0.3)", dependencies=[public()])
async def list_decp(
    request: Request,
    acheteur: Annotated[Siret | None, Query(description="SIRET de l'acheteur")] = None,
    limit: Annotated[int, limit_query(1000)] = 100,
    offset: Offset = 0,
) -> dict:
    return await service.document(runtime_of(request).uow(None), buyer_siret=acheteur, limit=limit, offset=offset)


@router.get("/{contract_id}", summary="Données essentielles d'un marché", dependencies=[public()])
async def get_decp(contract_id: uuid.UUID, request: Request) -> dict:
    return await service.published_record(runtime_of(request).uow(None), contract_id)
