"""What the invoices API takes and answers."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field
from unefois_events.catalogue import Organisation
from unefois_events.values import Line, Money, PlausibleDate

from unefois_invoicing.invoices.domain import Deposit, Invoice


class InvoiceDeposit(BaseModel):
    invoice_number: Line(20)
    supplier: Organisation
    amount_excl_vat: Money
    vat_amount: Money
    issued_on: PlausibleDate

    def deposit(self) -> Deposit:
        return Deposit(invoice_number=self.invoice_number, supplier=self.supplier, amount_excl_vat=self.amount_excl_vat,
                       vat_amount=self.vat_amount, issued_on=self.issued_on)


class InvoiceView(BaseModel):
    id: uuid.UUID
    invoice_number: str
    amount_excl_vat: Decimal

    @classmethod
    def of(cls, invoice: Invoice) -> InvoiceView:
        return cls(id=invoice.id, invoice_number=invoice.invoice_number, amount_excl_vat=invoice.amount_excl_vat)
