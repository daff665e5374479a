"""Use cases of the clause library: list it, add a buyer's own clause."""

from __future__ import annotations

from unefois_kernel.uow import UnitOfWork
from unefois_sourcing.clauses import domain
from unefois_sourcing.clauses.domain import Clause, ClauseKind
from unefois_sourcing.repositories import Repositories


async def library(uow: UnitOfWork[Repositories], *, kind: ClauseKind | None = None) -> list[Clause]:
    """The platform's clauses and the buyer's own (of one kind, if asked)."""
    async with uow:
        return await uow.repos.clauses.library(kind)


async def create(uow: UnitOfWork[Repositories], *, kind: str, consideration: str, title: str, body: str) -> Clause:
    """A clause of the buyer's organisation, which only its buyers see."""
    async with uow:
        clause = domain.new_clause(tenant=uow.tenant, kind=kind, consideration=consideration, title=title, body=body)
        await uow.repos.clauses.add(clause, at=uow.clock.now())
    return clause
