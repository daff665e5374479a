"""The AwardDecided handler on a real database, inside a transaction it does not own (the
inbox consumer's, which has set the row-level-security scope and decides the commit)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from unefois_contracts.contracts.handlers import handlers
from unefois_contracts.repositories import Repositories
from unefois_events.catalogue import AwardDecided
from unefois_kernel.clock import SettableClock
from unefois_kernel.envelope import Envelope, IncomingEvent
from unefois_kernel.testing import BUYER, SUPPLIER, purchase
from unefois_kernel.tenancy import set_scope
from unefois_kernel.uow import UnitsOfWork

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def award_decided() -> AwardDecided:
    return AwardDecided(
        award_id=uuid.uuid4(), consultation_id=uuid.uuid4(), consultation_reference="2026-0007",
        purchase=purchase(BUYER), winners=[SUPPLIER], amount=Decimal("98765.43"), price_form="Forfaitaire",
        price_types=["Définitif ferme"], offers_received=3, awarded_at=datetime(2026, 11, 20, 10, tzinfo=UTC),
    )


def delivered(award: AwardDecided) -> IncomingEvent:
    envelope = Envelope(id=uuid.uuid4(), type=award.ce_type, source="unefois/tendering", subject=award.subject,
                        tenant=award.tenant, time=NOW)
    return IncomingEvent(envelope=envelope, payload=award)


@pytest.fixture
async def pool(service_database):
    return await service_database("contracts")


@pytest.fixture
def on_award(pool):
    uows = UnitsOfWork(service="contracts", clock=SettableClock(NOW), repositories=Repositories.on, pool=pool)
    handler = handlers(uows)[AwardDecided.ce_type]

    async def handle(incoming: IncomingEvent, *, commit: bool = True) -> None:
        async with pool.acquire() as conn:
            transaction = conn.transaction()
            await transaction.start()
            await set_scope(conn, tenant=incoming.envelope.tenant)  # as the inbox consumer does
            await handler(conn, incoming)
            await (transaction.commit() if commit else transaction.rollback())

    return handle


async def _stored(pool) -> tuple[list, list]:
    async with pool.acquire() as conn, conn.transaction():
        await set_scope(conn, tenant=BUYER.siret)
        contracts = await conn.fetch("SELECT id, tenant, award_id, status, award, created_at, contract_number FROM contracts")
        trail = await conn.fetch("SELECT tenant, aggregate_type, aggregate_id, actor, action, change FROM audit_trail")
        outbox = await conn.fetchval("SELECT count(*) FROM outbox")
    assert outbox == 0, "a prepared contract sends nothing downstream"
    return contracts, trail


async def test_an_award_becomes_a_contract_to_notify_prefilled_with_it(pool, on_award) -> None:
    award = award_decided()
    await on_award(delivered(award))
    [contract], [entry] = await _stored(pool)
    assert (contract["tenant"], contract["award_id"], contract["status"], contract["contract_number"]) == (
        BUYER.siret, award.award_id, "to_notify", None)
    assert AwardDecided.model_validate(contract["award"]) == award, "the award as received: nothing retyped"
    assert contract["created_at"] == NOW, "the clock's time"
    assert tuple(entry) == (BUYER.siret, "contract", str(contract["id"]), "system:contracts", "contract.prepared",
                            {"award_id": str(award.award_id)})


async def test_the_same_award_delivered_twice_gives_one_contract(pool, on_award) -> None:
    award = award_decided()
    await on_award(delivered(award))
    await on_award(delivered(award))  # another delivery of the decision (a new ce_id)
    contracts, trail = await _stored(pool)
    assert len(contracts) == 1 and len(trail) == 1


async def test_the_consumer_rolling_back_leaves_nothing(pool, on_award) -> None:
    await on_award(delivered(award_decided()), commit=False)
    assert await _stored(pool) == ([], [])
