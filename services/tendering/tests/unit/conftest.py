"""Unit-test fixtures of the tendering service: in-memory repositories (fakes.py) behind a
FakeUnitOfWork, and the principals the use cases run for.

fakes.py is loaded under a name of its own: with pytest's default import mode a plain
`import fakes` would clash with another service's tests/unit/fakes.py in one session."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import pytest

from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.clock import SettableClock
from unefois_kernel.testing import BUYER
from unefois_kernel.uow import FakeUnitOfWork

_spec = importlib.util.spec_from_file_location("unefois_tendering_unit_fakes", Path(__file__).with_name("fakes.py"))
fakes_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fakes_module)

APPROVER = Principal(subject="u-9", name="Claire Valideuse", roles=frozenset({Role.BUYER_APPROVER}),
                     org_siret=BUYER.siret, org_name=BUYER.name, org_kind=OrgKind.BUYER)


@pytest.fixture
def fakes():
    """The fakes module: `fakes.a_need(...)`, `fakes.a_consultation(...)`, `fakes.a_decision(...)`."""
    return fakes_module


@pytest.fixture
def approver() -> Principal:
    return APPROVER


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))  # 11:00 in Paris


@pytest.fixture
def repos():
    return fakes_module.fake_repositories()


@pytest.fixture
def uow_for(repos, clock):
    """`uow_for(principal)` / `uow_for(tenant=...)` (a handler's, acting as the service): a
    FakeUnitOfWork over the same in-memory repositories and clock."""

    def make(principal: Principal | None = None, *, tenant: str | None = None) -> FakeUnitOfWork:
        if principal is not None:
            return FakeUnitOfWork(repos, principal=principal, clock=clock, service="tendering")
        return FakeUnitOfWork(repos, tenant=tenant, clock=clock, service="tendering")

    return make
