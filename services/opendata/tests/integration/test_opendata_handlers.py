"""Opendata's event handlers on a real database, as the inbox consumer runs them: inside a
transaction it owns, with the event's tenant as row-level-security scope, the handler joining
it (UnitsOfWork.joined). A notified contract becomes one record and one audit entry, timed by
the service's clock; a second delivery changes nothing; one the DECP format or schema refuses
is HandlerRejected (the consumer dead-letters it) and leaves nothing behind."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from unefois_events.catalogue import ContractNotified, Event, InvoiceReceived
from unefois_kernel.clock import SettableClock
from unefois_kernel.consumer import HandlerRejected
from unefois_kernel.envelope import parse_record, wrap
from unefois_kernel.tenancy import set_scope
from unefois_kernel.testing import BUYER, SUPPLIER, contract_notified, purchase
from unefois_kernel.uow import UnitsOfWork
from unefois_opendata.invoices.handlers import handlers as invoice_handlers
from unefois_opendata.records import domain, service
from unefois_opendata.records.decp import decp_marche
from unefois_opendata.records.handlers import handlers as record_handlers
from unefois_opendata.repositories import Repositories

# 23:30 UTC on 2 November is already 3 November in Paris (UTC+1 in winter): the publication date.
CLOCK_AT = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)


@pytest.fixture
async def uows(service_database) -> UnitsOfWork[Repositories]:
    return UnitsOfWork(service="opendata", clock=SettableClock(CLOCK_AT), repositories=Repositories.on,
                       pool=await service_database("opendata"))


async def deliver(uows: UnitsOfWork, handler, event: Event) -> None:
    """As InboxConsumer._handle: the record parsed from Kafka's form, one transaction, the tenant's scope."""
    outgoing = wrap(event, source=event.topic.split(".")[0], at=CLOCK_AT)
    incoming = parse_record(event.topic, outgoing.envelope.kafka_headers(), outgoing.value)
    async with uows.pool.acquire() as conn, conn.transaction():
        await set_scope(conn, tenant=incoming.envelope.tenant)
        await handler(conn, incoming)


async def stored(uows: UnitsOfWork) -> tuple[list[dict], list[dict]]:
    async with uows.pool.acquire() as conn:
        records = await conn.fetch("SELECT * FROM decp_records ORDER BY contract_number")
        audits = await conn.fetch("SELECT tenant, aggregate_type, aggregate_id, actor, action, change "
                                  "FROM audit_trail ORDER BY id")
    return [dict(row) for row in records], [dict(row) for row in audits]


async def test_a_notified_contract_becomes_one_record_and_one_audit_entry(uows) -> None:
    handler = record_handlers(uows)[ContractNotified.ce_type]
    contract = contract_notified(BUYER, number="2026000042")
    await deliver(uows, handler, contract)
    records, audits = await stored(uows)
    assert records == [{
        "contract_id": contract.contract_id, "buyer_siret": BUYER.siret, "buyer_name": BUYER.name,
        "contract_number": "2026000042", "publication_duty": "mandatory",
        "record": decp_marche(contract, published_on=date(2026, 11, 3)),
        "notified_on": date(2026, 11, 2), "published_on": date(2026, 11, 3),
    }]
    assert audits == [{"tenant": BUYER.siret, "aggregate_type": "decp_record", "aggregate_id": str(contract.contract_id),
                       "actor": "system:opendata", "action": "decp.published",
                       "change": {"id": "2026000042", "published_on": "2026-11-03"}}]
    # The public API's unit of work (anonymous) reads it: open data has no tenant scope.
    assert await service.published_record(uows(None), contract.contract_id) == records[0]["record"]


async def test_a_second_delivery_changes_nothing(uows) -> None:
    handler = record_handlers(uows)[ContractNotified.ce_type]
    contract = contract_notified()
    await deliver(uows, handler, contract)
    before = await stored(uows)
    uows.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    await deliver(uows, handler, contract)  # another envelope id: the inbox would not catch it, the key does
    assert await stored(uows) == before


@pytest.mark.parametrize(("changes", "reason"), [
    ({"amount": Decimal("0.50")}, "enregistrement DECP impossible : montant 0.50 is below the DECP minimum of 1 €"),
    ({"notified_on": date(2026, 11, 4)},
     "enregistrement DECP impossible : datePublicationDonnees 2026-11-03 precedes dateNotification 2026-11-04"),
])
async def test_a_contract_the_decp_format_refuses_is_rejected_and_leaves_nothing(uows, changes, reason) -> None:
    handler = record_handlers(uows)[ContractNotified.ce_type]
    with pytest.raises(HandlerRejected) as rejected:
        await deliver(uows, handler, contract_notified(**changes))
    assert str(rejected.value) == reason
    assert await stored(uows) == ([], [])


async def test_a_record_the_schema_refuses_is_rejected_naming_the_schema_errors(uows, monkeypatch) -> None:
    # Every valid ContractNotified maps to a schema-valid record; a mapping gone wrong must not be published.
    def broken_mapping(contract, published_on):
        return {**decp_marche(contract, published_on=published_on), "offresRecues": 0}

    monkeypatch.setattr(domain.decp, "decp_marche", broken_mapping)
    handler = record_handlers(uows)[ContractNotified.ce_type]
    with pytest.raises(HandlerRejected) as rejected:
        await deliver(uows, handler, contract_notified())
    assert str(rejected.value) == ("enregistrement DECP non conforme au schéma 2.0.3 : "
                                   "$.marches.marche[0].offresRecues: 0 is less than the minimum of 1")
    assert await stored(uows) == ([], [])


async def test_a_contract_without_publication_duty_is_kept_unpublished(uows) -> None:
    handler = record_handlers(uows)[ContractNotified.ce_type]
    contract = contract_notified(purchase=purchase(BUYER, estimated_value=Decimal("20000.00")))
    await deliver(uows, handler, contract)
    records, audits = await stored(uows)
    assert [(r["contract_id"], r["publication_duty"]) for r in records] == [(contract.contract_id, "none")]
    assert [a["action"] for a in audits] == ["decp.published"]
    assert await service.document(uows(None), limit=100) == {"marches": {"marche": []}}


async def test_a_received_invoice_is_kept_once_against_its_contract(uows) -> None:
    handler = invoice_handlers(uows)[InvoiceReceived.ce_type]
    invoice = InvoiceReceived(
        invoice_id=uuid.uuid4(), invoice_number="F2026-0001", contract_id=uuid.uuid4(), contract_number="2026000001",
        legal_commitment_number="EJ2026000001", buyer=BUYER, supplier=SUPPLIER, amount_excl_vat=Decimal("12000.00"),
        vat_amount=Decimal("2400.00"), issued_on=date(2026, 11, 20), received_at=datetime(2026, 11, 20, tzinfo=UTC))
    await deliver(uows, handler, invoice)
    await deliver(uows, handler, invoice)
    async with uows.pool.acquire() as conn:
        rows = await conn.fetch("SELECT invoice_id, contract_id, buyer_siret, amount_excl_vat, issued_on "
                                "FROM contract_invoices")
    assert [tuple(row.values()) for row in rows] == [
        (invoice.invoice_id, invoice.contract_id, BUYER.siret, Decimal("12000.00"), date(2026, 11, 20))]


async def deliver_run(uows: UnitsOfWork, handler, events: list[Event]) -> None:
    """As the inbox consumer applies a run of a batch handler: one call, one transaction, one scope."""
    incoming = []
    for event in events:
        outgoing = wrap(event, source=event.topic.split(".")[0], at=CLOCK_AT)
        incoming.append(parse_record(event.topic, outgoing.envelope.kafka_headers(), outgoing.value))
    async with uows.pool.acquire() as conn, conn.transaction():
        await set_scope(conn, tenant=incoming[0].envelope.tenant)
        await handler.apply(conn, incoming)


async def test_a_run_of_notified_contracts_is_kept_at_once_each_with_its_audit_entry(uows) -> None:
    handler = record_handlers(uows)[ContractNotified.ce_type]
    first, second = contract_notified(number="2026000051"), contract_notified(number="2026000052")
    await deliver(uows, handler, first)  # already published: the run leaves it as it is
    before = await stored(uows)
    third = contract_notified(number="2026000053")
    await deliver_run(uows, handler, [first, second, third, second])  # second twice: a redelivery
    records, audits = await stored(uows)
    assert [r["contract_number"] for r in records] == ["2026000051", "2026000052", "2026000053"]
    assert records[0] == before[0][0]
    assert [(a["aggregate_id"], a["action"]) for a in audits] == [
        (str(first.contract_id), "decp.published"), (str(second.contract_id), "decp.published"),
        (str(third.contract_id), "decp.published")]
    assert records[2]["record"] == decp_marche(third, published_on=date(2026, 11, 3))


async def test_a_run_holding_a_refused_contract_keeps_nothing(uows) -> None:
    # The inbox consumer then applies the run's events one by one: only the refused one is dead-lettered.
    handler = record_handlers(uows)[ContractNotified.ce_type]
    with pytest.raises(HandlerRejected) as rejected:
        await deliver_run(uows, handler, [contract_notified(number="2026000061"),
                                          contract_notified(number="2026000062", amount=Decimal("0.50"))])
    assert str(rejected.value) == "enregistrement DECP impossible : montant 0.50 is below the DECP minimum of 1 €"
    assert await stored(uows) == ([], [])
