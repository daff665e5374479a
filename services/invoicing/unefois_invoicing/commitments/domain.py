"""Commitments, pure: a notified contract opens one; its ledger says what is invoiced and what is left.

The status is not stored: it follows from the ledger (the ceiling and the invoices received against it), so
it cannot drift from it. Opening is the only transition of the commitment itself; an invoice received
(invoices/domain.py) may move it from open to fully invoiced.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from unefois_events.catalogue import ContractNotified, Event, Organisation
from unefois_kernel.domain_errors import NotFound


class CommitmentStatus(StrEnum):
    OPEN = "open"  # something is left to invoice
    FULLY_INVOICED = "fully_invoiced"  # the invoices reached the ceiling


class CommitmentAction(StrEnum):
    DEPOSIT_INVOICE = "deposit_invoice"


@dataclass(frozen=True)
class Commitment:
    id: uuid.UUID
    tenant: str  # the buyer's SIRET
    contract_id: uuid.UUID
    contract_number: str
    legal_commitment_number: str
    buyer: Organisation
    holders: tuple[Organisation, ...]
    ceiling: Decimal  # excluding VAT
    opened_at: datetime

    def is_holder(self, siret: str | None) -> bool:
        return siret is not None and siret in {holder.siret for holder in self.holders}


@dataclass(frozen=True)
class Ledger:
    """A commitment and what its invoices add up to (as far as the reader may see them)."""

    commitment: Commitment
    invoiced_excl_vat: Decimal = Decimal(0)
    invoice_count: int = 0

    @property
    def remaining(self) -> Decimal:
        return self.commitment.ceiling - self.invoiced_excl_vat

    @property
    def status(self) -> CommitmentStatus:
        return status_of(self.commitment.ceiling, self.invoiced_excl_vat)


def status_of(ceiling: Decimal, invoiced_excl_vat: Decimal) -> CommitmentStatus:
    return CommitmentStatus.OPEN if invoiced_excl_vat < ceiling else CommitmentStatus.FULLY_INVOICED


def open_commitment(contract: ContractNotified, *, commitment_id: uuid.UUID, at: datetime) -> tuple[Commitment, list[Event]]:
    """The commitment a notified contract opens: its number, holders and amount become the ceiling.
    No event: open data and the other stages learn of the contract from ContractNotified itself."""
    commitment = Commitment(
        id=commitment_id,
        tenant=contract.tenant,
        contract_id=contract.contract_id,
        contract_number=contract.contract_number,
        legal_commitment_number=contract.legal_commitment_number,
        buyer=contract.purchase.buyer,
        holders=tuple(contract.holders),
        ceiling=contract.amount,
        opened_at=at,
    )
    return commitment, []


def allowed_actions(status: CommitmentStatus, *, holder: bool) -> frozenset[CommitmentAction]:
    """What a caller may do on a commitment now: a holder (`Commitment.is_holder`) deposits invoices while
    something is left to invoice. Pages and APIs offer what this returns; the transitions refuse the rest."""
    if holder and status is CommitmentStatus.OPEN:
        return frozenset({CommitmentAction.DEPOSIT_INVOICE})
    return frozenset()


def not_found() -> NotFound:
    """A commitment that does not exist, or that the caller may not see (existence must not leak)."""
    return NotFound("engagement introuvable", field="commitment_id")
