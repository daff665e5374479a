"""Unit-test fixtures of the contracts service: in-memory repositories (fakes.py) behind a
FakeUnitOfWork, and the principals the use cases run for.

fakes.py is loaded under a name of its own: with pytest's default import mode a plain
`import fakes` would clash with another service's tests/unit/fakes.py in one session."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.clock import SettableClock
from unefois_kernel.testing import BUYER, OTHER_BUYER, SUPPLIER, load_beside
from unefois_kernel.uow import FakeUnitsOfWork

fakes_module = load_beside(__file__, name="unefois_contracts_unit_fakes")

CAMILLE = Principal(subject="u-1", name="Camille Martin", roles=frozenset({Role.BUYER}), org_siret=BUYER.siret,
                    org_name=BUYER.name, org_kind=OrgKind.BUYER)
LEA = Principal(subject="u-2", name="Léa Durand", roles=frozenset({Role.BUYER}), org_siret=OTHER_BUYER.siret,
                org_name=OTHER_BUYER.name, org_kind=OrgKind.BUYER)
JEAN = Principal(subject="u-3", name="Jean Moreau", roles=frozenset({Role.SUPPLIER}), org_siret=SUPPLIER.siret,
                 org_name=SUPPLIER.name, org_kind=OrgKind.SUPPLIER)


@pytest.fixture
def fakes():
    """The fakes module: `fakes.an_award(...)`, `fakes.FakeContractRepository`."""
    return fakes_module


@pytest.fixture
def principals():
    return {"buyer": CAMILLE, "other_buyer": LEA, "supplier": JEAN}


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))  # 09:00 in Paris


@pytest.fixture
def repos():
    return fakes_module.fake_repositories()


@pytest.fixture
def uows(repos, clock) -> FakeUnitsOfWork:
    return FakeUnitsOfWork(repos, clock=clock, service="contracts")


@pytest.fixture
def uow_for(uows):
    """`uow_for(principal)` / `uow_for(tenant=...)` (a handler's, acting as the service): a
    FakeUnitOfWork over the same in-memory repositories and clock."""
    return lambda principal=None, *, tenant=None: uows(principal) if principal is not None else uows.system(tenant)
