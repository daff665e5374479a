"""Evaluation of one lot (pure): scores per published criterion, weighted ranking, ties, the
abnormally-low flag and its justification, and the award proposal or the unsuccessful lot.

The rules of law come from `unefois_rules.award` (articles cited there); what is decided here is
the platform's own method, documented in French for the pages:

- price: a formula computed from the bid's price only (proportional by default, linear offered);
- other criteria: the buyer's points per sub-criterion (0 to its weight), each with a comment;
- every criterion's points are rounded to the hundredth, half up; the total is the sum of the
  rounded points (so the grid adds up as displayed);
- equal totals are ex aequo; the platform does not break a tie itself (no text sets an order, and
  an order not announced in the consultation documents would not be lawful to apply): the buyer
  chooses among the ex aequo bids with a recorded reason;
- abnormally low: a detection threshold, the « moyenne réduite » method (below), which only
  opens the justification request (L2152-6, R2152-3); rejection follows the state machine;
- the award proposal is the best-ranked eligible bid and its amount is that bid's price: the
  proposal has no amount of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from unefois_events.catalogue import AwardDecidedV2, Holder
from unefois_events.values import (
    AmountSource,
    HolderRole,
    IdentifierType,
    OperatorGrouping,
    Procedure,
)
from unefois_kernel.domain_errors import DomainError, InvalidFields
from unefois_rules import award as rules
from unefois_rules.award import JustificationOutcome, RejectionGround, SansSuiteReason
from unefois_rules.explanation import format_date
from unefois_rules.thresholds import BuyerKind

from unefois_tendering.consultations.domain import CriterionKind, LotCriteria

HUNDREDTH = Decimal("0.01")
MAX_COMMENT = 2000
MAX_REASON = 2000


def round_points(value: Decimal) -> Decimal:
    """Points to the hundredth, half up (« arrondi au centième le plus proche, 0,005 vers le haut »)."""
    return Decimal(value).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- inputs


INADMISSIBLE_GROUNDS = (RejectionGround.IRREGULAR, RejectionGround.UNACCEPTABLE, RejectionGround.INAPPROPRIATE)


@dataclass(frozen=True)
class OpenedBid:
    """A bid as the opening left it: its price (HT) and whether it is admissible."""

    bid_id: uuid.UUID
    bidder_name: str
    bidder_identifier: str  # SIRET, or for a foreign company its VAT number or another DECP identifier
    price: Decimal  # HT, from the decrypted bid: the only source of an award amount
    admissible: bool = True
    inadmissible_ground: RejectionGround | None = None  # irrégulière, inacceptable, inappropriée
    inadmissible_reason: str | None = None  # French, the buyer's words (sent in the rejection letter)

    def __post_init__(self) -> None:
        if not isinstance(self.price, Decimal) or not self.price.is_finite() or self.price <= 0:
            raise DomainError("le prix de l’offre doit être un montant HT strictement positif", field="price")
        if not self.admissible:
            if self.inadmissible_ground not in INADMISSIBLE_GROUNDS:
                raise DomainError("une offre écartée l’est comme irrégulière, inacceptable ou inappropriée",
                                  field="inadmissible_ground")
            if not (self.inadmissible_reason or "").strip():
                raise DomainError("indiquez pourquoi l’offre est écartée", field="inadmissible_reason")


@dataclass(frozen=True)
class Mark:
    """The buyer's points for one bid on one criterion (or one of its sub-criteria), with a comment.
    `criterion` and `sub_criterion` are positions in the lot's published criteria."""

    bid_id: uuid.UUID
    criterion: int
    sub_criterion: int | None
    points: Decimal
    comment: str


class PriceFormula(StrEnum):
    PROPORTIONAL = "proportional"
    LINEAR = "linear"


PRICE_FORMULA_TEXT: dict[PriceFormula, str] = {
    PriceFormula.PROPORTIONAL: (
        "Formule proportionnelle : note prix = poids du critère × prix de l’offre la plus basse ÷ prix de l’offre. "
        "L’offre la moins chère obtient tout le poids, une offre deux fois plus chère la moitié ; la note ne "
        "dépend que des prix HT des offres retenues pour le classement. Arrondi au centième, 0,005 vers le haut."),
    PriceFormula.LINEAR: (
        "Formule linéaire : note prix = poids du critère × (1 − (prix de l’offre − prix le plus bas) ÷ prix le plus "
        "bas), et 0 au-delà. L’offre la moins chère obtient tout le poids ; chaque écart de 1 % au prix le plus bas "
        "retire 1 % du poids ; une offre au double du prix le plus bas, ou plus, obtient 0. Arrondi au centième, "
        "0,005 vers le haut."),
}


def price_points(formula: PriceFormula, weight: int, price: Decimal, lowest: Decimal) -> Decimal:
    """The price criterion's points of a bid (`lowest`: the lowest price among the ranked bids)."""
    if price < lowest:
        raise DomainError("le prix le plus bas ne peut dépasser celui d’une offre", field="price")
    if PriceFormula(formula) is PriceFormula.PROPORTIONAL:
        return round_points(Decimal(weight) * lowest / price)
    share = Decimal(1) - (price - lowest) / lowest
    return round_points(Decimal(weight) * max(share, Decimal(0)))


# ---------------------------------------------------------------- abnormally low (moyenne réduite)

