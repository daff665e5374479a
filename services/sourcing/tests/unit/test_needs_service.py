"""The needs use cases on a FakeUnitOfWork: what each stores, emits and audits, with the
time of the unit of work's clock, and what it refuses without writing anything."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from unefois_events.catalogue import NeedApproved, Organisation
from unefois_events.values import PurchaseNature
from unefois_kernel.auth.principal import Role
from unefois_kernel.domain_errors import DomainError, InvalidFields, NotFound
from unefois_kernel.testing import person
from unefois_kernel.web.listing import Page
from unefois_rules import BuyerKind
from unefois_sourcing.clauses.domain import Clause, ClauseKind
from unefois_sourcing.needs import service
from unefois_sourcing.needs.domain import NeedFilters, NeedOrder, NeedStatus
from unefois_sourcing.research.domain import Quote

INSERTION = Clause(id=uuid.UUID(int=1), tenant=None, kind=ClauseKind.SOCIAL, consideration="Clause sociale",
                   title="Insertion par l'activité économique", body="Cinq pour cent des heures travaillées.")
WASTE = Clause(id=uuid.UUID(int=2), tenant=None, kind=ClauseKind.ENVIRONMENTAL, consideration="Clause environnementale",
               title="Déchets de chantier", body="Tri à la source et valorisation.")
TPR = Organisation(siret="80000004400019", name="Travaux Publics Rhodaniens SAS")
FDC = Organisation(siret="81000005900016", name="Fournitures du Centre")


def nothing_committed(uow) -> bool:
    return uow.committed.events == [] and uow.committed.audits == [] and uow.commits == 0


# ---------------------------------------------------------------- create


async def test_create_stores_a_draft_of_the_sessions_buyer_with_its_clauses(buyer, repos, clock, draft):
    repos.clauses.rows.update({INSERTION.id: INSERTION, WASTE.id: WASTE})
    created = await service.create(buyer, draft(clause_ids=[INSERTION.id, WASTE.id]))
    need = repos.needs.rows[created.need.id]
    assert need == created.need
    assert (need.status, need.tenant, need.created_at) == (NeedStatus.DRAFT, buyer.tenant, clock.now())
    assert need.facts.buyer == Organisation(siret=buyer.tenant, name=buyer.principal.org_name)
    assert [c.value for c in need.facts.social_considerations] == ["Clause sociale"]
    assert [c.value for c in need.facts.environmental_considerations] == ["Clause environnementale"]
    assert [c.clause_id for c in need.facts.clauses] == [WASTE.id, INSERTION.id]  # by kind, then title
    # The rules in force on the clock's day: 38 000 € of services, under the no-competition threshold.
    assert created.decision.band == "no_competition" and created.warnings == []
    assert buyer.committed.actions() == ["need.created"] and buyer.committed.events == []
    assert buyer.committed.audits[0].change["facts"]["need_id"] == str(need.id)


async def test_create_refuses_an_unknown_clause_and_stores_nothing(buyer, repos, draft):
    with pytest.raises(DomainError) as refused:
        await service.create(buyer, draft(clause_ids=[uuid.UUID(int=99)]))
    assert refused.value.field == "clause_ids"
    assert repos.needs.rows == {} and nothing_committed(buyer) and buyer.rollbacks == 1


async def test_create_names_every_refused_field_at_once(buyer, repos, draft):
    with pytest.raises(InvalidFields) as refused:
        await service.create(buyer, draft(main_cpv="99999999", place_of_execution={"code": "99999", "code_type": "Code commune"},
                                          estimated_value="300000.00",
                                          lots=[{"number": 1, "title": "Lot unique", "estimated_value": "100.00"}]))
    assert {e["field"] for e in refused.value.errors} == {
        "facts.main_cpv", "facts.place_of_execution.code", "facts.lots", "facts.procedure"}
    assert repos.needs.rows == {} and nothing_committed(buyer)


async def test_the_buyers_kind_decides_the_thresholds(buyer, repos, draft):
    # 150 000 € of services: an adapted procedure for a local authority, a formal one for the State.
    assert (await service.create(buyer, draft(estimated_value="150000.00"))).decision.band == "adapted"
    repos.needs.profile = BuyerKind.STATE
    with pytest.raises(InvalidFields) as refused:
        await service.create(buyer, draft(estimated_value="150000.00"))
    assert [e["field"] for e in refused.value.errors] == ["facts.procedure"]


async def test_create_warns_of_a_split_purchase_within_twelve_months(buyer, add_need, clock, draft):
    services = {"nature": "services", "ccag": "Fournitures courantes et services", "main_cpv": "90911200"}
    add_need("approved", created_at=clock.now() - timedelta(days=60), object="Nettoyage de l'école",
             estimated_value=Decimal("35000.00"), **services)
    add_need("approved", created_at=clock.now() - timedelta(days=400), object="Nettoyage ancien",
             estimated_value=Decimal("35000.00"), **services)  # out of the 12 months
    created = await service.create(buyer, draft(estimated_value="35000.00"))
    assert len(created.warnings) >= 1
    assert "Nettoyage de l'école" in created.warnings[0] and "Nettoyage ancien" not in " ".join(created.warnings)


async def test_create_refuses_each_wrong_value_with_its_field(buyer, repos, clock, draft):
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    with pytest.raises(InvalidFields) as refused:
        await service.create(buyer, draft(estimated_value="0.00", desired_start_date=yesterday,
                                          planned_launch_date=yesterday, main_cpv="90910000-3",
                                          additional_cpvs=["90911200-8", "90911200-1", "12345678"],
                                          ccag="Travaux", techniques=["Accord-cadre"], duration_months=49))
    reasons = {e["field"]: e["reason"] for e in refused.value.errors}
    assert set(reasons) == {"facts.estimated_value", "facts.desired_start_date", "facts.planned_launch_date",
                            "facts.main_cpv", "facts.additional_cpvs.1", "facts.additional_cpvs.2", "facts.ccag",
                            "facts.duration_months"}
    assert reasons["facts.main_cpv"].startswith("clé de contrôle incorrecte (attendue : 9)")
    assert reasons["facts.additional_cpvs.1"].startswith("code complémentaire n° 2 : clé de contrôle incorrecte")
    assert "48 mois au plus" in reasons["facts.duration_months"]
    assert repos.needs.rows == {} and nothing_committed(buyer)


async def test_the_planned_launch_date_decides_and_the_clock_says_what_is_past(buyer, clock, draft):
    # 218 000 € of services for a local authority, typed on 2025-11-02: planned for 2025-12-15, the
    # rules of 2025 (formal threshold 221 000 €) allow an adapted procedure; planned for 2026-01-10,
    # those of 2026 (216 000 €) do not.
    clock.set(datetime(2025, 11, 2, 9, tzinfo=UTC))
    services = {"estimated_value": "218000.00"}
    created = await service.create(buyer, draft(**services, planned_launch_date="2025-12-15"))
    assert (created.decision.launch_date, created.decision.band) == (datetime(2025, 12, 15).date(), "adapted")
    with pytest.raises(InvalidFields) as refused:
        await service.create(buyer, draft(**services, planned_launch_date="2026-01-10"))
    assert [e["field"] for e in refused.value.errors] == ["facts.procedure"]
    # None planned: the clock's day.
    assert (await service.create(buyer, draft(**services))).decision.launch_date == clock.today()


async def test_the_approval_carries_the_decision_of_the_planned_launch_date(buyer, approver, repos, clock, draft):
    # Typed and approved in November 2025, planned for 2025-12-15: 218 000 € of services is an
    # adapted procedure under the 2025 rows; NeedApproved says so, dated 2025-12-15, so that
    # tendering, publishing on 2026-01-10 (formal threshold 216 000 €), can see it no longer holds.
    clock.set(datetime(2025, 11, 2, 9, tzinfo=UTC))
    need = (await service.create(buyer, draft(estimated_value="218000.00", planned_launch_date="2025-12-15"))).need
    await service.submit(buyer, need.id)
    await service.approve(approver, need.id)
    [event] = approver.committed.events
    decision = event.purchase.decision
    assert (decision.decided_on, decision.band, decision.chosen_procedure.value, decision.public_body) == (
        datetime(2025, 12, 15).date(), "adapted", "Procédure adaptée", True)
    assert repos.needs.rows[need.id].facts.decision == decision


async def test_a_choice_the_thresholds_no_longer_allow_is_not_approved(buyer, approver, repos, clock, draft):
    # Planned for 2025-12-15 but approved on 2026-01-05: the decision is taken again on the day of
    # approval (the planned date has passed, R2121-3) and 218 000 € is now formal.
    clock.set(datetime(2025, 11, 2, 9, tzinfo=UTC))
    need = (await service.create(buyer, draft(estimated_value="218000.00", planned_launch_date="2025-12-15"))).need
    await service.submit(buyer, need.id)
    clock.set(datetime(2026, 1, 5, 9, tzinfo=UTC))
    with pytest.raises(DomainError) as refused:
        await service.approve(approver, need.id)
    assert refused.value.field == "facts.procedure" and "Renvoyez le besoin" in refused.value.detail
    assert approver.committed.events == [] and repos.needs.rows[need.id].status is NeedStatus.SUBMITTED


# ---------------------------------------------------------------- edit


async def test_a_returned_need_is_edited_and_the_trail_says_what_changed(buyer, repos, clock, draft):
    created = await service.create(buyer, draft())
    need = created.need
    repos.needs.rows[need.id] = replace(need, return_comment="Préciser l'objet")  # returned by an approver
    clock.advance(timedelta(hours=2))
    edited = await service.edit(buyer, need.id, draft(object="Nettoyage des locaux de la mairie annexe",
                                                      estimated_value="39500.00"))
    stored = repos.needs.rows[need.id]
    assert stored == edited.need and edited.changed and repos.needs.locked == [need.id]
    assert (stored.status, stored.facts.object, stored.facts.estimated_value, stored.return_comment) == (
        NeedStatus.DRAFT, "Nettoyage des locaux de la mairie annexe", Decimal("39500.00"), "Préciser l'objet")
    assert (stored.facts.need_id, stored.facts.buyer, stored.created_at) == (need.id, need.facts.buyer, need.created_at)
    assert buyer.committed.actions() == ["need.created", "need.edited"]
    assert buyer.committed.audits[1].change == {"by": "Camille Achat", "at": clock.now().isoformat(), "changes": [
        {"field": "object", "before": "Nettoyage des locaux de la mairie", "after": "Nettoyage des locaux de la mairie annexe"},
        {"field": "estimated_value", "before": "38000.00", "after": "39500.00"}]}
    # The need page's history reads the trail back.
    repos.needs.record(buyer)
    history = await service.history(buyer, need.id)
    assert [h.action for h in history] == ["need.created", "need.edited"] and history[1].actor == "Camille Achat"
    assert (await service.need_file(buyer, need.id)).history == history


async def test_an_edit_that_changes_nothing_records_nothing(buyer, repos, draft):
    created = await service.create(buyer, draft())
    edited = await service.edit(buyer, created.need.id, draft())
    assert not edited.changed and buyer.committed.actions() == ["need.created"]


async def test_an_edit_has_the_checks_of_a_creation(buyer, repos, draft):
    need = (await service.create(buyer, draft())).need
    with pytest.raises(InvalidFields) as refused:
        await service.edit(buyer, need.id, draft(estimated_value="0.00", additional_cpvs=["90911200-1"]))
    assert {e["field"] for e in refused.value.errors} == {"facts.estimated_value", "facts.additional_cpvs.0"}
    assert repos.needs.rows[need.id] == need and buyer.committed.actions() == ["need.created"]


async def test_a_submitted_or_approved_need_is_not_edited(buyer, repos, add_need, draft):
    for status in ("submitted", "approved"):
        need = add_need(status)
        with pytest.raises(DomainError) as refused:
            await service.edit(buyer, need.id, draft())
        assert (refused.value.status, refused.value.field) == (409, "status")
        assert repos.needs.rows[need.id] == need
    with pytest.raises(NotFound):
        await service.edit(buyer, uuid.uuid4(), draft())
    assert nothing_committed(buyer)


async def test_only_a_buyer_edits(uow_of, repos, add_need, draft):
    # The buyer organisation's own person, with a role that may read but not edit. (Not
    # `from conftest import BUYER`: which conftest that names depends on the test run.)
    need = add_need()
    reader = uow_of(replace(person(Role.BUYER), roles=frozenset({Role.SUPPLIER})))
    with pytest.raises(DomainError) as refused:
        await service.edit(reader, need.id, draft())
    assert refused.value.status == 403 and repos.needs.rows[need.id] == need


# ---------------------------------------------------------------- reads


async def test_recommend_applies_the_rules_of_the_clocks_day_by_default(buyer, repos, clock):
    decision = await service.recommend(buyer, PurchaseNature.SERVICES, Decimal("150000.00"))
    assert decision.band == "adapted"
    repos.needs.profile = BuyerKind.STATE
    assert (await service.recommend(buyer, PurchaseNature.SERVICES, Decimal("150000.00"))).band == "formal"
    with pytest.raises(DomainError):  # a date the dated table does not cover
        await service.recommend(buyer, PurchaseNature.SERVICES, Decimal("1000.00"), datetime(1990, 1, 1).date())
    assert buyer.committed.audits == []


async def test_get_a_need_or_404(buyer, add_need):
    need = add_need()
    assert await service.get(buyer, need.id) == need
    with pytest.raises(NotFound) as missing:
        await service.get(buyer, uuid.uuid4())
    assert missing.value.field == "need_id"


async def test_the_need_file_holds_its_research_and_the_rules_of_its_day(buyer, repos, add_need, clock):
    need = add_need("submitted", created_at=datetime(2026, 6, 1, 8, tzinfo=UTC))
    repos.research.notes[need.id] = ("Trois entreprises consultées.", clock.now())
    file = await service.need_file(buyer, need.id)
    assert file.need == need and file.research.notes == "Trois entreprises consultées."
    assert file.decision is not None and file.warnings == []  # the need itself is not counted against itself
    assert buyer.committed.audits == []
    with pytest.raises(NotFound):
        await service.need_file(buyer, uuid.uuid4())


async def test_the_list_filters_orders_and_pages(buyer, add_need, clock):
    for n in range(30):
        add_need("draft" if n % 2 else "submitted", created_at=clock.now() - timedelta(hours=n),
                 object=f"Besoin {n:02d}", estimated_value=Decimal(1000 + n))
    windows = []

    def window(total: int) -> Page:
        windows.append(total)
        return Page(number=2, size=10, total=total)

    page, items = await service.list_needs(buyer, NeedFilters(status=NeedStatus.DRAFT), order=NeedOrder.VALUE,
                                           ascending=True, window=window)
    assert windows == [15] and page.number == 2
    assert [item.object for item in items] == [f"Besoin {n:02d}" for n in range(21, 30, 2)]
    _page, latest = await service.list_needs(buyer, NeedFilters(text="besoin 0"), order=NeedOrder.CREATED,
                                             ascending=False, window=lambda total: Page(1, 25, total))
    assert [item.object for item in latest] == [f"Besoin {n:02d}" for n in range(10)]
    items, total = await service.latest(buyer, 3)
    assert total == 30 and [item.object for item in items] == ["Besoin 00", "Besoin 01", "Besoin 02"]


async def test_the_form_offers_the_clause_library(buyer, repos):
    mine = Clause(id=uuid.UUID(int=3), tenant=buyer.tenant, kind=ClauseKind.SOCIAL, consideration="Critère social",
                  title="Apprentis", body="Deux apprentis.")
    repos.clauses.rows.update({c.id: c for c in (mine, INSERTION, WASTE)})
    assert await service.clause_library(buyer) == [WASTE, INSERTION, mine]  # the platform's first, by kind


# ---------------------------------------------------------------- submit, return, approve


async def test_submit_stamps_the_clocks_time_and_clears_an_earlier_return(buyer, repos, add_need, clock):
    need = add_need(return_comment="Préciser les lots")
    submitted = await service.submit(buyer, need.id)
    assert repos.needs.rows[need.id] == submitted and repos.needs.locked == [need.id]
    assert (submitted.status, submitted.submitted_at, submitted.return_comment) == (
        NeedStatus.SUBMITTED, clock.now(), None)
    assert buyer.committed.actions() == ["need.submitted"] and buyer.committed.events == []
    with pytest.raises(DomainError) as again:
        await service.submit(buyer, need.id)
    assert again.value.status == 409 and buyer.committed.actions() == ["need.submitted"]


async def test_return_says_why_and_only_an_approver_returns(approver, buyer, repos, add_need, clock):
    need = add_need("submitted")
    with pytest.raises(DomainError) as no_reason:
        await service.return_for_changes(approver, need.id, "  ")
    assert no_reason.value.field == "comment" and repos.needs.rows[need.id] == need
    with pytest.raises(DomainError) as not_an_approver:
        await service.return_for_changes(buyer, need.id, "Préciser les lots")
    assert not_an_approver.value.status == 403
    returned = await service.return_for_changes(approver, need.id, "Préciser les lots")
    assert (returned.status, returned.return_comment, returned.returned_at) == (
        NeedStatus.DRAFT, "Préciser les lots", clock.now())
    assert approver.committed.actions() == ["need.returned"]
    assert approver.committed.audits[0].change == {"by": "Dominique Valide", "at": clock.now().isoformat(),
                                                   "comment": "Préciser les lots"}
    assert buyer.committed.audits == []


async def test_approve_publishes_the_need_with_the_shortlist_invited(approver, repos, add_need, clock):
    need = add_need("submitted")
    repos.research.shortlists[need.id] = {TPR.siret: TPR}
    approved = await service.approve(approver, need.id, [FDC, TPR])
    assert repos.needs.rows[need.id] == approved
    assert (approved.status, approved.approved_by, approved.approved_at) == (
        NeedStatus.APPROVED, approver.principal.name, clock.now())
    [event] = approver.committed.events
    assert isinstance(event, NeedApproved)
    assert (event.approved_at, event.approved_by) == (clock.now(), approver.principal.name)
    assert event.purchase == need.facts.model_copy(update={"decision": event.purchase.decision})
    assert event.purchase.decision.decided_on == clock.today() and approved.facts == event.purchase
    assert approver.committed.audits[0].change["decision"]["chosen_procedure"] == "Procédure adaptée"
    assert event.invited_suppliers == [TPR, FDC]
    assert approver.committed.actions() == ["need.approved"]
    assert [s["siret"] for s in approver.committed.audits[0].change["invited_suppliers"]] == [TPR.siret, FDC.siret]


async def test_approve_refuses_twice_and_before_submission_without_publishing(approver, add_need):
    approved, draft_need = add_need("approved"), add_need("draft")
    for need, reason in ((approved, "ce besoin est déjà approuvé"), (draft_need, "un besoin doit être soumis avant d'être approuvé")):
        with pytest.raises(DomainError) as refused:
            await service.approve(approver, need.id)
        assert (refused.value.status, refused.value.detail) == (409, reason)
    assert nothing_committed(approver) and approver.rollbacks == 2


async def test_an_unknown_need_is_404_for_every_transition(approver):
    for take in (lambda: service.submit(approver, uuid.uuid4()), lambda: service.approve(approver, uuid.uuid4()),
                 lambda: service.return_for_changes(approver, uuid.uuid4(), "Préciser les lots")):
        with pytest.raises(NotFound):
            await take()
    assert nothing_committed(approver)


async def test_the_research_quote_does_not_travel_only_the_shortlist(approver, repos, add_need, clock):
    need = add_need("submitted")
    repos.research.received[need.id] = {FDC.siret: Quote(uuid.uuid4(), FDC, Decimal("900.00"), clock.today())}
    await service.approve(approver, need.id)
    assert approver.committed.events[0].invited_suppliers == []
