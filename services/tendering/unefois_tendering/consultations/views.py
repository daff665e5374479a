"""What the consultations' API answers, and what the tendering pages show of them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from unefois_events.catalogue import ProcedureDecision, PurchaseFacts
from unefois_events.values import Procedure
from unefois_kernel.clock import PLATFORM_TZ
from unefois_kernel.web import format_date, format_euros
from unefois_tendering.consultations.domain import Consultation, ConsultationStatus, ProcedureHold, ProcedureReview, last_day_of


class HoldView(BaseModel):
    """Why publication waits: what changed since sourcing's decision, taken again on `held_on`."""

    reason: str
    held_on: date
    previous: ProcedureDecision

    @classmethod
    def of(cls, hold: ProcedureHold) -> HoldView:
        return cls(reason=hold.reason, held_on=hold.held_on, previous=hold.previous)


class ConsultationView(BaseModel):
    id: uuid.UUID
    reference: str
    status: str = Field(description="awaiting_procedure (à confirmer, non publiée), published ou awarded")
    purchase: PurchaseFacts
    published_at: datetime | None = Field(description="null tant que la procédure attend la confirmation de l’acheteur")
    bid_deadline: datetime | None
    received_at: datetime = Field(description="réception du besoin approuvé")
    decision: ProcedureDecision | None = Field(
        default=None, description="la décision de procédure prise à la date de publication (null sans décision reçue)")
    hold: HoldView | None = Field(default=None, description="pourquoi la publication attend (ou a attendu) l’acheteur")

    @classmethod
    def of(cls, consultation: Consultation) -> ConsultationView:
        return cls(
            id=consultation.id,
            reference=consultation.reference,
            status=str(consultation.status),
            purchase=consultation.purchase,
            published_at=consultation.published_at,
            bid_deadline=consultation.bid_deadline,
            received_at=consultation.received_at,
            decision=consultation.decision,
            hold=None if consultation.hold is None else HoldView.of(consultation.hold),
        )


class ProcedureChoice(BaseModel):
    """The procedure the buyer confirms for a consultation held at publication."""

    procedure: Procedure = Field(description="une des procédures permises à la date du jour")


# The home page's table (templates/home.html shows the status column as a badge).
STATUS_LABELS = {
    ConsultationStatus.AWAITING_PROCEDURE: "À confirmer",
    ConsultationStatus.PUBLISHED: "Publiée",
    ConsultationStatus.AWARDED: "Attribuée",
}
STATUS_KINDS = {"À confirmer": "warning", "Publiée": "info", "Attribuée": "success"}
COLUMNS = ["Référence", "Objet", "Statut", "Publiée le", "Date limite des offres"]
NOT_YET = "—"


def paris_day(at: datetime | None) -> str:
    """An instant's date on the platform's (Paris) calendar, where the law counts days."""
    return NOT_YET if at is None else format_date(at.astimezone(PLATFORM_TZ))


def deadline_day(at: datetime | None) -> str:
    """The day a bid deadline closes (a deadline at the end of a day, 00:00 the next, is that day)."""
    return NOT_YET if at is None else format_date(last_day_of(at))


def deadline_moment(at: datetime | None) -> str:
    if at is None:
        return NOT_YET
    local = at.astimezone(PLATFORM_TZ)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return f"{deadline_day(at)} à 24 h (fin de journée, heure de Paris)"
    return f"{paris_day(at)} à {local:%H:%M} (heure de Paris)"


def consultation_url(consultation: Consultation) -> str:
    return f"/consultations/{consultation.id}"


def home_row(consultation: Consultation) -> list:
    return [
        {"text": consultation.reference, "url": consultation_url(consultation)},
        consultation.purchase.object,
        STATUS_LABELS[consultation.status],
        paris_day(consultation.published_at),
        deadline_day(consultation.bid_deadline),
    ]


# ---------------------------------------------------------------- a consultation's page

BAND_LABELS = {"no_competition": "sans publicité ni mise en concurrence possible", "adapted": "procédure adaptée",
               "formal": "procédure formalisée"}
