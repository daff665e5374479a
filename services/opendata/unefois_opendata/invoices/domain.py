"""An invoice as open data keeps it: what the spending of a contract adds up from (pure).

No status: an invoice is recorded once, when it is received, and never changed here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from unefois_events.catalogue import InvoiceReceived


@dataclass(frozen=True)
class ContractInvoice:
    invoice_id: uuid.UUID
    contract_id: uuid.UUID
    buyer_siret: str
    amount_excl_vat: Decimal
    issued_on: date


def invoice_of(invoice: InvoiceReceived) -> ContractInvoice:
    return ContractInvoice(invoice_id=invoice.invoice_id, contract_id=invoice.contract_id, buyer_siret=invoice.tenant,
                           amount_excl_vat=invoice.amount_excl_vat, issued_on=invoice.issued_on)
