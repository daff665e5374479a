"""Evaluation and award request and response models. A proposal has no amount: a body naming one
is refused (extra fields are forbidden), the award's amount is the proposed bid's price."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from unefois_rules.award import SANS_SUITE_LABELS, SansSuiteReason

from unefois_tendering.evaluations.domain import (
    LOT_STATUS_LABELS,
    PRICE_FORMULA_TEXT,
    STATUS_LABELS,
    TIE_BREAK_TEXT,
    CaseRecord,
    LetterRecord,
    Mark,
    PriceFormula,
    detection_text,
)
from unefois_tendering.evaluations.service import Grid, amount_of


class MarkGiven(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bid_id: uuid.UUID
    criterion: int = Field(ge=0, le=19, description="position du critère dans les critères publiés du lot (0 : le premier)")
    sub_criterion: int | None = Field(default=None, ge=0, le=19, description="position du sous-critère, ou null")
    points: Decimal = Field(description="note, de 0 au poids du (sous-)critère, au centième")
    comment: str = Field(max_length=2000, description="commentaire obligatoire justifiant la note")

    def mark(self) -> Mark:
        return Mark(self.bid_id, self.criterion, self.sub_criterion, self.points, self.comment)


class MarksUpdate(BaseModel):
    """PUT: the lot's marks (all of them: the grid is replaced) and the price formula."""

    model_config = ConfigDict(extra="forbid")

    formula: PriceFormula = PriceFormula.PROPORTIONAL
    marks: list[MarkGiven] = Field(default_factory=list, max_length=2000)


