"""Award rules (pure): deciding the award of a published consultation, or of one of its lots."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from unefois_events.catalogue import AwardDecided, Organisation
from unefois_events.values import MAX_HOLDERS, LotNumber, Money, OffersCount, OperatorGrouping, PriceForm, PriceType
from unefois_kernel.domain_errors import DomainError
from unefois_tendering.consultations.domain import (
    Consultation,
    ConsultationAction,
    ConsultationStatus,
    require,
)


class AwardDecision(BaseModel):
    """What the buyer decides: the winner(s), the amount and the price terms (the API's request body)."""

    winners: list[Organisation] = Field(min_length=1, max_length=MAX_HOLDERS)
    grouping: OperatorGrouping = OperatorGrouping.NONE
    amount: Money
    price_form: PriceForm
    price_types: list[PriceType] = Field(min_length=1, max_length=len(PriceType))
    offers_received: OffersCount
    lot_number: LotNumber | None = None


@dataclass(frozen=True)
class Award:
    id: uuid.UUID
    tenant: str
    consultation_id: uuid.UUID
    decision: AwardDecision
    awarded_at: datetime

    @property
    def lot_number(self) -> int | None:
        return self.decision.lot_number


def award(
    consultation: Consultation, decision: AwardDecision, *, award_id: uuid.UUID, at: datetime
) -> tuple[ConsultationStatus, list[AwardDecided]]:
    """Award `consultation` as `decision` says: the consultation's new status and the events to emit."""
    require(consultation.status, ConsultationAction.AWARD)
    lot_number = decision.lot_number
    if lot_number is not None and lot_number not in {lot.number for lot in consultation.purchase.lots}:
        raise DomainError(f"le lot {lot_number} n'existe pas dans cette consultation", field="lot_number")
    if len(decision.winners) > 1 and decision.grouping == OperatorGrouping.NONE:
        raise DomainError("plusieurs attributaires impliquent un groupement conjoint ou solidaire", field="grouping")
    event = AwardDecided(
        award_id=award_id,
        consultation_id=consultation.id,
        consultation_reference=consultation.reference,
        purchase=consultation.purchase,
        lot_number=lot_number,
        winners=decision.winners,
        grouping=decision.grouping,
        amount=decision.amount,
        price_form=decision.price_form,
        price_types=decision.price_types,
        offers_received=decision.offers_received,
        awarded_at=at,
    )
    return ConsultationStatus.AWARDED, [event]
