"""Opendata's repositories on a real PostgreSQL (a fresh database with the kernel's and opendata's
migrations, as a non-superuser owner): records kept once, only the published kinds read, in the
orders the pages and the API use; invoices kept once. The tables are public (no row-level
security): an anonymous unit of work reads every buyer's records."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import asyncpg
import pytest

from unefois_events.catalogue import InvoiceReceived, Organisation
from unefois_kernel.clock import SettableClock
from unefois_kernel.testing import BUYER, OTHER_BUYER, SUPPLIER, contract_notified, purchase
from unefois_kernel.uow import UnitsOfWork
from unefois_opendata.invoices.domain import invoice_of
from unefois_opendata.records import domain
from unefois_opendata.records.decp import PublicationDuty
from unefois_opendata.records.domain import BuyerSummary, DecpRecord, RecordOrder
from unefois_opendata.repositories import Repositories

CLOCK = SettableClock(datetime(2026, 11, 3, 9, 0, tzinfo=UTC))


@pytest.fixture
async def uows(service_database) -> UnitsOfWork[Repositories]:
    return UnitsOfWork(service="opendata", clock=CLOCK, repositories=Repositories.on,
                       pool=await service_database("opendata"))


def a_record(number: str, *, buyer: Organisation = BUYER, value: str = "120000.00", amount: str = "98765.43",
             object_: str = "Réfection de la voirie communale", notified_on: date = date(2026, 11, 2),
             published_on: date = date(2026, 11, 3), **changes) -> DecpRecord:
    contract = contract_notified(buyer, number=number, amount=Decimal(amount), notified_on=notified_on,
                                 purchase=purchase(buyer, object=object_, estimated_value=Decimal(value)))
    return dataclasses.replace(domain.record_of(contract, published_on=published_on), **changes)


async def keep(uows: UnitsOfWork[Repositories], *records: DecpRecord) -> None:
    async with uows.system(None) as uow:
        for record in records:
            assert await uow.repos.records.add(record)


async def test_a_record_is_kept_once_and_read_back_whole(uows) -> None:
    record = a_record("2026000001")
    async with uows.system(BUYER.siret) as uow:
        assert await uow.repos.records.add(record) is True
        assert await uow.repos.records.add(dataclasses.replace(record, published_on=date(2026, 12, 1))) is False
    async with uows(None) as uow:  # anonymous: open data has no tenant scope
        assert await uow.repos.records.published(record.contract_id) == record
        assert await uow.repos.records.published(uuid.uuid4()) is None


async def test_a_buyer_cannot_reuse_a_contract_number(uows) -> None:
    await keep(uows, a_record("2026000001"))
    with pytest.raises(asyncpg.UniqueViolationError):
        await keep(uows, a_record("2026000001"))
    await keep(uows, a_record("2026000001", buyer=OTHER_BUYER))  # unique per buyer only


async def test_records_without_publication_duty_are_kept_but_never_read_as_published(uows) -> None:
    kept = a_record("K1", value="24000.00")
    published = a_record("P1", value="30000.00")
    assert (kept.publication_duty, published.publication_duty) == (PublicationDuty.NONE,
                                                                   PublicationDuty.DECP_OR_ANNUAL_LIST)
    await keep(uows, kept, published)
    async with uows(None) as uow:
        assert await uow.repos.records.published(kept.contract_id) is None
        assert await uow.repos.records.count_published() == 1
        assert [r.contract_number for r in await uow.repos.records.list_published(limit=10)] == ["P1"]
        assert (await uow.repos.records.buyer_summary(BUYER.siret)).contracts == 1


async def test_the_api_order_is_latest_published_first_then_number_of_one_buyer_or_all(uows) -> None:
    await keep(uows, a_record("B1", published_on=date(2026, 11, 3)), a_record("C2", published_on=date(2026, 11, 20)),
               a_record("C1", published_on=date(2026, 11, 20)),
               a_record("B1", buyer=OTHER_BUYER, published_on=date(2026, 11, 4)))
    async with uows(None) as uow:
        listed = await uow.repos.records.list_published(limit=100)
        assert [(r.buyer_siret, r.contract_number) for r in listed] == [
            (BUYER.siret, "C1"), (BUYER.siret, "C2"), (OTHER_BUYER.siret, "B1"), (BUYER.siret, "B1")]
        page = await uow.repos.records.list_published(limit=2, offset=1)
        assert [r.contract_number for r in page] == ["C2", "B1"]
        theirs = await uow.repos.records.list_published(buyer_siret=OTHER_BUYER.siret, limit=100)
        assert [(r.buyer_siret, r.contract_number) for r in theirs] == [(OTHER_BUYER.siret, "B1")]
        assert await uow.repos.records.count_published(buyer_siret=OTHER_BUYER.siret) == 1
        assert await uow.repos.records.count_published() == 4


async def test_the_pages_sort_by_each_column_absent_names_by_siret_and_ties_by_publication(uows) -> None:
    await keep(
        uows,
        a_record("N3", object_="béton", amount="500.00", notified_on=date(2026, 10, 1), buyer_name="Zèbre"),
        a_record("N1", buyer=OTHER_BUYER, object_="Asphalte", amount="90000.00", notified_on=date(2026, 11, 2)),
        a_record("N2", object_="chaussée", amount="1200.50", notified_on=date(2026, 9, 15), buyer_name=None),
        # Same notification day as N1, published later: first among equals.
        a_record("N4", buyer=OTHER_BUYER, object_="Dalles", amount="1200.50", notified_on=date(2026, 11, 2),
                 published_on=date(2026, 11, 10)),
    )

    async def numbers(order: RecordOrder, descending: bool = False) -> list[str]:
        async with uows(None) as uow:
            records = await uow.repos.records.list_published(order=order, descending=descending, limit=25)
        return [record.contract_number for record in records]

    assert await numbers(RecordOrder.NUMBER) == ["N1", "N2", "N3", "N4"]
    assert await numbers(RecordOrder.NUMBER, descending=True) == ["N4", "N3", "N2", "N1"]
    assert await numbers(RecordOrder.OBJECT) == ["N1", "N3", "N2", "N4"], "case-insensitive"
    # N2 carries no name: it sorts by its SIRET; N1 and N4 share a name: the later publication first.
    assert await numbers(RecordOrder.BUYER) == ["N2", "N4", "N1", "N3"]
    assert await numbers(RecordOrder.AMOUNT) == ["N3", "N4", "N2", "N1"], "by value, not as text"
    assert await numbers(RecordOrder.NOTIFIED, descending=True) == ["N4", "N1", "N3", "N2"]
    async with uows(None) as uow:
        second = await uow.repos.records.list_published(order=RecordOrder.NUMBER, limit=2, offset=2)
    assert [record.contract_number for record in second] == ["N3", "N4"]


async def test_a_buyer_summary_counts_and_sums_its_published_records_under_its_latest_name(uows) -> None:
    await keep(
        uows,
        a_record("R1", amount="1000.00", published_on=date(2026, 11, 3), buyer_name="Ancien nom"),
        a_record("R2", amount="234.56", published_on=date(2026, 11, 20), buyer_name="Nouveau nom"),
        a_record("R3", value="1000.00", amount="5000.00", published_on=date(2026, 11, 21), buyer_name=None),
        a_record("R1", buyer=OTHER_BUYER),
    )
    async with uows(None) as uow:
        assert await uow.repos.records.buyer_summary(BUYER.siret) == BuyerSummary(
            BUYER.siret, "Nouveau nom", 2, Decimal("1234.56"))
        nobody = "21000006700016"
        assert await uow.repos.records.buyer_summary(nobody) == BuyerSummary(nobody, None, 0, Decimal(0))


async def test_an_invoice_is_kept_once(uows) -> None:
    invoice = InvoiceReceived(
        invoice_id=uuid.uuid4(), invoice_number="F2026-0001", contract_id=uuid.uuid4(), contract_number="2026000001",
        legal_commitment_number="EJ2026000001", buyer=BUYER, supplier=SUPPLIER, amount_excl_vat=Decimal("12000.00"),
        vat_amount=Decimal("2400.00"), issued_on=date(2026, 11, 20), received_at=datetime(2026, 11, 20, tzinfo=UTC))
    kept = invoice_of(invoice)
    async with uows.system(BUYER.siret) as uow:
        assert await uow.repos.invoices.add(kept) is True
        assert await uow.repos.invoices.add(dataclasses.replace(kept, amount_excl_vat=Decimal("1.00"))) is False
    async with uows.pool.acquire() as conn:
        rows = await conn.fetch("SELECT invoice_id, contract_id, buyer_siret, amount_excl_vat, issued_on "
                                "FROM contract_invoices")
    assert [tuple(row.values()) for row in rows] == [
        (invoice.invoice_id, invoice.contract_id, BUYER.siret, Decimal("12000.00"), date(2026, 11, 20))]
