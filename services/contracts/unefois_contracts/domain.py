"""Contracts domain rules (pure): an award becomes a contract, notified to its holders."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from unefois_events.catalogue import AwardDecided, ContractNotified
from unefois_kernel.domain_errors import DomainError


def contract_number(year: int, sequence: int) -> str:
    """DECP `id`: unique per buyer, 1 to 16 characters, no special characters: YYYY + 6 digits."""
    if not 1 <= sequence <= 999_999:
        raise ValueError("sequence out of range for a contract number")
    return f"{year}{sequence:06d}"


def legal_commitment_number(year: int, sequence: int) -> str:
    """Engagement juridique number given to the holder, quoted on every invoice."""
    return f"EJ{year}{sequence:06d}"


def notify(
    *,
    status: str,
    contract_id: uuid.UUID,
    award: AwardDecided,
    number: str,
    commitment_number: str,
    notified_on: date,
    at: datetime,
) -> ContractNotified:
    if status == "notified":
        raise DomainError("ce marché est déjà notifié", field="status", status=409)
    if notified_on < award.awarded_at.date():
        raise DomainError("la notification ne peut précéder l'attribution", field="notified_on")
    return ContractNotified(
        contract_id=contract_id,
        contract_number=number,
        award_id=award.award_id,
        consultation_id=award.consultation_id,
        purchase=award.purchase,
        lot_number=award.lot_number,
        holders=award.winners,
        grouping=award.grouping,
        amount=award.amount,
        price_form=award.price_form,
        price_types=award.price_types,
        offers_received=award.offers_received,
        legal_commitment_number=commitment_number,
        notified_on=notified_on,
        notified_at=at,
    )
