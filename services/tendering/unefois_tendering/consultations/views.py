"""What the consultations' API answers, and what the tendering home page shows of them."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from unefois_events.catalogue import PurchaseFacts
from unefois_kernel.web import format_date
from unefois_tendering.consultations.domain import Consultation, ConsultationStatus


class ConsultationView(BaseModel):
    id: uuid.UUID
    reference: str
    status: str
    purchase: PurchaseFacts
    published_at: datetime
    bid_deadline: datetime

    @classmethod
    def of(cls, consultation: Consultation) -> ConsultationView:
        return cls(
            id=consultation.id,
            reference=consultation.reference,
            status=str(consultation.status),
            purchase=consultation.purchase,
            published_at=consultation.published_at,
            bid_deadline=consultation.bid_deadline,
        )


# The home page's table (templates/home.html shows the status column as a badge).
STATUS_LABELS = {ConsultationStatus.PUBLISHED: "Publiée", ConsultationStatus.AWARDED: "Attribuée"}
COLUMNS = ["Référence", "Objet", "Statut", "Publiée le", "Date limite des offres"]


def home_row(consultation: Consultation) -> list[str]:
    return [
        consultation.reference,
        consultation.purchase.object,
        STATUS_LABELS[consultation.status],
        format_date(consultation.published_at),
        format_date(consultation.bid_deadline),
    ]
