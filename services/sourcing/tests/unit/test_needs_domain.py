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


RULES = domain.rules_of(purchase(), BuyerKind.LOCAL, date(2026, 11, 2))  # 120 000 € of works, adapted


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


def test_a_wrong_check_digit_says_so_and_names_the_expected_one():
    # 45000000-7 is the list's code: -3 is a wrong check digit, not an unknown code.
    assert domain.cpv_problem("45000000-7") is None and domain.cpv_problem("45000000") is None
    assert domain.cpv_problem("45000000-3") == (
        "clé de contrôle incorrecte (attendue : 7) : 45000000-3 ; le code est 45000000-7")
    assert domain.cpv_problem("99999999-1") == "code CPV inconnu de la nomenclature 2008 : 99999999-1"


def test_the_check_digit_is_the_lists_for_every_code_and_no_other_digit_passes():
    from unefois_sourcing import reference
    for entry in reference.all_cpv():
        assert domain.cpv_problem(entry.code) is None and domain.cpv_problem(entry.code8) is None
        wrong = f"{entry.code8}-{(int(entry.code[-1]) + 1) % 10}"
        assert f"(attendue : {entry.code[-1]})" in domain.cpv_problem(wrong)


def test_each_wrong_additional_code_is_named_with_its_rank():
    facts = purchase(additional_cpvs=["45000000-7", "45000000-3", "98765432"])
    errors = domain.reference_errors(facts)
    assert [e["field"] for e in errors] == ["facts.additional_cpvs.1", "facts.additional_cpvs.2"]
    assert errors[0]["reason"].startswith("code complémentaire n° 2 : clé de contrôle incorrecte (attendue : 7)")
    assert errors[1]["reason"] == "code complémentaire n° 3 : code CPV inconnu de la nomenclature 2008 : 98765432"


@pytest.mark.parametrize(("nature", "ccag", "allowed"), [
    ("works", "Travaux", True), ("works", "Maitrise d'œuvre", True), ("works", "Pas de CCAG", True),
    ("works", "Fournitures courantes et services", False), ("works", "Prestations intellectuelles", False),
    ("supplies", "Fournitures courantes et services", True), ("supplies", "Marchés industriels", True),
    ("supplies", "Techniques de l'information et de la communication", True), ("supplies", "Travaux", False),
    ("supplies", "Prestations intellectuelles", False), ("services", "Prestations intellectuelles", True),
    ("services", "Maitrise d'œuvre", True), ("services", "Pas de CCAG", True), ("services", "Travaux", False),
])
def test_the_ccag_follows_the_nature(nature, ccag, allowed):
    problem = domain.ccag_problem(domain.PurchaseNature(nature), domain.Ccag(ccag))
    assert (problem is None) is allowed
    if not allowed:
        assert f"« {ccag} » ne s'applique pas" in problem
        assert "facts.ccag" in {e["field"] for e in domain.reference_errors(purchase(nature=nature, ccag=ccag))}


def test_an_estimated_value_of_zero_is_refused():
    with pytest.raises(InvalidFields) as refused:
        domain.check_need(purchase(estimated_value=Decimal("0.00")), BuyerKind.LOCAL, date(2026, 11, 2))
    assert refused.value.errors[0] == {"field": "facts.estimated_value",
                                       "reason": "la valeur estimée doit être supérieure à 0 €"}
    domain.check_need(purchase(estimated_value=Decimal("0.01")), BuyerKind.LOCAL, date(2026, 11, 2))


def test_dates_in_the_past_are_refused_today_is_not():
    today = date(2026, 11, 2)
    domain.check_need(purchase(desired_start_date=today, planned_launch_date=today), BuyerKind.LOCAL, today)
    with pytest.raises(InvalidFields) as refused:
        domain.check_need(purchase(desired_start_date=date(2026, 11, 1), planned_launch_date=date(2026, 11, 1)),
                          BuyerKind.LOCAL, today)
    assert [e["field"] for e in refused.value.errors] == ["facts.desired_start_date", "facts.planned_launch_date"]
    assert "nous sommes le 02/11/2026" in refused.value.errors[0]["reason"]
    # A need already submitted may have passed its planned launch date: the decision is then today's.
    past = purchase(planned_launch_date=date(2026, 10, 1))
    assert domain.check_need(past, BuyerKind.LOCAL, today, past_submission=True).decision.launch_date == today


