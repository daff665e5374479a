"""The records area without broker or database: the domain (a record of a notified contract,
what is published, the buyer's label and page address) and each use case on FakeUnitOfWork."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from opendata_fakes import FakeRecordRepository, FakeRepositories

from unefois_events.catalogue import Organisation
from unefois_kernel.clock import SettableClock
from unefois_kernel.domain_errors import NotFound
from unefois_kernel.testing import BUYER, OTHER_BUYER, contract_notified, purchase
from unefois_kernel.uow import FakeUnitOfWork
from unefois_kernel.web.listing import Page
from unefois_opendata.records import decp, domain, service, views, web
from unefois_opendata.records.decp import PublicationDuty
from unefois_opendata.records.domain import BuyerSummary, DecpRecord, RecordOrder, RecordRefused

# 23:30 UTC on 2 November is already 3 November in Paris (UTC+1 in winter): the publication date.
LATE_EVENING = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)
PARIS_DAY = date(2026, 11, 3)


def a_record(number: str = "2026000001", *, buyer: Organisation = BUYER, value: str = "120000.00",
             amount: str = "98765.43", object_: str = "Réfection de la voirie communale",
             notified_on: date = date(2026, 11, 2), published_on: date = PARIS_DAY,
             buyer_name: str | None = "from the contract") -> DecpRecord:
    contract = contract_notified(buyer, number=number, amount=Decimal(amount), notified_on=notified_on,
                                 purchase=purchase(buyer, object=object_, estimated_value=Decimal(value)))
    record = domain.record_of(contract, published_on=published_on)
    if buyer_name != "from the contract":
        record = dataclasses.replace(record, buyer_name=buyer_name)
    return record


def uow_over(*records: DecpRecord, clock: SettableClock | None = None) -> FakeUnitOfWork[FakeRepositories]:
    return FakeUnitOfWork(FakeRepositories(records=FakeRecordRepository(*records)), tenant=None, service="opendata",
                          clock=clock or SettableClock(LATE_EVENING))


def pages_of(size: int, number: int = 1):
    """The `window` the pages pass: the page asked for, within the pages there are."""
    return lambda total: Page(min(number, max(1, -(-total // size))), size, total)


# ---------------------------------------------------------------- domain


def test_a_notified_contract_becomes_a_schema_valid_record_carrying_the_buyer_name() -> None:
    contract = contract_notified(BUYER, number="2026000042")
    record = domain.record_of(contract, published_on=PARIS_DAY)
    assert (record.contract_id, record.buyer_siret, record.buyer_name, record.contract_number) == (
        contract.contract_id, BUYER.siret, BUYER.name, "2026000042")
    assert (record.notified_on, record.published_on) == (date(2026, 11, 2), PARIS_DAY)
    assert record.publication_duty is PublicationDuty.MANDATORY and record.is_published
    assert record.record == decp.decp_marche(contract, published_on=PARIS_DAY)
    assert record.record["acheteur"] == {"id": BUYER.siret}, "the DECP record itself names the buyer by SIRET only"
    assert decp.validate_decp_document(domain.document_of([record])) == []
    assert record.audit_change() == {"id": "2026000042", "published_on": "2026-11-03"}


@pytest.mark.parametrize(("value", "duty", "published"), [
    ("40000.00", PublicationDuty.MANDATORY, True),
    ("25000.00", PublicationDuty.DECP_OR_ANNUAL_LIST, True),
    ("24999.99", PublicationDuty.NONE, False),
])
def test_records_of_25000_euros_of_need_or_more_are_published_the_others_kept(value, duty, published) -> None:
    record = a_record(value=value)
    assert (record.publication_duty, record.is_published) == (duty, published)


def test_a_contract_the_format_cannot_hold_is_refused_with_the_reason() -> None:
    with pytest.raises(RecordRefused) as refused:
        domain.record_of(contract_notified(amount=Decimal("0.50")), published_on=PARIS_DAY)
    assert refused.value.detail == "enregistrement DECP impossible : montant 0.50 is below the DECP minimum of 1 €"
    with pytest.raises(RecordRefused, match="^enregistrement DECP impossible : datePublicationDonnees 2026-11-01 "
                                            "precedes dateNotification 2026-11-02$"):
        domain.record_of(contract_notified(), published_on=date(2026, 11, 1))


def test_a_record_the_official_schema_refuses_is_refused_quoting_five_errors_at_most() -> None:
    # An event the catalogue would not let through, built around its checks: the schema is the last barrier.
    contract = contract_notified()
    broken = contract.model_copy(update={
        "offers_received": 0, "contract_number": "N" * 17,
        "purchase": contract.purchase.model_copy(update={"duration_months": 0, "object": "o" * 1001}),
        "price_types": ["Ferme"], "price_form": "Forfait",
    })
    with pytest.raises(RecordRefused) as refused:
        domain.record_of(broken, published_on=PARIS_DAY)
    detail = refused.value.detail
    assert detail.startswith("enregistrement DECP non conforme au schéma 2.0.3 : $.marches.marche[0].")
    assert "offresRecues: 0 is less than the minimum of 1" in detail
    assert detail.count("; ") == domain.QUOTED_SCHEMA_ERRORS - 1


def test_the_document_of_no_record_is_the_official_empty_document() -> None:
    assert domain.document_of([]) == {"marches": {"marche": []}}
    first, second = a_record("A1"), a_record("A2")
    assert domain.document_of([first, second]) == {"marches": {"marche": [first.record, second.record]}}


def test_the_pages_name_a_buyer_by_its_name_else_its_siret() -> None:
    assert domain.buyer_label(BUYER.siret, "Commune de Démoville") == "Commune de Démoville"
    assert domain.buyer_label(BUYER.siret, None) == f"SIRET {BUYER.siret}"
    assert BuyerSummary(BUYER.siret, None, 0, Decimal(0)).label == f"SIRET {BUYER.siret}"


@pytest.mark.parametrize("siret", ["123", "2000000160001A", "200000016000100", " ", "x" * 60])
def test_a_buyer_page_exists_for_a_siret_only(siret) -> None:
    with pytest.raises(NotFound) as refused:
        domain.check_siret(siret)
    assert refused.value.status == 404
    assert refused.value.detail == f"« {siret[:40]} » n’est pas un numéro SIRET : il compte 14 chiffres."
    assert domain.check_siret(OTHER_BUYER.siret) == OTHER_BUYER.siret


def test_every_sortable_column_of_the_pages_has_an_order_of_the_repository() -> None:
    sortable = [column[1] for column in views.COLUMNS if isinstance(column, tuple)]
    assert sortable == list(web.SORT_COLUMNS) and web.DEFAULT_SORT.lstrip("-") in web.SORT_COLUMNS
    assert sorted(web.SORT_COLUMNS.values()) == sorted(RecordOrder)
    assert ("Acheteur", "acheteur") not in views.BUYER_COLUMNS and len(views.BUYER_COLUMNS) == len(views.COLUMNS) - 1


# ---------------------------------------------------------------- publish (the ContractNotified use case)


async def test_publishing_keeps_the_record_dated_by_the_paris_day_of_the_clock_and_audits_it() -> None:
    uow = uow_over()
    contract = contract_notified(BUYER, number="2026000007")
    record = await service.publish(uow, contract)
    assert record is not None and record.published_on == PARIS_DAY
    assert uow.repos.records.rows == {contract.contract_id: record}
    assert record.record["datePublicationDonnees"] == "2026-11-03"
    assert [(a.tenant, a.aggregate_type, a.aggregate_id, a.action, a.change, a.actor) for a in uow.committed.audits] == [
        (BUYER.siret, "decp_record", str(contract.contract_id), "decp.published",
         {"id": "2026000007", "published_on": "2026-11-03"}, "system:opendata")]
    assert uow.committed.events == [], "open data emits no event"
    assert (uow.commits, uow.rollbacks) == (1, 0)


async def test_a_second_delivery_of_the_contract_changes_nothing() -> None:
    uow = uow_over()
    contract = contract_notified()
    first = await service.publish(uow, contract)
    uow.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    assert await service.publish(uow, contract) is None
    assert uow.repos.records.rows == {contract.contract_id: first}, "the first publication date is kept"
    assert uow.committed.actions() == ["decp.published"]


async def test_a_refused_contract_is_neither_kept_nor_audited() -> None:
    uow = uow_over()
    with pytest.raises(RecordRefused, match="montant 0.50"):
        await service.publish(uow, contract_notified(amount=Decimal("0.50")))
    assert uow.repos.records.rows == {}
    assert uow.committed.audits == [] and (uow.commits, uow.rollbacks) == (0, 1)


async def test_a_contract_notified_after_the_clock_s_day_is_refused() -> None:
    uow = uow_over(clock=SettableClock(datetime(2026, 11, 1, 22, 59, tzinfo=UTC)))  # 23:59 in Paris, on the 1st
    with pytest.raises(RecordRefused, match="datePublicationDonnees 2026-11-01 precedes dateNotification 2026-11-02"):
        await service.publish(uow, contract_notified(notified_on=date(2026, 11, 2)))
    assert uow.repos.records.rows == {}


async def test_a_contract_without_publication_duty_is_kept_but_not_published() -> None:
    uow = uow_over()
    contract = contract_notified(purchase=purchase(BUYER, estimated_value=Decimal("24000.00")))
    record = await service.publish(uow, contract)
    assert record.publication_duty is PublicationDuty.NONE and contract.contract_id in uow.repos.records.rows
    with pytest.raises(NotFound) as missing:
        await service.published_record(uow, contract.contract_id)
    assert (missing.value.detail, missing.value.field) == ("aucune donnée essentielle publiée pour ce marché",
                                                           "contract_id")
    assert await service.document(uow, limit=100) == {"marches": {"marche": []}}


# ---------------------------------------------------------------- the public API's reads


async def test_the_document_lists_the_latest_published_first_then_by_number_of_one_buyer_or_all() -> None:
    older = a_record("B1", published_on=date(2026, 11, 3))
    newer_b, newer_a = a_record("C2", published_on=date(2026, 11, 20)), a_record("C1", published_on=date(2026, 11, 20))
    other = a_record("B1", buyer=OTHER_BUYER, published_on=date(2026, 11, 4))
    kept = a_record("K1", value="1000.00", published_on=date(2026, 12, 1))
    uow = uow_over(older, newer_b, newer_a, other, kept)

    def ids(document: dict) -> list[tuple[str, str]]:
        return [(marche["acheteur"]["id"], marche["id"]) for marche in document["marches"]["marche"]]

    assert ids(await service.document(uow, limit=100)) == [
        (BUYER.siret, "C1"), (BUYER.siret, "C2"), (OTHER_BUYER.siret, "B1"), (BUYER.siret, "B1")]
    assert ids(await service.document(uow, buyer_siret=OTHER_BUYER.siret, limit=100)) == [(OTHER_BUYER.siret, "B1")]
    assert ids(await service.document(uow, limit=2, offset=1)) == [(BUYER.siret, "C2"), (OTHER_BUYER.siret, "B1")]
    assert decp.validate_decp_document(await service.document(uow, limit=100)) == []


async def test_one_published_record_is_its_decp_marche() -> None:
    record = a_record()
    uow = uow_over(record)
    assert await service.published_record(uow, record.contract_id) == record.record
    with pytest.raises(NotFound):
        await service.published_record(uow, uuid.uuid4())


# ---------------------------------------------------------------- the pages' reads


async def test_the_listing_sorts_by_each_column_with_absent_names_by_siret() -> None:
    a = a_record("N3", object_="béton", amount="500.00", notified_on=date(2026, 10, 1), buyer_name="Zèbre")
    b = a_record("N1", buyer=OTHER_BUYER, object_="Asphalte", amount="90000.00", notified_on=date(2026, 11, 2))
    c = a_record("N2", object_="chaussée", amount="1200.50", notified_on=date(2026, 9, 15), buyer_name=None)
    uow = uow_over(a, b, c)

    async def numbers(order: RecordOrder, descending: bool = False) -> list[str]:
        shown = await service.listing(uow, order=order, descending=descending, window=pages_of(25))
        return [record.contract_number for record in shown.records]

    assert await numbers(RecordOrder.NUMBER) == ["N1", "N2", "N3"]
    assert await numbers(RecordOrder.NUMBER, descending=True) == ["N3", "N2", "N1"]
    assert await numbers(RecordOrder.OBJECT) == ["N1", "N3", "N2"], "case-insensitive"
    # c carries no name: it sorts by its SIRET, whose digits come before any letter.
    assert await numbers(RecordOrder.BUYER) == ["N2", "N1", "N3"]
    assert await numbers(RecordOrder.AMOUNT) == ["N3", "N2", "N1"], "by value, not as text"
    assert await numbers(RecordOrder.NOTIFIED, descending=True) == ["N1", "N3", "N2"]


async def test_the_listing_gives_the_window_the_total_and_shows_that_page() -> None:
    records = [a_record(f"P{n:02d}") for n in range(5)]
    uow = uow_over(*records, a_record("K1", value="100.00"))
    totals = []

    def window(total: int) -> Page:
        totals.append(total)
        return Page(2, 2, total)

    shown = await service.listing(uow, order=RecordOrder.NUMBER, descending=False, window=window)
    assert totals == [5], "only published records count"
    assert (shown.window.number, shown.window.count) == (2, 3)
    assert [record.contract_number for record in shown.records] == ["P02", "P03"]


async def test_a_buyer_page_sums_its_published_contracts_under_its_latest_name() -> None:
    renamed = a_record("R1", amount="1000.00", published_on=date(2026, 11, 3), buyer_name="Ancien nom")
    latest = a_record("R2", amount="234.56", published_on=date(2026, 11, 20), buyer_name="Nouveau nom")
    kept = a_record("R3", value="1000.00", amount="5000.00", published_on=date(2026, 11, 21), buyer_name=None)
    other = a_record("R1", buyer=OTHER_BUYER)
    uow = uow_over(renamed, latest, kept, other)
    summary, shown = await service.buyer_page(uow, BUYER.siret, order=RecordOrder.NOTIFIED, descending=True,
                                              window=pages_of(25))
    assert summary == BuyerSummary(BUYER.siret, "Nouveau nom", 2, Decimal("1234.56"))
    assert summary.label == "Nouveau nom"
    assert [record.contract_number for record in shown.records] == ["R2", "R1"]
    assert shown.window.total == 2


async def test_a_buyer_without_records_has_an_empty_page_named_by_its_siret() -> None:
    uow = uow_over(a_record())
    summary, shown = await service.buyer_page(uow, OTHER_BUYER.siret, order=RecordOrder.NUMBER, descending=False,
                                              window=pages_of(25))
    assert summary == BuyerSummary(OTHER_BUYER.siret, None, 0, Decimal(0))
    assert summary.label == f"SIRET {OTHER_BUYER.siret}" and shown.records == []


async def test_a_buyer_page_of_a_non_siret_is_not_found_before_any_read() -> None:
    uow = uow_over()
    with pytest.raises(NotFound, match="n’est pas un numéro SIRET"):
        await service.buyer_page(uow, "2000000160001A", order=RecordOrder.NUMBER, descending=False,
                                 window=pages_of(25))
    assert (uow.commits, uow.rollbacks) == (0, 0)
