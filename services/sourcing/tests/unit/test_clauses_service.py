"""Clause library use cases on a FakeUnitOfWork."""

from __future__ import annotations

import uuid

import pytest

from unefois_kernel.domain_errors import DomainError
from unefois_sourcing.clauses import service
from unefois_sourcing.clauses.domain import Clause, ClauseKind

SHARED = Clause(id=uuid.UUID(int=1), tenant=None, kind=ClauseKind.SOCIAL, consideration="Clause sociale",
                title="Insertion", body="Cinq pour cent des heures.")


async def test_a_buyer_adds_its_own_clause_stamped_by_the_clock(buyer, repos, clock):
    clause = await service.create(buyer, kind="environmental", consideration="Critère environnemental",
                                  title="Empreinte carbone", body="Les offres sont jugées sur leur empreinte.")
    assert repos.clauses.rows[clause.id] == clause and repos.clauses.created_at[clause.id] == clock.now()
    assert (clause.tenant, clause.kind, clause.shared) == (buyer.tenant, ClauseKind.ENVIRONMENTAL, False)
    assert buyer.commits == 1


async def test_a_clause_whose_consideration_is_not_of_its_kind_is_refused(buyer, repos):
    with pytest.raises(DomainError) as refused:
        await service.create(buyer, kind="social", consideration="Clause environnementale", title="Mauvais type",
                             body="Texte assez long.")
    assert refused.value.field == "consideration" and repos.clauses.rows == {} and buyer.commits == 0


async def test_the_library_by_kind(buyer, repos):
    repos.clauses.rows[SHARED.id] = SHARED
    own = await service.create(buyer, kind="environmental", consideration="Clause environnementale", title="Tri",
                               body="Tri des déchets à la source.")
    assert await service.library(buyer) == [SHARED, own]
    assert await service.library(buyer, kind=ClauseKind.SOCIAL) == [SHARED]
    assert await service.library(buyer, kind=ClauseKind.ENVIRONMENTAL) == [own]
