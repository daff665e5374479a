"""The contracts repository on a real PostgreSQL, as the service's (non-superuser) owning role:
row-level security scopes it to the buyer or to the holder, numbers come from the kernel's
yearly sequences, and the notify use case writes its state, event and audit entry in one commit."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest

from unefois_contracts.contracts import domain, service
from unefois_contracts.contracts.domain import ContractStatus
from unefois_contracts.repositories import Repositories
from unefois_events.catalogue import AwardDecided, Organisation
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.clock import SettableClock
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.testing import BUYER, OTHER_BUYER, SUPPLIER, purchase
from unefois_kernel.uow import UnitsOfWork

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
CAMILLE = Principal(subject="u-1", name="Camille Martin", roles=frozenset({Role.BUYER}), org_siret=BUYER.siret,
                    org_name=BUYER.name, org_kind=OrgKind.BUYER)
LEA = Principal(subject="u-2", name="Léa Durand", roles=frozenset({Role.BUYER}), org_siret=OTHER_BUYER.siret,
                org_name=OTHER_BUYER.name, org_kind=OrgKind.BUYER)
JEAN = Principal(subject="u-3", name="Jean Moreau", roles=frozenset({Role.SUPPLIER}), org_siret=SUPPLIER.siret,
                 org_name=SUPPLIER.name, org_kind=OrgKind.SUPPLIER)
ANOTHER_SUPPLIER = Principal(subject="u-4", name="Paul Petit", roles=frozenset({Role.SUPPLIER}),
                             org_siret="82000006500012", org_name="Fournitures du Centre", org_kind=OrgKind.SUPPLIER)


def award_of(buyer: Organisation = BUYER) -> AwardDecided:
    return AwardDecided(
        award_id=uuid.uuid4(), consultation_id=uuid.uuid4(), consultation_reference="2026-0001",
        purchase=purchase(buyer), winners=[SUPPLIER], amount=Decimal("50000.00"), price_form="Forfaitaire",
        price_types=["Définitif ferme"], offers_received=2, awarded_at=datetime(2026, 11, 10, 12, tzinfo=UTC),
    )


@pytest.fixture
async def uows(service_database) -> UnitsOfWork[Repositories]:
    pool = await service_database("contracts")
    return UnitsOfWork(service="contracts", clock=SettableClock(START), repositories=Repositories.on, pool=pool)


async def _add(uows, buyer: Organisation = BUYER, *, at: datetime = START) -> domain.Contract:
    contract, _ = domain.prepare(award_of(buyer), contract_id=uuid.uuid4(), at=at)
    async with uows.system(contract.tenant) as uow:
        assert await uow.repos.contracts.add(contract)
    return contract


async def test_a_stored_contract_reads_back_as_it_was_stored(uows) -> None:
    contract = await _add(uows)
    async with uows(CAMILLE) as uow:
        assert await uow.repos.contracts.get(contract.id) == contract
        assert await uow.repos.contracts.get(contract.id, for_update=True) == contract
        assert await uow.repos.contracts.get(uuid.uuid4()) is None
    # The stamp is the one given (the use case's clock), not the database's now().
    later = await _add(uows, at=START - timedelta(days=3))
    async with uows(CAMILLE) as uow:
        assert (await uow.repos.contracts.get(later.id)).created_at == START - timedelta(days=3)


async def test_an_award_has_one_contract(uows) -> None:
    contract = await _add(uows)
    twin = domain.Contract(id=uuid.uuid4(), tenant=contract.tenant, award=contract.award,
                           status=ContractStatus.TO_NOTIFY, created_at=START)
    async with uows.system(contract.tenant) as uow:
        assert await uow.repos.contracts.add(twin) is False
        assert [c.id for c in await uow.repos.contracts.latest()] == [contract.id]


async def test_latest_is_newest_first_per_award_and_per_buyer(uows) -> None:
    older = await _add(uows, at=START)
    newer = await _add(uows, at=START + timedelta(minutes=1))
    async with uows(CAMILLE) as uow:
        repository = uow.repos.contracts
        assert [c.id for c in await repository.latest()] == [newer.id, older.id]
        assert [c.id for c in await repository.latest(award_id=older.award_id)] == [older.id]
        assert [c.id for c in await repository.latest(tenant=BUYER.siret, limit=1)] == [newer.id]
        assert await repository.latest(tenant=OTHER_BUYER.siret) == []


async def test_row_level_security_shows_a_contract_to_its_buyer_and_its_holder_only(uows) -> None:
    contract = await _add(uows)
    for reader, sees in ((CAMILLE, True), (LEA, False), (JEAN, True), (ANOTHER_SUPPLIER, False), (None, False)):
        async with uows(reader) as uow:
            assert (await uow.repos.contracts.get(contract.id) is not None) is sees, reader
            assert (len(await uow.repos.contracts.latest()) == 1) is sees, reader
    # A buyer cannot store a contract for another buyer.
    theirs, _ = domain.prepare(award_of(OTHER_BUYER), contract_id=uuid.uuid4(), at=START)
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError, match="row-level security"):
        async with uows(CAMILLE) as uow:
            await uow.repos.contracts.add(theirs)


async def test_a_notification_is_stored_and_a_holder_cannot_store_one(uows) -> None:
    contract = await _add(uows)
    notified, _ = domain.notify(contract, sequence=3, notified_on=date(2026, 11, 12), at=START)
    with pytest.raises(LookupError):  # a holder reads its contract, never changes it
        async with uows(JEAN) as uow:
            await uow.repos.contracts.record_notification(notified)
    async with uows(CAMILLE) as uow:
        await uow.repos.contracts.record_notification(notified)
    async with uows(CAMILLE) as uow:
        assert await uow.repos.contracts.get(contract.id) == notified


async def test_numbers_come_from_the_kernels_yearly_sequence_per_buyer_and_year(uows) -> None:
    async def draw(tenant: str, year: int) -> int:
        async with uows.system(tenant) as uow:
            return await uow.repos.contracts.next_sequence(tenant=tenant, year=year)

    drawn = await asyncio.gather(*(draw(BUYER.siret, 2026) for _ in range(12)))
    assert sorted(drawn) == list(range(1, 13)), "gap-free and never twice, even concurrently"
    assert await draw(OTHER_BUYER.siret, 2026) == 1
    assert await draw(BUYER.siret, 2027) == 1
    with pytest.raises(RuntimeError):  # a rolled-back draw gives its number back
        async with uows.system(BUYER.siret) as uow:
            assert await uow.repos.contracts.next_sequence(tenant=BUYER.siret, year=2026) == 13
            raise RuntimeError("refused after drawing")
    assert await draw(BUYER.siret, 2026) == 13
    async with uows.pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('unefois.tenant', $1, true)", BUYER.siret)
        rows = await conn.fetch("SELECT name, year, last FROM yearly_sequences ORDER BY year")
        assert [tuple(row) for row in rows] == [("contract", 2026, 13), ("contract", 2027, 1)]
        assert await conn.fetchval("SELECT to_regclass('contract_counters')") is None, "the old counters are gone"


async def test_notify_commits_the_contract_its_event_and_its_audit_entry_together(uows) -> None:
    contract = await _add(uows)
    notified = await service.notify_contract(uows(CAMILLE), contract.id, notified_on=date(2026, 11, 12))
    assert (notified.contract_number, notified.legal_commitment_number) == ("2026000001", "EJ2026000001")
    async with uows.pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('unefois.tenant', $1, true)", BUYER.siret)
        row = await conn.fetchrow("SELECT status, contract_number, notified_on, notified_at FROM contracts")
        outbox = await conn.fetch("SELECT event_type, key, tenant, payload FROM outbox")
        trail = await conn.fetch("SELECT aggregate_id, actor, action FROM audit_trail")
    assert tuple(row) == ("notified", "2026000001", date(2026, 11, 12), START)
    assert [(r["event_type"], r["key"], r["tenant"]) for r in outbox] == [
        ("fr.unefois.contracts.ContractNotified.v1", str(contract.id), BUYER.siret)]
    assert '"contract_number":"2026000001"' in outbox[0]["payload"]
    assert [tuple(r) for r in trail] == [(str(contract.id), "Camille Martin <u-1>", "contract.notified")]

    # Refused the second time: nothing more is written, and no number is drawn.
    with pytest.raises(DomainError):
        await service.notify_contract(uows(CAMILLE), contract.id, notified_on=date(2026, 11, 13))
    async with uows.pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('unefois.tenant', $1, true)", BUYER.siret)
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 1
        assert await conn.fetchval("SELECT last FROM yearly_sequences WHERE name = 'contract'") == 1
