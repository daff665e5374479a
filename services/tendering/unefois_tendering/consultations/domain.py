"""Consultation rules (pure): opened from an approved need, its status and what it allows next.

The procedure decision is taken again on the publication date: the value of the need is the one
estimated when the call for competition is sent (art. R2121-3 du code de la commande publique),
so the thresholds in force that day apply, not those of the day sourcing decided (the planned
launch date). When sourcing's decision still holds, the consultation is published at once; when
it does not (a threshold moved, as on 2026-01-01 and 2026-04-01), it waits "à confirmer" until
the buyer confirms a lawful procedure, and is published then.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

import unefois_rules
from unefois_rules import choice, deadlines
from unefois_events.catalogue import (
    ConsultationPublished,
    NeedApproved,
    Organisation,
    ProcedureDecision,
    PurchaseFacts,
)
from unefois_events.values import Procedure
from unefois_kernel.clock import PLATFORM_TZ, paris_date
from unefois_kernel.domain_errors import DomainError

# When the rules give no minimum for the published procedure (or the need carries no decision):
# the open procedure's 35 days (art. R2161-2 du code de la commande publique), never shorter.
DEFAULT_ANSWER_DAYS = 35
DEFAULT_ANSWER_PERIOD = timedelta(days=DEFAULT_ANSWER_DAYS)
# The name of the consultations' yearly per-tenant sequence (unefois_kernel.sequences).
REFERENCE_SEQUENCE = "consultation"


class ConsultationStatus(StrEnum):
    AWAITING_PROCEDURE = "awaiting_procedure"  # "à confirmer": not published, the buyer confirms a procedure
    PUBLISHED = "published"
    AWARDED = "awarded"


class ConsultationAction(StrEnum):
    CONFIRM_PROCEDURE = "confirm_procedure"
    AWARD = "award"


# The state machine: what each status allows. A held consultation is published by the buyer's
# confirmation of a procedure; awarding (a lot or the whole) closes a published one.
_ALLOWED: dict[ConsultationStatus, frozenset[ConsultationAction]] = {
    ConsultationStatus.AWAITING_PROCEDURE: frozenset({ConsultationAction.CONFIRM_PROCEDURE}),
    ConsultationStatus.PUBLISHED: frozenset({ConsultationAction.AWARD}),
    ConsultationStatus.AWARDED: frozenset(),
}
_REFUSALS: dict[tuple[ConsultationStatus, ConsultationAction], str] = {
    (ConsultationStatus.AWAITING_PROCEDURE, ConsultationAction.AWARD):
        "cette consultation n’est pas encore publiée : confirmez d’abord sa procédure",
    (ConsultationStatus.PUBLISHED, ConsultationAction.CONFIRM_PROCEDURE):
        "cette consultation est déjà publiée : sa procédure n’attend plus de confirmation",
    (ConsultationStatus.AWARDED, ConsultationAction.CONFIRM_PROCEDURE):
        "cette consultation est déjà attribuée : sa procédure n’attend plus de confirmation",
    (ConsultationStatus.AWARDED, ConsultationAction.AWARD): "cette consultation est déjà attribuée",
}


def allowed_actions(status: ConsultationStatus | str) -> frozenset[ConsultationAction]:
    """What a consultation in `status` allows: pages and APIs ask here, never re-derive it."""
    return _ALLOWED[ConsultationStatus(status)]


def require(status: ConsultationStatus | str, action: ConsultationAction) -> None:
    """Refuse (409, field `status`) an action the consultation's status does not allow."""
    status = ConsultationStatus(status)
    if action not in allowed_actions(status):
        detail = _REFUSALS.get((status, action), f"une consultation au statut {status} ne le permet pas")
        raise DomainError(detail, field="status", status=409)


@dataclass(frozen=True)
class ProcedureHold:
    """Why a consultation waits for the buyer: the decision sourcing took (`previous`, on the
    planned launch date) no longer holds on `held_on`, the day tendering took it again."""

    reason: str  # French: what changed (still_holds' sentence)
    previous: ProcedureDecision
    held_on: date


@dataclass(frozen=True)
class Consultation:
    id: uuid.UUID
    tenant: str
    reference: str
    status: ConsultationStatus
    purchase: PurchaseFacts
    received_at: datetime  # when the approved need arrived
    published_at: datetime | None  # None while the procedure awaits the buyer
    bid_deadline: datetime | None
    invited: tuple[Organisation, ...] = field(default_factory=tuple)
    decision: ProcedureDecision | None = None  # what it was published under (None: the need carried none)
    hold: ProcedureHold | None = None  # why it waited (kept once published, for the record)

    @property
    def need_id(self) -> uuid.UUID:
        return self.purchase.need_id


