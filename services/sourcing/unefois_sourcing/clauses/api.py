"""Clause library HTTP API: the platform's templates and the buyer's own."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal
from unefois_sourcing.clauses import service
from unefois_sourcing.clauses.domain import ClauseKind
from unefois_sourcing.clauses.views import ClauseDraft, ClauseView

router = APIRouter(prefix="/api/clauses", tags=["clauses"])


@router.get("", response_model=list[ClauseView], summary="Bibliothèque de clauses sociales et environnementales")
async def list_clauses(
    request: Request,
    kind: Literal["social", "environmental"] | None = Query(default=None),
    principal: Principal = allow(*BUYER_ROLES),
) -> list[ClauseView]:
    clauses = await service.library(runtime_of(request).uow(principal), kind=ClauseKind(kind) if kind else None)
    return [ClauseView.of(clause) for clause in clauses]


@router.post("", status_code=201, response_model=ClauseView, summary="Ajouter une clause à la bibliothèque de l'organisation")
async def create_clause(body: ClauseDraft, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> ClauseView:
    clause = await service.create(runtime_of(request).uow(principal), kind=body.kind, consideration=body.consideration,
                                  title=body.title, body=body.body)
    return ClauseView.of(clause)
