"""The ContractNotified handler on a real database, inside a transaction it does not own (the inbox
consumer's, scoped to the event's tenant): it opens the commitment, audited as the service, at the clock's
time; a redelivered event opens nothing more; the owner's rollback leaves nothing."""

from __future__ import annotations

import uuid

from unefois_events.catalogue import ContractNotified
from unefois_invoicing.commitments.handlers import handlers
from unefois_kernel.envelope import Envelope, IncomingEvent
from unefois_kernel.tenancy import set_scope
from unefois_kernel.testing import BUYER, SUPPLIER, contract_notified


def _incoming(contract: ContractNotified) -> IncomingEvent:
    envelope = Envelope(id=uuid.uuid4(), type=contract.ce_type, source="/unefois/contracts", subject=contract.subject,
                        tenant=contract.tenant, time=contract.notified_at)
    return IncomingEvent(envelope, contract)


async def _handle(uows, incoming: IncomingEvent, *, commit: bool = True) -> None:
    """What the inbox consumer does around a handler: its transaction, the event's tenant's scope."""
    async with uows.pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        await set_scope(conn, tenant=incoming.envelope.tenant)
        await handlers(uows)[ContractNotified.ce_type](conn, incoming)
        await (transaction.commit() if commit else transaction.rollback())


async def _trail(uows) -> list[tuple]:
    async with uows.pool.acquire() as conn:
        rows = await conn.fetch("SELECT tenant, aggregate_type, aggregate_id, actor, action, change FROM audit_trail")
    return [tuple(row) for row in rows]


async def test_a_notified_contract_opens_its_commitment_once(uows, buyer_user):
    contract = contract_notified()
    incoming = _incoming(contract)
    await _handle(uows, incoming)
    await _handle(uows, _incoming(contract))  # the same contract, redelivered under a new event id
    async with uows(buyer_user) as uow:
        (commitment,) = await uow.repos.commitments.latest()
    assert (commitment.contract_id, commitment.tenant, commitment.ceiling) == (contract.contract_id, BUYER.siret, contract.amount)
    assert (commitment.holders, commitment.legal_commitment_number) == ((SUPPLIER,), contract.legal_commitment_number)
    assert commitment.opened_at == uows.clock.now()
    assert await _trail(uows) == [(BUYER.siret, "commitment", str(commitment.id), "system:invoicing", "commitment.opened",
                                   {"contract_id": str(contract.contract_id), "ceiling": str(contract.amount)})]
    async with uows.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 0  # opening publishes nothing


async def test_the_consumers_rollback_leaves_no_commitment_and_no_audit(uows, buyer_user):
    await _handle(uows, _incoming(contract_notified()), commit=False)
    async with uows(buyer_user) as uow:
        assert await uow.repos.commitments.latest() == []
    assert await _trail(uows) == []