# The « moyenne réduite » detection (the method of the Fédération française du bâtiment, found
# lawful by a cour administrative d'appel as reported by Weka, « Comment détecter les offres de
# prix anormalement basses ? », 21 December 2015): the mean of the prices; the prices more than
# 20 % above it left out; the mean again; a price 10 % or more below that second mean is
# suspected. A threshold may trigger the request for justification, never an automatic exclusion
# (DAJ fiche « L'offre anormalement basse »; L2152-6, R2152-3).
HIGH_EXCLUSION_SHARE = Decimal("0.20")
LOW_SHARE = Decimal("0.10")

DETECTION_TEXT = (
    "Détection des offres anormalement basses par la « moyenne réduite » : moyenne des prix des offres admises, "
    "puis nouvelle moyenne sans les prix supérieurs de plus de {high} % à la première ; une offre dont le prix est "
    "inférieur d’au moins {low} % à cette nouvelle moyenne est signalée : demande de justification requise "
    "(art. L2152-6 et R2152-3). Le signalement n’écarte jamais l’offre à lui seul.")


def detection_text(high: Decimal = HIGH_EXCLUSION_SHARE, low: Decimal = LOW_SHARE) -> str:
    return DETECTION_TEXT.format(high=_percent(high), low=_percent(low))


def _euros_text(amount: Decimal) -> str:
    """« 87 500,00 € » (narrow no-break space between thousands)."""
    whole, _, cents = f"{amount:.2f}".partition(".")
    return f"{int(whole):,}".replace(",", "\u202f") + f",{cents} €"


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}".replace(".", ",")


def detect_abnormally_low(bids: Iterable[OpenedBid], *, high_exclusion: Decimal = HIGH_EXCLUSION_SHARE,
                          low_share: Decimal = LOW_SHARE) -> dict[uuid.UUID, str]:
    """The admissible bids the « moyenne réduite » flags, each with its French reason."""
    if not (Decimal(0) <= high_exclusion and Decimal(0) < low_share < Decimal(1)):
        raise DomainError("paramètres de détection hors bornes", field="low_share")
    admissible = [bid for bid in bids if bid.admissible]
    if not admissible:
        return {}
    first = sum((bid.price for bid in admissible), Decimal(0)) / len(admissible)
    kept = [bid.price for bid in admissible if bid.price <= first * (1 + high_exclusion)]
    second = sum(kept, Decimal(0)) / len(kept)
    limit = second * (1 - low_share)
    return {bid.bid_id: (f"Prix inférieur d’au moins {_percent(low_share)} % à la moyenne réduite des offres "
                         f"({_euros_text(round_points(second))} HT) : demande de justification requise (art. R2152-3).")
            for bid in admissible if bid.price <= limit}


class AbnormalStatus(StrEnum):
    FLAGGED = "flagged"  # signalée : demande de justification requise
    REQUESTED = "requested"  # justification demandée, délai courant
    JUSTIFIED = "justified"  # justifications suffisantes : offre maintenue
    DEADLINE_PASSED = "deadline_passed"  # délai expiré sans réponse : à rejeter
    REJECTED = "rejected"  # rejetée comme anormalement basse


UNRESOLVED = frozenset({AbnormalStatus.FLAGGED, AbnormalStatus.REQUESTED, AbnormalStatus.DEADLINE_PASSED})


