"""The NeedApproved handler on a real database, inside a transaction it does not own (the inbox
consumer's): the consultation, its ConsultationPublished in the outbox and the audit entry are
written in that transaction, and leave with it if it rolls back."""

from __future__ import annotations

import asyncpg
import pytest

from unefois_events.catalogue import NeedApproved, Organisation
from unefois_kernel.envelope import IncomingEvent, wrap
from unefois_kernel.tenancy import set_scope
from unefois_kernel.testing import BUYER, purchase
from unefois_tendering.consultations.domain import ConsultationStatus
from unefois_tendering.consultations.handlers import handlers

INVITED = [Organisation(siret="81000005900016", name="Voirie du Rhône")]


def approved(buyer: Organisation = BUYER) -> IncomingEvent:
    need = NeedApproved(purchase=purchase(buyer), approved_by="Valideur <u-9>", approved_at="2026-11-02T09:00:00Z",
                        invited_suppliers=INVITED)
    return IncomingEvent(envelope=wrap(need, source="unefois/sourcing").envelope, payload=need)


async def deliver(uows, incoming: IncomingEvent, *, commit: bool = True) -> None:
    """As the inbox consumer does: its transaction, scoped to the event's tenant, then the handler."""
    on_need_approved = handlers(uows)[NeedApproved.ce_type]
    async with uows.pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            await set_scope(conn, tenant=incoming.envelope.tenant)
            await on_need_approved(conn, incoming)
            assert conn.is_in_transaction(), "the handler leaves the transaction to its owner"
        except BaseException:
            await transaction.rollback()
            raise
        if commit:
            await transaction.commit()
        else:
            await transaction.rollback()


async def written(uows) -> dict[str, list]:
    async with uows.pool.acquire() as conn, conn.transaction():
        await set_scope(conn, tenant=BUYER.siret)
        return {
            "consultations": await conn.fetch("SELECT id, need_id, reference, status, invited, published_at FROM consultations"),
            "outbox": await conn.fetch("SELECT event_type, key, tenant, headers, payload FROM outbox ORDER BY id"),
            "audit": await conn.fetch("SELECT tenant, aggregate_type, aggregate_id, actor, action, change FROM audit_trail"),
            "sequences": await conn.fetch("SELECT name, year, last FROM yearly_sequences"),
        }


async def test_an_approved_need_becomes_a_draft_consultation_in_the_consumers_transaction(uows):
    incoming = approved()
    await deliver(uows, incoming)
    rows = await written(uows)

    [consultation] = rows["consultations"]
    assert (consultation["need_id"], consultation["reference"], consultation["status"]) == (
        incoming.payload.purchase.need_id, "2026-0001", ConsultationStatus.DRAFT)
    assert consultation["invited"] == [supplier.model_dump(mode="json") for supplier in INVITED]
    assert consultation["published_at"] is None
    assert rows["outbox"] == [], "nothing is public before the buyer publishes"
    [entry] = rows["audit"]
    assert tuple(entry)[:5] == (BUYER.siret, "consultation", str(consultation["id"]), "system:tendering",
                                "consultation.drafted")
    assert entry["change"] == {"need_id": str(incoming.payload.purchase.need_id), "reference": "2026-0001"}
    assert [tuple(row) for row in rows["sequences"]] == [("consultation", 2026, 1)]

    await deliver(uows, approved())
    assert [row["reference"] for row in (await written(uows))["consultations"]] == ["2026-0001", "2026-0002"]


async def test_what_the_handler_wrote_leaves_with_the_consumers_rollback(uows):
    await deliver(uows, approved(), commit=False)
    assert await written(uows) == {"consultations": [], "outbox": [], "audit": [], "sequences": []}


async def test_a_need_already_published_fails_and_gives_its_reference_back(uows):
    incoming = approved()
    await deliver(uows, incoming)
    again = IncomingEvent(envelope=wrap(incoming.payload, source="unefois/sourcing").envelope, payload=incoming.payload)
    with pytest.raises(asyncpg.UniqueViolationError):
        await deliver(uows, again)
    rows = await written(uows)
    assert len(rows["consultations"]) == len(rows["audit"]) == 1 and rows["outbox"] == []
    assert [tuple(row) for row in rows["sequences"]] == [("consultation", 2026, 1)]
