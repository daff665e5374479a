"""The done-when case of issue 10 on a real database, through the inbox consumer's path.

A need of services of a local authority at 218 000 € HT, decided by sourcing for its planned
launch date 2025-12-15 (a MAPA then: formal threshold 221 000 € HT in 2024-2025), arrives as
NeedApproved when tendering's clock says 2026-01-10 (formal threshold 216 000 € HT since
2026-01-01). The value is the one estimated when the call for competition is sent (art. R2121-3
du code de la commande publique): the consultation is stored "à confirmer", nothing goes to
the outbox, the hold is audited; the buyer's MAPA is refused, an open procedure publishes it
with ConsultationPublished carrying the decision of the day."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from aiokafka.structs import ConsumerRecord

from unefois_events.catalogue import ConsultationPublished
from unefois_events.values import Procedure
from unefois_kernel.clock import SettableClock
from unefois_kernel.consumer import InboxConsumer
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.envelope import wrap
from unefois_kernel.tenancy import set_scope
from unefois_kernel.testing import BUYER, load_beside
from unefois_kernel.uow import UnitsOfWork
from unefois_tendering.consultations import service
from unefois_tendering.consultations.domain import ConsultationStatus
from unefois_tendering.consultations.handlers import handlers
from unefois_tendering.repositories import Repositories

# The unit tests' payload makers (sourcing's decision taken through the shared rules engine).
fakes = load_beside(__file__.replace("/integration/", "/unit/"), name="unefois_tendering_unit_fakes")

PUBLICATION = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


class _NoDeadLetters:
    async def send_all(self, name, dead_letters):
        raise AssertionError(f"nothing goes to the DLQ: {dead_letters}")


def _record(event, offset: int) -> ConsumerRecord:
    outgoing = wrap(event, source="unefois/sourcing")
    key = outgoing.key.encode()
    return ConsumerRecord(topic=outgoing.topic, partition=0, offset=offset, timestamp=0, timestamp_type=0, key=key,
                          value=outgoing.value, checksum=None, serialized_key_size=len(key),
                          serialized_value_size=len(outgoing.value), headers=outgoing.envelope.kafka_headers())


@pytest.fixture
async def on_publication_day(uows) -> UnitsOfWork[Repositories]:
    """The service's units of work on the same database, their clock on 2026-01-10 (10:00 in Paris)."""
    return UnitsOfWork(service="tendering", clock=SettableClock(PUBLICATION), repositories=Repositories.on,
                       pool=uows.pool)


async def written(uows) -> dict[str, list]:
    async with uows.pool.acquire() as conn, conn.transaction():
        await set_scope(conn, tenant=BUYER.siret)
        return {
            "consultations": await conn.fetch("SELECT id, status, published_at, bid_deadline, decision, hold, purchase "
                                              "FROM consultations"),
            "outbox": await conn.fetch("SELECT event_type, key, payload FROM outbox ORDER BY id"),
            "audit": await conn.fetch("SELECT actor, action, change FROM audit_trail ORDER BY id"),
        }


async def test_a_need_decided_in_2025_is_held_until_the_buyer_picks_a_formal_procedure(on_publication_day, principals):
    uows = on_publication_day
    need = fakes.a_planned_need(approved_at=PUBLICATION)
    consumer = InboxConsumer(name="tendering", pool=uows.pool, handlers=handlers(uows), dlq_producer=_NoDeadLetters())
    record = _record(need, offset=0)

    outcome = await consumer.process([record])
    assert (outcome.applied, outcome.duplicates, outcome.dead_letters) == (1, 0, [])
    [draft] = (await written(uows))["consultations"]
    assert draft["status"] == "draft"
    buyer = principals["buyer"]
    preparation = fakes.a_preparation(await service.get(uows(buyer), draft["id"]), at=PUBLICATION)
    await service.prepare(uows(buyer), draft["id"], preparation)
    await service.publish(uows(buyer), draft["id"])
    rows = await written(uows)
    [held] = rows["consultations"]
    assert (held["status"], held["published_at"], held["bid_deadline"], held["decision"]) == (
        "awaiting_procedure", None, None, None)
    assert held["hold"]["held_on"] == "2026-01-10"
    assert held["hold"]["previous"]["decided_on"] == "2025-12-15"
    assert held["hold"]["reason"]
    assert rows["outbox"] == [], "not published: no ConsultationPublished"
    assert [(row["actor"], row["action"]) for row in rows["audit"]] == [
        ("system:tendering", "consultation.drafted"), (buyer.actor, "consultation.prepared"),
        (buyer.actor, "consultation.procedure_held")]
    assert rows["audit"][-1]["change"]["reason"] == held["hold"]["reason"]

    # The same record again (a redelivery): the inbox skips it.
    again = await consumer.process([record])
    assert (again.applied, again.duplicates) == (0, 1)
    assert len((await written(uows))["consultations"]) == 1

    with pytest.raises(DomainError) as refused:
        await service.confirm_procedure(uows(buyer), held["id"], Procedure.ADAPTED)
    assert (refused.value.status, refused.value.field) == (422, "procedure")
    assert (await written(uows))["outbox"] == []

    await service.confirm_procedure(uows(buyer), held["id"], Procedure.OPEN)
    rows = await written(uows)
    [published] = rows["consultations"]
    assert published["status"] == ConsultationStatus.PUBLISHED
    assert published["published_at"] == PUBLICATION
    assert published["purchase"]["procedure"] == Procedure.OPEN.value
    [outbox] = rows["outbox"]
    assert (outbox["event_type"], outbox["key"]) == (ConsultationPublished.ce_type, str(held["id"]))
    event = ConsultationPublished.model_validate_json(outbox["payload"])
    assert (event.decision.decided_on, event.decision.band, event.decision.chosen_procedure) == (
        date(2026, 1, 10), "formal", Procedure.OPEN)
    assert event.bid_deadline == published["bid_deadline"]
    assert [(row["actor"], row["action"]) for row in rows["audit"]][2:] == [
        (buyer.actor, "consultation.procedure_held"),
        (buyer.actor, "consultation.keys_created"),  # the sealing key pair, once it is to be published
        (buyer.actor, "consultation.procedure_confirmed"),
        (buyer.actor, "consultation.published"),
    ]

    with pytest.raises(DomainError) as twice:
        await service.confirm_procedure(uows(buyer), held["id"], Procedure.OPEN)
    assert (twice.value.status, twice.value.field) == (409, "status")


async def test_another_buyer_cannot_confirm_it(on_publication_day, principals):
    uows = on_publication_day
    draft = await service.open_from_need(uows.system(BUYER.siret), fakes.a_planned_need(approved_at=PUBLICATION))
    await service.prepare(uows(principals["buyer"]), draft.id, fakes.a_preparation(draft, at=PUBLICATION))
    consultation = await service.publish(uows(principals["buyer"]), draft.id)
    assert consultation.status is ConsultationStatus.AWAITING_PROCEDURE
    with pytest.raises(DomainError) as missing:
        await service.confirm_procedure(uows(principals["other_buyer"]), consultation.id, Procedure.OPEN)
    assert missing.value.status == 404
    with pytest.raises(DomainError):
        await service.confirm_procedure(uows(principals["buyer"]), uuid.uuid4(), Procedure.OPEN)
