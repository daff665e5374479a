"""The invoices area on FakeUnitOfWork: a received invoice is kept once against its contract."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from opendata_fakes import FakeRepositories

from unefois_events.catalogue import InvoiceReceived
from unefois_kernel.testing import BUYER, SUPPLIER
from unefois_kernel.uow import FakeUnitOfWork
from unefois_opendata.invoices import service
from unefois_opendata.invoices.domain import ContractInvoice


def an_invoice(**changes) -> InvoiceReceived:
    fields = dict(invoice_id=uuid.uuid4(), invoice_number="F2026-0001", contract_id=uuid.uuid4(),
                  contract_number="2026000001", legal_commitment_number="EJ2026000001", buyer=BUYER,
                  supplier=SUPPLIER, amount_excl_vat=Decimal("12000.00"), vat_amount=Decimal("2400.00"),
                  issued_on=date(2026, 11, 20), received_at=datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    return InvoiceReceived(**(fields | changes))


async def test_a_received_invoice_is_kept_against_its_contract_and_its_buyer() -> None:
    uow = FakeUnitOfWork(FakeRepositories(), tenant=BUYER.siret, service="opendata")
    invoice = an_invoice()
    kept = await service.record(uow, invoice)
    assert kept == ContractInvoice(invoice.invoice_id, invoice.contract_id, BUYER.siret, Decimal("12000.00"),
                                   date(2026, 11, 20))
    assert uow.repos.invoices.rows == {invoice.invoice_id: kept}
    assert uow.commits == 1 and uow.committed.events == [] and uow.committed.audits == []


async def test_a_second_delivery_of_the_invoice_changes_nothing() -> None:
    uow = FakeUnitOfWork(FakeRepositories(), tenant=BUYER.siret, service="opendata")
    invoice = an_invoice()
    first = await service.record(uow, invoice)
    assert await service.record(uow, invoice.model_copy(update={"amount_excl_vat": Decimal("1.00")})) is None
    assert uow.repos.invoices.rows == {invoice.invoice_id: first}
