"""Contracts (pure): an award becomes a contract to notify, prefilled with what the award
decided; notified once, it gets its number and legal commitment number and goes downstream
(ContractNotified: invoicing opens its commitment, open data publishes it).

The award is kept as received, AwardDecided.v2 or (published before v2) v1; `Contract.terms`
reads either as v2: the holders with their DECP identifier types and roles (the mandataire),
the lot's title, the subcontracting declared, the letters' date and the standstill end.

    to_notify --notify--> notified
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from unefois_events.catalogue import AwardDecided, AwardDecidedV2, ContractNotified, Event, Organisation
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
    award: AwardDecided | AwardDecidedV2  # as received: nothing retyped
    status: ContractStatus
    created_at: datetime
    contract_number: str | None = None
    legal_commitment_number: str | None = None
    notified_on: date | None = None
    notified_at: datetime | None = None

    @property
    def award_id(self) -> uuid.UUID:
        return self.award.award_id

    @property
    def terms(self) -> AwardDecidedV2:
        """The award said in v2, whichever version was received."""
        return as_v2(self.award)


def as_v2(award: AwardDecided | AwardDecidedV2) -> AwardDecidedV2:
    return award if isinstance(award, AwardDecidedV2) else AwardDecidedV2.of_v1(award)


def stored_award(document: dict) -> AwardDecided | AwardDecidedV2:
    """The award stored as received, read back in its own version (v2 has `holders`, v1 `winners`)."""
    return AwardDecidedV2.model_validate(document) if "holders" in document else AwardDecided.model_validate(document)


def contract_number(year: int, sequence: int) -> str:
    """DECP `id`: unique per buyer, 1 to 16 characters, no special characters: YYYY + 6 digits."""
    if not 1 <= sequence <= 999_999:
        raise ValueError("sequence out of range for a contract number")
    return f"{year}{sequence:06d}"


def legal_commitment_number(year: int, sequence: int) -> str:
    """Engagement juridique number given to the holder, quoted on every invoice."""
    return f"EJ{year}{sequence:06d}"


def prepare(award: AwardDecided | AwardDecidedV2, *, contract_id: uuid.UUID, at: datetime) -> tuple[Contract, list[Event]]:
    """The contract an award calls for, to notify; nothing goes downstream before the notification."""
    contract = Contract(id=contract_id, tenant=award.tenant, award=award, status=ContractStatus.TO_NOTIFY, created_at=at)
    return contract, []


def check_notification(contract: Contract, notified_on: date, *, today: date | None = None) -> None:
    """Refuses a notification the contract cannot take (before a number is drawn for it); a
    notification is a fact of the past: not after `today` (the Paris date of the unit of work's clock)."""
    if ContractAction.NOTIFY not in allowed_actions(contract.status):
        raise DomainError("ce marché est déjà notifié", field="status", status=409)
    terms = contract.terms
    if notified_on < terms.awarded_at.date():
        raise DomainError("la notification ne peut précéder l'attribution", field="notified_on")
    # Code de la commande publique art. R2182-1: in a formal procedure the buyer signs no sooner
    # than 11 days (16 if not electronic) after sending the rejection letters; the notification
    # follows the signature, so it is not before the standstill's end the award carries.
    if terms.standstill_ends_on is not None and notified_on < terms.standstill_ends_on:
        raise DomainError(
            "la notification ne peut précéder la fin du délai de suspension (standstill_ends_on : "
            f"{terms.standstill_ends_on:%d/%m/%Y}), que l'article R2182-1 du code de la commande publique "
            "impose entre l'envoi des lettres de rejet et la signature", field="notified_on")
    if not any(holder.siret for holder in terms.holders):
        # ContractNotified v1 (read by invoicing and open data) needs one holder with a SIRET: a
        # contract held by foreign companies only waits for its v2 (not built yet).
        raise DomainError("la plateforme ne sait pas encore notifier un marché dont aucun titulaire n'est identifié "
                          "par un SIRET (titulaires étrangers uniquement)", field="holders", status=409)
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
    award = contract.terms
    event = ContractNotified(
        contract_id=contract.id,
        contract_number=notified.contract_number,
        award_id=award.award_id,
        consultation_id=award.consultation_id,
        purchase=award.purchase,
        lot_number=award.lot_number,
        # v1's readers see the holders with a SIRET (the mandataire first); every holder, the foreign
        # ones included, is in identified_holders with its DECP identifier type and role.
        holders=[Organisation(siret=holder.siret, name=holder.name) for holder in award.holders if holder.siret],
        identified_holders=award.holders,
        grouping=award.grouping,
        amount=award.amount,
        price_form=award.price_form,
        price_types=award.price_types,
        offers_received=award.offers_received,
        subcontracting_declared=award.subcontracting_declared,
        origin_eu_share=award.origin_eu_share,
        origin_france_share=award.origin_france_share,
        legal_commitment_number=notified.legal_commitment_number,
        notified_on=notified_on,
        notified_at=at,
    )
    return notified, [event]