@dataclass(frozen=True)
class AbnormallyLowCase:
    """The justification of one flagged bid, as a state machine:
    flagged -> requested (deadline) -> justified (kept) | rejected (reason) | deadline passed -> rejected.
    No transition leads from flagged to rejected: the request comes first (R2152-3)."""

    bid_id: uuid.UUID
    flag_reason: str
    status: AbnormalStatus = AbnormalStatus.FLAGGED
    requested_at: datetime | None = None
    deadline: datetime | None = None
    answered_at: datetime | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None
    history: tuple[tuple[AbnormalStatus, datetime], ...] = field(default=())

    def _to(self, status: AbnormalStatus, at: datetime, **changes) -> AbnormallyLowCase:
        return replace(self, status=status, history=(*self.history, (status, at)), **changes)

    def _require(self, *allowed: AbnormalStatus) -> None:
        if self.status not in allowed:
            raise DomainError(f"la justification de cette offre est au statut « {STATUS_LABELS[self.status]} » : "
                              "cette action n’est pas possible", field="status", status=409)

    def request(self, *, at: datetime, deadline: datetime) -> AbnormallyLowCase:
        self._require(AbnormalStatus.FLAGGED)
        _aware(at, "at")
        _aware(deadline, "deadline")
        if deadline <= at:
            raise DomainError("le délai de réponse doit être postérieur à la demande", field="deadline")
        return self._to(AbnormalStatus.REQUESTED, at, requested_at=at, deadline=deadline)

    def answer(self, *, at: datetime) -> AbnormallyLowCase:
        """The bidder's justification arrived (its content is kept with the bid, not here)."""
        self._require(AbnormalStatus.REQUESTED)
        if self.answered_at is not None:
            raise DomainError("la réponse du soumissionnaire est déjà enregistrée", field="status", status=409)
        _aware(at, "at")
        if at < self.requested_at:
            raise DomainError("la réponse ne peut précéder la demande", field="at")
        if at >= self.deadline:
            raise DomainError("le délai de réponse est expiré", field="deadline", status=409)
        return replace(self, answered_at=at)

    def deadline_passed(self, *, at: datetime) -> AbnormallyLowCase:
        """The due transition at the deadline: without an answer, the bid is to be rejected."""
        self._require(AbnormalStatus.REQUESTED)
        if at < self.deadline:
            raise DomainError("le délai de réponse n’est pas expiré", field="deadline", status=409)
        if self.answered_at is not None:
            return self  # answered in time: the buyer decides (idempotent for the timer)
        return self._to(AbnormalStatus.DEADLINE_PASSED, at)

    def keep(self, *, at: datetime, reason: str) -> AbnormallyLowCase:
        self._require(AbnormalStatus.REQUESTED)
        if self.answered_at is None:
            raise DomainError("aucune justification reçue : l’offre ne peut être maintenue sur ce fondement",
                              field="status", status=409)
        self._assess(at, satisfactory=True)
        return self._to(AbnormalStatus.JUSTIFIED, at, decided_at=at, decision_reason=_reason(reason))

    def reject(self, *, at: datetime, reason: str, breaches_law: bool = False) -> AbnormallyLowCase:
        """Reject after the justification step; `breaches_law`: the answer shows the bid breaches
        environmental, social or labour law obligations (R2152-4)."""
        self._require(AbnormalStatus.REQUESTED, AbnormalStatus.DEADLINE_PASSED, AbnormalStatus.FLAGGED)
        assessment = self._assess(at, satisfactory=False, breaches_law=breaches_law)
        if not assessment.may_reject:
            raise DomainError(assessment.reason, field="status", status=409)
        return self._to(AbnormalStatus.REJECTED, at, decided_at=at, decision_reason=_reason(reason))

    def _assess(self, at: datetime, *, satisfactory: bool, breaches_law: bool = False) -> rules.RejectionAssessment:
        if self.status is AbnormalStatus.FLAGGED:
            outcome = JustificationOutcome.PENDING
        elif self.answered_at is not None:
            outcome = JustificationOutcome.ANSWERED
        elif self.status is AbnormalStatus.DEADLINE_PASSED or at >= self.deadline:
            outcome = JustificationOutcome.NO_ANSWER
        else:
            outcome = JustificationOutcome.PENDING
        return rules.assess_abnormally_low_rejection(
            requested=self.status is not AbnormalStatus.FLAGGED, outcome=outcome,
            justification_satisfactory=satisfactory if outcome is JustificationOutcome.ANSWERED else None,
            breaches_social_or_environmental_law=breaches_law)


STATUS_LABELS: dict[AbnormalStatus, str] = {
    AbnormalStatus.FLAGGED: "demande de justification requise",
    AbnormalStatus.REQUESTED: "justification demandée",
    AbnormalStatus.JUSTIFIED: "justifiée, offre maintenue",
    AbnormalStatus.DEADLINE_PASSED: "délai expiré sans réponse",
    AbnormalStatus.REJECTED: "rejetée comme anormalement basse",
}


def flag(bid_id: uuid.UUID, reason: str) -> AbnormallyLowCase:
    """A flagged bid (by the detection, or by the buyer who finds the price suspicious)."""
    return AbnormallyLowCase(bid_id=bid_id, flag_reason=_reason(reason))