def consultation_reference(year: int, sequence: int) -> str:
    return f"{year}-{sequence:04d}"


# ---------------------------------------------------------------- the rules package's calls
# Every call into unefois_rules is here, so that a change of its names costs one line.


class _Rules:
    """The shared rules engine (shared/rules/unefois_rules), as tendering uses it."""

    @staticmethod
    def value_of(facts: PurchaseFacts):
        """The need's estimated value as the rules assess it, as sourcing compared it: the amount
        plus the payments or premiums to candidates (art. R2121-1) and, for works, the supplies the
        buyer provides (art. R2121-5)."""
        return unefois_rules.estimate_value(
            [unefois_rules.LotEstimate(amount=facts.estimated_value, duration_months=facts.duration_months)],
            candidate_payments=facts.candidate_payments, buyer_supplied_value=facts.buyer_supplied_value,
            nature=facts.nature,
        ).value

    @staticmethod
    def decide(facts: PurchaseFacts, previous: ProcedureDecision, day: date):
        """The decision on `day` for the facts of the need, the buyer's regime as sourcing recorded it."""
        return unefois_rules.decide(
            facts.nature, previous.buyer_kind.value, _Rules.value_of(facts), day,
            public_body=previous.public_body, specific_services=facts.specific_services,
        )

    @staticmethod
    def still_holds(previous: ProcedureDecision, now) -> str | None:
        return choice.still_holds(previous, now)

    @staticmethod
    def assess(now, procedure: Procedure, facts: PurchaseFacts):
        return choice.assess_choice(now, procedure, exemption=facts.no_competition_exemption, lots=facts.lots)

    @staticmethod
    def procedure_decision(now, chosen: Procedure, assessment) -> ProcedureDecision:
        return choice.procedure_decision(now, chosen, assessment)

    @staticmethod
    def bids_days(now, procedure: Procedure) -> int | None:
        try:
            return now.time_limit_for(procedure).bids_days
        except StopIteration:  # the decision has no time limit for that procedure
            return None

    @staticmethod
    def deadline_day(sent_on: date, days: int) -> date:
        """The earliest day a period of `days` days from the sending of the notice can end, moved
        to the next working day when it is a Saturday, a Sunday or a public holiday (règlement
        n° 1182/71 art. 3, as unefois_rules.deadlines applies it)."""
        return deadlines.next_working_day(deadlines.minimum_deadline(sent_on, days))


RulesError = unefois_rules.RulesError


# ---------------------------------------------------------------- publication


def bid_deadline(published_at: datetime, days: int | None) -> datetime:
    """The bid deadline of a consultation whose notice is sent at `published_at`: the minimum time
    limit of its procedure (DEFAULT_ANSWER_DAYS when the rules give none), the day of sending not
    counted, ending on a working day; the deadline is the end of that day in Paris (midnight, the
    next day's 00:00), the earliest the period allows."""
    sent_on = paris_date(published_at)
    last_day = _Rules.deadline_day(sent_on, DEFAULT_ANSWER_DAYS if days is None else days)
    end = datetime.combine(last_day + timedelta(days=1), time(0, 0), tzinfo=PLATFORM_TZ)
    return end.astimezone(published_at.tzinfo)


def last_day_of(deadline: datetime) -> date:
    """The (Paris) day a bid deadline closes: the deadline is the end of that day (00:00 the next day)."""
    return paris_date(deadline - timedelta(microseconds=1))


class Opening(NamedTuple):
    """What the approved need becomes: a consultation and its events (none while it is held)."""

    consultation: Consultation
    events: list[ConsultationPublished]

    @property
    def held(self) -> bool:
        return self.consultation.status is ConsultationStatus.AWAITING_PROCEDURE


def _published(consultation: Consultation, decision: ProcedureDecision | None, days: int | None,
               at: datetime) -> tuple[Consultation, list[ConsultationPublished]]:
    consultation = dataclasses.replace(consultation, status=ConsultationStatus.PUBLISHED, published_at=at,
                                       bid_deadline=bid_deadline(at, days), decision=decision)
    published = ConsultationPublished(
        consultation_id=consultation.id,
        reference=consultation.reference,
        purchase=consultation.purchase,
        published_at=at,
        bid_deadline=consultation.bid_deadline,
        decision=decision,
    )
    return consultation, [published]


