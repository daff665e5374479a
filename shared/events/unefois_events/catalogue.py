"""The event catalogue: every integration event of the platform, as pydantic models.

Payloads carry everything downstream needs (event-carried state transfer): a consumer
never calls the producer back to complete a record. That is what makes "entered once"
hold. Rules of change: an additive change keeps the version; a breaking change is a new
`...v2` type published beside v1 until every consumer moved. The JSON schema of each type
is pinned in shared/tests/contract/pinned/ and a contract test fails on any drift.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from unefois_events import topics
from unefois_events.values import (
    MAX_HOLDERS,
    MAX_INVITED,
    MAX_LOTS,
    AdditionalCpvs,
    AmountSource,
    Ccag,
    CpvCode,
    DurationMonths,
    EnvironmentalConsideration,
    ExecutionMode,
    HolderRole,
    IdentifierType,
    Line,
    LotNumber,
    Money,
    OffersCount,
    OperatorGrouping,
    PlaceCodeType,
    PlausibleDate,
    PriceForm,
    PriceType,
    Procedure,
    PurchaseNature,
    PurchaseTechnique,
    Siret,
    SocialConsideration,
    Text,
    check_siret,
)


class Message(BaseModel):
    """Base of every payload model: strict on unknown fields so that typos fail loudly.
    (Named Message, not Contract: a contract is the domain's marché.)"""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Event(Message):
    """An integration event payload. Subclasses name their CloudEvents type and topic."""

    ce_type: ClassVar[str]
    topic: ClassVar[str]

    @property
    def subject(self) -> str:
        """The aggregate id: Kafka key and `ce_subject`, so one aggregate's events stay ordered."""
        raise NotImplementedError

    @property
    def tenant(self) -> str:
        """The buyer SIRET the event belongs to."""
        raise NotImplementedError


# ---------------------------------------------------------------- shared parts


class Organisation(Message):
    siret: Siret
    name: Line(300)


# An EU VAT number: the member state's two letters, then 2 to 12 letters, digits, + or * (the
# VIES formats); DECP asks nothing more of a `TVA` identifier.
VAT_PATTERN = r"^[A-Z]{2}[0-9A-Z+*]{2,12}$"


class Holder(Message):
    """A holder (titulaire) of the marché as DECP 2.0 identifies it: `identifier_type` is its
    `typeIdentifiant` (a foreign company without a SIRET by its VAT number or another type),
    with the name and its place in the grouping. A SIRET is checked (Luhn), a VAT number has
    the VIES shape; the other registries' numbers are taken as a line."""

    identifier_type: IdentifierType
    identifier: Line(50)
    name: Line(300)
    role: HolderRole = HolderRole.SOLE

    @model_validator(mode="after")
    def _identifier_of_its_type(self) -> Holder:
        if self.identifier_type == IdentifierType.SIRET:
            check_siret(self.identifier)
        elif self.identifier_type == IdentifierType.TVA and not re.fullmatch(VAT_PATTERN, self.identifier):
            raise ValueError("numéro de TVA intracommunautaire invalide : 2 lettres du pays puis 2 à 12 caractères")
        return self

    @property
    def siret(self) -> str | None:
        return self.identifier if self.identifier_type == IdentifierType.SIRET else None

    @classmethod
    def of(cls, organisation: Organisation, role: HolderRole = HolderRole.SOLE) -> Holder:
        return cls(identifier_type=IdentifierType.SIRET, identifier=organisation.siret, name=organisation.name, role=role)


def holders_of(winners: list[Organisation]) -> list[Holder]:
    """v1's winners as holders: one winner is the sole holder; in a grouping the first is the
    mandataire (the convention of v1's producers), the others its co-contractors."""
    if len(winners) == 1:
        return [Holder.of(winners[0])]
    return [Holder.of(winner, HolderRole.MANDATAIRE if index == 0 else HolderRole.COTRAITANT)
            for index, winner in enumerate(winners)]


def check_holders(holders: list[Holder], grouping: OperatorGrouping) -> None:
    """One holder without a grouping (role titulaire), or a grouping with exactly one mandataire
    and co-contractors; each holder once (by identifier)."""
    if len({(holder.identifier_type, holder.identifier) for holder in holders}) != len(holders):
        raise ValueError("un même titulaire est cité deux fois")
    if grouping == OperatorGrouping.NONE:
        if len(holders) != 1 or holders[0].role != HolderRole.SOLE:
            raise ValueError("sans groupement, un seul titulaire, de rôle « titulaire »")
        return
    roles = [holder.role for holder in holders]
    if len(holders) < 2 or roles.count(HolderRole.MANDATAIRE) != 1 or HolderRole.SOLE in roles:
        raise ValueError("un groupement compte au moins deux membres, dont un seul mandataire, les autres cotraitants")


def check_origin_shares(eu: float | None, france: float | None) -> None:
    """DECP: origineFrance is at most origineUE (French products are EU products)."""
    if france is not None and (eu is None or france > eu):
        raise ValueError("la part des produits français ne peut dépasser celle des produits de l'Union européenne")


class PlaceOfExecution(Message):
    code: Line(10)
    code_type: PlaceCodeType


class Lot(Message):
    number: LotNumber
    title: Line(1000)
    estimated_value: Money
    # The buyer uses the small-lots exemption for this lot (art. R2123-1 2° du code de la commande
    # publique): the rules engine checks the lot's value and the 20 % share before allowing it.
    small_lot: bool = False


class NoCompetitionExemption(Message):
    """A case of art. R2122-1 to R2122-11 (marché sans publicité ni mise en concurrence), with the
    buyer's recorded reason. Which articles exist and what each requires is the rules engine's
    business (unefois_rules.exemptions); the event only carries the article and the reason."""

    article: str = Field(pattern=r"^R2122-(?:[1-9]|1[01])$")
    reason: Text(4000, min_length=1)


class BuyerKind(StrEnum):
    """The buyer's regime, from its tenant profile (see unefois_rules.thresholds)."""

    STATE = "state"  # State central authorities (autorités publiques centrales)
    LOCAL = "local"  # local authorities and the other contracting authorities (hospitals...)
    UTILITY = "utility"  # contracting entities (entités adjudicatrices: networks, utilities)
    DEFENCE = "defence"  # defence or security contracts (CCP part 2, book III)


class AppliedThreshold(Message):
    kind: Line(40)
    amount: Money
    effective_from: date
    reference: Line(300)


class ProcedureDecision(Message):
    """The procedure decision the rules engine took, and on which date (the estimated value is
    assessed when the call for competition is sent: art. R2121-3). Carried so that a later stage
    can tell whether the decision still holds on the day it acts (tendering, at publication)."""

    decided_on: date
    buyer_kind: BuyerKind
    public_body: bool | None = None  # personne publique (R2131-12); None: not recorded
    band: str = Field(pattern="^(no_competition|adapted|formal)$")
    allowed_procedures: list[Procedure] = Field(max_length=len(Procedure))
    recommended_procedure: Procedure
    chosen_procedure: Procedure
    thresholds: list[AppliedThreshold] = Field(default_factory=list, max_length=20)
    warnings: list[Text(2000)] = Field(default_factory=list, max_length=20)


class NeedContent(Message):
    """What the buyer enters once at sourcing (the buyer itself comes from the login)."""

    object: Line(1000)
    description: Text(10000) = ""
    desired_start_date: PlausibleDate | None = None
    nature: PurchaseNature
    main_cpv: CpvCode
    additional_cpvs: AdditionalCpvs = Field(default_factory=list)
    estimated_value: Money
    duration_months: DurationMonths
    place_of_execution: PlaceOfExecution
    lots: list[Lot] = Field(default_factory=list, max_length=MAX_LOTS)
    procedure: Procedure
    ccag: Ccag
    techniques: list[PurchaseTechnique] = Field(min_length=1, max_length=len(PurchaseTechnique))
    execution_modes: list[ExecutionMode] = Field(min_length=1, max_length=len(ExecutionMode))
    social_considerations: list[SocialConsideration] = Field(min_length=1, max_length=len(SocialConsideration))
    environmental_considerations: list[EnvironmentalConsideration] = Field(min_length=1, max_length=len(EnvironmentalConsideration))
    innovative: bool = False
    # Additive (v1 kept): the facts the law assesses the value and the procedure on.
    # The date the call for competition is planned to be sent (art. R2121-3): the decision date.
    planned_launch_date: PlausibleDate | None = None
    # Works: the operation the works belong to (art. R2121-5); splitting is checked per operation.
    works_operation: Line(300) | None = None
    # Supplies and services: the buyer's homogeneous purchase family (art. R2121-6 / R2121-7).
    purchase_family: Line(200) | None = None
    # Premiums or payments to candidates or tenderers, added to the value (art. R2121-1).
    candidate_payments: Money | None = None
    # Works: the supplies the buyer puts at the contractors' disposal (art. R2121-5).
    buyer_supplied_value: Money | None = None
    # Social and other specific services (art. R2123-1 3°, annex of the code).
    specific_services: bool = False
    no_competition_exemption: NoCompetitionExemption | None = None


class ClauseText(Message):
    """A social or environmental clause picked from the library, carried to the consultation."""

    clause_id: uuid.UUID
    kind: str = Field(pattern="^(social|environmental)$")
    title: Line(200)
    body: Text(5000, min_length=1)


class PurchaseFacts(NeedContent):
    """The need as approved, carried unchanged to every later stage."""

    need_id: uuid.UUID
    buyer: Organisation
    clauses: list[ClauseText] = Field(default_factory=list, max_length=100)
    # The decision sourcing took on the planned launch date (additive; None from older producers).
    decision: ProcedureDecision | None = None


# ---------------------------------------------------------------- sourcing.need


class NeedApproved(Event):
    ce_type: ClassVar[str] = "fr.unefois.sourcing.NeedApproved.v1"
    topic: ClassVar[str] = topics.NEED

    purchase: PurchaseFacts
    approved_by: Line(300)
    approved_at: datetime
    invited_suppliers: list[Organisation] = Field(default_factory=list, max_length=MAX_INVITED)

    @property
    def subject(self) -> str:
        return str(self.purchase.need_id)

    @property
    def tenant(self) -> str:
        return self.purchase.buyer.siret


# ---------------------------------------------------------------- tendering.*


class ConsultationPublished(Event):
    ce_type: ClassVar[str] = "fr.unefois.tendering.ConsultationPublished.v1"
    topic: ClassVar[str] = topics.CONSULTATION

    consultation_id: uuid.UUID
    reference: Line(50)
    purchase: PurchaseFacts
    published_at: datetime
    bid_deadline: datetime
    # The decision taken again on the publication date (additive): what the notice was published under.
    decision: ProcedureDecision | None = None

    @property
    def subject(self) -> str:
        return str(self.consultation_id)

    @property
    def tenant(self) -> str:
        return self.purchase.buyer.siret


class AwardDecided(Event):
    ce_type: ClassVar[str] = "fr.unefois.tendering.AwardDecided.v1"
    topic: ClassVar[str] = topics.AWARD

    award_id: uuid.UUID
    consultation_id: uuid.UUID
    consultation_reference: Line(50)
    purchase: PurchaseFacts
    lot_number: LotNumber | None = None
    winners: list[Organisation] = Field(min_length=1, max_length=MAX_HOLDERS)
    grouping: OperatorGrouping = OperatorGrouping.NONE
    amount: Money
    price_form: PriceForm
    price_types: list[PriceType] = Field(min_length=1, max_length=len(PriceType))
    offers_received: OffersCount
    awarded_at: datetime

    @property
    def subject(self) -> str:
        return str(self.award_id)

    @property
    def tenant(self) -> str:
        return self.purchase.buyer.siret


class AwardDecidedV2(Event):
    """The award of one lot (or of the whole consultation without lots): everything the contract,
    its invoicing and its open data need, entered once in tendering.

    Why a v2 beside v1 (ARCHITECTURE, events: an additive change keeps the version, a breaking
    one is a new type published beside v1 until every consumer moved): v1's `winners` is a list
    of at least one Organisation, each with a SIRET. A foreign holder (a VAT number, HORS-UE...)
    or a grouping of foreign companies cannot be said in it, and loosening `winners` (optional,
    or an identifier other than a SIRET) would break every v1 reader that takes winners[0].siret
    for granted: that is a breaking change, hence `holders` in a new type. The producer publishes
    v2 always, and v1 beside it (same award_id, after v2, on the same key) while the award can be
    said in v1 (every holder has a SIRET); consumers take v2 and keep reading v1 for the awards
    published before it (one contract per award_id either way).

    Dates: `awarded_at` is the decision; `letters_sent_on` the sending of the rejection letters
    to the other bidders (art. R2181-1 / R2181-3); `standstill_ends_on` the first day the buyer
    may sign: the sending date + 11 days, 16 if the letters were not sent electronically
    (art. R2182-1, formal procedures), None when no standstill applies (MAPA, marché without
    competition, the only operator who took part: art. R2182-2). The contract is not notified
    before it.
    """

    ce_type: ClassVar[str] = "fr.unefois.tendering.AwardDecided.v2"
    topic: ClassVar[str] = topics.AWARD

    award_id: uuid.UUID
    consultation_id: uuid.UUID
    consultation_reference: Line(50)
    purchase: PurchaseFacts
    # The lot awarded (None: a consultation without lots) and its title, the contract's object
    # (the purchase's object when there are no lots).
    lot_number: LotNumber | None = None
    lot_title: Line(1000)
    holders: list[Holder] = Field(min_length=1, max_length=MAX_HOLDERS)
    grouping: OperatorGrouping = OperatorGrouping.NONE
    # The winning bid and its price excluding VAT; `amount_source` says it is the bid's price
    # ("offre"); "saisi" only from the transitional producer whose buyer typed the amount.
    winning_bid_id: uuid.UUID | None = None
    amount: Money
    amount_source: AmountSource = AmountSource.BID
    price_form: PriceForm
    price_types: list[PriceType] = Field(min_length=1, max_length=len(PriceType))
    # Offers received for this lot (DECP offresRecues: every offer, the irregular, unacceptable,
    # inappropriate and abnormally low ones included). DECP 2.0 asks nothing of how they came.
    offers_received: OffersCount
    # Subcontracting the winning bid declares (DECP sousTraitanceDeclaree) and its amount if known.
    subcontracting_declared: bool = False
    subcontracting_amount: Money | None = None
    # DECP origineUE / origineFrance: the shares of EU and of French products the bid commits to,
    # for the supplies whose CPV the arrêté lists (food, vehicles, health products, clothing);
    # None when the bid says none. France's share is at most the EU's.
    origin_eu_share: float | None = Field(default=None, ge=0, le=1)
    origin_france_share: float | None = Field(default=None, ge=0, le=1)
    awarded_at: datetime
    letters_sent_on: PlausibleDate | None = None
    standstill_ends_on: PlausibleDate | None = None

    @model_validator(mode="after")
    def _coherent(self) -> AwardDecidedV2:
        check_holders(self.holders, self.grouping)
        if self.subcontracting_amount is not None and not self.subcontracting_declared:
            raise ValueError("un montant sous-traité suppose une sous-traitance déclarée")
        if self.standstill_ends_on is not None and self.letters_sent_on is None:
            raise ValueError("une fin de délai de suspension suppose la date d'envoi des lettres")
        check_origin_shares(self.origin_eu_share, self.origin_france_share)
        return self

    @property
    def mandataire(self) -> Holder:
        """The holder the buyer deals with: the sole holder or the grouping's mandataire."""
        return next(h for h in self.holders if h.role in (HolderRole.SOLE, HolderRole.MANDATAIRE))

    @property
    def subject(self) -> str:
        return str(self.award_id)

    @property
    def tenant(self) -> str:
        return self.purchase.buyer.siret

    @classmethod
    def of_v1(cls, award: AwardDecided) -> AwardDecidedV2:
        """A v1 award said in v2 (awards published before v2): SIRET holders, the first winner
        of a grouping as mandataire, the lot's title from the purchase, no standstill known."""
        titles = {lot.number: lot.title for lot in award.purchase.lots}
        return cls(
            award_id=award.award_id, consultation_id=award.consultation_id,
            consultation_reference=award.consultation_reference, purchase=award.purchase,
            lot_number=award.lot_number, lot_title=titles.get(award.lot_number, award.purchase.object),
            holders=holders_of(award.winners),
            grouping=award.grouping if len(award.winners) > 1 else OperatorGrouping.NONE,
            amount=award.amount, amount_source=AmountSource.TYPED, price_form=award.price_form,
            price_types=award.price_types, offers_received=award.offers_received, awarded_at=award.awarded_at,
        )

    def as_v1(self) -> AwardDecided | None:
        """The same award in v1, published beside v2 for v1's readers; None when a holder has no SIRET."""
        if any(holder.siret is None for holder in self.holders):
            return None
        ordered = sorted(self.holders, key=lambda holder: holder.role == HolderRole.COTRAITANT)  # mandataire first
        return AwardDecided(
            award_id=self.award_id, consultation_id=self.consultation_id,
            consultation_reference=self.consultation_reference, purchase=self.purchase, lot_number=self.lot_number,
            winners=[Organisation(siret=holder.siret, name=holder.name) for holder in ordered],
            grouping=self.grouping, amount=self.amount, price_form=self.price_form, price_types=self.price_types,
            offers_received=self.offers_received, awarded_at=self.awarded_at,
        )


# ---------------------------------------------------------------- contracts.contract


class ContractNotified(Event):
    ce_type: ClassVar[str] = "fr.unefois.contracts.ContractNotified.v1"
    topic: ClassVar[str] = topics.CONTRACT

    contract_id: uuid.UUID
    # The buyer's own contract number, DECP `id`: 1 to 16 characters, unique per buyer.
    contract_number: str = Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_\-./]+$")
    award_id: uuid.UUID
    consultation_id: uuid.UUID
    purchase: PurchaseFacts
    lot_number: LotNumber | None = None
    holders: list[Organisation] = Field(min_length=1, max_length=MAX_HOLDERS)
    grouping: OperatorGrouping
    amount: Money
    price_form: PriceForm
    price_types: list[PriceType] = Field(min_length=1, max_length=len(PriceType))
    offers_received: OffersCount
    advance_granted: bool = False
    advance_rate: float | None = Field(default=None, ge=0, le=1)
    subcontracting_declared: bool = False
    legal_commitment_number: Line(30)
    # Additive (v1 kept): every holder with its DECP identifier type and role, the foreign ones
    # included (`holders` lists those with a SIRET, v1's readers' view). Empty from older producers.
    identified_holders: list[Holder] = Field(default_factory=list, max_length=MAX_HOLDERS)
    # Additive (v1 kept): DECP origineUE / origineFrance, from the award (None: not given).
    origin_eu_share: float | None = Field(default=None, ge=0, le=1)
    origin_france_share: float | None = Field(default=None, ge=0, le=1)
    notified_on: PlausibleDate
    notified_at: datetime

    @property
    def subject(self) -> str:
        return str(self.contract_id)

    @property
    def tenant(self) -> str:
        return self.purchase.buyer.siret


# ---------------------------------------------------------------- invoicing.invoice


class InvoiceReceived(Event):
    ce_type: ClassVar[str] = "fr.unefois.invoicing.InvoiceReceived.v1"
    topic: ClassVar[str] = topics.INVOICE

    invoice_id: uuid.UUID
    invoice_number: Line(20)
    contract_id: uuid.UUID
    contract_number: Line(16)
    legal_commitment_number: Line(30)
    buyer: Organisation
    supplier: Organisation
    amount_excl_vat: Money
    vat_amount: Money
    issued_on: PlausibleDate
    received_at: datetime

    @property
    def subject(self) -> str:
        return str(self.invoice_id)

    @property
    def tenant(self) -> str:
        return self.buyer.siret


CATALOGUE: dict[str, type[Event]] = {
    model.ce_type: model
    for model in (NeedApproved, ConsultationPublished, AwardDecided, AwardDecidedV2, ContractNotified, InvoiceReceived)
}
