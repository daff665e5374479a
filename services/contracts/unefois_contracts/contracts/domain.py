"""Contracts (pure): an award becomes a contract to notify, prefilled with what the award
decided; notified once, it gets its number and legal commitment number and goes downstream
(ContractNotified: invoicing opens its commitment, open data publishes it).

    to_notify --notify--> notified
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from unefois_events.catalogue import AwardDecided, ContractNotified, Event
from unefois_kernel.domain_errors import DomainError


class ContractStatus(StrEnum):
    TO_NOTIFY = "to_notify"
    NOTIFIED = "notified"


class ContractAction(StrEnum):
    NOTIFY = "notify"


_ALLOWED: dict[ContractStatus, frozenset[ContractAction]] = {
    ContractStatus.TO_NOTIFY: frozenset({ContractAction.NOTIFY}),
    ContractStatus.NOTIFIED: frozenset(),
}


def allowed_actions(status: ContractStatus) -> frozenset[ContractAction]:
    """What may be done to a contract in this status (the API and the pages ask here)."""
    return _ALLOWED[ContractStatus(status)]


@dataclass(frozen=True)
class Contract:
    id: uuid.UUID
    tenant: str  # the buyer's SIRET
    award: AwardDecided  # as received: nothing retyped
    status: ContractStatus
    created_at: datetime
    contract_number: str | None = None
    legal_commitment_number: str | None = None
    notified_on: date | None = None
    notified_at: datetime | None = None

    @property
    def award_id(self) -> uuid.UUID:
        return self.award.award_id


def contract_number(year: int, sequence: int) -> str:
    """DECP `id`: unique per buyer, 1 to 16 characters, no special characters: YYYY + 6 digits."""
    if not 1 <= sequence <= 999_999:
        raise ValueError("sequence out of range for a contract number")
    return f"{year}{sequence:06d}"


def legal_commitment_number(year: int, sequence: int) -> str:
    """Engagement juridique number given to the holder, quoted on every invoice."""
    return f"EJ{year}{sequence:06d}"


def prepare(award: AwardDecided, *, contract_id: uuid.UUID, at: datetime) -> tuple[Contract, list[Event]]:
    """The contract an award calls for, to notify; nothing goes downstream before the notification."""
    contract = Contract(id=contract_id, tenant=award.tenant, award=award, status=ContractStatus.TO_NOTIFY, created_at=at)
    return contract, []


def check_notification(contract: Contract, notified_on: date, *, today: date | None = None) -> None:
    """Refuses a notification the contract cannot take (before a number is drawn for it); a
    notification is a fact of the past: not after `today` (the Paris date of the unit of work's clock)."""
    if ContractAction.NOTIFY not in allowed_actions(contract.status):
        raise DomainError("ce marché est déjà notifié", field="status", status=409)
    if notified_on < contract.award.awarded_at.date():
        raise DomainError("la notification ne peut précéder l'attribution", field="notified_on")
    if today is not None and notified_on > today:
        raise DomainError("la date de notification ne peut pas être dans le futur", field="notified_on")


def notify(contract: Contract, *, sequence: int, notified_on: date, at: datetime) -> tuple[Contract, list[ContractNotified]]:
    """The notified contract, numbered with the buyer's `sequence`-th number of the notification's year,
    and the event that carries everything downstream needs."""
    check_notification(contract, notified_on)
    year = notified_on.year
    notified = replace(
        contract,
        status=ContractStatus.NOTIFIED,
        contract_number=contract_number(year, sequence),
        legal_commitment_number=legal_commitment_number(year, sequence),
        notified_on=notified_on,
        notified_at=at,
    )
    award = contract.award
    event = ContractNotified(
        contract_id=contract.id,
        contract_number=notified.contract_number,
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
        legal_commitment_number=notified.legal_commitment_number,
        notified_on=notified_on,
        notified_at=at,
    )
    return notified, [event]
