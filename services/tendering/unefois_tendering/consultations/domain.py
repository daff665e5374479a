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
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, NamedTuple

import unefois_rules
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from unefois_events.catalogue import (
    ConsultationPublished,
    NeedApproved,
    Organisation,
    ProcedureDecision,
    PurchaseFacts,
)
from unefois_events.values import PriceForm, PriceType, Procedure
from unefois_kernel.clock import PLATFORM_TZ, paris_date
from unefois_kernel.domain_errors import DomainError, InvalidFields
from unefois_rules import choice, deadlines

# When the rules give no minimum for the published procedure (or the need carries no decision):
# the open procedure's 35 days (art. R2161-2 du code de la commande publique), never shorter.
DEFAULT_ANSWER_DAYS = 35
DEFAULT_ANSWER_PERIOD = timedelta(days=DEFAULT_ANSWER_DAYS)
# The name of the consultations' yearly per-tenant sequence (unefois_kernel.sequences).
REFERENCE_SEQUENCE = "consultation"
MAX_LOTS_CRITERIA = 100
# Formal procedures: the supplementary information on the consultation documents is sent at the
# latest six days before the bid deadline (art. R2132-6 du code de la commande publique; four
# days when the bid time limit is reduced for urgency, which the platform does not model: it
# applies six). The platform closes the suppliers' questions no later than that day.
ANSWERS_BEFORE_DEADLINE = timedelta(days=6)
# Art. R2152-7 as amended by décret n° 2022-767 (loi n° 2021-1104 art. 35, art. L2152-7): from
# 21 August 2026 a single criterion may only be the cost, and several criteria include the price
# or the cost and at least one criterion taking the offer's environmental characteristics into account.
ENVIRONMENTAL_CRITERION_FROM = date(2026, 8, 21)


class ConsultationStatus(StrEnum):
    DRAFT = "draft"  # "en préparation": the buyer completes it, not public
    AWAITING_PROCEDURE = "awaiting_procedure"  # "à confirmer": not published, the buyer confirms a procedure
    PUBLISHED = "published"
    CLOSED = "closed"  # the bid deadline passed: no deposit any more, the bids not yet opened
    OPENED = "opened"  # « plis ouverts »: the opening decrypted the bids (opening/)
    ABANDONED = "abandoned"  # « sans suite »
    AWARDED = "awarded"


class ConsultationAction(StrEnum):
    PREPARE = "prepare"
    PUBLISH = "publish"
    CONFIRM_PROCEDURE = "confirm_procedure"
    CLOSE = "close"  # the bid deadline reached (a due transition)
    OPEN_BIDS = "open_bids"  # the opening of the bids, after the deadline


