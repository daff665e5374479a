"""The commitments repository on PostgreSQL: a commitment comes back as it was stored (its opening instant is
the clock's, not the database's now()), once per contract, latest first; row-level security decides who
sees it (its buyer, its holders)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from unefois_invoicing.commitments.domain import Commitment, open_commitment
from unefois_kernel.testing import BUYER, OTHER_BUYER, contract_notified

OPENED = datetime(2026, 3, 2, 8, 15, 30, 123456, tzinfo=UTC)  # far from the database's now()


def _commitment(buyer=BUYER, *, number: str = "2026000001", opened_at: datetime = OPENED) -> Commitment:
    contract = contract_notified(buyer, number=number, amount=Decimal("98765.43"), legal_commitment_number=f"EJ{number}")
    commitment, _ = open_commitment(contract, commitment_id=uuid.uuid4(), at=opened_at)
    return commitment


async def test_a_commitment_comes_back_as_stored_and_a_contract_opens_one_only(uows, buyer_user):
    commitment = _commitment()
    async with uows(buyer_user) as uow:
        assert await uow.repos.commitments.add(commitment) is True
        # The same contract again (a redelivered event) under a new identifier: refused, nothing raised.
        assert await uow.repos.commitments.add(dataclasses.replace(commitment, id=uuid.uuid4())) is False
    async with uows(buyer_user) as uow:
        stored = await uow.repos.commitments.get(commitment.id)
        assert stored == commitment
        assert stored.opened_at == OPENED
        assert await uow.repos.commitments.get(uuid.uuid4()) is None
        assert await uow.repos.commitments.latest() == [commitment]


async def test_the_latest_come_first_filtered_by_contract_and_limited(uows, buyer_user):
    commitments = [_commitment(number=f"202600000{day}", opened_at=OPENED + timedelta(days=day)) for day in range(1, 4)]
    async with uows(buyer_user) as uow:
        for commitment in commitments:
            await uow.repos.commitments.add(commitment)
    newest_first = commitments[::-1]
    async with uows(buyer_user) as uow:
        assert await uow.repos.commitments.latest() == newest_first
        assert await uow.repos.commitments.latest(limit=2) == newest_first[:2]
        assert await uow.repos.commitments.latest(contract_id=commitments[0].contract_id) == [commitments[0]]
        assert await uow.repos.commitments.latest_of_tenant(BUYER.siret) == newest_first
        assert await uow.repos.commitments.latest_of_tenant(BUYER.siret, limit=1) == newest_first[:1]


async def test_a_buyer_sees_its_own_and_a_supplier_those_it_holds(uows, buyer_user, other_buyer_user, holder_user,
                                                                 other_supplier_user):
    mine, theirs = _commitment(), _commitment(OTHER_BUYER, number="2026000009")
    async with uows(buyer_user) as uow:
        await uow.repos.commitments.add(mine)
    async with uows(other_buyer_user) as uow:
        await uow.repos.commitments.add(theirs)
        assert await uow.repos.commitments.get(mine.id) is None
        assert await uow.repos.commitments.latest() == [theirs]
        assert await uow.repos.commitments.latest_of_tenant(BUYER.siret) == []
    async with uows(holder_user) as uow:  # SUPPLIER holds both
        assert await uow.repos.commitments.get(mine.id) == mine
        assert {c.id for c in await uow.repos.commitments.latest()} == {mine.id, theirs.id}
    async with uows(other_supplier_user) as uow:
        assert await uow.repos.commitments.get(mine.id) is None
        assert await uow.repos.commitments.latest() == []
    async with uows(None) as uow:  # anonymous: no scope, nothing
        assert await uow.repos.commitments.latest() == []
