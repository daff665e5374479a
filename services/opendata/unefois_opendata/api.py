"""Opendata public API: DECP records in the official format."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import public
from unefois_events.values import Siret
from unefois_kernel.domain_errors import NotFound
from unefois_opendata import decp

# Open data by law (R.2196-1): readable by anyone, no tenant filter.
router = APIRouter(prefix="/api/decp", tags=["données essentielles"])

# Contracts under 25 000 € HT have no publication duty (R.2196-1): they are kept, not published.
_PUBLISHED = ("mandatory", "decp_or_annual_list")


@router.get("", summary="Données essentielles au format officiel (schéma DECP 2.0.3)", dependencies=[public()])
async def list_decp(
    request: Request,
    acheteur: Annotated[Siret | None, Query(description="SIRET de l'acheteur")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict:
    async with runtime_of(request).pool.acquire() as conn:
        rows = await conn.fetch(
            """SELECT record FROM decp_records
               WHERE publication_duty = ANY($1::text[]) AND ($2::text IS NULL OR buyer_siret = $2)
               ORDER BY published_on DESC, contract_number LIMIT $3 OFFSET $4""",
            list(_PUBLISHED),
            acheteur,
            limit,
            offset,
        )
    return decp.decp_document([row["record"] for row in rows]) if rows else {"marches": {"marche": []}}


@router.get("/{contract_id}", summary="Données essentielles d'un marché", dependencies=[public()])
async def get_decp(contract_id: uuid.UUID, request: Request) -> dict:
    async with runtime_of(request).pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT record FROM decp_records WHERE contract_id = $1 AND publication_duty = ANY($2::text[])",
            contract_id,
            list(_PUBLISHED),
        )
    if row is None:
        raise NotFound("aucune donnée essentielle publiée pour ce marché", field="contract_id")
    return row["record"]