def open_consultation(need: NeedApproved, *, consultation_id: uuid.UUID, reference: str, at: datetime) -> Opening:
    """An approved need becomes a consultation, its facts unchanged. The decision is taken again
    on the publication date (`at`, art. R2121-3): published at once when sourcing's decision still
    holds (or the need carries none, from an older producer), else held for the buyer."""
    purchase = need.purchase
    draft = Consultation(id=consultation_id, tenant=need.tenant, reference=reference,
                         status=ConsultationStatus.AWAITING_PROCEDURE, purchase=purchase, received_at=at,
                         published_at=None, bid_deadline=None, invited=tuple(need.invited_suppliers))
    previous = purchase.decision
    if previous is None:
        return Opening(*_published(draft, None, None, at))
    today = paris_date(at)
    try:
        now = _Rules.decide(purchase, previous, today)
    except RulesError as error:
        reason = f"Les règles de la plateforme ne permettent pas de reprendre la décision le {_fr(today)} : {error}"
        return Opening(dataclasses.replace(draft, hold=ProcedureHold(reason, previous, today)), [])
    changed = _Rules.still_holds(previous, now)
    if changed is not None:
        return Opening(dataclasses.replace(draft, hold=ProcedureHold(changed, previous, today)), [])
    chosen = previous.chosen_procedure
    assessment = _Rules.assess(now, chosen, purchase)
    if not assessment.lawful:  # still_holds says so already; never publish an unlawful choice
        return Opening(dataclasses.replace(draft, hold=ProcedureHold(assessment.refusal, previous, today)), [])
    decision = _Rules.procedure_decision(now, chosen, assessment)
    return Opening(*_published(draft, decision, _Rules.bids_days(now, chosen), at))


@dataclass(frozen=True)
class ProcedureReview:
    """The decision of `decided_on` for a held consultation, as its page shows it: the lawful
    procedures (the form's choices), the thresholds in force that day; `problem` when the rules
    cannot decide that day."""

    decided_on: date
    band: str | None = None
    lawful: tuple[Procedure, ...] = ()
    recommended: Procedure | None = None
    thresholds: tuple[tuple[str, Decimal, date, str], ...] = ()  # kind, amount, in force from, reference
    explanation: tuple[str, ...] = ()
    problem: str | None = None


def review(consultation: Consultation, today: date) -> ProcedureReview | None:
    """The procedure decision of `today` for a held consultation (None when it is not held)."""
    if consultation.hold is None or consultation.status is not ConsultationStatus.AWAITING_PROCEDURE:
        return None
    try:
        now = _Rules.decide(consultation.purchase, consultation.hold.previous, today)
    except RulesError as error:
        return ProcedureReview(today, problem=str(error))
    lawful = tuple(procedure for procedure in now.allowed_procedures
                   if _Rules.assess(now, procedure, consultation.purchase).lawful)
    return ProcedureReview(
        decided_on=today, band=str(now.band), lawful=lawful,
        recommended=now.recommended_procedure if now.recommended_procedure in lawful else None,
        thresholds=tuple((str(row.kind), row.amount, row.effective_from, row.reference) for row in now.thresholds),
        explanation=tuple(now.explanation),
    )


def confirm_procedure(consultation: Consultation, procedure: Procedure | str, *,
                      at: datetime) -> tuple[Consultation, list[ConsultationPublished]]:
    """The buyer confirms the procedure of a held consultation: checked against the decision of
    the publication day (`at`), then the consultation is published under that procedure (the
    purchase's procedure, what the contract's open data will report, becomes the confirmed one)."""
    require(consultation.status, ConsultationAction.CONFIRM_PROCEDURE)
    try:
        procedure = Procedure(procedure)
    except ValueError:
        raise DomainError("procédure inconnue : choisissez l’une des procédures proposées",
                          field="procedure") from None
    assert consultation.hold is not None, "a held consultation has its hold"
    try:
        now = _Rules.decide(consultation.purchase, consultation.hold.previous, paris_date(at))
    except RulesError as error:
        raise DomainError(f"la plateforme ne peut pas décider de la procédure ce jour : {error}",
                          field="procedure") from None
    assessment = _Rules.assess(now, procedure, consultation.purchase)
    if not assessment.lawful:
        raise DomainError(assessment.refusal or f"la procédure « {procedure.value} » n’est pas permise ce jour",
                          field="procedure")
    decision = _Rules.procedure_decision(now, procedure, assessment)
    confirmed = dataclasses.replace(consultation,
                                    purchase=consultation.purchase.model_copy(update={"procedure": procedure}))
    return _published(confirmed, decision, _Rules.bids_days(now, procedure), at)


def _fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")
