"""Fixtures of the sourcing use-case tests: in-memory repositories (fakes.py) behind a
FakeUnitOfWork with a settable clock; no broker, no database.

fakes.py is loaded under a name of its own: every service's tests/unit may hold a fakes.py,
and a plain `import fakes` would share the first one imported in a session."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.clock import SettableClock
from unefois_kernel.testing import BUYER as BUYER_ORG
from unefois_kernel.testing import load_beside, purchase
from unefois_kernel.uow import FakeUnitOfWork
from unefois_sourcing.needs.domain import Need, NeedStatus
from unefois_sourcing.needs.views import NeedDraft


fakes = load_beside(__file__, name="unefois_sourcing_unit_fakes")

# A Monday morning in Paris (10:00), on which the 2026 thresholds apply.
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BUYER = Principal(subject="u-1", name="Camille Achat", roles=frozenset({Role.BUYER}), org_siret=BUYER_ORG.siret,
                  org_name=BUYER_ORG.name, org_kind=OrgKind.BUYER)
APPROVER = Principal(subject="u-2", name="Dominique Valide", roles=frozenset({Role.BUYER_APPROVER}),
                     org_siret=BUYER_ORG.siret, org_name=BUYER_ORG.name, org_kind=OrgKind.BUYER)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


@pytest.fixture
def repos():
    """Empty in-memory repositories (fakes.FakeRepositories)."""
    return fakes.FakeRepositories()


@pytest.fixture
def uow_of(repos, clock):
    """`uow_of(principal)`: a FakeUnitOfWork of the sourcing service over `repos`, timed by `clock`."""

    def make(principal: Principal | None = BUYER) -> FakeUnitOfWork:
        return FakeUnitOfWork(repos, principal=principal, clock=clock, service="sourcing")

    return make


@pytest.fixture
def buyer(uow_of) -> FakeUnitOfWork:
    return uow_of(BUYER)


@pytest.fixture
def approver(uow_of) -> FakeUnitOfWork:
    return uow_of(APPROVER)


@pytest.fixture
def add_need(repos, clock):
    """`add_need(status, created_at=..., return_comment=..., **facts)`: a need of the buyer already stored (kernel's `purchase` facts)."""
    def add(status: str = "draft", *, created_at: datetime | None = None, return_comment: str | None = None,
            **facts) -> Need:
        stored = purchase(BUYER_ORG, **facts)
        need = Need(id=stored.need_id, tenant=BUYER_ORG.siret, status=NeedStatus(status), facts=stored,
                    created_at=created_at or clock.now(), return_comment=return_comment)
        repos.needs.rows[need.id] = need
        return need

    return add


def typed_need(**changes) -> dict:
    """What a buyer types for a need (NeedDraft's `facts`): 38 000 € of cleaning services in Lyon."""
    return {
        "object": "Nettoyage des locaux de la mairie", "nature": "services", "main_cpv": "90910000",
        "estimated_value": "38000.00", "duration_months": 12,
        "place_of_execution": {"code": "69123", "code_type": "Code commune"}, "procedure": "Procédure adaptée",
        "ccag": "Fournitures courantes et services", "techniques": ["Sans objet"], "execution_modes": ["Sans objet"],
        **changes,
    }


@pytest.fixture
def draft():
    """`draft(clause_ids=[...], **facts)`: a NeedDraft as the API or the form builds it."""
    def make(*, clause_ids=(), **facts) -> NeedDraft:
        return NeedDraft.model_validate({"facts": typed_need(**facts), "clause_ids": [str(i) for i in clause_ids]})

    return make