def test_the_rules_are_those_of_the_planned_launch_date():
    # 218 000 € of services for a local authority: adapted on 2025-12-15 (formal threshold 221 000 €),
    # formal from 2026-01-01 (216 000 €): the planned launch date decides, not the day it is typed.
    facts = purchase(nature="services", ccag="Fournitures courantes et services", main_cpv="90910000",
                     estimated_value=Decimal("218000.00"), planned_launch_date=date(2025, 12, 15))
    decision = domain.check_need(facts, BuyerKind.LOCAL, date(2025, 11, 2)).decision
    assert decision.launch_date == date(2025, 12, 15) and decision.band == "adapted"
    with pytest.raises(InvalidFields) as refused:
        domain.check_need(facts.model_copy(update={"planned_launch_date": date(2026, 1, 10)}), BuyerKind.LOCAL,
                          date(2025, 11, 2))
    assert [e["field"] for e in refused.value.errors] == ["facts.procedure"]
    assert domain.decision_date(purchase(), date(2026, 11, 2)) == date(2026, 11, 2)  # none planned: today


def test_an_edit_changes_the_facts_and_says_what_changed():
    draft = need(NeedStatus.DRAFT, return_comment="Préciser l'objet", returned_at=AT)
    changed = draft.facts.model_copy(update={"object": "Voirie : rue des Lilas", "estimated_value": Decimal("90000.00")})
    edited, changes = domain.edit(draft, changed, roles=BUYING)
    assert (edited.status, edited.facts, edited.return_comment) == (NeedStatus.DRAFT, changed, "Préciser l'objet")
    assert [c.to_dict() for c in changes] == [
        {"field": "object", "before": "Réfection de la voirie communale", "after": "Voirie : rue des Lilas"},
        {"field": "estimated_value", "before": "120000.00", "after": "90000.00"}]
    assert domain.edit(draft, draft.facts, roles=BUYING)[1] == []  # nothing changed


def test_a_submitted_or_approved_need_is_not_edited():
    for status, words in ((NeedStatus.SUBMITTED, "un besoin soumis ne se modifie plus"),
                          (NeedStatus.APPROVED, "un besoin approuvé ne se modifie plus")):
        with pytest.raises(DomainError) as refused:
            domain.edit(need(status), purchase(), roles=BUYING)
        assert (refused.value.status, refused.value.field) == (409, "status") and refused.value.detail.startswith(words)
    with pytest.raises(DomainError) as refused:
        domain.edit(need(), purchase(), roles=frozenset({Role.SUPPLIER}))
    assert refused.value.status == 403


def test_a_procedure_the_rules_do_not_allow_is_refused_with_the_other_fields():
    # 120 000 € of works for a local authority: an adapted procedure is allowed...
    decision = domain.check_need(purchase(), BuyerKind.LOCAL, date(2026, 11, 2)).decision
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
    assert domain.allowed_actions(NeedStatus.DRAFT, BUYING) == {NeedAction.EDIT, NeedAction.SUBMIT}
    assert domain.allowed_actions(NeedStatus.DRAFT, APPROVING) == {NeedAction.EDIT, NeedAction.SUBMIT}  # an approver buys too
    assert domain.allowed_actions(NeedStatus.SUBMITTED, BUYING) == set()
    assert domain.allowed_actions(NeedStatus.SUBMITTED, APPROVING) == {NeedAction.RETURN, NeedAction.APPROVE}
    assert domain.allowed_actions(NeedStatus.APPROVED, APPROVING) == set()
    assert domain.allowed_actions(NeedStatus.DRAFT, frozenset({Role.SUPPLIER})) == set()
    assert domain.roles_for(NeedAction.APPROVE) == APPROVING


def test_every_allowed_action_is_a_transition_that_succeeds_and_no_other():
    for status in NeedStatus:
        for roles in (BUYING, APPROVING):
            allowed = domain.allowed_actions(status, roles)
            for action, take in ((NeedAction.EDIT, lambda n: domain.edit(n, n.facts, roles=roles)),
                                 (NeedAction.SUBMIT, lambda n: domain.submit(n, roles=roles, at=AT)),
                                 (NeedAction.RETURN, lambda n: domain.return_for_changes(n, "Lots", roles=roles, at=AT)),
                                 (NeedAction.APPROVE, lambda n: domain.approve(n, roles=roles, approver="C", at=AT,
                                                                               invited=[], rules=RULES))):
                if action in allowed:
                    assert take(need(status))[0].status == domain.TRANSITIONS[action].target
                else:
                    with pytest.raises(DomainError) as refused:
                        take(need(status))
                    assert refused.value.status in (403, 409), (status, roles, action)


# ---------------------------------------------------------------- transitions


