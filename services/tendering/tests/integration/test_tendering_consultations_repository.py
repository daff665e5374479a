"""The consultations repository on a real database: what it stores it reads back as domain
objects, one tenant never sees another's, and references are drawn from the kernel's yearly
sequences ('consultation'), per tenant and year, gap-free."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from unefois_events.catalogue import NeedApproved, Organisation
from unefois_kernel.tenancy import set_scope
from unefois_kernel.testing import BUYER, load_beside, purchase
from unefois_tendering.consultations.domain import (
    ConsultationStatus,
    confirm_procedure,
    open_consultation,
    prepare,
    publish,
)

# The unit tests' payload makers (sourcing's decision taken through the shared rules engine).
fakes = load_beside(__file__.replace("/integration/", "/unit/"), name="unefois_tendering_unit_fakes")
AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def a_consultation(buyer: Organisation = BUYER, *, at: datetime = AT, reference: str = "2026-0001"):
    need = NeedApproved(purchase=purchase(buyer), approved_by="Valideur", approved_at=at,
                        invited_suppliers=[Organisation(siret="81000005900016", name="Voirie du Rhône")])
    draft = open_consultation(need, consultation_id=uuid.uuid4(), reference=reference, at=at)
    return publish(prepare(draft, fakes.a_preparation(draft, at=at), now=at), at=at).consultation


async def test_a_consultation_is_read_back_as_stored(uows, principals):
    consultation = a_consultation()
    async with uows(principals["buyer"]) as uow:
        await uow.repos.consultations.add(consultation)
    async with uows(principals["buyer"]) as uow:
        assert await uow.repos.consultations.get(consultation.id) == consultation
        assert await uow.repos.consultations.get(consultation.id, for_update=True) == consultation
        assert await uow.repos.consultations.get(uuid.uuid4()) is None


async def test_the_latest_come_first_and_may_be_those_of_one_need(uows, principals):
    older, newer = a_consultation(at=AT), a_consultation(at=AT + timedelta(hours=1), reference="2026-0002")
    async with uows(principals["buyer"]) as uow:
        await uow.repos.consultations.add(older)
        await uow.repos.consultations.add(newer)
    async with uows(principals["buyer"]) as uow:
        repository = uow.repos.consultations
        assert [c.id for c in await repository.latest()] == [newer.id, older.id]
        assert [c.id for c in await repository.latest(limit=1)] == [newer.id]
        assert [c.id for c in await repository.latest(need_id=older.need_id)] == [older.id]
        assert await repository.latest(need_id=uuid.uuid4()) == []


async def test_one_consultation_per_need(uows, principals):
    consultation = a_consultation()
    async with uows(principals["buyer"]) as uow:
        await uow.repos.consultations.add(consultation)
    with pytest.raises(asyncpg.UniqueViolationError):
        async with uows(principals["buyer"]) as uow:
            await uow.repos.consultations.add(dataclasses.replace(consultation, id=uuid.uuid4()))


async def test_the_status_changes(uows, principals):
    consultation = a_consultation()
    async with uows(principals["buyer"]) as uow:
        await uow.repos.consultations.add(consultation)
        await uow.repos.consultations.set_status(consultation.id, ConsultationStatus.AWARDED)
    async with uows(principals["buyer"]) as uow:
        assert (await uow.repos.consultations.get(consultation.id)).status is ConsultationStatus.AWARDED


async def test_a_buyer_never_sees_nor_writes_another_buyers_consultations(uows, principals):
    mine = a_consultation()
    async with uows(principals["buyer"]) as uow:
        await uow.repos.consultations.add(mine)
    async with uows(principals["other_buyer"]) as uow:
        assert await uow.repos.consultations.get(mine.id) is None
        assert await uow.repos.consultations.latest() == []
        await uow.repos.consultations.set_status(mine.id, ConsultationStatus.AWARDED)  # matches no row
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        async with uows(principals["other_buyer"]) as uow:
            await uow.repos.consultations.add(a_consultation(BUYER))
    async with uows(None) as uow:  # no scope at all: nothing
        assert await uow.repos.consultations.latest() == []
    async with uows(principals["buyer"]) as uow:
        assert (await uow.repos.consultations.get(mine.id)).status is ConsultationStatus.PUBLISHED


async def test_references_are_numbered_per_tenant_and_year_in_the_kernel_sequences(uows, principals):
    async def next_reference(principal, year: int) -> str:
        async with uows(principal) as uow:
            return await uow.repos.consultations.next_reference(tenant=principal.tenant, year=year)

    buyer, other = principals["buyer"], principals["other_buyer"]
    assert [await next_reference(buyer, 2026), await next_reference(buyer, 2026)] == ["2026-0001", "2026-0002"]
    assert await next_reference(other, 2026) == "2026-0001"
    assert await next_reference(buyer, 2027) == "2027-0001"
    # A rolled-back transaction gives its number back: no gap.
    with pytest.raises(RuntimeError):
        async with uows(buyer) as uow:
            assert await uow.repos.consultations.next_reference(tenant=buyer.tenant, year=2026) == "2026-0003"
            raise RuntimeError("refused after drawing the number")
    assert await next_reference(buyer, 2026) == "2026-0003"

    async with uows.pool.acquire() as conn, conn.transaction():
        await set_scope(conn, tenant=BUYER.siret)
        rows = await conn.fetch("SELECT name, year, last FROM yearly_sequences ORDER BY year")
    assert [tuple(row) for row in rows] == [("consultation", 2026, 3), ("consultation", 2027, 1)]


async def test_a_held_consultation_and_its_publication_are_read_back_as_stored(uows, principals):
    # The done-when case of issue 10: decided for 2025-12-15, held on 2026-01-10.
    publication = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    need = fakes.a_planned_need(approved_at=publication)
    draft = open_consultation(need, consultation_id=uuid.uuid4(), reference="2026-0001", at=publication)
    async with uows(principals["buyer"]) as uow:
        await uow.repos.consultations.add(draft)
    async with uows(principals["buyer"]) as uow:
        assert await uow.repos.consultations.get(draft.id) == draft
    prepared = prepare(draft, fakes.a_preparation(draft, at=publication), now=publication)
    async with uows(principals["buyer"]) as uow:
        await uow.repos.consultations.update(prepared)
    async with uows(principals["buyer"]) as uow:
        assert await uow.repos.consultations.get(draft.id) == prepared, "the preparation is read back as stored"
    held, events = publish(prepared, at=publication)
    assert (held.status, events) == (ConsultationStatus.AWAITING_PROCEDURE, [])
    async with uows(principals["buyer"]) as uow:
        await uow.repos.consultations.update(held)
    async with uows(principals["buyer"]) as uow:
        assert await uow.repos.consultations.get(held.id) == held
        assert [c.id for c in await uow.repos.consultations.latest()] == [held.id]

    published, _ = confirm_procedure(held, "Appel d'offres ouvert", at=publication)
    async with uows(principals["buyer"]) as uow:
        await uow.repos.consultations.publish(published)
    async with uows(principals["buyer"]) as uow:
        assert await uow.repos.consultations.get(held.id) == published
    async with uows(principals["other_buyer"]) as uow:  # another buyer's publish matches no row
        await uow.repos.consultations.publish(dataclasses.replace(published, bid_deadline=publication))
    async with uows(principals["buyer"]) as uow:
        assert (await uow.repos.consultations.get(held.id)).bid_deadline == published.bid_deadline
