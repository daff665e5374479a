"""The fake unit of work keeps the real one's contract: what a use case emits and audits is
committed on a clean exit only, named with the actor of the principal or of the service."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.clock import SettableClock
from unefois_kernel.testing import contract_notified
from unefois_kernel.uow import FakeUnitOfWork, UnitsOfWork, system_actor

BUYER = Principal(subject="u-1", name="Camille Martin", roles=frozenset({Role.BUYER}), org_siret="20000001600010",
                  org_name="Région Démo-Alpes", org_kind=OrgKind.BUYER)


async def test_a_clean_exit_commits_the_events_and_audit_entries_in_order() -> None:
    uow = FakeUnitOfWork(repos={}, principal=BUYER)
    first, second = contract_notified(number="2026000001"), contract_notified(number="2026000002")
    async with uow:
        uow.emit(first)
        uow.audit("contract", "c-1", "contract.notified", {"number": "2026000001"})
        uow.emit(second)
        assert uow.committed.events == []  # nothing is visible before the commit
    assert uow.committed.events == [first, second]
    assert [(a.tenant, a.aggregate_id, a.action, a.actor) for a in uow.committed.audits] == [
        ("20000001600010", "c-1", "contract.notified", "Camille Martin <u-1>")
    ]
    assert (uow.commits, uow.rollbacks) == (1, 0)


async def test_a_failure_inside_commits_nothing() -> None:
    uow = FakeUnitOfWork(repos={}, principal=BUYER)
    with pytest.raises(RuntimeError):
        async with uow:
            uow.emit(contract_notified())
            uow.audit("contract", "c-1", "contract.notified")
            raise RuntimeError("refused after emitting")
    assert uow.committed.events == [] and uow.committed.audits == []
    assert (uow.commits, uow.rollbacks) == (0, 1)
    async with uow:  # the refused work does not leak into the next one
        pass
    assert uow.committed.events == []


async def test_an_audit_entry_needs_a_tenant() -> None:
    supplier_side = FakeUnitOfWork(repos={}, tenant=None)
    async with supplier_side:
        with pytest.raises(ValueError, match="tenant"):
            supplier_side.audit("bid", "b-1", "bid.deposited")
        supplier_side.audit("bid", "b-1", "bid.deposited", tenant="21000003000010")
    assert supplier_side.committed.audits[0].tenant == "21000003000010"


def test_the_factory_names_the_actor_and_scope_from_the_principal_or_the_service() -> None:
    clock = SettableClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    uows = UnitsOfWork(service="contracts", clock=clock, repositories=lambda conn: conn)
    route = uows(BUYER)
    assert (route.actor, route.tenant, route.principal, route.service, route.clock) == (
        "Camille Martin <u-1>", "20000001600010", BUYER, "contracts", clock)
    anonymous = uows(None)
    assert (anonymous.actor, anonymous.tenant) == ("anonymous", None)
    system = uows.system("21000003000010")
    assert (system.actor, system.tenant) == (system_actor("contracts"), "21000003000010") == ("system:contracts", "21000003000010")


async def test_fake_units_of_work_share_repositories_and_name_each_actor() -> None:
    from unefois_kernel.uow import FakeUnitsOfWork

    clock = SettableClock(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    shared = {"rows": []}
    uows = FakeUnitsOfWork(shared, clock=clock, service="tendering")
    route, system, joined, anonymous = uows(BUYER), uows.system("21000003000010"), uows.joined(object(), "21000003000010"), uows(None)
    assert route.repos is system.repos is shared and route.clock is clock
    assert [(u.actor, u.tenant) for u in (route, system, joined, anonymous)] == [
        ("Camille Martin <u-1>", "20000001600010"), ("system:tendering", "21000003000010"),
        ("system:tendering", "21000003000010"), ("anonymous", None)]
    event = contract_notified()
    async with route:
        route.emit(event)
    with pytest.raises(RuntimeError):
        async with system:
            system.emit(contract_notified())
            raise RuntimeError
    assert uows.committed_events() == [event]


def test_a_test_person_is_built_like_the_token_check_builds_one() -> None:
    from unefois_kernel.testing import BUYER as BUYER_ORG, SUPPLIER, person

    approver = person(Role.BUYER_APPROVER, BUYER_ORG)
    assert (approver.tenant, approver.supplier_siret, approver.name) == (BUYER_ORG.siret, None, "Dominique Valide")
    supplier = person(Role.SUPPLIER, SUPPLIER, name="Léa Roux")
    assert (supplier.tenant, supplier.supplier_siret, supplier.name) == (None, SUPPLIER.siret, "Léa Roux")
