"""The life of a need (pure): lots add up, codes exist, a need is approved once, the review
workflow draft -> submitted -> approved (or returned with a reason), who may do what."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from unefois_events.catalogue import Lot, NeedApproved, Organisation
from unefois_kernel.auth.principal import Role
from unefois_kernel.domain_errors import DomainError, InvalidFields
from unefois_kernel.testing import BUYER, purchase
from unefois_rules import BuyerKind
from unefois_sourcing.clauses.domain import Clause, ClauseKind
from unefois_sourcing.needs import domain
from unefois_sourcing.needs.domain import Need, NeedAction, NeedListItem, NeedStatus

AT = datetime(2026, 11, 2, 10, tzinfo=UTC)
BUYING = frozenset({Role.BUYER})
APPROVING = frozenset({Role.BUYER_APPROVER})
A = Organisation(siret="80000004400019", name="Travaux Publics Rhodaniens SAS")
B = Organisation(siret="81000005900016", name="Fournitures du Centre")


def need(status: NeedStatus = NeedStatus.DRAFT, **changes) -> Need:
    facts = purchase()
    return Need(id=facts.need_id, tenant=BUYER.siret, status=status, facts=facts,
                created_at=datetime(2026, 10, 1, tzinfo=UTC), **changes)


# ---------------------------------------------------------------- what a need must satisfy


def test_lots_must_add_up_to_the_estimate():
    lots = [Lot(number=1, title="A", estimated_value=Decimal("70000.00")),
            Lot(number=2, title="B", estimated_value=Decimal("50000.00"))]
    assert domain.lots_add_up(purchase(lots=lots))  # 120 000 = 120 000
    assert domain.lots_add_up(purchase(lots=[]))  # no lots, nothing to add up
    short = [lots[0], lots[1].model_copy(update={"estimated_value": Decimal("49999.99")})]
    assert not domain.lots_add_up(purchase(lots=short))
    assert domain.reference_errors(purchase(lots=short)) == [{"field": "facts.lots", "reason": domain.LOTS_REASON}]


def test_every_unknown_code_is_named_at_once():
    facts = purchase(main_cpv="99999999", additional_cpvs=["45000000", "98765432"],
                     place_of_execution={"code": "99999", "code_type": "Code commune"})
    assert [e["field"] for e in domain.reference_errors(facts)] == [
        "facts.main_cpv", "facts.additional_cpvs.1", "facts.place_of_execution.code"]
    assert domain.reference_errors(purchase()) == []


def test_a_procedure_the_rules_do_not_allow_is_refused_with_the_other_fields():
    # 120 000 € of works for a local authority: an adapted procedure is allowed...
    decision = domain.check_need(purchase(), BuyerKind.LOCAL, date(2026, 11, 2))
    assert "Procédure adaptée" in decision.allowed_procedures
    # ...300 000 € of supplies is over the formal threshold: not an adapted procedure.
    over = purchase(nature="supplies", ccag="Fournitures courantes et services", estimated_value=Decimal("300000.00"),
                    main_cpv="99999999")
    with pytest.raises(InvalidFields) as refused:
        domain.check_need(over, BuyerKind.LOCAL, date(2026, 11, 2))
    assert [e["field"] for e in refused.value.errors] == ["facts.main_cpv", "facts.procedure"]
    assert "216" in refused.value.errors[1]["reason"]


def test_picked_clauses_set_the_considerations_and_travel_with_the_facts():
    clause = Clause(id=uuid.uuid4(), tenant=None, kind=ClauseKind.SOCIAL, consideration="Clause sociale",
                    title="Insertion", body="Cinq pour cent des heures.")
    typed = purchase(social_considerations=["Pas de considération sociale"])
    facts = domain.compose_facts(uuid.uuid4(), BUYER, typed, [clause])
    assert [c.value for c in facts.social_considerations] == ["Clause sociale"]
    assert [c.title for c in facts.clauses] == ["Insertion"] and facts.buyer == BUYER
    assert facts.object == typed.object and facts.estimated_value == typed.estimated_value


def test_the_splitting_window_is_twelve_months_back():
    assert domain.splitting_window_start(datetime(2026, 11, 2, 9, tzinfo=UTC)) == datetime(2025, 11, 2, 9, tzinfo=UTC)
    assert domain.splitting_window_start(datetime(2028, 2, 29, tzinfo=UTC)) == datetime(2027, 2, 28, tzinfo=UTC)


def test_needs_of_one_division_that_add_up_over_a_threshold_are_a_warning():
    facts = purchase(nature="services", ccag="Fournitures courantes et services", main_cpv="90910000",
                     estimated_value=Decimal("35000.00"))
    other = NeedListItem(id=uuid.uuid4(), status=NeedStatus.APPROVED, object="Nettoyage de l'école",
                         main_cpv="90911200", estimated_value=Decimal("35000.00"), nature=facts.nature,
                         created_at=datetime(2026, 9, 1, tzinfo=UTC))
    warnings = domain.splitting_warnings(facts, date(2026, 11, 2), [other], BuyerKind.LOCAL)
    assert warnings and "division CPV 90" in warnings[0] and "Nettoyage de l'école" in warnings[0]
    assert domain.splitting_warnings(facts, date(2026, 11, 2), [], BuyerKind.LOCAL) == []


# ---------------------------------------------------------------- who may do what


def test_the_page_is_offered_what_the_transitions_allow():
    assert domain.allowed_actions(NeedStatus.DRAFT, BUYING) == {NeedAction.SUBMIT}
    assert domain.allowed_actions(NeedStatus.DRAFT, APPROVING) == {NeedAction.SUBMIT}  # an approver buys too
    assert domain.allowed_actions(NeedStatus.SUBMITTED, BUYING) == set()
    assert domain.allowed_actions(NeedStatus.SUBMITTED, APPROVING) == {NeedAction.RETURN, NeedAction.APPROVE}
    assert domain.allowed_actions(NeedStatus.APPROVED, APPROVING) == set()
    assert domain.allowed_actions(NeedStatus.DRAFT, frozenset({Role.SUPPLIER})) == set()
    assert domain.roles_for(NeedAction.APPROVE) == APPROVING


def test_every_allowed_action_is_a_transition_that_succeeds_and_no_other():
    for status in NeedStatus:
        for roles in (BUYING, APPROVING):
            allowed = domain.allowed_actions(status, roles)
            for action, take in ((NeedAction.SUBMIT, lambda n: domain.submit(n, roles=roles, at=AT)),
                                 (NeedAction.RETURN, lambda n: domain.return_for_changes(n, "Lots", roles=roles, at=AT)),
                                 (NeedAction.APPROVE, lambda n: domain.approve(n, roles=roles, approver="C", at=AT,
                                                                               invited=[]))):
                if action in allowed:
                    assert take(need(status))[0].status == domain.TRANSITIONS[action].target
                else:
                    with pytest.raises(DomainError) as refused:
                        take(need(status))
                    assert refused.value.status in (403, 409), (status, roles, action)


# ---------------------------------------------------------------- transitions


def test_approval_publishes_everything_downstream_needs():
    submitted = need(NeedStatus.SUBMITTED)
    approved, events = domain.approve(submitted, roles=APPROVING, approver="Cheffe", at=AT, invited=[A])
    assert (approved.status, approved.approved_by, approved.approved_at) == (NeedStatus.APPROVED, "Cheffe", AT)
    [event] = events
    assert isinstance(event, NeedApproved)
    assert event.purchase == submitted.facts and event.invited_suppliers == [A]
    assert event.subject == str(submitted.facts.need_id)
    assert event.tenant == submitted.facts.buyer.siret


def test_a_need_is_approved_once():
    with pytest.raises(DomainError) as refused:
        domain.approve(need(NeedStatus.APPROVED), roles=APPROVING, approver="C", at=AT, invited=[])
    assert refused.value.status == 409 and refused.value.detail == "ce besoin est déjà approuvé"


def test_a_draft_cannot_be_approved_before_it_is_submitted():
    with pytest.raises(DomainError) as refused:
        domain.approve(need(NeedStatus.DRAFT), roles=APPROVING, approver="C", at=AT, invited=[])
    assert refused.value.field == "status" and refused.value.status == 409


def test_only_an_approver_approves():
    with pytest.raises(DomainError) as refused:
        domain.approve(need(NeedStatus.SUBMITTED), roles=BUYING, approver="C", at=AT, invited=[])
    assert refused.value.status == 403


def test_the_review_workflow_goes_draft_submitted_approved():
    returned = need(NeedStatus.DRAFT, return_comment="Préciser les lots", returned_at=AT)
    submitted, events = domain.submit(returned, roles=BUYING, at=AT)
    assert (submitted.status, submitted.submitted_at, events) == (NeedStatus.SUBMITTED, AT, [])
    assert submitted.return_comment is None  # the earlier return's comment is answered
    with pytest.raises(DomainError) as refused:
        domain.submit(submitted, roles=BUYING, at=AT)
    assert refused.value.status == 409
    assert refused.value.detail == "seul un brouillon peut être soumis (statut actuel : submitted)"


def test_a_returned_need_goes_back_to_draft_with_a_reason():
    returned, events = domain.return_for_changes(need(NeedStatus.SUBMITTED), "Lots à revoir", roles=APPROVING, at=AT)
    assert (returned.status, returned.return_comment, returned.returned_at, events) == (
        NeedStatus.DRAFT, "Lots à revoir", AT, [])
    with pytest.raises(DomainError) as refused:
        domain.return_for_changes(need(NeedStatus.SUBMITTED), "   ", roles=APPROVING, at=AT)
    assert refused.value.field == "comment"
    with pytest.raises(DomainError) as refused:
        domain.return_for_changes(need(NeedStatus.DRAFT), "Lots à revoir", roles=APPROVING, at=AT)
    assert refused.value.field == "status"


def test_the_return_comment_rule():
    domain.check_return_comment("x" * domain.RETURN_COMMENT_MAX_LENGTH)
    for comment, reason in (("", "indiquez pourquoi le besoin est renvoyé"), (" \n ", "indiquez pourquoi le besoin est renvoyé"),
                            ("x" * (domain.RETURN_COMMENT_MAX_LENGTH + 1), "2 000 caractères au plus")):
        with pytest.raises(DomainError) as refused:
            domain.check_return_comment(comment)
        assert (refused.value.field, refused.value.detail, refused.value.status) == ("comment", reason, 422)


def test_the_shortlist_and_the_approvers_additions_are_invited_once_each():
    renamed = Organisation(siret=A.siret, name="TPR")
    assert domain.invitations([A], [B, renamed]) == [renamed, B]
    assert domain.invitations([], []) == []


@pytest.mark.parametrize(("kind", "maximum"), [(BuyerKind.LOCAL, 48), (BuyerKind.STATE, 48), (BuyerKind.UTILITY, 96)])
def test_a_framework_agreement_lasts_no_longer_than_the_law_allows(kind, maximum):
    # Accords-cadres: L2125-1 (4 years, 8 for an entité adjudicatrice).
    framework = {"techniques": ["Accord-cadre"]}
    assert domain.framework_duration_problem(purchase(**framework, duration_months=maximum), kind) is None
    assert domain.framework_duration_problem(purchase(duration_months=maximum + 1), kind) is None  # not a framework
    problem = domain.framework_duration_problem(purchase(**framework, duration_months=maximum + 1), kind)
    assert f"{maximum} mois au plus" in problem
    with pytest.raises(InvalidFields) as refused:
        domain.check_need(purchase(**framework, duration_months=maximum + 1), kind, date(2026, 11, 2))
    assert "facts.duration_months" in {error["field"] for error in refused.value.errors}


def test_no_unverified_limit_is_applied_to_defence_framework_agreements():
    # Their own limit was not verified against its article: none is applied rather than a guess.
    assert domain.framework_duration_problem(purchase(techniques=["Accord-cadre"], duration_months=120),
                                             BuyerKind.DEFENCE) is None


def test_a_return_comment_with_a_nul_character_is_refused():
    with pytest.raises(DomainError) as refused:
        domain.check_return_comment("Manque\x00 le CCTP")
    assert refused.value.field == "comment" and "U+0000" in refused.value.detail
