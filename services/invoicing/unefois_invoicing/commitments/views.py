"""What the commitments API answers, and the rows of the home page's table."""

from __future__ import annotations

import uuid
from decimal import Decimal

from pydantic import BaseModel
from unefois_events.catalogue import Organisation
from unefois_kernel.web import format_date, format_euros

from unefois_invoicing.commitments.domain import Ledger


class CommitmentView(BaseModel):
    id: uuid.UUID
    contract_id: uuid.UUID
    contract_number: str
    legal_commitment_number: str
    buyer: Organisation
    holders: list[Organisation]
    ceiling: Decimal
    invoiced_excl_vat: Decimal
    invoice_count: int

    @classmethod
    def of(cls, ledger: Ledger) -> CommitmentView:
        commitment = ledger.commitment
        return cls(
            id=commitment.id,
            contract_id=commitment.contract_id,
            contract_number=commitment.contract_number,
            legal_commitment_number=commitment.legal_commitment_number,
            buyer=commitment.buyer,
            holders=list(commitment.holders),
            ceiling=commitment.ceiling,
            invoiced_excl_vat=ledger.invoiced_excl_vat,
            invoice_count=ledger.invoice_count,
        )


# The home page's table: its columns, and a ledger's row under them.
COLUMNS = ["Marché", "Engagement juridique", "Titulaire", "Plafond (HT)", "Facturé (HT)", "Factures", "Ouvert le"]


def home_row(ledger: Ledger) -> list[str]:
    commitment = ledger.commitment
    return [
        commitment.contract_number,
        commitment.legal_commitment_number,
        ", ".join(holder.name for holder in commitment.holders),
        format_euros(commitment.ceiling),
        format_euros(ledger.invoiced_excl_vat),
        str(ledger.invoice_count),
        format_date(commitment.opened_at),
    ]
