"""Unit-test fixtures of the tendering service: in-memory repositories (fakes.py) behind a
FakeUnitOfWork, and the principals the use cases run for.

fakes.py is loaded under a name of its own: with pytest's default import mode a plain
`import fakes` would clash with another service's tests/unit/fakes.py in one session."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.clock import SettableClock
from unefois_kernel.testing import BUYER, load_beside
from unefois_kernel.uow import FakeUnitsOfWork

fakes_module = load_beside(__file__, name="unefois_tendering_unit_fakes")

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
def uows(repos, clock) -> FakeUnitsOfWork:
    return FakeUnitsOfWork(repos, clock=clock, service="tendering")


@pytest.fixture
def uow_for(uows):
    """`uow_for(principal)` / `uow_for(tenant=...)` (a handler's, acting as the service): a
    FakeUnitOfWork over the same in-memory repositories and clock."""
    return lambda principal=None, *, tenant=None: uows(principal) if principal is not None else uows.system(tenant)

