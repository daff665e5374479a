"""Tendering domain rules (pure): a consultation opened from an approved need, then awarded."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from unefois_events.catalogue import (
    AwardDecided,
    ConsultationPublished,
    NeedApproved,
    Organisation,
    PurchaseFacts,
)
from unefois_events.values import OperatorGrouping, PriceForm, PriceType
from unefois_kernel.domain_errors import DomainError

# Walking skeleton: a fixed 35-day answer period (the open procedure's minimum, art. R2161-2);
# the procedure rules engine (sourcing) will supply the real minimum per procedure.
DEFAULT_ANSWER_PERIOD = timedelta(days=35)


def consultation_reference(year: int, sequence: int) -> str:
    return f"{year}-{sequence:04d}"


def open_consultation(need: NeedApproved, *, consultation_id: uuid.UUID, reference: str, at: datetime) -> ConsultationPublished:
    return ConsultationPublished(
        consultation_id=consultation_id,
        reference=reference,
        purchase=need.purchase,
        published_at=at,
        bid_deadline=at + DEFAULT_ANSWER_PERIOD,
    )


def award(
    *,
    status: str,
    consultation_id: uuid.UUID,
    reference: str,
    purchase: PurchaseFacts,
    award_id: uuid.UUID,
    winners: list[Organisation],
    grouping: OperatorGrouping,
    amount,
    price_form: PriceForm,
    price_types: list[PriceType],
    offers_received: int,
    lot_number: int | None,
    at: datetime,
) -> AwardDecided:
    if status == "awarded":
        raise DomainError("cette consultation est déjà attribuée", field="status", status=409)
    if lot_number is not None and lot_number not in {lot.number for lot in purchase.lots}:
        raise DomainError(f"le lot {lot_number} n'existe pas dans cette consultation", field="lot_number")
    if len(winners) > 1 and grouping == OperatorGrouping.NONE:
        raise DomainError("plusieurs attributaires impliquent un groupement conjoint ou solidaire", field="grouping")
    return AwardDecided(
        award_id=award_id,
        consultation_id=consultation_id,
        consultation_reference=reference,
        purchase=purchase,
        lot_number=lot_number,
        winners=winners,
        grouping=grouping,
        amount=amount,
        price_form=price_form,
        price_types=price_types,
        offers_received=offers_received,
        awarded_at=at,
    )