# The state machine: what each status allows. A held consultation is published by the buyer's
# confirmation of a procedure. An award only comes from the opened bids (evaluations/: grid,
# proposal, decision, standstill), which moves an opened consultation to awarded or abandoned.
_ALLOWED: dict[ConsultationStatus, frozenset[ConsultationAction]] = {
    ConsultationStatus.DRAFT: frozenset({ConsultationAction.PREPARE, ConsultationAction.PUBLISH}),
    ConsultationStatus.AWAITING_PROCEDURE: frozenset({ConsultationAction.PREPARE, ConsultationAction.CONFIRM_PROCEDURE}),
    ConsultationStatus.PUBLISHED: frozenset({ConsultationAction.CLOSE}),
    ConsultationStatus.CLOSED: frozenset({ConsultationAction.OPEN_BIDS}),
    ConsultationStatus.OPENED: frozenset(),
    ConsultationStatus.ABANDONED: frozenset(),
    ConsultationStatus.AWARDED: frozenset(),
}
_REFUSALS: dict[tuple[ConsultationStatus, ConsultationAction], str] = {
    (ConsultationStatus.DRAFT, ConsultationAction.CONFIRM_PROCEDURE):
        "cette consultation est en préparation : sa procédure n’attend pas de confirmation",
    (ConsultationStatus.AWAITING_PROCEDURE, ConsultationAction.PUBLISH):
        "cette consultation attend la confirmation de sa procédure : confirmez-la pour la publier",
    (ConsultationStatus.PUBLISHED, ConsultationAction.PREPARE):
        "cette consultation est publiée : sa préparation ne se modifie plus",
    (ConsultationStatus.PUBLISHED, ConsultationAction.PUBLISH): "cette consultation est déjà publiée",
    (ConsultationStatus.AWARDED, ConsultationAction.PREPARE):
        "cette consultation est attribuée : sa préparation ne se modifie plus",
    (ConsultationStatus.AWARDED, ConsultationAction.PUBLISH): "cette consultation est déjà publiée et attribuée",
    (ConsultationStatus.PUBLISHED, ConsultationAction.CONFIRM_PROCEDURE):
        "cette consultation est déjà publiée : sa procédure n’attend plus de confirmation",
    (ConsultationStatus.AWARDED, ConsultationAction.CONFIRM_PROCEDURE):
        "cette consultation est déjà attribuée : sa procédure n’attend plus de confirmation",
    (ConsultationStatus.PUBLISHED, ConsultationAction.OPEN_BIDS):
        "la date limite de remise des offres n’est pas encore passée : les plis restent fermés",
    (ConsultationStatus.OPENED, ConsultationAction.OPEN_BIDS): "les plis de cette consultation sont déjà ouverts",
    (ConsultationStatus.CLOSED, ConsultationAction.CLOSE): "cette consultation est déjà close",
    (ConsultationStatus.OPENED, ConsultationAction.PREPARE):
        "les plis de cette consultation sont ouverts : sa préparation ne se modifie plus",
    (ConsultationStatus.CLOSED, ConsultationAction.PREPARE):
        "la date limite de cette consultation est passée : sa préparation ne se modifie plus",
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

# ---------------------------------------------------------------- what the buyer prepares


class CriterionKind(StrEnum):
    PRICE = "price"  # le prix
    COST = "cost"  # le coût (approche globale, coût du cycle de vie : art. R2152-9)
    ENVIRONMENTAL = "environmental"  # les caractéristiques environnementales de l'offre
    QUALITY = "quality"  # valeur technique, qualité (art. R2152-7 2° a)
    SOCIAL = "social"  # aspects sociaux
    DELIVERY = "delivery"  # délais, conditions de livraison, SAV (art. R2152-7 2° b)
    OTHER = "other"


# The award criterion types of eForms (code list award-criterion-type: price, cost, quality).
EFORMS_CRITERION_TYPE = {CriterionKind.PRICE: "price", CriterionKind.COST: "cost"}


class SubCriterion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=300)
    weight: int = Field(ge=1, le=100, description="points sur 100 (la somme des sous-critères fait le poids du critère)")


class Criterion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: CriterionKind
    name: str = Field(min_length=1, max_length=300)
    weight: int = Field(ge=1, le=100, description="points sur 100")
    sub_criteria: tuple[SubCriterion, ...] = Field(default=(), max_length=20)


class LotCriteria(BaseModel):
    """The award criteria of one lot (lot_number null: the whole, when the purchase is not allotted)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lot_number: int | None = None
    criteria: tuple[Criterion, ...] = Field(min_length=1, max_length=20)


# The candidate documents a buyer may ask for (a checklist; French labels for the pages).
CANDIDATE_DOCUMENTS: dict[str, str] = {
    "dc1": "Lettre de candidature (DC1)",
    "dc2": "Déclaration du candidat (DC2)",
    "dume": "Document unique de marché européen (DUME)",
    "tax_social_certificates": "Attestations de régularité fiscale et sociale",
    "kbis": "Extrait Kbis ou équivalent",
    "insurance": "Attestation d’assurance de responsabilité civile professionnelle",
    "references": "Références de prestations similaires",
    "turnover": "Déclaration du chiffre d’affaires des trois derniers exercices",
    "staff_and_equipment": "Moyens humains et techniques",
    "certificates": "Certificats de qualification professionnelle",
}


class Preparation(BaseModel):
    """What the buyer adds to the need's facts before publishing (each field empty until given)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    publication_date: date | None = Field(default=None, description="date de publication prévue (défaut : aujourd’hui)")
    bid_deadline: datetime | None = None
    questions_deadline: datetime | None = None
    criteria: tuple[LotCriteria, ...] = Field(default=(), max_length=MAX_LOTS_CRITERIA)
    variants_allowed: bool | None = None
    required_documents: tuple[Annotated[str, Field(max_length=40)], ...] = Field(
        default=(), max_length=len(CANDIDATE_DOCUMENTS))
    # The price terms the contract will have (DECP formePrix / typesPrix), stated in the
    # consultation documents: the award event carries them with the winning bid's amount.
    price_form: PriceForm | None = Field(default=None, description="forme du prix : Unitaire, Forfaitaire ou Mixte")
    price_types: tuple[PriceType, ...] = Field(default=(), max_length=len(PriceType),
                                               description="type(s) de prix : ferme, actualisable, révisable, provisoire")



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
    preparation: Preparation = field(default_factory=lambda: Preparation())

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


