"""The event catalogue: every integration event of the platform, as pydantic models.

Payloads carry everything downstream needs (event-carried state transfer): a consumer
never calls the producer back to complete a record. That is what makes "entered once"
hold. Rules of change: an additive change keeps the version; a breaking change is a new
`...v2` type published beside v1 until every consumer moved. The JSON schema of each type
is pinned in shared/tests/contract/pinned/ and a contract test fails on any drift.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from unefois_events import topics
from unefois_events.values import (
    MAX_HOLDERS,
    MAX_INVITED,
    MAX_LOTS,
    AdditionalCpvs,
    Ccag,
    DurationMonths,
    Line,
    LotNumber,
    OffersCount,
    PlausibleDate,
    Text,
    CpvCode,
    EnvironmentalConsideration,
    ExecutionMode,
    Money,
    OperatorGrouping,
    PlaceCodeType,
    PriceForm,
    PriceType,
    Procedure,
    PurchaseNature,
    PurchaseTechnique,
    Siret,
    SocialConsideration,
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
    for model in (NeedApproved, ConsultationPublished, AwardDecided, ContractNotified, InvoiceReceived)
}