def test_approval_publishes_everything_downstream_needs():
    submitted = need(NeedStatus.SUBMITTED)
    approved, events = domain.approve(submitted, roles=APPROVING, approver="Cheffe", at=AT, invited=[A], rules=RULES)
    assert (approved.status, approved.approved_by, approved.approved_at) == (NeedStatus.APPROVED, "Cheffe", AT)
    [event] = events
    assert isinstance(event, NeedApproved)
    assert event.purchase == submitted.facts.model_copy(update={"decision": event.purchase.decision})
    assert event.invited_suppliers == [A] and approved.facts == event.purchase
    # The decision taken on approval travels, for tendering to check again at publication.
    decision = event.purchase.decision
    assert (decision.decided_on, decision.band, decision.chosen_procedure.value, decision.buyer_kind) == (
        date(2026, 11, 2), "adapted", "Procédure adaptée", BuyerKind.LOCAL)
    assert event.subject == str(submitted.facts.need_id)
    assert event.tenant == submitted.facts.buyer.siret


def test_a_choice_the_rules_now_refuse_is_not_approved():
    over = purchase(nature="supplies", ccag="Fournitures courantes et services", estimated_value=Decimal("300000.00"))
    rules = domain.rules_of(over, BuyerKind.LOCAL, date(2026, 11, 2))  # adapted above the formal threshold
    submitted = need(NeedStatus.SUBMITTED)
    with pytest.raises(DomainError) as refused:
        domain.approve(submitted, roles=APPROVING, approver="C", at=AT, invited=[], rules=rules)
    assert refused.value.field == "facts.procedure" and "Renvoyez le besoin à son auteur" in refused.value.detail
    with pytest.raises(DomainError) as uncovered:
        domain.approve(submitted, roles=APPROVING, approver="C", at=AT, invited=[], rules=None)
    assert uncovered.value.field == "facts.planned_launch_date"


def test_a_need_is_approved_once():
    with pytest.raises(DomainError) as refused:
        domain.approve(need(NeedStatus.APPROVED), roles=APPROVING, approver="C", at=AT, invited=[], rules=RULES)
    assert refused.value.status == 409 and refused.value.detail == "ce besoin est déjà approuvé"


def test_a_draft_cannot_be_approved_before_it_is_submitted():
    with pytest.raises(DomainError) as refused:
        domain.approve(need(NeedStatus.DRAFT), roles=APPROVING, approver="C", at=AT, invited=[], rules=RULES)
    assert refused.value.field == "status" and refused.value.status == 409


def test_only_an_approver_approves():
    with pytest.raises(DomainError) as refused:
        domain.approve(need(NeedStatus.SUBMITTED), roles=BUYING, approver="C", at=AT, invited=[], rules=RULES)
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


def test_a_defence_framework_agreement_lasts_seven_years_at_most():
    # Art. L2325-1 1°: "La durée des accords-cadres ne peut dépasser sept ans, sauf dans des cas
    # exceptionnels dûment justifiés" (defence or security contracts).
    framework = {"techniques": ["Accord-cadre"]}
    assert domain.framework_duration_problem(purchase(**framework, duration_months=84), BuyerKind.DEFENCE) is None
    problem = domain.framework_duration_problem(purchase(**framework, duration_months=85), BuyerKind.DEFENCE)
    assert "84 mois au plus (7 ans" in problem and "L2325-1" in problem


def test_a_return_comment_with_a_nul_character_is_refused():
    with pytest.raises(DomainError) as refused:
        domain.check_return_comment("Manque\x00 le CCTP")
    assert refused.value.field == "comment" and "U+0000" in refused.value.detail


def test_a_value_the_rules_cannot_take_is_refused_with_its_field():
    # Supplies the buyer provides count for works only (R2121-5): the rules package refuses them
    # for services, and the refusal names the need's field.
    with pytest.raises(InvalidFields) as refused:
        domain.check_need(purchase(nature="services", ccag="Fournitures courantes et services", main_cpv="90910000",
                                   buyer_supplied_value=Decimal("1000.00")), BuyerKind.LOCAL, date(2026, 11, 2))
    assert [e["field"] for e in refused.value.errors] == ["facts.buyer_supplied_value"]


def test_the_compared_value_adds_candidate_payments_and_buyer_supplied_works_supplies():
    # R2121-1 (primes ou paiements aux candidats) and R2121-5 (fournitures mises à disposition, travaux):
    # 5 300 000 € of works + 200 000 € + 100 000 € = 5 600 000 € >= 5 404 000 €, the 2026 formal threshold.
    works = purchase(estimated_value=Decimal("5300000.00"), candidate_payments=Decimal("200000.00"),
                     buyer_supplied_value=Decimal("100000.00"))
    assert domain.rules_value(works) == Decimal("5600000.00")
    assert domain.rules_of(works, BuyerKind.LOCAL, date(2026, 11, 2)).decision.band == "formal"
    assert domain.rules_of(purchase(estimated_value=Decimal("5300000.00")), BuyerKind.LOCAL,
                           date(2026, 11, 2)).decision.band == "adapted"