def earliest_deadline(sent_on: date, days: int) -> datetime:
    """The earliest bid deadline for a notice sent on `sent_on` (Paris): the end of the last day of
    the period, the day of sending not counted, ending on a working day (00:00 the next day)."""
    last_day = _Rules.deadline_day(sent_on, days)
    return datetime.combine(last_day + timedelta(days=1), time(0, 0), tzinfo=PLATFORM_TZ)


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


def _published(consultation: Consultation, decision: ProcedureDecision | None,
               at: datetime) -> tuple[Consultation, list[ConsultationPublished]]:
    """Publish at `at` with the buyer's bid deadline (checked before)."""
    consultation = dataclasses.replace(consultation, status=ConsultationStatus.PUBLISHED, published_at=at,
                                       bid_deadline=consultation.preparation.bid_deadline, decision=decision)
    published = ConsultationPublished(
        consultation_id=consultation.id,
        reference=consultation.reference,
        purchase=consultation.purchase,
        published_at=at,
        bid_deadline=consultation.bid_deadline,
        decision=decision,
    )
    return consultation, [published]


def open_consultation(need: NeedApproved, *, consultation_id: uuid.UUID, reference: str, at: datetime) -> Consultation:
    """An approved need becomes a consultation en préparation (draft): the need's facts unchanged
    and read-only (lots, CPV, procedure, estimates, considerations, clauses, invited suppliers);
    the buyer adds the rest (prepare) and publishes it (publish)."""
    return Consultation(id=consultation_id, tenant=need.tenant, reference=reference,
                        status=ConsultationStatus.DRAFT, purchase=need.purchase, received_at=at,
                        published_at=None, bid_deadline=None, invited=tuple(need.invited_suppliers))


# ---------------------------------------------------------------- the minimum time limit, the checks


class Minimum(NamedTuple):
    """The earliest bid deadline for a notice sent on `sent_on`, and why (French)."""

    sent_on: date
    days: int
    deadline: datetime  # the end of the last day in Paris (00:00 the next day)
    note: str
    suggested: bool = False  # the platform's figure, not a minimum of the code (MAPA: R2143-1, R2151-1)


def _day_decision(consultation: Consultation, day: date):
    """The rules' decision on `day` (None when the need carries none); RulesError when they cannot decide."""
    previous = consultation.purchase.decision
    return None if previous is None else _Rules.decide(consultation.purchase, previous, day)


def minimum_bid_deadline(consultation: Consultation, sent_on: date,
                         procedure: Procedure | None = None) -> Minimum | None:
    """The earliest bid deadline of `procedure` (the purchase's by default) for a notice sent on
    `sent_on`, by the rules' decision of that day; None when the rules cannot decide that day.
    Two-stage procedures (applications, then bids from the invitation): the applications' days
    plus the bids' days, the earliest the invitation can follow the applications' deadline."""
    procedure = procedure or consultation.purchase.procedure
    try:
        now = _day_decision(consultation, sent_on)
    except RulesError:
        return None
    days, note = DEFAULT_ANSWER_DAYS, ("délai de 35 jours de l’appel d’offres ouvert (art. R2161-2 du code de la "
                                       "commande publique), appliqué faute de délai donné par les règles")
    if now is not None:
        try:
            limit = now.time_limit_for(procedure)
        except StopIteration:
            limit = None
        if limit is not None and limit.bids_days is not None:
            days = limit.bids_days + (limit.applications_days or 0)
            note = limit.note
            return Minimum(sent_on, days, earliest_deadline(sent_on, days), note, limit.suggested)
    return Minimum(sent_on, days, earliest_deadline(sent_on, days), note)


def is_formal(consultation: Consultation, day: date) -> bool:
    try:
        now = _day_decision(consultation, day)
    except RulesError:
        now = None
    if now is not None:
        return str(now.band) == "formal"
    previous = consultation.purchase.decision
    if previous is not None:
        return previous.band == "formal"
    return consultation.purchase.procedure not in (Procedure.ADAPTED, Procedure.NO_COMPETITION)


