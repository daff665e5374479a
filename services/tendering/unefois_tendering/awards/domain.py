"""Award rules (pure): deciding the award of a published consultation, or of one of its lots.

Transitional producer: the approver still types the decision (the award from the evaluated bids
replaces it); it is said as AwardDecided.v2 (holders with their DECP identifier types, the
lot's title, subcontracting declared, the letters' sending and the standstill) and, while every
holder has a SIRET, as AwardDecided.v1 beside it for v1's readers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import unefois_rules
from pydantic import BaseModel, Field
from unefois_events.catalogue import (
    AwardDecidedV2,
    Event,
    Holder,
    Organisation,
    check_holders,
    check_origin_shares,
    holders_of,
)
from unefois_events.values import (
    MAX_HOLDERS,
    AmountSource,
    LotNumber,
    Money,
    OffersCount,
    OperatorGrouping,
    PlausibleDate,
    PriceForm,
    PriceType,
)

from unefois_kernel.domain_errors import DomainError

from unefois_tendering.consultations.domain import (
    Consultation,
    ConsultationAction,
    ConsultationStatus,
    require,
)

PARIS = ZoneInfo("Europe/Paris")


class AwardDecision(BaseModel):
    """What the buyer decides: the winner(s), the amount and the price terms (the API's request body).

    The holders are `winners` (SIRET organisations; in a grouping the first is the mandataire)
    or `holders` (each with its DECP identifier type and role: a foreign company by its VAT
    number...), one of the two."""

    winners: list[Organisation] | None = Field(default=None, min_length=1, max_length=MAX_HOLDERS)
    holders: list[Holder] | None = Field(default=None, min_length=1, max_length=MAX_HOLDERS)
    grouping: OperatorGrouping = OperatorGrouping.NONE
    amount: Money
    price_form: PriceForm
    price_types: list[PriceType] = Field(min_length=1, max_length=len(PriceType))
    offers_received: OffersCount
    lot_number: LotNumber | None = None
    winning_bid_id: uuid.UUID | None = None
    subcontracting_declared: bool = False
    subcontracting_amount: Money | None = None
    # DECP origineUE / origineFrance the bid commits to (the supplies the arrêté lists), 0 to 1.
    origin_eu_share: float | None = Field(default=None, ge=0, le=1)
    origin_france_share: float | None = Field(default=None, ge=0, le=1)
    # The rejection letters' sending (art. R2181-1 / R2181-3), default the award's date, and whether
    # they went electronically (the standstill is 11 days then, 16 otherwise: art. R2182-1).
    letters_sent_on: PlausibleDate | None = None
    letters_electronic: bool = True


def standstill_ends_on(consultation: Consultation, letters_sent_on: date, *, electronic: bool,
                       offers_received: int) -> date | None:
    """The first day the buyer may sign (and then notify) after the standstill, or None when there
    is none: the rules engine's `standstill_end` (art. R2182-1: formal procedures, 11 days from the
    letters' sending, 16 if not electronic, counted from date to date; art. R2182-2: none for the
    only operator who took part); defence buyers are not advised (the engine refuses).
    Transitional: the typed decision knows the offers received, not every operator who took part
    (a restricted procedure's candidates), nor whether the marché is a subsequent contract (taken
    as not)."""
    decision = consultation.decision
    facts = unefois_rules.AwardFacts(
        procedure=decision.chosen_procedure if decision else consultation.purchase.procedure,
        # Without a recorded decision the buyer's regime is unknown: the common one (local).
        buyer_kind=unefois_rules.BuyerKind(decision.buyer_kind.value) if decision else unefois_rules.BuyerKind.LOCAL,
        operators_participated=offers_received,
    )
    sent_at = datetime.combine(letters_sent_on, time(12), tzinfo=PARIS)
    standstill = unefois_rules.standstill_end(facts, sent_at, electronic=electronic)
    return standstill.ends_at.date() if standstill.ends_at is not None else None


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


def holders_of_decision(decision: AwardDecision) -> list[Holder]:
    if (decision.winners is None) == (decision.holders is None):
        raise DomainError("indiquez les attributaires, soit par « winners » (SIRET), soit par « holders »",
                          field="holders")
    return decision.holders if decision.holders is not None else holders_of(decision.winners)


def award(
    consultation: Consultation, decision: AwardDecision, *, award_id: uuid.UUID, at: datetime, today: date
) -> tuple[ConsultationStatus, list[Event]]:
    """Award `consultation` as `decision` says: the consultation's new status and the events to emit
    (AwardDecided.v2, then v1 when every holder has a SIRET). `today` is the Paris date of `at`."""
    require(consultation.status, ConsultationAction.AWARD)
    lot_number = decision.lot_number
    if lot_number is not None and lot_number not in {lot.number for lot in consultation.purchase.lots}:
        raise DomainError(f"le lot {lot_number} n'existe pas dans cette consultation", field="lot_number")
    holders = holders_of_decision(decision)
    if len(holders) > 1 and decision.grouping == OperatorGrouping.NONE:
        raise DomainError("plusieurs attributaires impliquent un groupement conjoint ou solidaire", field="grouping")
    try:
        check_holders(holders, decision.grouping)
    except ValueError as refused:
        raise DomainError(str(refused), field="holders") from None
    if decision.subcontracting_amount is not None and not decision.subcontracting_declared:
        raise DomainError("un montant sous-traité suppose une sous-traitance déclarée", field="subcontracting_amount")
    try:
        check_origin_shares(decision.origin_eu_share, decision.origin_france_share)
    except ValueError as refused:
        raise DomainError(str(refused), field="origin_france_share") from None
    letters_sent_on = decision.letters_sent_on or today
    if consultation.published_at is not None and letters_sent_on < consultation.published_at.date():
        raise DomainError("les lettres de rejet ne peuvent précéder la publication", field="letters_sent_on")
    if letters_sent_on > today:
        raise DomainError("la date d'envoi des lettres ne peut pas être dans le futur", field="letters_sent_on")
    titles = {lot.number: lot.title for lot in consultation.purchase.lots}
    event = AwardDecidedV2(
        award_id=award_id,
        consultation_id=consultation.id,
        consultation_reference=consultation.reference,
        purchase=consultation.purchase,
        lot_number=lot_number,
        lot_title=titles.get(lot_number, consultation.purchase.object),
        holders=holders,
        grouping=decision.grouping,
        winning_bid_id=decision.winning_bid_id,
        amount=decision.amount,
        # The transitional decision's amount is typed by the buyer, unless it names the winning bid.
        amount_source=AmountSource.BID if decision.winning_bid_id else AmountSource.TYPED,
        price_form=decision.price_form,
        price_types=decision.price_types,
        offers_received=decision.offers_received,
        subcontracting_declared=decision.subcontracting_declared,
        subcontracting_amount=decision.subcontracting_amount,
        origin_eu_share=decision.origin_eu_share,
        origin_france_share=decision.origin_france_share,
        awarded_at=at,
        letters_sent_on=letters_sent_on,
        standstill_ends_on=standstill_ends_on(consultation, letters_sent_on, electronic=decision.letters_electronic,
                                              offers_received=decision.offers_received),
    )
    beside = event.as_v1()
    return ConsultationStatus.AWARDED, [event] + ([beside] if beside is not None else [])
