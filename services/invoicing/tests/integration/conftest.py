"""Invoicing's integration tests: its own fresh database (kernel and invoicing migrations, row-level security
as in production) and the units of work of the service on it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from unefois_invoicing.repositories import Repositories
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.clock import SettableClock
from unefois_kernel.testing import BUYER, OTHER_BUYER, SUPPLIER
from unefois_kernel.uow import UnitsOfWork

# Monday 30 November 2026, 10:00 in Paris: not the database's now().
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
async def uows(service_database) -> UnitsOfWork[Repositories]:
    pool = await service_database("invoicing")
    return UnitsOfWork(service="invoicing", clock=SettableClock(NOW), repositories=Repositories.on, pool=pool)


@pytest.fixture
def buyer_user() -> Principal:
    return Principal(subject="u-1", name="Camille Martin", roles=frozenset({Role.BUYER}), org_siret=BUYER.siret,
                     org_name=BUYER.name, org_kind=OrgKind.BUYER)


@pytest.fixture
def other_buyer_user() -> Principal:
    return Principal(subject="u-4", name="Paul Durand", roles=frozenset({Role.BUYER}), org_siret=OTHER_BUYER.siret,
                     org_name=OTHER_BUYER.name, org_kind=OrgKind.BUYER)


@pytest.fixture
def holder_user() -> Principal:
    return Principal(subject="u-2", name="Jean Moreau", roles=frozenset({Role.SUPPLIER}), org_siret=SUPPLIER.siret,
                     org_name=SUPPLIER.name, org_kind=OrgKind.SUPPLIER)


@pytest.fixture
def other_supplier_user() -> Principal:
    return Principal(subject="u-3", name="Léa Roux", roles=frozenset({Role.SUPPLIER}), org_siret="81000005900016",
                     org_name="Fournitures du Centre", org_kind=OrgKind.SUPPLIER)