def _paris(moment: datetime) -> datetime:
    """A moment given without a time zone is a Paris time (the buyer's); kept in UTC, as stored."""
    return (moment.replace(tzinfo=PLATFORM_TZ) if moment.tzinfo is None else moment).astimezone(UTC)


def _moment_fr(moment: datetime) -> str:
    local = moment.astimezone(PLATFORM_TZ)
    if (local.hour, local.minute) == (0, 0):
        return f"le {_fr(local.date() - timedelta(days=1))} à 24 h (heure de Paris)"
    return f"le {_fr(local.date())} à {local:%H:%M} (heure de Paris)"


def _lot_key(lot_number: int | None) -> str:
    return f"criteria.{lot_number or 0}"


def _lot_name(lot_number: int | None) -> str:
    return "l’ensemble du marché" if lot_number is None else f"le lot {lot_number}"


def _criteria_errors(consultation: Consultation, criteria: tuple[LotCriteria, ...], *, on: date,
                     complete: bool) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    expected = [lot.number for lot in consultation.purchase.lots] or [None]
    given = [lot.lot_number for lot in criteria]
    for lot_number in given:
        if lot_number not in expected:
            where = "ce marché n’est pas alloti" if expected == [None] else \
                f"ce marché a les lots {', '.join(str(n) for n in expected)}"
            errors.append({"field": "criteria", "reason": f"{_lot_name(lot_number)} n’existe pas : {where}"})
    for lot_number in set(given):
        if given.count(lot_number) > 1:
            errors.append({"field": _lot_key(lot_number), "reason": f"critères donnés deux fois pour {_lot_name(lot_number)}"})
    if complete:
        for lot_number in expected:
            if lot_number not in given:
                errors.append({"field": _lot_key(lot_number),
                               "reason": f"donnez les critères d’attribution pour {_lot_name(lot_number)}"})
    environmental_required = on >= ENVIRONMENTAL_CRITERION_FROM
    for lot in criteria:
        field_, name = _lot_key(lot.lot_number), _lot_name(lot.lot_number)
        total = sum(criterion.weight for criterion in lot.criteria)
        if total != 100:
            errors.append({"field": field_, "reason": f"les poids des critères pour {name} font {total} : ils doivent "
                                                      "faire 100 (pondération, art. R2152-12)"})
        for criterion in lot.criteria:
            if criterion.sub_criteria and sum(sub.weight for sub in criterion.sub_criteria) != criterion.weight:
                errors.append({"field": field_, "reason": f"les sous-critères de « {criterion.name} » ({name}) doivent "
                                                          f"faire ensemble son poids, {criterion.weight}"})
        kinds = {criterion.kind for criterion in lot.criteria}
        if len(lot.criteria) == 1:
            kind = lot.criteria[0].kind
            if kind is CriterionKind.PRICE and environmental_required:
                errors.append({"field": field_, "reason": f"un critère unique ne peut être que le coût ({name}) : depuis "
                               "le 21/08/2026, le prix seul n’est plus permis (art. R2152-7, décret n° 2022-767)"})
            elif kind is CriterionKind.PRICE:
                errors.append({"field": field_, "reason": "le prix seul n’est permis que pour des fournitures ou "
                               "services standardisés (art. R2152-7 1° a) : la plateforme ne décide pas de ce cas ; "
                               "choisissez le coût ou plusieurs critères"})
            elif kind is not CriterionKind.COST:
                errors.append({"field": field_, "reason": f"un critère unique est le coût ou le prix ({name}, art. R2152-7 1°)"})
        else:
            if not kinds & {CriterionKind.PRICE, CriterionKind.COST}:
                errors.append({"field": field_, "reason": f"les critères pour {name} doivent comprendre le prix ou le "
                               "coût (art. R2152-7 2°)"})
            if environmental_required and CriterionKind.ENVIRONMENTAL not in kinds:
                errors.append({"field": field_, "reason": f"les critères pour {name} doivent comprendre un critère "
                               "environnemental (art. L2152-7 et R2152-7, depuis le 21/08/2026)"})
    return errors


