"""Integration fixtures of the tendering service: a fresh database with the kernel's and
tendering's migrations (as the non-superuser owning role, so row-level security applies), the
units of work of the service on it, and the buyers' principals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.clock import SettableClock
from unefois_kernel.testing import BUYER, OTHER_BUYER
from unefois_kernel.uow import UnitsOfWork
from unefois_tendering.repositories import Repositories

CAMILLE = Principal(subject="u-1", name="Camille Martin", roles=frozenset({Role.BUYER_APPROVER}), org_siret=BUYER.siret,
                    org_name=BUYER.name, org_kind=OrgKind.BUYER)
LEA = Principal(subject="u-2", name="Léa Durand", roles=frozenset({Role.BUYER}), org_siret=OTHER_BUYER.siret,
                org_name=OTHER_BUYER.name, org_kind=OrgKind.BUYER)


@pytest.fixture
def principals() -> dict[str, Principal]:
    return {"buyer": CAMILLE, "other_buyer": LEA}


@pytest.fixture
async def uows(service_database) -> UnitsOfWork[Repositories]:
    pool = await service_database("tendering")
    return UnitsOfWork(service="tendering", clock=SettableClock(datetime(2026, 11, 2, 10, 0, tzinfo=UTC)),
                       repositories=Repositories.on, pool=pool)

