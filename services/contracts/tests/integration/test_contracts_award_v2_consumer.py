"""The contracts consumer on a real PostgreSQL, with AwardDecided.v2: a grouping of a French
mandataire and a German co-contractor (VAT identifier), subcontracting declared, becomes a
contract carrying all of it; redelivered (and followed by the v1 said beside it) it is still one
contract; the holder with a SIRET reads it; its notification waits for the standstill's end
(art. R2182-1) and ContractNotified carries every holder with its identifier type.

This is issue 11's done-when "the contracts service's consumer test shows the award event
carries everything it needs"."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from unefois_contracts.contracts import service
from unefois_contracts.contracts.handlers import handlers
from unefois_contracts.repositories import Repositories
from unefois_events.catalogue import AwardDecidedV2, Holder
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.clock import SettableClock
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.envelope import Envelope, IncomingEvent
from unefois_kernel.tenancy import set_scope
from unefois_kernel.testing import BUYER, SUPPLIER, purchase
from unefois_kernel.uow import UnitsOfWork

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
MANDATAIRE = Holder(identifier_type="SIRET", identifier=SUPPLIER.siret, name=SUPPLIER.name, role="mandataire")
FOREIGN = Holder(identifier_type="TVA", identifier="DE123456789", name="Straßenbau GmbH", role="cotraitant")
CAMILLE = Principal(subject="u-1", name="Camille Martin", roles=frozenset({Role.BUYER}), org_siret=BUYER.siret,
                    org_name=BUYER.name, org_kind=OrgKind.BUYER)
JEAN = Principal(subject="u-3", name="Jean Moreau", roles=frozenset({Role.SUPPLIER}), org_siret=SUPPLIER.siret,
                 org_name=SUPPLIER.name, org_kind=OrgKind.SUPPLIER)


def award_v2() -> AwardDecidedV2:
    return AwardDecidedV2(
        award_id=uuid.uuid4(), consultation_id=uuid.uuid4(), consultation_reference="2026-0007",
        purchase=purchase(BUYER, procedure="Appel d'offres ouvert", lots=[
            {"number": 1, "title": "Chaussées", "estimated_value": "300000.00"},
            {"number": 2, "title": "Ouvrages d'art", "estimated_value": "200000.00"}]),
        lot_number=2, lot_title="Ouvrages d'art", holders=[MANDATAIRE, FOREIGN], grouping="Solidaire",
        winning_bid_id=uuid.uuid4(), amount=Decimal("187654.32"), price_form="Mixte",
        price_types=["Définitif révisable"], offers_received=5, subcontracting_declared=True,
        subcontracting_amount=Decimal("15000.00"), awarded_at=datetime(2026, 11, 20, 10, tzinfo=UTC),
        letters_sent_on=date(2026, 11, 20), standstill_ends_on=date(2026, 12, 1),
    )


def delivered(award) -> IncomingEvent:
    envelope = Envelope(id=uuid.uuid4(), type=award.ce_type, source="unefois/tendering", subject=award.subject,
                        tenant=award.tenant, time=NOW)
    return IncomingEvent(envelope=envelope, payload=award)


@pytest.fixture
async def pool(service_database):
    return await service_database("contracts")


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


@pytest.fixture
def uows(pool, clock) -> UnitsOfWork[Repositories]:
    return UnitsOfWork(service="contracts", clock=clock, repositories=Repositories.on, pool=pool)


@pytest.fixture
def on_award(pool, uows):
    table = handlers(uows)

    async def handle(incoming: IncomingEvent) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await set_scope(conn, tenant=incoming.envelope.tenant)  # as the inbox consumer does
            await table[incoming.envelope.type](conn, incoming)

    return handle


async def _rows(pool, sql: str) -> list:
    async with pool.acquire() as conn, conn.transaction():
        await set_scope(conn, tenant=BUYER.siret)
        return await conn.fetch(sql)


async def test_the_award_event_carries_everything_the_contract_needs(pool, uows, on_award) -> None:
    award = award_v2()
    await on_award(delivered(award))
    [row] = await _rows(pool, "SELECT id, award_id, status, award FROM contracts")
    assert (row["award_id"], row["status"]) == (award.award_id, "to_notify")
    stored = row["award"] if isinstance(row["award"], dict) else json.loads(row["award"])
    assert stored["holders"] == [
        {"identifier_type": "SIRET", "identifier": SUPPLIER.siret, "name": SUPPLIER.name, "role": "mandataire"},
        {"identifier_type": "TVA", "identifier": "DE123456789", "name": "Straßenbau GmbH", "role": "cotraitant"}]

    contract = await service.get_contract(uows(CAMILLE), row["id"])
    terms = contract.terms
    assert terms == award, "the award as received: nothing retyped"
    assert terms.mandataire == MANDATAIRE and terms.grouping == "Solidaire"
    assert (terms.subcontracting_declared, terms.subcontracting_amount) == (True, Decimal("15000.00"))
    assert (terms.lot_number, terms.lot_title, terms.standstill_ends_on) == (2, "Ouvrages d'art", date(2026, 12, 1))
    assert (terms.amount, terms.amount_source, terms.offers_received) == (Decimal("187654.32"), "offre", 5)
    # The mandataire, a supplier logged in with its SIRET, reads the contract it holds.
    assert (await service.get_contract(uows(JEAN), row["id"])).id == row["id"]


async def test_redelivery_and_the_v1_beside_it_give_one_contract(pool, on_award) -> None:
    french = Holder(identifier_type="SIRET", identifier="81000005900016", name="Enrobés du Sud", role="cotraitant")
    award = award_v2().model_copy(update={"holders": [MANDATAIRE, french]})
    await on_award(delivered(award))
    await on_award(delivered(award))          # the same decision delivered again (a new ce_id)
    await on_award(delivered(award.as_v1()))  # then v1, said beside it on the same key
    contracts = await _rows(pool, "SELECT award FROM contracts")
    trail = await _rows(pool, "SELECT action FROM audit_trail")
    assert len(contracts) == 1 and [r["action"] for r in trail] == ["contract.prepared"]
    stored = contracts[0]["award"] if isinstance(contracts[0]["award"], dict) else json.loads(contracts[0]["award"])
    assert "holders" in stored, "the first received (v2) made the contract"


async def test_the_notification_waits_for_the_standstill_and_carries_every_holder(pool, uows, clock, on_award) -> None:
    award = award_v2()
    await on_award(delivered(award))
    [row] = await _rows(pool, "SELECT id FROM contracts")
    with pytest.raises(DomainError) as refused:  # 30/11: the standstill is over on 01/12
        await service.notify_contract(uows(CAMILLE), row["id"])
    assert refused.value.field == "notified_on" and "R2182-1" in refused.value.detail
    assert await _rows(pool, "SELECT 1 FROM outbox") == []

    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    notified = await service.notify_contract(uows(CAMILLE), row["id"])
    assert notified.notified_on == date(2026, 12, 1)
    [event] = await _rows(pool, "SELECT event_type, payload FROM outbox")
    assert event["event_type"] == "fr.unefois.contracts.ContractNotified.v1"
    payload = event["payload"] if isinstance(event["payload"], dict) else json.loads(event["payload"])
    assert payload["holders"] == [{"siret": SUPPLIER.siret, "name": SUPPLIER.name}]
    assert [(h["identifier_type"], h["identifier"], h["role"]) for h in payload["identified_holders"]] == [
        ("SIRET", SUPPLIER.siret, "mandataire"), ("TVA", "DE123456789", "cotraitant")]
    assert (payload["grouping"], payload["subcontracting_declared"]) == ("Solidaire", True)
