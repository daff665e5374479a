"""ClausesRepository on a real PostgreSQL: the platform's six shared clauses, then each buyer's
own (visible to that buyer only), created at the time given."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from unefois_kernel.testing import BUYER
from unefois_sourcing.clauses.domain import ClauseKind, new_clause

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


async def test_the_library_is_shared_then_the_buyers_own(uows, principals, pool):
    own = new_clause(tenant=BUYER.siret, kind="social", consideration="Critère social", title="Apprentis",
                     body="Deux apprentis pendant la durée du marché.")
    async with uows(principals["buyer"]) as uow:
        shared = await uow.repos.clauses.library()
        assert len(shared) == 6 and all(c.shared for c in shared)
        await uow.repos.clauses.add(own, at=AT)
    async with uows(principals["buyer"]) as uow:
        library = await uow.repos.clauses.library()
        assert library[:6] == shared and library[6:] == [own]
        assert {c.kind for c in await uow.repos.clauses.library(ClauseKind.ENVIRONMENTAL)} == {ClauseKind.ENVIRONMENTAL}
        assert own in await uow.repos.clauses.library(ClauseKind.SOCIAL)
        picked = await uow.repos.clauses.with_ids([own.id, shared[0].id, uuid.uuid4()])
        assert sorted(c.id for c in picked) == sorted([own.id, shared[0].id])  # an unknown id is not found
        assert await uow.repos.clauses.with_ids([]) == []
    async with uows(principals["stranger"]) as uow:
        assert own not in await uow.repos.clauses.library()
        assert await uow.repos.clauses.with_ids([own.id]) == []
    async with pool.acquire() as conn:  # the stamp is the one given, not the database's clock
        async with conn.transaction():
            await conn.execute("SELECT set_config('unefois.tenant', $1, true)", BUYER.siret)
            assert await conn.fetchval("SELECT created_at FROM clauses WHERE id = $1", own.id) == AT
