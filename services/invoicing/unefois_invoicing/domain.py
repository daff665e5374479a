"""Invoicing domain rules (pure): a commitment per contract and its invoice ledger."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from unefois_events.catalogue import InvoiceReceived, Organisation
from unefois_kernel.domain_errors import DomainError


def check_invoice(
    *,
    supplier_siret: str,
    holders: list[Organisation],
    amount_excl_vat: Decimal,
    already_invoiced: Decimal,
    ceiling: Decimal,
    issued_on: date,
    today: date,
) -> None:
    if supplier_siret not in {holder.siret for holder in holders}:
        raise DomainError("ce fournisseur n'est pas titulaire du marché", field="supplier.siret", status=403)
    if amount_excl_vat <= 0:
        raise DomainError("le montant HT doit être positif", field="amount_excl_vat")
    if issued_on > today:
        raise DomainError("la date d'émission est dans le futur", field="issued_on")
    if already_invoiced + amount_excl_vat > ceiling:
        remaining = ceiling - already_invoiced
        raise DomainError(
            f"le montant dépasse le reste à facturer de l'engagement ({remaining} € HT)", field="amount_excl_vat"
        )


def received(
    *,
    invoice_id: uuid.UUID,
    invoice_number: str,
    commitment,
    supplier: Organisation,
    amount_excl_vat: Decimal,
    vat_amount: Decimal,
    issued_on: date,
    at: datetime,
) -> InvoiceReceived:
    return InvoiceReceived(
        invoice_id=invoice_id,
        invoice_number=invoice_number,
        contract_id=commitment["contract_id"],
        contract_number=commitment["contract_number"],
        legal_commitment_number=commitment["legal_commitment_number"],
        buyer=Organisation.model_validate(commitment["buyer"]),
        supplier=supplier,
        amount_excl_vat=amount_excl_vat,
        vat_amount=vat_amount,
        issued_on=issued_on,
        received_at=at,
    )