def check_preparation(consultation: Consultation, preparation: Preparation, *, now: datetime, complete: bool,
                      publication_day: date | None = None, check_minimum: bool = True) -> list[dict[str, str]]:
    """Every refusal of `preparation`, each naming its field (empty: all right). `complete`: what
    publication needs must all be there. The minimum time limit is computed on the intended
    publication date (`publication_day`, else the preparation's, else today)."""
    errors: list[dict[str, str]] = []
    today = paris_date(now)
    day = publication_day or preparation.publication_date or today
    if preparation.publication_date is not None and publication_day is None and preparation.publication_date < today:
        errors.append({"field": "publication_date", "reason": f"la date de publication prévue est passée (aujourd’hui : {_fr(today)})"})
    bid, questions = preparation.bid_deadline, preparation.questions_deadline
    if bid is None:
        if complete:
            errors.append({"field": "bid_deadline", "reason": "indiquez la date et l’heure limites de réception des offres"})
    elif check_minimum:
        minimum = minimum_bid_deadline(consultation, day)
        if minimum is None and complete:
            errors.append({"field": "bid_deadline", "reason": "les règles de la plateforme ne donnent pas de délai "
                           f"minimal le {_fr(day)} : la plateforme ne décide pas de ce cas"})
        elif minimum is not None and minimum.suggested and bid < earliest_deadline(day, 1):
            # MAPA: no minimum in the code (a reasonable time, R2143-1): only a deadline that leaves
            # no full day after the publication is refused; a shorter time than suggested is warned.
            errors.append({"field": "bid_deadline", "reason": f"pour une publication le {_fr(day)}, la date limite "
                           f"des offres doit laisser au moins un jour entier après la publication : au plus tôt "
                           f"{_moment_fr(earliest_deadline(day, 1))}"})
        elif minimum is not None and not minimum.suggested and bid < minimum.deadline:
            errors.append({"field": "bid_deadline", "reason": f"pour une publication le {_fr(day)}, la date limite "
                           f"des offres est au plus tôt {_moment_fr(minimum.deadline)} ({minimum.days} jours, "
                           "le jour de l’envoi non compté, jusqu’au jour ouvré suivant)"})
    if questions is None:
        if complete:
            errors.append({"field": "questions_deadline", "reason": "indiquez la date et l’heure limites des questions des candidats"})
    else:
        if questions <= now:
            errors.append({"field": "questions_deadline", "reason": "la date limite des questions est passée"})
        elif bid is not None and questions >= bid:
            errors.append({"field": "questions_deadline", "reason": "la date limite des questions doit précéder la date limite des offres"})
        elif bid is not None and questions > bid - ANSWERS_BEFORE_DEADLINE and is_formal(consultation, day):
            errors.append({"field": "questions_deadline", "reason": "en procédure formalisée, les réponses partent au "
                           "plus tard six jours avant la date limite des offres (art. R2132-6) : la date limite des "
                           f"questions est au plus tard {_moment_fr(bid - ANSWERS_BEFORE_DEADLINE)}"})
    if complete and not preparation.criteria:
        errors.append({"field": "criteria", "reason": "indiquez les critères d’attribution et leur pondération"})
    errors += _criteria_errors(consultation, preparation.criteria, on=day, complete=complete)
    if complete and preparation.variants_allowed is None:
        errors.append({"field": "variants_allowed", "reason": "indiquez si les variantes sont autorisées (art. R2151-8)"})
    if complete and preparation.price_form is None:
        errors.append({"field": "price_form", "reason": "indiquez la forme du prix (unitaire, forfaitaire ou mixte)"})
    if complete and not preparation.price_types:
        errors.append({"field": "price_types", "reason": "indiquez le type de prix (ferme, actualisable, révisable ou provisoire)"})
    if len(set(preparation.price_types)) != len(preparation.price_types):
        errors.append({"field": "price_types", "reason": "un type de prix est donné deux fois"})
    unknown = [code for code in preparation.required_documents if code not in CANDIDATE_DOCUMENTS]
    if unknown:
        errors.append({"field": "required_documents", "reason": f"pièces inconnues : {', '.join(unknown)}"})
    elif complete and not preparation.required_documents:
        errors.append({"field": "required_documents", "reason": "cochez au moins une pièce de candidature demandée"})
    return errors


