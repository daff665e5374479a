"""Consultation rules (pure): opened from an approved need, its status and what it allows next."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from unefois_events.catalogue import ConsultationPublished, NeedApproved, Organisation, PurchaseFacts
from unefois_kernel.domain_errors import DomainError

# Walking skeleton: a fixed 35-day answer period (the open procedure's minimum, art. R2161-2 du code
# de la commande publique); the procedure rules engine (sourcing) will supply the real minimum per procedure.
DEFAULT_ANSWER_PERIOD = timedelta(days=35)
# The name of the consultations' yearly per-tenant sequence (unefois_kernel.sequences).
REFERENCE_SEQUENCE = "consultation"


class ConsultationStatus(StrEnum):
    PUBLISHED = "published"
    AWARDED = "awarded"


class ConsultationAction(StrEnum):
    AWARD = "award"


# The state machine: what each status allows. Awarding (a lot or the whole) closes the consultation.
_ALLOWED: dict[ConsultationStatus, frozenset[ConsultationAction]] = {
    ConsultationStatus.PUBLISHED: frozenset({ConsultationAction.AWARD}),
    ConsultationStatus.AWARDED: frozenset(),
}
_REFUSALS: dict[ConsultationStatus, str] = {
    ConsultationStatus.AWARDED: "cette consultation est déjà attribuée",
}


def allowed_actions(status: ConsultationStatus | str) -> frozenset[ConsultationAction]:
    """What a consultation in `status` allows: pages and APIs ask here, never re-derive it."""
    return _ALLOWED[ConsultationStatus(status)]


def require(status: ConsultationStatus | str, action: ConsultationAction) -> None:
    """Refuse (409, field `status`) an action the consultation's status does not allow."""
    status = ConsultationStatus(status)
    if action not in allowed_actions(status):
        detail = _REFUSALS.get(status, f"une consultation au statut {status} ne le permet pas")
        raise DomainError(detail, field="status", status=409)


@dataclass(frozen=True)
class Consultation:
    id: uuid.UUID
    tenant: str
    reference: str
    status: ConsultationStatus
    purchase: PurchaseFacts
    published_at: datetime
    bid_deadline: datetime
    invited: tuple[Organisation, ...] = field(default_factory=tuple)

    @property
    def need_id(self) -> uuid.UUID:
        return self.purchase.need_id


def consultation_reference(year: int, sequence: int) -> str:
    return f"{year}-{sequence:04d}"


def open_consultation(
    need: NeedApproved, *, consultation_id: uuid.UUID, reference: str, at: datetime
) -> tuple[Consultation, list[ConsultationPublished]]:
    """An approved need becomes a published consultation, its facts unchanged, answers due 35 days on."""
    consultation = Consultation(
        id=consultation_id,
        tenant=need.tenant,
        reference=reference,
        status=ConsultationStatus.PUBLISHED,
        purchase=need.purchase,
        published_at=at,
        bid_deadline=at + DEFAULT_ANSWER_PERIOD,
        invited=tuple(need.invited_suppliers),
    )
    published = ConsultationPublished(
        consultation_id=consultation.id,
        reference=consultation.reference,
        purchase=consultation.purchase,
        published_at=consultation.published_at,
        bid_deadline=consultation.bid_deadline,
    )
    return consultation, [published]