def _reason(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError("indiquez le motif", field="reason")
    if len(text) > MAX_REASON:
        raise DomainError(f"motif trop long (au plus {MAX_REASON} caractères)", field="reason")
    return text


def _aware(instant: datetime, name: str) -> None:
    if not isinstance(instant, datetime) or instant.tzinfo is None:
        raise DomainError("date et heure avec fuseau horaire attendues", field=name)


# ---------------------------------------------------------------- scores and ranking


@dataclass(frozen=True)
class SubScore:
    name: str
    weight: int
    points: Decimal | None  # None: not yet marked
    comment: str | None


@dataclass(frozen=True)
class CriterionScore:
    index: int
    name: str
    kind: CriterionKind
    weight: int
    points: Decimal  # rounded; the missing marks count 0 until entered
    subs: tuple[SubScore, ...]
    computed: bool  # True: the price formula; False: the buyer's marks


@dataclass(frozen=True)
class BidScore:
    bid: OpenedBid
    criteria: tuple[CriterionScore, ...]
    total: Decimal
    rank: int  # 1 = best; equal totals share a rank (1, 1, 3)
    ex_aequo: bool


@dataclass(frozen=True)
class Evaluation:
    """The evaluation grid of one lot. `ranking` holds the eligible bids (admissible and not
    rejected as abnormally low), best first; `excluded` the others with their reason."""

    lot_number: int | None
    formula: PriceFormula
    ranking: tuple[BidScore, ...]
    excluded: tuple[tuple[OpenedBid, str], ...]
    missing: tuple[str, ...]  # French: the marks still to enter
    cases: Mapping[uuid.UUID, AbnormallyLowCase]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def ties(self) -> tuple[tuple[uuid.UUID, ...], ...]:
        """Groups of bids with the same total (two or more), best group first."""
        groups: dict[Decimal, list[uuid.UUID]] = {}
        for score in self.ranking:
            groups.setdefault(score.total, []).append(score.bid.bid_id)
        return tuple(tuple(ids) for ids in groups.values() if len(ids) > 1)

    @property
    def unresolved(self) -> tuple[AbnormallyLowCase, ...]:
        eligible = {score.bid.bid_id for score in self.ranking}
        return tuple(case for bid_id, case in sorted(self.cases.items(), key=lambda item: str(item[0]))
                     if bid_id in eligible and case.status in UNRESOLVED)

    def score_of(self, bid_id: uuid.UUID) -> BidScore:
        for score in self.ranking:
            if score.bid.bid_id == bid_id:
                return score
        raise DomainError("cette offre n’est pas classée", field="bid_id", status=409)


def evaluate(lot_criteria: LotCriteria, bids: Sequence[OpenedBid], marks: Iterable[Mark], *,
             formula: PriceFormula = PriceFormula.PROPORTIONAL,
             cases: Mapping[uuid.UUID, AbnormallyLowCase] | None = None) -> Evaluation:
    """Score and rank the bids of one lot by its published criteria."""
    formula = PriceFormula(formula)
    cases = dict(cases or {})
    ids = [bid.bid_id for bid in bids]
    if len(set(ids)) != len(ids):
        raise DomainError("une même offre figure deux fois", field="bids")
    unknown_cases = set(cases) - set(ids)
    if unknown_cases:
        raise DomainError("un signalement vise une offre inconnue du lot", field="cases")
    excluded: list[tuple[OpenedBid, str]] = []
    eligible: list[OpenedBid] = []
    for bid in bids:
        case = cases.get(bid.bid_id)
        if not bid.admissible:
            excluded.append((bid, (f"{rules.REJECTION_GROUND_LABELS[bid.inadmissible_ground]} : "
                                  f"{bid.inadmissible_reason.strip()}")))
        elif case is not None and case.status is AbnormalStatus.REJECTED:
            excluded.append((bid, f"offre anormalement basse : {case.decision_reason}"))
        else:
            eligible.append(bid)
    entered = _check_marks(lot_criteria, eligible, list(marks), {bid.bid_id for bid in bids})
    lowest = min((bid.price for bid in eligible), default=None)
    scored: list[tuple[OpenedBid, tuple[CriterionScore, ...], Decimal]] = []
    missing: list[str] = []
    for bid in eligible:
        criteria_scores = []
        for index, criterion in enumerate(lot_criteria.criteria):
            if criterion.kind is CriterionKind.PRICE:
                points = price_points(formula, criterion.weight, bid.price, lowest)
                criteria_scores.append(CriterionScore(index, criterion.name, criterion.kind, criterion.weight, points,
                                                      (), True))
                continue
            parts = ([(sub_index, sub.name, sub.weight) for sub_index, sub in enumerate(criterion.sub_criteria)]
                     or [(None, criterion.name, criterion.weight)])
            subs = []
            for sub_index, name, weight in parts:
                mark = entered.get((bid.bid_id, index, sub_index))
                if mark is None:
                    missing.append(f"{bid.bidder_name} : {name}")
                subs.append(SubScore(name, weight, None if mark is None else mark.points,
                                     None if mark is None else mark.comment))
            points = round_points(sum((sub.points or Decimal(0) for sub in subs), Decimal(0)))
            criteria_scores.append(CriterionScore(index, criterion.name, criterion.kind, criterion.weight, points,
                                                  tuple(subs), False))
        total = sum((score.points for score in criteria_scores), Decimal(0))
        scored.append((bid, tuple(criteria_scores), total))
    ranking = _rank(scored)
    return Evaluation(lot_criteria.lot_number, formula, ranking, tuple(excluded), tuple(missing), cases)


def _rank(scored: list[tuple[OpenedBid, tuple[CriterionScore, ...], Decimal]]) -> tuple[BidScore, ...]:
    # Best total first; inside a tie a stable display order (name, then id) that does not depend on
    # the order the bids came in. The display order decides nothing: ex aequo bids share a rank.
    ordered = sorted(scored, key=lambda item: (-item[2], item[0].bidder_name.casefold(), str(item[0].bid_id)))
    counts: dict[Decimal, int] = {}
    for _, _, total in ordered:
        counts[total] = counts.get(total, 0) + 1
    ranking, rank_of = [], {}
    for position, (bid, criteria, total) in enumerate(ordered, start=1):
        rank_of.setdefault(total, position)
        ranking.append(BidScore(bid, criteria, total, rank_of[total], counts[total] > 1))
    return tuple(ranking)


def _check_marks(lot_criteria: LotCriteria, eligible: list[OpenedBid], marks: list[Mark],
                 known: set[uuid.UUID]) -> dict[tuple[uuid.UUID, int, int | None], Mark]:
    errors: list[dict[str, str]] = []
    entered: dict[tuple[uuid.UUID, int, int | None], Mark] = {}
    eligible_ids = {bid.bid_id for bid in eligible}
    for position, mark in enumerate(marks):
        where = f"marks.{position}"
        if mark.bid_id not in known:
            errors.append({"field": f"{where}.bid_id", "reason": "offre inconnue du lot"})
            continue
        if not 0 <= mark.criterion < len(lot_criteria.criteria):
            errors.append({"field": f"{where}.criterion", "reason": "critère inconnu"})
            continue
        criterion = lot_criteria.criteria[mark.criterion]
        if criterion.kind is CriterionKind.PRICE:
            errors.append({"field": f"{where}.criterion",
                           "reason": "le critère prix est calculé par la formule, il ne se note pas"})
            continue
        if criterion.sub_criteria:
            if mark.sub_criterion is None or not 0 <= mark.sub_criterion < len(criterion.sub_criteria):
                errors.append({"field": f"{where}.sub_criterion", "reason": "sous-critère inconnu"})
                continue
            weight = criterion.sub_criteria[mark.sub_criterion].weight
        else:
            if mark.sub_criterion is not None:
                errors.append({"field": f"{where}.sub_criterion", "reason": "ce critère n’a pas de sous-critère"})
                continue
            weight = criterion.weight
        points = mark.points
        if not isinstance(points, Decimal) or not points.is_finite() or not Decimal(0) <= points <= weight:
            errors.append({"field": f"{where}.points", "reason": f"note entre 0 et {weight} attendue"})
            continue
        if points != round_points(points):
            errors.append({"field": f"{where}.points", "reason": "note au centième au plus"})
            continue
        comment = (mark.comment or "").strip()
        if not comment:
            errors.append({"field": f"{where}.comment", "reason": "commentaire obligatoire pour chaque note"})
            continue
        if len(comment) > MAX_COMMENT:
            errors.append({"field": f"{where}.comment", "reason": f"au plus {MAX_COMMENT} caractères"})
            continue
        key = (mark.bid_id, mark.criterion, mark.sub_criterion)
        if key in entered:
            errors.append({"field": f"{where}", "reason": "cette note est déjà saisie"})
            continue
        if mark.bid_id in eligible_ids:
            entered[key] = replace(mark, comment=comment)
    if errors:
        raise InvalidFields(errors)
    return entered


# ---------------------------------------------------------------- award proposal, unsuccessful lot, sans suite


TIE_BREAK_TEXT = (
    "Offres ex aequo : la plateforme ne départage pas elle-même (aucun texte ne fixe d’ordre, et un ordre non annoncé "
    "dans les documents de la consultation ne peut être appliqué). L’acheteur choisit parmi les offres ex aequo et "
    "motive son choix ; le motif est enregistré.")


@dataclass(frozen=True)
class AwardProposal:
    """The proposed award of a lot: the best-ranked eligible bid of a complete evaluation. It has
    no amount of its own: `amount` is the bid's price, so no other amount can be proposed."""

    evaluation: Evaluation
    bid_id: uuid.UUID
    tie_break_reason: str | None = None

    def __post_init__(self) -> None:
        evaluation = self.evaluation
        if not evaluation.complete:
            raise DomainError("l’évaluation est incomplète : " + " ; ".join(evaluation.missing[:5]),
                              field="marks", status=409)
        if evaluation.unresolved:
            names = ", ".join(evaluation.score_of(case.bid_id).bid.bidder_name for case in evaluation.unresolved)
            raise DomainError(f"offre(s) signalée(s) anormalement basse(s) en attente de décision : {names}",
                              field="abnormally_low", status=409)
        if not evaluation.ranking:
            raise DomainError("aucune offre classée : le lot est infructueux", field="bid_id", status=409)
        best = evaluation.ranking[0]
        first_group = [score.bid.bid_id for score in evaluation.ranking if score.total == best.total]
        if self.bid_id not in first_group:
            raise DomainError("seule l’offre la mieux classée peut être proposée", field="bid_id", status=409)
        if len(first_group) > 1:
            if not (self.tie_break_reason or "").strip():
                raise DomainError("offres ex aequo : motivez le choix de l’offre proposée", field="tie_break_reason")
            object.__setattr__(self, "tie_break_reason", _reason(self.tie_break_reason))
        elif self.tie_break_reason is not None:
            raise DomainError("aucune égalité à départager", field="tie_break_reason")

    @property
    def score(self) -> BidScore:
        return self.evaluation.score_of(self.bid_id)

    @property
    def bid(self) -> OpenedBid:
        return self.score.bid

    @property
    def amount(self) -> Decimal:
        return self.bid.price

    @property
    def offers_received(self) -> int:
        return len(self.evaluation.ranking) + len(self.evaluation.excluded)


def propose(evaluation: Evaluation, *, tie_break: tuple[uuid.UUID, str] | None = None) -> AwardProposal:
    """The award proposal: the best-ranked bid, or among ex aequo ones the buyer's choice with its reason."""
    if tie_break is not None:
        return AwardProposal(evaluation, tie_break[0], tie_break[1])
    best = evaluation.ranking[0].bid.bid_id if evaluation.ranking else uuid.UUID(int=0)
    return AwardProposal(evaluation, best)


@dataclass(frozen=True)
class UnsuccessfulLot:
    lot_number: int | None
    explanation: tuple[str, ...]  # French, with the articles (R2185-1, R2185-2, R2122-2)
    direct_award_possible: bool


def lot_outcome(evaluation: Evaluation, *, procedure: Procedure, buyer_kind: BuyerKind, below_formal_threshold: bool,
                tie_break: tuple[uuid.UUID, str] | None = None) -> AwardProposal | UnsuccessfulLot:
    """The lot's outcome: a proposal when a bid is ranked, else unsuccessful (infructueux)."""
    if evaluation.ranking:
        return propose(evaluation, tie_break=tie_break)
    grounds = [bid.inadmissible_ground for bid, _ in evaluation.excluded]
    inappropriate = sum(1 for ground in grounds if ground is RejectionGround.INAPPROPRIATE)
    # A bid rejected as abnormally low is counted with the irregular and unacceptable ones: R2122-2
    # opens the direct award only after no bid or inappropriate bids.
    outcome = rules.unsuccessful_lot(bids=len(grounds), irregular_or_unacceptable=len(grounds) - inappropriate,
                                     inappropriate=inappropriate, procedure=procedure, buyer_kind=buyer_kind,
                                     below_formal_threshold=below_formal_threshold)
    return UnsuccessfulLot(evaluation.lot_number, outcome.explanation, outcome.direct_award_possible)


@dataclass(frozen=True)
class SansSuite:
    """The whole consultation declared sans suite (R2185-1), its reasons told to the participants (R2185-2)."""

    reason: SansSuiteReason
    detail: str
    explanation: str
    decided_at: datetime


def declare_sans_suite(reason: SansSuiteReason | str, detail: str, *, at: datetime) -> SansSuite:
    _aware(at, "at")
    reason = SansSuiteReason(reason)
    detail = _reason(detail)
    return SansSuite(reason, detail, rules.sans_suite_explanation(reason, detail), at)


# ---------------------------------------------------------------- rejection letters


@dataclass(frozen=True)
class LetterDraft:
    """The letter to one bidder not retained: what the law requires (`content`, from the rules
    package) and the text of each item (`filled`, keyed as `content`'s items), checked complete."""

    bid: OpenedBid
    ground: RejectionGround
    content: rules.RejectionLetterContent
    filled: Mapping[str, str]


def _points(value: Decimal) -> str:
    return f"{value:f}".replace(".", ",")


def _scores_line(score: BidScore) -> str:
    parts = [f"{criterion.name} {_points(criterion.points)}/{criterion.weight}" for criterion in score.criteria]
    return f"{_points(score.total)}/100 ({', '.join(parts)})"


def rejection_letters(proposal: AwardProposal, *, procedure: Procedure, buyer_kind: BuyerKind,
                      standstill: rules.Standstill) -> tuple[LetterDraft, ...]:
    """One letter per bid of the lot other than the proposed one, with what R2181-2 / R2181-3 ask
    for (the platform also writes the items a MAPA letter owes only on request, and the scores)."""
    evaluation, winner = proposal.evaluation, proposal.score
    signature = (f"Le marché peut être signé à compter du {_paris_text(standstill.ends_at)}. {standstill.reason}"
                 if standstill.ends_at is not None else standstill.reason)
    common = {
        rules.WINNER_NAME: winner.bid.bidder_name,
        rules.WINNER_REASONS: (f"Offre classée première au regard des critères publiés, avec {_scores_line(winner)}"
                               + (f" ; départage des ex aequo : {proposal.tie_break_reason}"
                                  if proposal.tie_break_reason else "") + "."),
        rules.SIGNATURE_FROM: signature,
        rules.WINNER_ADVANTAGES: f"Notes de l’offre retenue : {_scores_line(winner)}.",
    }
    ranked = len(evaluation.ranking)
    drafts: list[LetterDraft] = []
    for score in evaluation.ranking:
        if score.bid.bid_id == proposal.bid_id:
            continue
        reasons = (f"Votre offre est classée {score.rank}{'re' if score.rank == 1 else 'e'} sur {ranked} avec "
                   f"{_scores_line(score)} ; l’offre retenue obtient {_points(winner.total)}/100.")
        drafts.append(_draft(score.bid, RejectionGround.NOT_BEST, reasons, common, procedure, buyer_kind))
    for bid, reason in evaluation.excluded:
        ground = bid.inadmissible_ground or RejectionGround.ABNORMALLY_LOW
        drafts.append(_draft(bid, ground, f"Votre offre est écartée : {reason}.", common, procedure, buyer_kind))
    return tuple(drafts)


def _draft(bid: OpenedBid, ground: RejectionGround, reasons: str, common: Mapping[str, str], procedure: Procedure,
           buyer_kind: BuyerKind) -> LetterDraft:
    content = rules.rejection_letter_content(procedure, buyer_kind, ground)
    filled = {rules.REASONS: reasons, rules.CHOICE: f"Votre offre n’est pas retenue. {reasons}", **common}
    wanted = {item.key for item in (*content.required, *content.on_request)}
    filled = {key: value for key, value in filled.items() if key in wanted}
    if missing := content.missing(filled):
        raise DomainError("lettre incomplète : " + ", ".join(item.label for item in missing), field="letters")
    return LetterDraft(bid, ground, content, filled)


def _paris_text(instant: datetime) -> str:
    return format_date(instant.astimezone(rules.PARIS).date())


# ---------------------------------------------------------------- the lot's life after the grid (round 2)
# The platform's lot record (lot_evaluations), the procedure facts the rules need, the holders of
# the award event taken from the opened bid's BidForm, and the event itself.


NO_LOT_KEY = 0  # a consultation without lots has one lot, stored under key 0


def lot_key(lot_number: int | None) -> int:
    return NO_LOT_KEY if lot_number is None else int(lot_number)


def lot_number_of(key: int) -> int | None:
    return None if key == NO_LOT_KEY else key


class LotStatus(StrEnum):
    EVALUATING = "evaluating"  # grille en cours
    PROPOSED = "proposed"  # proposition d'attribution, à décider par le valideur
    DECIDED = "decided"  # attribution décidée, lettres envoyées (délai de suspension éventuel)
    UNSUCCESSFUL = "unsuccessful"  # infructueux
    ABANDONED = "abandoned"  # consultation déclarée sans suite


LOT_STATUS_LABELS: dict[LotStatus, str] = {
    LotStatus.EVALUATING: "évaluation en cours",
    LotStatus.PROPOSED: "attribution proposée, en attente de décision",
    LotStatus.DECIDED: "attribution décidée",
    LotStatus.UNSUCCESSFUL: "déclaré infructueux",
    LotStatus.ABANDONED: "consultation sans suite",
}


@dataclass(frozen=True)
class LotRecord:
    """One lot's evaluation and award, as stored."""

    tenant: str
    consultation_id: uuid.UUID
    lot_key: int
    formula: PriceFormula = PriceFormula.PROPORTIONAL
    status: LotStatus = LotStatus.EVALUATING
    proposal_bid_id: uuid.UUID | None = None
    tie_break_reason: str | None = None
    proposed_at: datetime | None = None
    proposed_by: str | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    award_id: uuid.UUID | None = None
    letters_sent_at: datetime | None = None
    standstill_ends_at: datetime | None = None
    standstill_reason: str | None = None
    event_emitted_at: datetime | None = None
    outcome_explanation: tuple[str, ...] = ()
    updated_at: datetime | None = None

    @property
    def lot_number(self) -> int | None:
        return lot_number_of(self.lot_key)

    @property
    def closed(self) -> bool:
        return self.status in (LotStatus.DECIDED, LotStatus.UNSUCCESSFUL, LotStatus.ABANDONED)

    def require_open(self) -> None:
        if self.status is not LotStatus.EVALUATING:
            raise DomainError(f"ce lot est au statut « {LOT_STATUS_LABELS[self.status]} » : l’évaluation ne se "
                              "modifie plus", field="status", status=409)


@dataclass(frozen=True)
class ProcedureFacts:
    """What the rules need of the consultation: the procedure it was published under, the buyer's
    regime and whether the purchase is below the formal thresholds."""

    procedure: Procedure
    buyer_kind: BuyerKind
    below_formal_threshold: bool

    @property
    def formal(self) -> bool:
        return self.procedure in rules.FORMAL_PROCEDURES


def procedure_facts(consultation) -> ProcedureFacts:
    decision = consultation.decision
    procedure = decision.chosen_procedure if decision else consultation.purchase.procedure
    # Without a recorded decision the buyer's regime is unknown: the common one (local), as awards/domain.
    buyer_kind = BuyerKind(decision.buyer_kind.value) if decision else BuyerKind.LOCAL
    below = (decision.band != "formal") if decision else procedure in (Procedure.ADAPTED, Procedure.NO_COMPETITION)
    return ProcedureFacts(Procedure(procedure), buyer_kind, below)


def lot_title(consultation, lot_number: int | None) -> str:
    titles = {lot.number: lot.title for lot in consultation.purchase.lots}
    return titles.get(lot_number, consultation.purchase.object)


def lot_label(consultation, lot_number: int | None) -> str:
    if lot_number is None:
        return consultation.purchase.object
    return f"Lot {lot_number} — {lot_title(consultation, lot_number)}"


def criteria_of(consultation, lot_number: int | None) -> LotCriteria:
    """The lot's published criteria (consultation.preparation.criteria)."""
    for lot in consultation.preparation.criteria:
        if lot.lot_number == lot_number:
            return lot
    raise DomainError("aucun critère publié pour ce lot", field="lot_number", status=404)


def require_lots(consultation, lot_number: int | None) -> None:
    numbers = {lot.number for lot in consultation.purchase.lots}
    if numbers and lot_number not in numbers:
        raise DomainError("ce lot n’existe pas dans cette consultation", field="lot_number", status=404)
    if not numbers and lot_number is not None:
        raise DomainError("cette consultation n’est pas allotie : son lot unique est le lot 0", field="lot_number",
                          status=404)


def standstill_of(facts: ProcedureFacts, letters_sent_at: datetime, *, operators: int) -> rules.Standstill:
    """R2182-1 (formal procedures: 11 days from the electronic sending, date to date), R2182-2 (none
    for the only operator who took part): the rules engine's `standstill_end`; the letters are always
    sent electronically here (notify(): e-mail and in-app message)."""
    return rules.standstill_end(rules.AwardFacts(procedure=facts.procedure, buyer_kind=facts.buyer_kind,
                                                 operators_participated=operators),
                                letters_sent_at, electronic=True)


# ---------------------------------------------------------------- the award event from the opened bid


_GROUPING = {"none": "Pas de groupement", "conjoint": "Conjoint", "solidaire": "Solidaire"}


def holders_of_form(form) -> tuple[list, str]:
    """The holders of the award as the bid's BidForm names them (DECP identifier types, the
    grouping's mandataire), and the DECP grouping: nothing typed by the buyer."""
    grouping = OperatorGrouping(_GROUPING[str(getattr(form.grouping, "value", form.grouping))])
    holders = []
    for member in form.members:
        if grouping is OperatorGrouping.NONE:
            role = HolderRole.SOLE
        else:
            role = HolderRole.MANDATAIRE if member.mandataire else HolderRole.COTRAITANT
        holders.append(Holder(identifier_type=IdentifierType(str(getattr(member.identifier_type, "value",
                                                                         member.identifier_type))),
                              identifier=member.identifier, name=member.name, role=role))
    # The mandataire first (the holder the buyer deals with), the others in the bid's order.
    holders.sort(key=lambda holder: holder.role is not HolderRole.MANDATAIRE)
    return holders, grouping


def award_events(consultation, *, lot_number: int | None, bid_id: uuid.UUID, form, award_id: uuid.UUID,
                 offers_received: int, awarded_at: datetime, letters_sent_at: datetime | None,
                 standstill: rules.Standstill | None) -> list:
    """AwardDecided.v2 of one lot built only from the opened bid (holders, grouping, amount = its
    price with amount_source « offre », subcontracting declared) and the consultation (price form
    and types of its preparation, lot title); v1 beside it when every holder has a SIRET."""
    preparation = consultation.preparation
    if preparation.price_form is None or not preparation.price_types:
        raise DomainError("la forme et le type de prix de la consultation ne sont pas renseignés",
                          field="price_form", status=409)
    holders, grouping = holders_of_form(form)
    subcontracted = getattr(form, "subcontracted_amount", None)
    event = AwardDecidedV2(
        award_id=award_id, consultation_id=consultation.id, consultation_reference=consultation.reference,
        purchase=consultation.purchase, lot_number=lot_number, lot_title=lot_title(consultation, lot_number),
        holders=holders, grouping=grouping, winning_bid_id=bid_id, amount=form.price(),
        amount_source=AmountSource.BID, price_form=preparation.price_form,
        price_types=list(preparation.price_types), offers_received=offers_received,
        subcontracting_declared=bool(form.subcontracting),
        subcontracting_amount=Decimal(subcontracted) if form.subcontracting and subcontracted else None,
        awarded_at=awarded_at,
        letters_sent_on=letters_sent_at.astimezone(rules.PARIS).date() if letters_sent_at else None,
        standstill_ends_on=(standstill.ends_at.astimezone(rules.PARIS).date()
                            if standstill is not None and standstill.ends_at is not None else None),
    )
    beside = event.as_v1()
    return [event] + ([beside] if beside is not None else [])


# ---------------------------------------------------------------- the letters' texts


def letter_context(draft: LetterDraft, winner: BidScore, *, standstill: rules.Standstill) -> dict:
    """The kernel's `rejection_letter` mail context of one draft (R2181-3: reasons, the winner's
    name and the reasons of its choice, the standstill's end)."""
    reasons = [draft.filled.get(rules.REASONS) or draft.filled.get(rules.CHOICE, "")]
    context = {
        "bidder_name": draft.bid.bidder_name,
        "reasons": [reason for reason in reasons if reason],
        "winner_name": winner.bid.bidder_name,
        "winner_score": f"{_points(winner.total)} / 100",
        "winner_reasons": [draft.filled.get(rules.WINNER_REASONS)
                           or f"Offre classée première avec {_scores_line(winner)}."],
    }
    if standstill.ends_at is not None:
        context["standstill_end"] = standstill.ends_at
    return context


def scores_line(score: BidScore) -> str:
    """« 92,85/100 (Prix 52,85/60, …) »."""
    return _scores_line(score)


def score_text(score: BidScore) -> str:
    return f"{_points(score.total)} / 100"


def letter_text(subject: str, lines: Iterable[str]) -> str:
    """The letter kept as a document (text/plain, UTF-8)."""
    return subject + "\n\n" + "\n\n".join(line for line in lines if line) + "\n"


@dataclass(frozen=True)
class CaseRecord:
    """An abnormally-low case as stored: the state machine and what the supplier's page shows."""

    case: AbnormallyLowCase
    tenant: str
    consultation_id: uuid.UUID
    lot_key: int
    supplier_siret: str
    bidder_name: str
    consultation_reference: str
    consultation_title: str
    lot_title: str
    answer_text: str | None = None
    answer_document_id: uuid.UUID | None = None
    answer_filename: str | None = None

    @property
    def bid_id(self) -> uuid.UUID:
        return self.case.bid_id

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.case.status]


MAX_ANSWER = 20000


def answer_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError("rédigez votre justification", field="answer")
    if len(text) > MAX_ANSWER:
        raise DomainError(f"justification trop longue (au plus {MAX_ANSWER} caractères)", field="answer")
    return text


class LetterKind(StrEnum):
    AWARD = "award"
    REJECTION = "rejection"
    SANS_SUITE = "sans_suite"


LETTER_KIND_LABELS = {LetterKind.AWARD: "Lettre d’attribution", LetterKind.REJECTION: "Lettre de rejet",
                      LetterKind.SANS_SUITE: "Déclaration sans suite"}


@dataclass(frozen=True)
class LetterRecord:
    id: uuid.UUID
    tenant: str
    consultation_id: uuid.UUID
    lot_key: int
    bid_id: uuid.UUID
    supplier_siret: str
    bidder_name: str
    kind: LetterKind
    subject: str
    body: str
    document_id: uuid.UUID | None
    consultation_reference: str
    consultation_title: str
    lot_title: str
    sent_at: datetime

    @property
    def kind_label(self) -> str:
        return LETTER_KIND_LABELS[self.kind]