THRESHOLD_LABELS = {
    "no_competition": "Dispense de publicité et de mise en concurrence (art. R2122-8)",
    "free_documents": "Documents de la consultation gratuits en ligne (art. R2132-2)",
    "mapa_publicity": "Avis au BOAMP ou dans un JAL en procédure adaptée (art. R2131-12)",
    "formal": "Procédures formalisées (art. R2124-1)",
    "decp": "Données essentielles (art. R2196-1)",
    "decp_list": "Données essentielles ou liste annuelle (art. R2196-1)",
}
NATURE_LABELS = {"works": "Travaux", "supplies": "Fournitures", "services": "Services"}


def _threshold_text(amount, since: date) -> str:
    return f"{format_euros(amount)} HT (depuis le {format_date(since)})"


def threshold_rows(previous: ProcedureDecision, now: tuple[tuple[str, Decimal, date, str], ...]) -> list[list[str]]:
    """One row per threshold sourcing's decision applied: its amount then, and on the day the
    decision was taken again (`now`: kind, amount, in force from, reference); a moved threshold
    shows two different amounts."""
    today = {kind: (amount, since) for kind, amount, since, _ in now}
    rows = []
    for applied in previous.thresholds:
        current = today.get(applied.kind)
        rows.append([
            THRESHOLD_LABELS.get(applied.kind, applied.kind),
            _threshold_text(applied.amount, applied.effective_from),
            _threshold_text(*current) if current else "—",
            "Oui" if current and current[0] != applied.amount else "Non",
        ])
    return rows


def _thresholds_now(consultation: Consultation, review: ProcedureReview | None) -> tuple:
    """The thresholds of the decision taken again: today's while held, the publication's after."""
    if review is not None:
        return review.thresholds
    if consultation.decision is not None:
        return tuple((row.kind, row.amount, row.effective_from, row.reference) for row in consultation.decision.thresholds)
    return ()


def consultation_context(consultation: Consultation, review: ProcedureReview | None, *, message: str | None = None,
                         selected: str | None = None, error: str | None = None,
                         status_error: str | None = None) -> dict:
    facts = consultation.purchase
    status_label = STATUS_LABELS[consultation.status]
    items = [
        ("Référence", consultation.reference),
        ("Nature", NATURE_LABELS.get(str(facts.nature), str(facts.nature))),
        ("CPV principal", facts.main_cpv),
        ("Valeur estimée (HT)", format_euros(facts.estimated_value)),
        ("Procédure", facts.procedure.value),
        ("Besoin reçu le", paris_day(consultation.received_at)),
        ("Publiée le", paris_day(consultation.published_at) if consultation.published_at else "Pas encore publiée"),
        ("Date limite des offres", deadline_moment(consultation.bid_deadline)),
    ]
    hold = consultation.hold
    lawful = review.lawful if review else ()
    options = [(procedure.value, procedure.value + (" (recommandée)" if review and procedure == review.recommended
                                                   else "")) for procedure in lawful]
    return {
        "title": f"Consultation {consultation.reference}",
        "consultation": consultation,
        "facts": facts,
        "status": str(consultation.status),
        "status_label": status_label,
        "status_kind": STATUS_KINDS[status_label],
        "items": items,
        "hold": hold,
        "previous_band": BAND_LABELS.get(hold.previous.band, hold.previous.band) if hold else None,
        "threshold_columns": ["Seuil", "À la décision initiale", "À la publication", "Modifié"],
        "threshold_rows": threshold_rows(hold.previous, _thresholds_now(consultation, review)) if hold else [],
        "review": review,
        "review_band": (BAND_LABELS.get(review.band, review.band) if review and review.band
                        else BAND_LABELS.get(consultation.decision.band) if consultation.decision else None),
        "options": options,
        "selected": selected,
        "error": error,
        "status_error": status_error,
        "message": message,
        "decision": consultation.decision,
        "decision_band": BAND_LABELS.get(consultation.decision.band) if consultation.decision else None,
        "can_confirm": consultation.status is ConsultationStatus.AWAITING_PROCEDURE,
    }
