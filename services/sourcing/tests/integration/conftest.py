"""Fixtures of the sourcing integration tests: a fresh sourcing database (kernel and sourcing
migrations, as a non-superuser owner, so row-level security applies) and the service's units
of work on it, timed by a settable clock."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest

from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.clock import SettableClock
from unefois_kernel.testing import BUYER as BUYER_ORG
from unefois_kernel.testing import OTHER_BUYER as OTHER_ORG
from unefois_kernel.uow import UnitsOfWork
from unefois_sourcing.repositories import Repositories

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BUYER = Principal(subject="u-1", name="Camille Achat", roles=frozenset({Role.BUYER}), org_siret=BUYER_ORG.siret,
                  org_name=BUYER_ORG.name, org_kind=OrgKind.BUYER)
APPROVER = Principal(subject="u-2", name="Dominique Valide", roles=frozenset({Role.BUYER_APPROVER}),
                     org_siret=BUYER_ORG.siret, org_name=BUYER_ORG.name, org_kind=OrgKind.BUYER)
STRANGER = Principal(subject="u-3", name="Léa Ailleurs", roles=frozenset({Role.BUYER_APPROVER}),
                     org_siret=OTHER_ORG.siret, org_name=OTHER_ORG.name, org_kind=OrgKind.BUYER)


@pytest.fixture
async def pool(service_database) -> asyncpg.Pool:
    return await service_database("sourcing")


@pytest.fixture
def uows(pool) -> UnitsOfWork[Repositories]:
    """The sourcing units of work on the fresh database: `async with uows(BUYER) as uow: uow.repos.needs...`."""
    return UnitsOfWork(service="sourcing", clock=SettableClock(NOW), repositories=Repositories.on, pool=pool)


@pytest.fixture
def principals() -> dict[str, Principal]:
    return {"buyer": BUYER, "approver": APPROVER, "stranger": STRANGER}


@pytest.fixture
async def as_admin(pool, admin_dsn):
    """`await as_admin(sql, *args)`: a statement run as the superuser on this database, past
    row-level security (what an operator's seeding does, e.g. a buyer's profile)."""
    async with pool.acquire() as conn:
        database = await conn.fetchval("SELECT current_database()")

    async def run(sql: str, *args) -> None:
        admin = await asyncpg.connect(admin_dsn.rsplit("/", 1)[0] + "/" + database)
        try:
            await admin.execute(sql, *args)
        finally:
            await admin.close()

    return run
