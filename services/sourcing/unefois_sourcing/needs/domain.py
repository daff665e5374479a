"""The life of a need (pure): what a need must satisfy, its statuses, who may move it where.

    draft --submit--> submitted --approve--> approved   (NeedApproved: the purchase goes to tendering)
      ^  \\                  \\--return, with a comment--> draft
      \\--edit (a draft, or a need returned with a comment; never once submitted or approved)

Transitions take the need as stored and return it changed, with the events to publish
(`(need, events)`); they refuse an illegal step with DomainError: 409 on the status, 422 on
the input, 403 on the role. `allowed_actions` answers from the same table what a page may
offer, so no page re-derives a guard.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from unefois_events.catalogue import Event, NeedApproved, NeedContent, Organisation, ProcedureDecision, PurchaseFacts
from unefois_events.values import (
    FRAMEWORK_MAX_MONTHS, Ccag, PlaceCodeType, Procedure, PurchaseNature, PurchaseTechnique, text_problem,
)
from unefois_kernel.auth.principal import BUYER_ROLES, Role
from unefois_kernel.clock import paris_date
from unefois_kernel.domain_errors import DomainError, InvalidFields
from unefois_rules import (
    BuyerKind, ChoiceAssessment, Decision, LotEstimate, NeedSummary, assess_choice, check_splitting, decide,
    estimate_value, procedure_decision,
)
from unefois_sourcing import reference
from unefois_sourcing.clauses.domain import Clause, considerations


# In the order a need goes through them (the needs list sorts by it). No docstring: the API's
# schema would show it.
class NeedStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"


class NeedAction(StrEnum):
    EDIT = "edit"
    SUBMIT = "submit"
    RETURN = "return"
    APPROVE = "approve"


@dataclass(frozen=True)
class _Transition:
    sources: frozenset[NeedStatus]
    target: NeedStatus
    roles: frozenset[Role]  # who may take it (any one of them)


APPROVER_ROLES = frozenset({Role.BUYER_APPROVER})
TRANSITIONS: Mapping[NeedAction, _Transition] = {
    # A buyer changes a draft (a need returned with a comment is a draft again); it stays a draft.
    NeedAction.EDIT: _Transition(frozenset({NeedStatus.DRAFT}), NeedStatus.DRAFT, BUYER_ROLES),
    # A buyer sends a draft for approval (a buyer-approver may too: the role includes buying).
    NeedAction.SUBMIT: _Transition(frozenset({NeedStatus.DRAFT}), NeedStatus.SUBMITTED, BUYER_ROLES),
    # An approver sends a submitted need back to its author, saying why.
    NeedAction.RETURN: _Transition(frozenset({NeedStatus.SUBMITTED}), NeedStatus.DRAFT, APPROVER_ROLES),
    # An approver approves a submitted need: it goes out to tender.
    NeedAction.APPROVE: _Transition(frozenset({NeedStatus.SUBMITTED}), NeedStatus.APPROVED, APPROVER_ROLES),
}


def roles_for(action: NeedAction) -> frozenset[Role]:
    """Who may take `action` at all (the routes' access declarations)."""
    return TRANSITIONS[action].roles


def allowed_actions(status: NeedStatus, roles: Collection[Role]) -> frozenset[NeedAction]:
    """What someone with `roles` may do to a need in `status` (what the need page offers)."""
    held = set(roles)
    return frozenset(action for action, step in TRANSITIONS.items() if status in step.sources and held & step.roles)


def _wrong_status(action: NeedAction, status: NeedStatus) -> str:
    if action is NeedAction.EDIT:
        if status is NeedStatus.APPROVED:
            return "un besoin approuvé ne se modifie plus : il est parti en consultation"
        return ("un besoin soumis ne se modifie plus : le valideur l'approuve ou vous le renvoie avec un commentaire, "
                "vous pourrez alors le modifier")
    if action is NeedAction.SUBMIT:
        return f"seul un brouillon peut être soumis (statut actuel : {status.value})"
    if action is NeedAction.RETURN:
        return "seul un besoin soumis peut être renvoyé"
    if status is NeedStatus.APPROVED:
        return "ce besoin est déjà approuvé"
    return "un besoin doit être soumis avant d'être approuvé"


_WRONG_ROLE = {
    NeedAction.EDIT: "seul un acheteur de l'organisation peut modifier un besoin",
    NeedAction.SUBMIT: "seul un acheteur de l'organisation peut soumettre un besoin",
    NeedAction.RETURN: "seul un valideur de l'organisation peut renvoyer un besoin",
    NeedAction.APPROVE: "seul un valideur de l'organisation peut approuver un besoin",
}


def _step(action: NeedAction, status: NeedStatus, roles: Collection[Role]) -> NeedStatus:
    """The status `action` leads to from `status`, or the refusal (409 status, 403 role)."""
    step = TRANSITIONS[action]
    if status not in step.sources:
        raise DomainError(_wrong_status(action, status), field="status", status=409)
    if not set(roles) & step.roles:
        raise DomainError(_WRONG_ROLE[action], status=403)
    return step.target


# ---------------------------------------------------------------- the need


@dataclass(frozen=True)
class BuyerProfile:
    """What the rules need to know of the buyer: its kind (the thresholds) and whether it is a
    personne publique (art. R2131-12; None when its profile does not say)."""

    kind: BuyerKind
    public_body: bool | None


# A buyer without a profile: a local authority (most of them), a public body.
DEFAULT_PROFILE = BuyerProfile(BuyerKind.LOCAL, True)


@dataclass(frozen=True)
class Need:
    """A need as stored: the facts entered once, and where it stands."""

    id: uuid.UUID
    tenant: str
    status: NeedStatus
    facts: PurchaseFacts
    created_at: datetime
    submitted_at: datetime | None = None
    returned_at: datetime | None = None
    return_comment: str | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None

    @property
    def created_on(self) -> date:
        """The Paris date it was created: the rules in force that day are the need's."""
        return paris_date(self.created_at)


@dataclass(frozen=True)
class HistoryEntry:
    """One entry of a need's audit trail, as its page shows it."""

    occurred_at: datetime
    actor: str  # the person's name when recorded ("by"), else the audit actor
    action: str  # "need.created", "need.edited", "need.submitted", "need.returned", "need.approved"
    change: Mapping[str, object]


@dataclass(frozen=True)
class NeedListItem:
    """A need as lists show it (and as the splitting check compares it)."""

    id: uuid.UUID
    status: NeedStatus
    object: str
    main_cpv: str
    estimated_value: Decimal
    nature: PurchaseNature
    created_at: datetime
    planned_launch_date: date | None = None
    works_operation: str | None = None
    purchase_family: str | None = None

    @property
    def launch_date(self) -> date:
        """When it is (or was) launched, as the splitting check counts it: its planned launch
        date, else the day it was created."""
        return self.planned_launch_date or paris_date(self.created_at)


class NeedOrder(StrEnum):
    """The orders a buyer may ask of the needs list (their values are the page's `?tri=` keys)."""

    OBJECT = "objet"
    VALUE = "valeur"
    STATUS = "statut"
    CREATED = "date"


@dataclass(frozen=True)
class NeedFilters:
    status: NeedStatus | None = None
    text: str | None = None  # the object contains it
    division: str | None = None  # the main CPV code's division (2 digits)

    @property
    def any(self) -> bool:
        return bool(self.status or self.text or self.division)


def compose_facts(need_id: uuid.UUID, buyer: Organisation, content: NeedContent, clauses: Sequence[Clause]) -> PurchaseFacts:
    """The need's facts: what was typed, the buyer of the session, and the picked clauses, which
    set the DECP considerations (with any the buyer ticked) so nobody types them again."""
    social, environmental = considerations([clause.pick for clause in clauses], content.social_considerations,
                                           content.environmental_considerations)
    typed = content.model_dump(include=set(NeedContent.model_fields) - {"social_considerations",
                                                                         "environmental_considerations"})
    return PurchaseFacts(need_id=need_id, buyer=buyer, social_considerations=social,
                         environmental_considerations=environmental, clauses=[clause.text() for clause in clauses],
                         **typed)


def new_need(facts: PurchaseFacts, *, tenant: str, at: datetime) -> Need:
    return Need(id=facts.need_id, tenant=tenant, status=NeedStatus.DRAFT, facts=facts, created_at=at)


# ---------------------------------------------------------------- what a need must satisfy

LOTS_REASON = "la somme des estimations des lots diffère de la valeur estimée du besoin"


def lots_add_up(content: NeedContent) -> bool:
    """When a need is split into lots, their estimates add up to the need's estimate."""
    return not content.lots or sum(lot.estimated_value for lot in content.lots) == content.estimated_value


def cpv_problem(code: str) -> str | None:
    """Why `code` ("45000000" or "45000000-7") is not a CPV 2008 code, or None.

    The check digit is the one the official list gives the code. No formula reproduces the
    list's check digits: the weighted schemes tried (Luhn, Verhoeff, Damm, ISO 7064 MOD 11-2
    and 11-10, MOD 97, every 2-weight linear mod 10/11 sum) match at most 1 829 of its 9 454
    codes, and the Publications Office says the 2008 revision's digits do not follow its
    documented algorithm (OP-TED/ePO discussion 589). So a known 8-digit code with another
    digit says which one is expected, and an unknown 8-digit code is unknown."""
    if reference.cpv_entry(code) is not None:
        return None
    digits = code.strip().split("-")[0]
    known = reference.cpv_entry(digits)
    if known is not None:
        return f"clé de contrôle incorrecte (attendue : {known.code[-1]}) : {code} ; le code est {known.code}"
    return f"code CPV inconnu de la nomenclature 2008 : {code}"


# The CCAGs a need of each nature may refer to ("Pas de CCAG" always): works under the CCAG
# Travaux, the maîtrise d'œuvre that goes with them under the CCAG MOE; supplies under the CCAG
# FCS, MI (marchés industriels) or TIC; services under the CCAG FCS, PI (prestations
# intellectuelles), TIC, MOE or MI. The form offers only these, and the server checks them.
NATURE_CCAGS: Mapping[PurchaseNature, tuple[Ccag, ...]] = {
    PurchaseNature.WORKS: (Ccag.WORKS, Ccag.PROJECT_MANAGEMENT, Ccag.NONE),
    PurchaseNature.SUPPLIES: (Ccag.SUPPLIES_AND_SERVICES, Ccag.INDUSTRIAL, Ccag.ICT, Ccag.NONE),
    PurchaseNature.SERVICES: (Ccag.SUPPLIES_AND_SERVICES, Ccag.INTELLECTUAL, Ccag.ICT, Ccag.PROJECT_MANAGEMENT,
                              Ccag.INDUSTRIAL, Ccag.NONE),
}
NATURE_NAMES = {PurchaseNature.WORKS: "des travaux", PurchaseNature.SUPPLIES: "des fournitures",
                PurchaseNature.SERVICES: "des services"}


def ccag_problem(nature: PurchaseNature, ccag: Ccag) -> str | None:
    if ccag in NATURE_CCAGS[nature]:
        return None
    offered = ", ".join(c.value for c in NATURE_CCAGS[nature])
    return f"le CCAG « {ccag.value} » ne s'applique pas à {NATURE_NAMES[nature]} (au choix : {offered})"


def reference_errors(content: NeedContent, prefix: str = "facts") -> list[dict[str, str]]:
    """Every problem with the need's codes (CPV 2008, COG 2026), CCAG and lots, as {field, reason}, in French."""
    errors = []
    if (problem := cpv_problem(content.main_cpv)) is not None:
        errors.append({"field": f"{prefix}.main_cpv", "reason": problem})
    for index, code in enumerate(content.additional_cpvs):
        if (problem := cpv_problem(code)) is not None:
            errors.append({"field": f"{prefix}.additional_cpvs.{index}",
                           "reason": f"code complémentaire n° {index + 1} : {problem}"})
    place = content.place_of_execution
    lookups = {
        PlaceCodeType.COMMUNE: (reference.commune, "commune inconnue du COG 2026"),
        PlaceCodeType.DEPARTEMENT: (reference.departement, "département inconnu du COG 2026"),
        PlaceCodeType.REGION: (reference.region, "région inconnue du COG 2026"),
    }
    if place.code_type in lookups:
        lookup, reason = lookups[place.code_type]
        if lookup(place.code) is None:
            errors.append({"field": f"{prefix}.place_of_execution.code", "reason": f"{reason} : {place.code}"})
    if (problem := ccag_problem(content.nature, content.ccag)) is not None:
        errors.append({"field": f"{prefix}.ccag", "reason": problem})
    if not lots_add_up(content):
        errors.append({"field": f"{prefix}.lots", "reason": LOTS_REASON})
    return errors


# Accords-cadres' longest duration by kind of buyer, in months: 4 years for a pouvoir adjudicateur,
# 8 years for an entité adjudicatrice (code de la commande publique, art. L2125-1; DAJ, fiche "Les
# accords-cadres", 1.2.2), 7 years for a defence or security framework agreement (art. L2325-1 1°).
# The law allows longer "dans des cas exceptionnels dûment justifiés": the platform does not take
# such a justification yet, so it refuses and says so.
FRAMEWORK_MAX_MONTHS_BY_KIND = {BuyerKind.STATE: FRAMEWORK_MAX_MONTHS, BuyerKind.LOCAL: FRAMEWORK_MAX_MONTHS,
                                BuyerKind.UTILITY: 96, BuyerKind.DEFENCE: 84}
FRAMEWORK_ARTICLES = {BuyerKind.STATE: "art. L2125-1", BuyerKind.LOCAL: "art. L2125-1",
                      BuyerKind.UTILITY: "art. L2125-1", BuyerKind.DEFENCE: "art. L2325-1"}


def framework_duration_problem(content: NeedContent, kind: BuyerKind) -> str | None:
    """Why a framework agreement's duration is too long for this buyer, or None."""
    maximum = FRAMEWORK_MAX_MONTHS_BY_KIND.get(kind)
    if maximum is not None and PurchaseTechnique.FRAMEWORK in content.techniques and content.duration_months > maximum:
        return (f"un accord-cadre dure {maximum} mois au plus ({maximum // 12} ans ; code de la commande publique, "
                f"{FRAMEWORK_ARTICLES[kind]}), sauf cas exceptionnel dûment justifié, que la plateforme ne prend pas "
                "encore en charge")
    return None


def date_errors(content: NeedContent, today: date, *, past_submission: bool = False) -> list[dict[str, str]]:
    """Dates of the need that lie in the past (the service clock's Paris `today`). The planned
    launch date of a need already submitted may have passed: the decision is then taken on today."""
    errors = []
    shown = today.strftime("%d/%m/%Y")
    if content.desired_start_date is not None and content.desired_start_date < today:
        errors.append({"field": "facts.desired_start_date",
                       "reason": f"la date de début souhaitée est passée (nous sommes le {shown})"})
    if content.planned_launch_date is not None and content.planned_launch_date < today and not past_submission:
        errors.append({"field": "facts.planned_launch_date",
                       "reason": f"la date de lancement prévue est passée (nous sommes le {shown})"})
    return errors


def value_errors(content: NeedContent) -> list[dict[str, str]]:
    if content.estimated_value <= 0:
        return [{"field": "facts.estimated_value", "reason": "la valeur estimée doit être supérieure à 0 €"}]
    return []


def decision_date(content: NeedContent, today: date) -> date:
    """The day the rules are taken on: the planned launch date (the value is assessed when the
    call for competition is sent, art. R2121-3), today when there is none or it has passed."""
    planned = content.planned_launch_date
    return planned if planned is not None and planned >= today else today


@dataclass(frozen=True)
class Rules:
    """The rules' decision on the need's decision date and the assessment of the buyer's choice
    (lawful, with warnings, or refused naming its field)."""

    decision: Decision
    assessment: ChoiceAssessment

    @property
    def warnings(self) -> list[str]:
        """What the buyer is told (lawful choices are warnings, not refusals), each once."""
        return list(dict.fromkeys([*self.decision.warnings, *self.assessment.warnings]))

    def procedure_decision(self, chosen: Procedure) -> ProcedureDecision:
        return procedure_decision(self.decision, chosen, self.assessment)


def rules_value(content: NeedContent) -> Decimal:
    """The value the thresholds are compared with: the estimate typed (options and renewals
    included) plus the payments to candidates (art. R2121-1) and, for works, the supplies the
    buyer provides (art. R2121-5), as the rules package computes it."""
    return estimate_value([LotEstimate(amount=content.estimated_value, duration_months=content.duration_months)],
                          candidate_payments=content.candidate_payments,
                          buyer_supplied_value=content.buyer_supplied_value, nature=content.nature).value


def rules_of(content: NeedContent, kind: BuyerKind, on: date, *, public_body: bool | None = None) -> Rules:
    """The rules in force `on` for this need and the assessment of its chosen procedure. Raises
    DomainError (RulesError) naming the field the rules cannot take."""
    decision = decide(content.nature, kind, rules_value(content), on, public_body=public_body,
                      specific_services=content.specific_services)
    assessment = assess_choice(decision, content.procedure, exemption=content.no_competition_exemption,
                               lots=content.lots)
    return Rules(decision, assessment)


def check_need(content: NeedContent, kind: BuyerKind, today: date, *, public_body: bool | None = None,
               past_submission: bool = False) -> Rules:
    """Reference data, dates and the procedure rules in force on the need's decision date:
    every refused field at once (InvalidFields, 422), else the rules (with their warnings)."""
    errors = [*value_errors(content), *date_errors(content, today, past_submission=past_submission),
              *reference_errors(content)]
    try:
        rules = rules_of(content, kind, decision_date(content, today), public_body=public_body)
    except DomainError as error:  # the rules cannot take one of the need's values
        field = {"launch_date": "planned_launch_date"}.get(error.field or "", error.field or "estimated_value")
        raise InvalidFields([*errors, {"field": f"facts.{field}", "reason": error.detail}]) from None
    if not rules.assessment.lawful:
        errors.append({"field": f"facts.{rules.assessment.field or 'procedure'}",
                       "reason": rules.assessment.refusal or "procédure non permise"})
    if (reason := framework_duration_problem(content, kind)) is not None:
        errors.append({"field": "facts.duration_months", "reason": reason})
    if errors:
        raise InvalidFields(errors)
    return rules


def rules_date(need: Need, today: date) -> date:
    """The day a need's page takes the rules on: the day it was approved once it is (the
    decision then taken), else its decision date (planned launch date, or today)."""
    if need.status is NeedStatus.APPROVED:
        if need.facts.decision is not None:
            return need.facts.decision.decided_on
        return paris_date(need.approved_at) if need.approved_at else need.created_on
    return decision_date(need.facts, today)


def rules_on(facts: PurchaseFacts, kind: BuyerKind, launch_date: date, *,
             public_body: bool | None = None) -> Rules | None:
    """The procedure rules as they stood on `launch_date` (None when the table does not cover it)."""
    try:
        return rules_of(facts, kind, launch_date, public_body=public_body)
    except DomainError:
        return None


def splitting_window_start(now: datetime) -> datetime:
    """Since when the buyer's other needs count for the splitting check: 12 months before `now`
    (as PostgreSQL's `now() - interval '12 months'`: the same day a year earlier, the 28th for a 29 February)."""
    try:
        return now.replace(year=now.year - 1)
    except ValueError:
        return now.replace(year=now.year - 1, day=28)


def splitting_warnings(facts: PurchaseFacts, launch_date: date, others: Sequence[NeedListItem],
                       kind: BuyerKind) -> list[str]:
    """Warnings of a possibly split need against the buyer's other needs: works by operation,
    supplies and services by purchase family, the CPV division when none is named (the rules'
    grouping, art. R2121-4 to R2121-7)."""
    summaries = [NeedSummary(reference=other.object[:60], cpv_code=other.main_cpv, estimated_value=other.estimated_value,
                             launch_date=other.launch_date, nature=other.nature, operation=other.works_operation,
                             family=other.purchase_family) for other in others]
    new = NeedSummary(reference=facts.object[:60], cpv_code=facts.main_cpv, estimated_value=facts.estimated_value,
                      launch_date=launch_date, nature=facts.nature, operation=facts.works_operation,
                      family=facts.purchase_family)
    return [warning.message for warning in check_splitting(new, summaries, kind)]


# ---------------------------------------------------------------- transitions

RETURN_COMMENT_MAX_LENGTH = 2000


def check_return_comment(comment: str) -> None:
    """Why a need is returned is said, in 2,000 characters at most (the one place of this rule)."""
    if not comment.strip():
        raise DomainError("indiquez pourquoi le besoin est renvoyé", field="comment")
    if (problem := text_problem(comment)) is not None:
        raise DomainError(problem, field="comment")
    if len(comment) > RETURN_COMMENT_MAX_LENGTH:
        raise DomainError("2 000 caractères au plus", field="comment")


def submit(need: Need, *, roles: Collection[Role], at: datetime) -> tuple[Need, list[Event]]:
    """The buyer sends the draft for approval (a comment of an earlier return is cleared)."""
    status = _step(NeedAction.SUBMIT, need.status, roles)
    return replace(need, status=status, submitted_at=at, return_comment=None), []


def return_for_changes(need: Need, comment: str, *, roles: Collection[Role], at: datetime) -> tuple[Need, list[Event]]:
    """The approver sends a submitted need back to its author, saying why."""
    check_return_comment(comment)
    status = _step(NeedAction.RETURN, need.status, roles)
    return replace(need, status=status, returned_at=at, return_comment=comment), []


# What an edit compares: everything the buyer typed, and the clauses it picked (never the
# buyer, the need's id or the decision, which are the platform's).
EDITED_FIELDS = (*(name for name in NeedContent.model_fields), "clauses")


@dataclass(frozen=True)
class FactChange:
    """One field an edit changed, its values as stored (JSON)."""

    field: str
    before: object
    after: object

    def to_dict(self) -> dict[str, object]:
        return {"field": self.field, "before": self.before, "after": self.after}


def fact_changes(before: PurchaseFacts, after: PurchaseFacts) -> list[FactChange]:
    """The fields whose value differs, in the form's order."""
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    return [FactChange(name, old.get(name), new.get(name)) for name in EDITED_FIELDS if old.get(name) != new.get(name)]


def edit(need: Need, facts: PurchaseFacts, *, roles: Collection[Role]) -> tuple[Need, list[FactChange]]:
    """The buyer changes a draft or a returned need (never a submitted or approved one: 409 on
    `status`); it stays a draft, the approver's comment kept until it is submitted again."""
    status = _step(NeedAction.EDIT, need.status, roles)
    if facts.need_id != need.id:
        raise ValueError("the facts of another need")
    return replace(need, status=status, facts=facts), fact_changes(need.facts, facts)


def invitations(shortlist: Sequence[Organisation], added: Sequence[Organisation]) -> list[Organisation]:
    """Who is invited to tender: the market research's shortlist and whoever the approver adds, once each."""
    return list({supplier.siret: supplier for supplier in [*shortlist, *added]}.values())


def approve(need: Need, *, roles: Collection[Role], approver: str, at: datetime, invited: Sequence[Organisation],
            rules: Rules | None) -> tuple[Need, list[Event]]:
    """The approver approves a submitted need: NeedApproved carries everything tendering needs,
    with the procedure decision taken on approval (`rules`: the rules of the need's decision
    date), so that tendering can check it again on the day it publishes. A choice the rules now
    refuse (a threshold moved since it was submitted) is not approved: the need goes back to its
    author for a lawful procedure."""
    status = _step(NeedAction.APPROVE, need.status, roles)
    if rules is None:
        raise DomainError("les règles de passation ne couvrent pas la date de lancement de ce besoin : la plateforme ne "
                          "peut pas l'approuver", field="facts.planned_launch_date")
    if not rules.assessment.lawful:
        raise DomainError(f"{rules.assessment.refusal} Renvoyez le besoin à son auteur pour qu'il choisisse une procédure "
                          "possible.", field=f"facts.{rules.assessment.field or 'procedure'}")
    facts = need.facts.model_copy(update={"decision": rules.procedure_decision(need.facts.procedure)})
    event = NeedApproved(purchase=facts, approved_by=approver, approved_at=at, invited_suppliers=list(invited))
    return replace(need, status=status, facts=facts, approved_by=approver, approved_at=at), [event]
