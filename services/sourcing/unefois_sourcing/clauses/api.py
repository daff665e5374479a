"""Clause library HTTP API: the platform's templates and the buyer's own."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, model_validator

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal
from unefois_kernel.tenancy import scoped_for

router = APIRouter(prefix="/api/clauses", tags=["clauses"])

_BY_KIND = {
    "social": {"Clause sociale", "Critère social", "Marché réservé"},
    "environmental": {"Clause environnementale", "Critère environnemental"},
}


class ClauseView(BaseModel):
    id: uuid.UUID
    kind: Literal["social", "environmental"]
    consideration: str
    title: str
    body: str
    shared: bool = Field(description="Vrai pour la bibliothèque commune de la plateforme")


class ClauseDraft(BaseModel):
    kind: Literal["social", "environmental"]
    consideration: str
    title: str = Field(min_length=3, max_length=200)
    body: str = Field(min_length=10, max_length=5000)

    @model_validator(mode="after")
    def _consideration_matches_kind(self) -> "ClauseDraft":
        if self.consideration not in _BY_KIND[self.kind]:
            allowed = ", ".join(sorted(_BY_KIND[self.kind]))
            raise ValueError(f"consideration: pour une clause {self.kind}, choisir parmi {allowed}")
        return self


def _view(row) -> ClauseView:
    return ClauseView(id=row["id"], kind=row["kind"], consideration=row["consideration"], title=row["title"],
                      body=row["body"], shared=row["tenant"] is None)


@router.get("", response_model=list[ClauseView], summary="Bibliothèque de clauses sociales et environnementales")
async def list_clauses(
    request: Request,
    kind: Literal["social", "environmental"] | None = Query(default=None),
    principal: Principal = allow(*BUYER_ROLES),
) -> list[ClauseView]:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        rows = await conn.fetch(
            "SELECT * FROM clauses WHERE ($1::text IS NULL OR kind = $1) ORDER BY tenant NULLS FIRST, kind, title", kind
        )
    return [_view(row) for row in rows]


@router.post("", status_code=201, response_model=ClauseView, summary="Ajouter une clause à la bibliothèque de l'organisation")
async def create_clause(body: ClauseDraft, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> ClauseView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        row = await conn.fetchrow(
            "INSERT INTO clauses (id, tenant, kind, consideration, title, body) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
            uuid.uuid4(), principal.tenant, body.kind, body.consideration, body.title, body.body,
        )
    return _view(row)
