"""Contracts use cases on a FakeUnitOfWork: what each stores, emits and audits, and what a
refusal leaves untouched."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from unefois_contracts.contracts import service
from unefois_contracts.contracts.domain import ContractStatus
from unefois_events.catalogue import ContractNotified
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_kernel.testing import BUYER, OTHER_BUYER


async def _prepared(uow_for, fakes, buyer=BUYER):
    award = fakes.an_award(buyer)
    return await service.prepare_contract(uow_for(tenant=award.tenant), award)


# ---------------------------------------------------------------- prepare (the AwardDecided handler's use case)


async def test_an_award_prepares_a_contract_to_notify(uow_for, fakes, repos, clock):
    award = fakes.an_award()
    uow = uow_for(tenant=award.tenant)
    contract = await service.prepare_contract(uow, award)
    assert repos.contracts.contracts == {contract.id: contract}
    assert (contract.status, contract.award, contract.tenant) == (ContractStatus.TO_NOTIFY, award, award.tenant)
    assert contract.created_at == clock.now()  # the clock's time, not the database's
    assert uow.committed.events == []  # nothing goes downstream before the notification
    [note] = uow.committed.audits
    assert (note.tenant, note.aggregate_type, note.aggregate_id, note.action, note.actor) == (
        award.tenant, "contract", str(contract.id), "contract.prepared", "system:contracts")
    assert note.change == {"award_id": str(award.award_id)}


async def test_the_same_award_delivered_again_prepares_nothing_more(uow_for, fakes, repos):
    award = fakes.an_award()
    first = await service.prepare_contract(uow_for(tenant=award.tenant), award)
    again = uow_for(tenant=award.tenant)
    assert await service.prepare_contract(again, award) is None
    assert list(repos.contracts.contracts) == [first.id]
    assert again.committed.audits == [] and again.committed.events == []


# ---------------------------------------------------------------- reads


async def test_contracts_are_listed_newest_first_and_filtered_by_award(uow_for, fakes, principals, clock):
    older = await _prepared(uow_for, fakes)
    clock.advance(timedelta(minutes=5))
    newer = await _prepared(uow_for, fakes)
    listed = await service.list_contracts(uow_for(principals["buyer"]))
    assert [c.id for c in listed] == [newer.id, older.id]
    by_award = await service.list_contracts(uow_for(principals["buyer"]), award_id=older.award_id)
    assert [c.id for c in by_award] == [older.id]


async def test_reading_a_contract_it_cannot_see_is_not_found(uow_for, fakes, principals):
    contract = await _prepared(uow_for, fakes)
    assert (await service.get_contract(uow_for(principals["buyer"]), contract.id)) == contract
    uow = uow_for(principals["buyer"])
    with pytest.raises(NotFound) as missing:
        await service.get_contract(uow, uuid.uuid4())
    assert (missing.value.status, missing.value.field) == (404, "contract_id")
    assert uow.rollbacks == 1


async def test_the_home_shows_a_buyer_its_own_latest_contracts_only(uow_for, fakes, principals):
    mine = await _prepared(uow_for, fakes)
    await _prepared(uow_for, fakes, OTHER_BUYER)
    assert [c.id for c in await service.latest_of_buyer(uow_for(principals["buyer"]))] == [mine.id]
    for reader in (principals["supplier"], None):  # not a buyer: nothing to show, nothing read
        uow = uow_for(reader)
        assert await service.latest_of_buyer(uow) is None
        assert (uow.commits, uow.rollbacks) == (0, 0)


async def test_the_home_shows_fifty_contracts_at_most(uow_for, fakes, principals, clock):
    for _ in range(service.HOME_LIMIT + 1):
        clock.advance(timedelta(seconds=1))
        await _prepared(uow_for, fakes)
    assert len(await service.latest_of_buyer(uow_for(principals["buyer"]))) == service.HOME_LIMIT == 50


# ---------------------------------------------------------------- notify


async def test_notifying_numbers_the_contract_and_sends_it_downstream(uow_for, fakes, repos, principals, clock):
    contract = await _prepared(uow_for, fakes)
    clock.set(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))  # already 1 December in Paris
    uow = uow_for(principals["buyer"])
    notified = await service.notify_contract(uow, contract.id)
    assert notified.notified_on == date(2026, 12, 1), "the default date is today in Paris"
    assert notified.notified_at == clock.now()
    assert (notified.status, notified.contract_number, notified.legal_commitment_number) == (
        ContractStatus.NOTIFIED, "2026000001", "EJ2026000001")
    assert repos.contracts.contracts[contract.id] == notified
    assert repos.contracts.locked == [contract.id], "read for update"
    [event] = uow.committed.events
    assert isinstance(event, ContractNotified)
    assert (event.contract_id, event.contract_number, event.legal_commitment_number, event.notified_on) == (
        contract.id, "2026000001", "EJ2026000001", date(2026, 12, 1))
    assert event.holders == contract.award.winners and event.purchase == contract.award.purchase
    [note] = uow.committed.audits
    assert (note.tenant, note.aggregate_id, note.action, note.actor) == (
        contract.tenant, str(contract.id), "contract.notified", "Camille Martin <u-1>")
    assert note.change == {"contract_number": "2026000001", "notified_on": "2026-12-01",
                           "legal_commitment_number": "EJ2026000001"}


async def test_numbers_follow_each_other_per_buyer_and_restart_each_year(uow_for, fakes, repos, principals, clock):
    first, second, next_year = [await _prepared(uow_for, fakes) for _ in range(3)]
    other = await _prepared(uow_for, fakes, OTHER_BUYER)
    clock.set(datetime(2027, 1, 10, 9, 0, tzinfo=UTC))  # a notification is a past fact: the 2027 one is dated before today
    numbers = [
        (await service.notify_contract(uow_for(principals["buyer"]), first.id, notified_on=date(2026, 11, 12))).contract_number,
        (await service.notify_contract(uow_for(principals["buyer"]), second.id, notified_on=date(2026, 11, 13))).contract_number,
        (await service.notify_contract(uow_for(principals["buyer"]), next_year.id, notified_on=date(2027, 1, 4))).contract_number,
        (await service.notify_contract(uow_for(principals["other_buyer"]), other.id, notified_on=date(2026, 11, 14))).contract_number,
    ]
    assert numbers == ["2026000001", "2026000002", "2027000001", "2026000001"]
    assert repos.contracts.sequences == {(first.tenant, 2026): 2, (first.tenant, 2027): 1, (other.tenant, 2026): 1}


async def test_a_contract_is_notified_once(uow_for, fakes, repos, principals):
    contract = await _prepared(uow_for, fakes)
    notified = await service.notify_contract(uow_for(principals["buyer"]), contract.id, notified_on=date(2026, 11, 12))
    uow = uow_for(principals["buyer"])
    with pytest.raises(DomainError) as refused:
        await service.notify_contract(uow, contract.id, notified_on=date(2026, 11, 13))
    assert (refused.value.status, refused.value.field) == (409, "status")
    assert uow.committed.events == [] and uow.committed.audits == [] and uow.rollbacks == 1
    assert repos.contracts.contracts[contract.id] == notified, "unchanged"
    assert repos.contracts.sequences == {(contract.tenant, 2026): 1}, "no number drawn for the refusal"


async def test_a_notification_before_the_award_is_refused_without_drawing_a_number(uow_for, fakes, repos, principals):
    contract = await _prepared(uow_for, fakes)
    uow = uow_for(principals["buyer"])
    with pytest.raises(DomainError) as refused:
        await service.notify_contract(uow, contract.id, notified_on=date(2026, 11, 9))
    assert (refused.value.status, refused.value.field) == (422, "notified_on")
    assert repos.contracts.contracts[contract.id] == contract
    assert repos.contracts.sequences == {}
    assert uow.committed.events == [] and uow.committed.audits == []


async def test_notifying_an_unknown_contract_is_not_found(uow_for, principals, repos):
    with pytest.raises(NotFound):
        await service.notify_contract(uow_for(principals["buyer"]), uuid.uuid4())
    assert repos.contracts.sequences == {}


async def test_a_notification_dated_after_today_is_refused_naming_the_field(uow_for, fakes, repos, principals, clock):
    # Issue 9: a notification dated 9999-12-31 was accepted (then dead-lettered by open data).
    contract = await _prepared(uow_for, fakes)
    for future in (clock.today() + timedelta(days=1), date(2099, 12, 31)):
        with pytest.raises(DomainError) as refused:
            await service.notify_contract(uow_for(principals["buyer"]), contract.id, notified_on=future)
        assert refused.value.field == "notified_on" and "futur" in refused.value.detail
    assert repos.contracts.sequences == {}  # refused before a number is drawn
    notified = await service.notify_contract(uow_for(principals["buyer"]), contract.id, notified_on=clock.today())
    assert notified.notified_on == clock.today()
