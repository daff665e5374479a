"""Unit-test fixtures of the contracts service: in-memory repositories (fakes.py) behind a
FakeUnitOfWork, and the principals the use cases run for.

fakes.py is loaded under a name of its own: with pytest's default import mode a plain
`import fakes` would clash with another service's tests/unit/fakes.py in one session."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.clock import SettableClock
from unefois_kernel.testing import BUYER, OTHER_BUYER, SUPPLIER
from unefois_kernel.uow import FakeUnitOfWork

_spec = importlib.util.spec_from_file_location("unefois_contracts_unit_fakes", Path(__file__).with_name("fakes.py"))
fakes_module = sys.modules[_spec.name] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fakes_module)

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
def uow_for(repos, clock):
    """`uow_for(principal)` / `uow_for(tenant=...)` (a handler's, acting as the service): a
    FakeUnitOfWork over the same in-memory repositories and clock."""

    def make(principal: Principal | None = None, *, tenant: str | None = None) -> FakeUnitOfWork:
        if principal is not None:
            return FakeUnitOfWork(repos, principal=principal, clock=clock, service="contracts")
        return FakeUnitOfWork(repos, tenant=tenant, clock=clock, service="contracts")

    return make
