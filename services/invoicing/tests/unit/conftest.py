"""Invoicing's unit tests: the fakes (fakes.py) as fixtures, principals, and commitments to work on.

fakes.py is loaded under a name of its own: every service has a tests/unit/fakes.py, and a plain
`import fakes` would give every test run the first one imported."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from unefois_invoicing.commitments.domain import Commitment, open_commitment
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.clock import SettableClock
from unefois_kernel.testing import BUYER, SUPPLIER, contract_notified, load_beside
from unefois_kernel.uow import FakeUnitOfWork


fakes = load_beside(__file__, name="unefois_invoicing_test_fakes")

# Monday 30 November 2026, 10:00 in Paris.
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

BUYER_USER = Principal(subject="u-1", name="Camille Martin", roles=frozenset({Role.BUYER}), org_siret=BUYER.siret,
                       org_name=BUYER.name, org_kind=OrgKind.BUYER)
HOLDER_USER = Principal(subject="u-2", name="Jean Moreau", roles=frozenset({Role.SUPPLIER}), org_siret=SUPPLIER.siret,
                        org_name=SUPPLIER.name, org_kind=OrgKind.SUPPLIER)
OTHER_SUPPLIER_USER = Principal(subject="u-3", name="Léa Roux", roles=frozenset({Role.SUPPLIER}),
                                org_siret="81000005900016", org_name="Fournitures du Centre",
                                org_kind=OrgKind.SUPPLIER)


def _make_commitment(*, buyer=BUYER, ceiling: str = "1000.00", number: str = "2026000001",
                    opened_at: datetime = NOW) -> Commitment:
    contract = contract_notified(buyer, number=number, amount=Decimal(ceiling), legal_commitment_number=f"EJ{number}")
    commitment, _ = open_commitment(contract, commitment_id=uuid.uuid4(), at=opened_at)
    return commitment


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


@pytest.fixture
def repos():
    return fakes.FakeRepositories()


@pytest.fixture
def uow_of(repos, clock):
    """`uow_of(principal)`: a fake unit of work over the fixture's repositories, as that caller (None: the
    service itself, handling an event of BUYER's)."""

    def make(principal: Principal | None = None, *, tenant: str | None = BUYER.siret) -> FakeUnitOfWork:
        return FakeUnitOfWork(repos, principal=principal, tenant=tenant, clock=clock, service="invoicing")

    return make


@pytest.fixture
def make_commitment():
    """`make_commitment(ceiling="1000.00", buyer=..., number=..., opened_at=...)`: a commitment as a notified
    contract of SUPPLIER's opens it."""
    return _make_commitment


@pytest.fixture
def buyer_user() -> Principal:
    return BUYER_USER


@pytest.fixture
def holder_user() -> Principal:
    """A user of SUPPLIER, the holder of the commitments made here."""
    return HOLDER_USER


@pytest.fixture
def other_supplier_user() -> Principal:
    return OTHER_SUPPLIER_USER
