"""Consultation use cases on a FakeUnitOfWork: an approved need is published once, numbered in
its buyer's yearly sequence; buyers read theirs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from unefois_events.catalogue import ConsultationPublished, Organisation
from unefois_kernel.domain_errors import NotFound
from unefois_kernel.testing import BUYER, OTHER_BUYER
from unefois_tendering.consultations import service
from unefois_tendering.consultations.domain import ConsultationStatus


async def test_an_approved_need_becomes_a_consultation_en_preparation(fakes, repos, uow_for, clock):
    invited = [Organisation(siret="81000005900016", name="Voirie du Rhône")]
    need = fakes.a_need(approved_at=clock.now()).model_copy(update={"invited_suppliers": invited})
    uow = uow_for(tenant=need.tenant)
    consultation = await service.open_from_need(uow, need)

    assert repos.consultations.rows == {consultation.id: consultation}
    assert (consultation.reference, consultation.status, consultation.purchase) == (
        "2026-0001", ConsultationStatus.DRAFT, need.purchase)
    assert consultation.invited == tuple(invited)
    assert (consultation.received_at, consultation.published_at, consultation.bid_deadline) == (clock.now(), None, None)
    assert uow.committed.events == [], "nothing is public before the buyer publishes"
    [note] = uow.committed.audits
    assert (note.tenant, note.aggregate_type, note.aggregate_id, note.action, note.actor) == (
        BUYER.siret, "consultation", str(consultation.id), "consultation.drafted", "system:tendering")
    assert note.change == {"need_id": str(need.purchase.need_id), "reference": "2026-0001"}
    assert (uow.commits, uow.rollbacks) == (1, 0)


async def test_the_buyer_prepares_then_publishes(fakes, repos, uow_for, clock, approver):
    need = fakes.a_need(approved_at=clock.now())
    draft = await service.open_from_need(uow_for(tenant=need.tenant), need)
    preparation = fakes.a_preparation(draft, at=clock.now())
    prepared = await service.prepare(uow_for(approver), draft.id, preparation)
    assert prepared.preparation.bid_deadline == preparation["bid_deadline"]
    assert repos.consultations.rows[draft.id] == prepared

    uow = uow_for(approver)
    consultation = await service.publish(uow, draft.id)
    assert repos.consultations.locked[-1] == draft.id
    assert consultation.status is ConsultationStatus.PUBLISHED
    # The buyer's deadline: Tuesday 8 December 2026 at noon in Paris (the minimum, 35 days without
    # a decision, R2161-2, ends with Monday 7 December).
    assert (consultation.published_at, consultation.bid_deadline) == (clock.now(), datetime(2026, 12, 8, 11, tzinfo=UTC))
    [event] = uow.committed.events
    assert isinstance(event, ConsultationPublished)
    assert (event.consultation_id, event.reference, event.purchase, event.bid_deadline) == (
        consultation.id, "2026-0001", need.purchase, consultation.bid_deadline)
    # The sealing key pair is created in the publication's transaction, before it is announced.
    keys, note = uow.committed.audits
    assert (keys.action, keys.aggregate_id) == ("consultation.keys_created", str(consultation.id))
    assert (note.action, note.actor) == ("consultation.published", approver.actor)
    assert note.change == {"need_id": str(need.purchase.need_id), "reference": "2026-0001"}


async def test_references_count_per_buyer_and_restart_each_paris_year(fakes, repos, uow_for, clock):
    async def reference(buyer=BUYER) -> str:
        return (await service.open_from_need(uow_for(tenant=buyer.siret), fakes.a_need(buyer, approved_at=clock.now()))).reference

    assert [await reference(), await reference(), await reference(OTHER_BUYER)] == ["2026-0001", "2026-0002", "2026-0001"]
    # 31 December, 23:30 UTC is already New Year's Day in Paris: the 2027 sequence starts.
    clock.set(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    assert await reference() == "2027-0001"
    assert repos.consultations.sequences == {(BUYER.siret, 2026): 2, (OTHER_BUYER.siret, 2026): 1, (BUYER.siret, 2027): 1}


async def test_the_buyer_reads_its_consultations_newest_first_or_those_of_one_need(fakes, repos, uow_for, clock, approver):
    older = await service.open_from_need(uow_for(tenant=BUYER.siret), fakes.a_need(approved_at=clock.now()))
    clock.advance(timedelta(hours=1))
    newer = await service.open_from_need(uow_for(tenant=BUYER.siret), fakes.a_need(approved_at=clock.now()))

    assert [c.id for c in await service.latest(uow_for(approver))] == [newer.id, older.id]
    assert [c.id for c in await service.latest(uow_for(approver), limit=1)] == [newer.id]
    assert [c.id for c in await service.latest(uow_for(approver), need_id=older.need_id)] == [older.id]
    assert await service.get(uow_for(approver), older.id) == older


async def test_reading_an_unknown_consultation_is_not_found(uow_for, approver):
    with pytest.raises(NotFound) as missing:
        await service.get(uow_for(approver), uuid.uuid4())
    assert (missing.value.status, missing.value.field) == (404, "consultation_id")
