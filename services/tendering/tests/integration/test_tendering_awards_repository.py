"""The awards repository on a real database: a decision is read back as stored, one per
consultation and lot, and only by its buyer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest

from unefois_events.catalogue import Lot, NeedApproved
from unefois_kernel.testing import BUYER, SUPPLIER, purchase
from unefois_tendering.awards.domain import Award, AwardDecision
from unefois_tendering.consultations.domain import open_consultation

AT = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
LOTS = [Lot(number=1, title="Voirie", estimated_value=Decimal("60000.00")),
        Lot(number=2, title="Éclairage", estimated_value=Decimal("60000.00"))]


@pytest.fixture
async def consultation(uows, principals):
    need = NeedApproved(purchase=purchase(BUYER, lots=LOTS), approved_by="Valideur", approved_at=AT)
    consultation = open_consultation(need, consultation_id=uuid.uuid4(), reference="2026-0001", at=AT)
    async with uows(principals["buyer"]) as uow:
        await uow.repos.consultations.add(consultation)
    return consultation


def an_award(consultation, *, lot_number: int | None, at: datetime = AT) -> Award:
    decision = AwardDecision(winners=[SUPPLIER], amount=Decimal("59000.00"), price_form="Unitaire",
                             price_types=["Définitif révisable"], offers_received=4, lot_number=lot_number)
    return Award(id=uuid.uuid4(), tenant=consultation.tenant, consultation_id=consultation.id, decision=decision,
                 awarded_at=at)


async def test_awards_are_read_back_as_stored_in_decision_order(uows, principals, consultation):
    second, first = an_award(consultation, lot_number=2, at=AT + timedelta(minutes=5)), an_award(consultation, lot_number=1)
    async with uows(principals["buyer"]) as uow:
        await uow.repos.awards.add(second)
        await uow.repos.awards.add(first)
    async with uows(principals["buyer"]) as uow:
        assert await uow.repos.awards.of_consultation(consultation.id) == [first, second]
        assert await uow.repos.awards.of_consultation(uuid.uuid4()) == []


@pytest.mark.parametrize("lot_number", [None, 2])
async def test_one_award_per_consultation_and_lot(uows, principals, consultation, lot_number):
    async with uows(principals["buyer"]) as uow:
        await uow.repos.awards.add(an_award(consultation, lot_number=lot_number))
    with pytest.raises(asyncpg.UniqueViolationError):
        async with uows(principals["buyer"]) as uow:
            await uow.repos.awards.add(an_award(consultation, lot_number=lot_number))


async def test_another_buyer_neither_sees_nor_writes_the_awards(uows, principals, consultation):
    async with uows(principals["buyer"]) as uow:
        await uow.repos.awards.add(an_award(consultation, lot_number=1))
    async with uows(principals["other_buyer"]) as uow:
        assert await uow.repos.awards.of_consultation(consultation.id) == []
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        async with uows(principals["other_buyer"]) as uow:
            await uow.repos.awards.add(an_award(consultation, lot_number=2))


async def test_a_decision_with_identified_holders_reads_back_as_stored(uows, principals, consultation):
    from datetime import date

    from unefois_events.catalogue import Holder

    holders = [Holder(identifier_type="SIRET", identifier=SUPPLIER.siret, name=SUPPLIER.name, role="mandataire"),
               Holder(identifier_type="TVA", identifier="DE123456789", name="Straßenbau GmbH", role="cotraitant")]
    decision = AwardDecision(holders=holders, grouping="Solidaire", amount=Decimal("59000.00"), price_form="Unitaire",
                             price_types=["Définitif révisable"], offers_received=4, lot_number=1,
                             subcontracting_declared=True, subcontracting_amount=Decimal("900.00"),
                             letters_sent_on=date(2026, 11, 2), letters_electronic=False)
    award = Award(id=uuid.uuid4(), tenant=consultation.tenant, consultation_id=consultation.id, decision=decision,
                  awarded_at=AT)
    async with uows(principals["buyer"]) as uow:
        await uow.repos.awards.add(award)
    async with uows(principals["buyer"]) as uow:
        assert await uow.repos.awards.of_consultation(consultation.id) == [award]