def preparation_warnings(consultation: Consultation, preparation: Preparation, *, now: datetime,
                         publication_day: date | None = None) -> list[dict[str, str]]:
    """What the buyer is told but may keep, each naming its field: in a MAPA, a bid deadline
    shorter than the platform's suggested time (the code asks only for a reasonable time fitting
    the purchase, art. R2143-1 and R2151-1: the buyer judges it, the platform says so)."""
    bid = preparation.bid_deadline
    if bid is None or consultation.published_at is not None:
        return []
    day = publication_day or max(preparation.publication_date or paris_date(now), paris_date(now))
    minimum = minimum_bid_deadline(consultation, day)
    if minimum is None or not minimum.suggested or bid >= minimum.deadline:
        return []
    return [{"field": "bid_deadline", "reason": f"délai plus court que les {minimum.days} jours que la plateforme "
             f"suggère ({_moment_fr(minimum.deadline)} pour une publication le {_fr(day)}) : en procédure adaptée, "
             "le code demande un délai raisonnable, adapté à l’objet et aux pièces à produire (art. R2143-1 et "
             "R2151-1 du code de la commande publique) ; vérifiez que les candidats auront le temps de répondre"}]


def prepare(consultation: Consultation, changes: dict[str, Any], *, now: datetime,
            replace: bool = False) -> Consultation:
    """The buyer's preparation: `changes` over the current one (or over nothing when `replace`),
    each given field checked (422 naming each field); a consultation published cannot change."""
    require(consultation.status, ConsultationAction.PREPARE)
    base = {} if replace else consultation.preparation.model_dump()
    try:
        merged = Preparation.model_validate(base | changes)
    except ValidationError as invalid:
        raise InvalidFields([{"field": ".".join(str(part) for part in error["loc"]) or "preparation",
                              "reason": "valeur refusée"} for error in invalid.errors()]) from None
    merged = merged.model_copy(update={
        name: _paris(getattr(merged, name)) for name in ("bid_deadline", "questions_deadline")
        if getattr(merged, name) is not None})
    errors = check_preparation(consultation, merged, now=now, complete=False)
    if errors:
        raise InvalidFields(errors)
    return dataclasses.replace(consultation, preparation=merged)


class Opening(NamedTuple):
    """What publication makes of a consultation: published with its event, or held (no event)."""

    consultation: Consultation
    events: list[ConsultationPublished]

    @property
    def held(self) -> bool:
        return self.consultation.status is ConsultationStatus.AWAITING_PROCEDURE


def publish(consultation: Consultation, *, at: datetime) -> Opening:
    """The buyer publishes: everything publication needs must be there; the procedure decision
    is taken again on the publication date (`at`, art. R2121-3): published when sourcing's
    decision still holds (or the need carries none), else held « à confirmer » for the buyer;
    the bid deadline is checked again against the minimum on that date."""
    require(consultation.status, ConsultationAction.PUBLISH)
    today = paris_date(at)
    errors = check_preparation(consultation, consultation.preparation, now=at, complete=True,
                               publication_day=today, check_minimum=False)
    if errors:
        raise InvalidFields(errors)
    purchase, previous = consultation.purchase, consultation.purchase.decision
    if previous is not None:
        try:
            now = _Rules.decide(purchase, previous, today)
        except RulesError as error:
            reason = f"Les règles de la plateforme ne permettent pas de reprendre la décision le {_fr(today)} : {error}"
            return Opening(_held(consultation, reason, previous, today), [])
        changed = _Rules.still_holds(previous, now)
        if changed is not None:
            return Opening(_held(consultation, changed, previous, today), [])
        chosen = previous.chosen_procedure
        assessment = _Rules.assess(now, chosen, purchase)
        if not assessment.lawful:  # still_holds says so already; never publish an unlawful choice
            return Opening(_held(consultation, assessment.refusal, previous, today), [])
        decision = _Rules.procedure_decision(now, chosen, assessment)
    else:
        decision = None
    errors = check_preparation(consultation, consultation.preparation, now=at, complete=True, publication_day=today)
    if errors:
        raise InvalidFields(errors)
    return Opening(*_published(consultation, decision, at))


def _held(consultation: Consultation, reason: str | None, previous: ProcedureDecision, today: date) -> Consultation:
    return dataclasses.replace(consultation, status=ConsultationStatus.AWAITING_PROCEDURE,
                               hold=ProcedureHold(reason or "la décision ne tient plus", previous, today))


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
    errors = check_preparation(confirmed, confirmed.preparation, now=at, complete=True, publication_day=paris_date(at))
    if errors:  # e.g. the confirmed procedure's minimum is longer: the buyer moves the deadline first
        raise InvalidFields(errors)
    return _published(confirmed, decision, at)


def _fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")
