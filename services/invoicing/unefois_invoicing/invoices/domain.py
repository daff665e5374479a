"""Invoices, pure: who may deposit one, and never past the commitment's ceiling.

An invoice is received once (a supplier's invoice number is unique for that supplier) and counts against its
commitment's ceiling. Received is the only status today's ledger knows; service fait, payment and rejection
will follow it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from unefois_events.catalogue import InvoiceReceived, Organisation
from unefois_kernel.domain_errors import DomainError

from unefois_invoicing.commitments.domain import CommitmentStatus, Ledger, status_of


class InvoiceStatus(StrEnum):
    RECEIVED = "received"  # deposited and matched against its commitment


@dataclass(frozen=True)
class Deposit:
    """An invoice as its supplier deposits it."""

    invoice_number: str
    supplier: Organisation
    amount_excl_vat: Decimal
    vat_amount: Decimal
    issued_on: date

    def as_change(self) -> dict:
        """The deposit as the audit trail records it (JSON values)."""
        return {
            "invoice_number": self.invoice_number,
            "supplier": self.supplier.model_dump(mode="json"),
            "amount_excl_vat": str(self.amount_excl_vat),
            "vat_amount": str(self.vat_amount),
            "issued_on": self.issued_on.isoformat(),
        }


@dataclass(frozen=True)
class Invoice:
    id: uuid.UUID
    tenant: str  # the buyer's SIRET: the ledger is the buyer's
    commitment_id: uuid.UUID
    supplier_siret: str
    invoice_number: str
    amount_excl_vat: Decimal
    vat_amount: Decimal
    issued_on: date
    received_at: datetime
    status: InvoiceStatus = InvoiceStatus.RECEIVED


class Invoiced(NamedTuple):
    """What a commitment's invoices add up to."""

    amount_excl_vat: Decimal
    count: int


NOTHING_INVOICED = Invoiced(Decimal(0), 0)


@dataclass(frozen=True)
class Received:
    """The outcome of a deposit: the invoice, the commitment's status after it, the events to publish."""

    invoice: Invoice
    commitment_status: CommitmentStatus
    events: list[InvoiceReceived]


def check_depositor(depositor_siret: str | None, deposit: Deposit) -> None:
    """A supplier deposits its own invoices only."""
    if deposit.supplier.siret != depositor_siret:
        raise DomainError("une entreprise ne dépose que ses propres factures", field="supplier.siret", status=403)


def receive(ledger: Ledger, deposit: Deposit, *, invoice_id: uuid.UUID, today: date, at: datetime) -> Received:
    """Receive an invoice against a commitment's ledger (`today`: the Paris date; `at`: the receipt instant).
    Refused: a supplier that is not a holder (403), a nil amount, a date in the future, a ceiling overrun."""
    commitment = ledger.commitment
    if not commitment.is_holder(deposit.supplier.siret):
        raise DomainError("ce fournisseur n'est pas titulaire du marché", field="supplier.siret", status=403)
    if deposit.amount_excl_vat <= 0:
        raise DomainError("le montant HT doit être positif", field="amount_excl_vat")
    if deposit.issued_on > today:
        raise DomainError("la date d'émission est dans le futur", field="issued_on")
    if deposit.amount_excl_vat > ledger.remaining:
        raise DomainError(
            f"le montant dépasse le reste à facturer de l'engagement ({ledger.remaining} € HT)", field="amount_excl_vat"
        )
    invoice = Invoice(
        id=invoice_id,
        tenant=commitment.tenant,
        commitment_id=commitment.id,
        supplier_siret=deposit.supplier.siret,
        invoice_number=deposit.invoice_number,
        amount_excl_vat=deposit.amount_excl_vat,
        vat_amount=deposit.vat_amount,
        issued_on=deposit.issued_on,
        received_at=at,
    )
    event = InvoiceReceived(
        invoice_id=invoice.id,
        invoice_number=invoice.invoice_number,
        contract_id=commitment.contract_id,
        contract_number=commitment.contract_number,
        legal_commitment_number=commitment.legal_commitment_number,
        buyer=commitment.buyer,
        supplier=deposit.supplier,
        amount_excl_vat=invoice.amount_excl_vat,
        vat_amount=invoice.vat_amount,
        issued_on=invoice.issued_on,
        received_at=at,
    )
    after = status_of(commitment.ceiling, ledger.invoiced_excl_vat + invoice.amount_excl_vat)
    return Received(invoice, after, [event])


def already_deposited() -> DomainError:
    """This supplier already deposited an invoice with this number (on any commitment)."""
    return DomainError("ce numéro de facture a déjà été déposé", field="invoice_number", status=409)