class JustificationAsked(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bid_id: uuid.UUID
    deadline: AwareDatetime = Field(description="date et heure limites de réponse du soumissionnaire (avec fuseau)")
    reason: str | None = Field(default=None, max_length=2000,
                               description="motif, si l’offre n’est pas signalée par la détection")


class JustificationDecided(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keep: bool = Field(description="true : offre maintenue (justifiée) ; false : rejetée comme anormalement basse")
    reason: str = Field(max_length=2000)
    breaches_law: bool = Field(default=False, description="l’offre méconnaît des obligations environnementales, "
                                                          "sociales ou du travail (art. R2152-4)")


class JustificationAnswered(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=20000, description="les justifications du soumissionnaire")


class ProposalAsked(BaseModel):
    """No amount: the proposal's amount is the bid's price (an `amount` field is refused, 422)."""

    model_config = ConfigDict(extra="forbid")

    tie_break_bid_id: uuid.UUID | None = Field(default=None, description="offres ex aequo : l’offre choisie")
    tie_break_reason: str | None = Field(default=None, max_length=2000, description="motif du choix entre ex aequo")


class SansSuiteAsked(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: SansSuiteReason
    detail: str = Field(max_length=2000, description="les motifs précis, communiqués aux participants (art. R2185-2)")


class SubScoreView(BaseModel):
    index: int | None
    name: str
    weight: int
    points: Decimal | None
    comment: str | None


class CriterionScoreView(BaseModel):
    index: int
    name: str
    kind: str
    weight: int
    points: Decimal
    computed: bool
    subs: list[SubScoreView]


class RankedBidView(BaseModel):
    bid_id: uuid.UUID
    bidder_name: str
    bidder_identifier: str
    price: Decimal
    rank: int
    ex_aequo: bool
    total: Decimal
    criteria: list[CriterionScoreView]


class ExcludedBidView(BaseModel):
    bid_id: uuid.UUID
    bidder_name: str
    price: Decimal
    reason: str


class CaseView(BaseModel):
    bid_id: uuid.UUID
    bidder_name: str
    status: str
    status_label: str
    flag_reason: str
    requested_at: datetime | None
    deadline: datetime | None
    answered_at: datetime | None
    answer_text: str | None
    answer_filename: str | None
    decision_reason: str | None
    consultation_id: uuid.UUID
    consultation_reference: str
    consultation_title: str
    lot_title: str

    @classmethod
    def of(cls, record: CaseRecord) -> CaseView:
        case = record.case
        return cls(bid_id=record.bid_id, bidder_name=record.bidder_name, status=case.status.value,
                   status_label=STATUS_LABELS[case.status], flag_reason=case.flag_reason,
                   requested_at=case.requested_at, deadline=case.deadline, answered_at=case.answered_at,
                   answer_text=record.answer_text, answer_filename=record.answer_filename,
                   decision_reason=case.decision_reason, consultation_id=record.consultation_id,
                   consultation_reference=record.consultation_reference,
                   consultation_title=record.consultation_title, lot_title=record.lot_title)


class LetterView(BaseModel):
    id: uuid.UUID
    kind: str
    kind_label: str
    bid_id: uuid.UUID
    bidder_name: str
    subject: str
    body: str
    document_id: uuid.UUID | None
    consultation_id: uuid.UUID
    consultation_reference: str
    consultation_title: str
    lot_title: str
    sent_at: datetime

    @classmethod
    def of(cls, letter: LetterRecord) -> LetterView:
        return cls(id=letter.id, kind=letter.kind.value, kind_label=letter.kind_label, bid_id=letter.bid_id,
                   bidder_name=letter.bidder_name, subject=letter.subject, body=letter.body,
                   document_id=letter.document_id, consultation_id=letter.consultation_id,
                   consultation_reference=letter.consultation_reference,
                   consultation_title=letter.consultation_title, lot_title=letter.lot_title, sent_at=letter.sent_at)


class ProposalView(BaseModel):
    bid_id: uuid.UUID
    bidder_name: str
    amount: Decimal = Field(description="le prix HT de l’offre proposée (jamais saisi)")
    tie_break_reason: str | None
    proposed_at: datetime | None
    proposed_by: str | None


class DecisionView(BaseModel):
    award_id: uuid.UUID | None
    decided_at: datetime | None
    decided_by: str | None
    letters_sent_at: datetime | None
    standstill_ends_at: datetime | None
    standstill_reason: str | None
    event_emitted_at: datetime | None


class FormulaView(BaseModel):
    value: str
    text: str


class EvaluationView(BaseModel):
    consultation_id: uuid.UUID
    consultation_reference: str
    lot_number: int | None
    lot_key: int
    lot_label: str
    status: str
    status_label: str
    formula: str
    formula_text: str
    formulas: list[FormulaView]
    detection_text: str
    tie_break_text: str
    offers_received: int
    ranking: list[RankedBidView]
    excluded: list[ExcludedBidView]
    missing: list[str]
    ties: list[list[uuid.UUID]]
    detected: dict[uuid.UUID, str]
    cases: list[CaseView]
    proposal: ProposalView | None
    decision: DecisionView | None
    outcome_explanation: list[str]
    letters: list[LetterView]

    @classmethod
    def of(cls, grid: Grid) -> EvaluationView:
        evaluation, lot = grid.evaluation, grid.lot
        ranking = [RankedBidView(
            bid_id=score.bid.bid_id, bidder_name=score.bid.bidder_name,
            bidder_identifier=score.bid.bidder_identifier, price=score.bid.price, rank=score.rank,
            ex_aequo=score.ex_aequo, total=score.total,
            criteria=[CriterionScoreView(
                index=c.index, name=c.name, kind=c.kind.value, weight=c.weight, points=c.points, computed=c.computed,
                subs=[SubScoreView(index=i if grid.criteria.criteria[c.index].sub_criteria else None, name=s.name, weight=s.weight, points=s.points, comment=s.comment)
                      for i, s in enumerate(c.subs)]) for c in score.criteria])
            for score in evaluation.ranking]
        proposal = None
        if lot.proposal_bid_id is not None:
            bid = next(b for b in grid.bids if b.bid_id == lot.proposal_bid_id)
            proposal = ProposalView(bid_id=bid.bid_id, bidder_name=bid.bidder_name, amount=amount_of(grid),
                                    tie_break_reason=lot.tie_break_reason, proposed_at=lot.proposed_at,
                                    proposed_by=lot.proposed_by)
        decision = None
        if lot.decided_at is not None:
            decision = DecisionView(award_id=lot.award_id, decided_at=lot.decided_at, decided_by=lot.decided_by,
                                    letters_sent_at=lot.letters_sent_at, standstill_ends_at=lot.standstill_ends_at,
                                    standstill_reason=lot.standstill_reason, event_emitted_at=lot.event_emitted_at)
        return cls(
            consultation_id=grid.consultation.id, consultation_reference=grid.consultation.reference,
            lot_number=lot.lot_number, lot_key=lot.lot_key, lot_label=grid.lot_label, status=lot.status.value,
            status_label=LOT_STATUS_LABELS[lot.status], formula=lot.formula.value,
            formula_text=PRICE_FORMULA_TEXT[lot.formula],
            formulas=[FormulaView(value=f.value, text=PRICE_FORMULA_TEXT[f]) for f in PriceFormula],
            detection_text=detection_text(), tie_break_text=TIE_BREAK_TEXT, offers_received=grid.offers_received,
            ranking=ranking,
            excluded=[ExcludedBidView(bid_id=b.bid_id, bidder_name=b.bidder_name, price=b.price, reason=r)
                      for b, r in evaluation.excluded],
            missing=list(evaluation.missing), ties=[list(group) for group in evaluation.ties],
            detected=grid.detected, cases=[CaseView.of(r) for r in grid.cases.values()], proposal=proposal,
            decision=decision, outcome_explanation=list(lot.outcome_explanation),
            letters=[LetterView.of(letter) for letter in grid.letters])


class SansSuiteView(BaseModel):
    consultation_id: uuid.UUID
    reason: str
    reason_label: str
    detail: str
    explanation: str
    decided_at: datetime

    @staticmethod
    def label(reason: SansSuiteReason) -> str:
        return SANS_SUITE_LABELS[reason]
