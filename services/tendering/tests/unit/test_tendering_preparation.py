"""The buyer prepares a consultation en préparation, then publishes it (issue 11, item 1): every
refusal names its field, on pure domain calls and a FakeUnitOfWork with the settable clock.

The clock of conftest: Monday 2 November 2026, 11:00 in Paris. A need without a decision (an older
producer) has the open procedure's 35 days (art. R2161-2): the earliest bid deadline is the end of
Monday 7 December 2026 in Paris."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from unefois_events.values import Procedure
from unefois_kernel.clock import PLATFORM_TZ
from unefois_kernel.domain_errors import DomainError, InvalidFields
from unefois_kernel.testing import BUYER
from unefois_tendering.consultations import domain, service
from unefois_tendering.consultations.domain import ConsultationStatus

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
NOON_8_DEC = datetime(2026, 12, 8, 12, 0, tzinfo=PLATFORM_TZ)


def _refused(call) -> dict[str, str]:
    with pytest.raises(InvalidFields) as refused:
        call()
    assert refused.value.status == 422
    return {error["field"]: error["reason"] for error in refused.value.errors}


def _criteria(*criteria, lot_number=None):
    return [{"lot_number": lot_number, "criteria": list(criteria)}]


PRICE = {"kind": "price", "name": "Prix", "weight": 60}
GREEN = {"kind": "environmental", "name": "Performance environnementale", "weight": 20}
QUALITY = {"kind": "quality", "name": "Valeur technique", "weight": 20}


@pytest.fixture
def draft(fakes):
    return fakes.a_draft(at=NOW)


def test_the_minimum_is_computed_by_the_rules_on_the_publication_date(draft):
    minimum = domain.minimum_bid_deadline(draft, date(2026, 11, 2))
    assert (minimum.days, minimum.deadline) == (35, datetime(2026, 12, 7, 23, 0, tzinfo=UTC))
    # Published on Friday 6 November: 35 days end with Friday 11 December.
    assert domain.last_day_of(domain.minimum_bid_deadline(draft, date(2026, 11, 6)).deadline) == date(2026, 12, 11)


def test_a_bid_deadline_below_the_minimum_is_refused_naming_it(draft):
    errors = _refused(lambda: domain.prepare(draft, {"bid_deadline": datetime(2026, 12, 7, 12, 0, tzinfo=PLATFORM_TZ)},
                                             now=NOW))
    assert list(errors) == ["bid_deadline"]
    assert "07/12/2026 à 24 h" in errors["bid_deadline"] and "35 jours" in errors["bid_deadline"]
    prepared = domain.prepare(draft, {"bid_deadline": NOON_8_DEC}, now=NOW)
    assert prepared.preparation.bid_deadline == NOON_8_DEC


def test_a_later_intended_publication_moves_the_minimum(draft):
    errors = _refused(lambda: domain.prepare(draft, {"publication_date": date(2026, 11, 6), "bid_deadline": NOON_8_DEC},
                                             now=NOW))
    assert "pour une publication le 06/11/2026" in errors["bid_deadline"]
    past = _refused(lambda: domain.prepare(draft, {"publication_date": date(2026, 11, 1)}, now=NOW))
    assert list(past) == ["publication_date"]


def test_a_time_without_zone_is_a_paris_time(draft):
    prepared = domain.prepare(draft, {"bid_deadline": datetime(2026, 12, 8, 12, 0)}, now=NOW)
    assert prepared.preparation.bid_deadline == NOON_8_DEC


def test_the_questions_deadline_precedes_the_bid_deadline(draft):
    errors = _refused(lambda: domain.prepare(
        draft, {"bid_deadline": NOON_8_DEC, "questions_deadline": NOON_8_DEC + timedelta(hours=1)}, now=NOW))
    assert list(errors) == ["questions_deadline"] and "précéder" in errors["questions_deadline"]
    errors = _refused(lambda: domain.prepare(draft, {"questions_deadline": NOW - timedelta(hours=1)}, now=NOW))
    assert "passée" in errors["questions_deadline"]


def test_in_a_formal_procedure_questions_close_six_days_before(fakes):
    formal = fakes.a_draft(at=NOW, procedure=Procedure.OPEN)
    assert domain.is_formal(formal, date(2026, 11, 2))
    errors = _refused(lambda: domain.prepare(
        formal, {"bid_deadline": NOON_8_DEC, "questions_deadline": NOON_8_DEC - timedelta(days=5)}, now=NOW))
    assert "R2132-6" in errors["questions_deadline"] and "02/12/2026 à 12:00" in errors["questions_deadline"]
    domain.prepare(formal, {"bid_deadline": NOON_8_DEC, "questions_deadline": NOON_8_DEC - timedelta(days=6)}, now=NOW)


def test_a_mapa_may_close_questions_closer_to_the_deadline(fakes):
    mapa = fakes.a_draft(at=NOW, procedure=Procedure.ADAPTED)
    assert not domain.is_formal(mapa, date(2026, 11, 2))
    domain.prepare(mapa, {"bid_deadline": NOON_8_DEC, "questions_deadline": NOON_8_DEC - timedelta(days=2)}, now=NOW)


def test_a_mapa_shorter_than_the_suggested_time_is_warned_not_refused(fakes):
    """MAPA: the code asks only for a reasonable time (R2143-1, R2151-1): below the platform's
    suggested 15 days the buyer is warned and may keep the date; a deadline leaving no full day
    after the publication is refused."""
    need = fakes.a_planned_need(approved_at=NOW, decided_on=date(2026, 11, 2), estimated_value="90000.00")
    mapa = domain.open_consultation(need, consultation_id=uuid.uuid4(), reference="2026-0009", at=NOW)
    assert need.purchase.decision.chosen_procedure is Procedure.ADAPTED
    minimum = domain.minimum_bid_deadline(mapa, date(2026, 11, 2))
    assert minimum.suggested and minimum.days == 15
    ten_days = datetime(2026, 11, 12, 12, 0, tzinfo=PLATFORM_TZ)
    prepared = domain.prepare(mapa, {"bid_deadline": ten_days}, now=NOW)
    [warning] = domain.preparation_warnings(prepared, prepared.preparation, now=NOW)
    assert warning["field"] == "bid_deadline" and "R2143-1" in warning["reason"] and "15 jours" in warning["reason"]
    # The suggested time or more: nothing to say.
    kept = domain.prepare(mapa, {"bid_deadline": minimum.deadline}, now=NOW)
    assert domain.preparation_warnings(kept, kept.preparation, now=NOW) == []
    # The same day as the publication: refused, naming the field and the earliest date.
    errors = _refused(lambda: domain.prepare(mapa, {"bid_deadline": datetime(2026, 11, 2, 18, 0, tzinfo=PLATFORM_TZ)},
                                             now=NOW))
    assert "au moins un jour entier" in errors["bid_deadline"] and "03/11/2026 à 24 h" in errors["bid_deadline"]


def test_a_formal_procedure_gets_no_warning_only_its_refusal(fakes):
    formal = fakes.a_draft(at=NOW, procedure=Procedure.OPEN)
    prepared = domain.prepare(formal, {"bid_deadline": NOON_8_DEC}, now=NOW)
    assert domain.preparation_warnings(prepared, prepared.preparation, now=NOW) == []


def test_the_weights_make_100_and_the_sub_criteria_their_criterion(draft):
    errors = _refused(lambda: domain.prepare(draft, {"criteria": _criteria(PRICE, GREEN)}, now=NOW))
    assert "font 80" in errors["criteria.0"] and "R2152-12" in errors["criteria.0"]
    bad_subs = QUALITY | {"sub_criteria": [{"name": "Méthodologie", "weight": 5}]}
    errors = _refused(lambda: domain.prepare(draft, {"criteria": _criteria(PRICE, GREEN, bad_subs)}, now=NOW))
    assert "sous-critères" in errors["criteria.0"]
    domain.prepare(draft, {"criteria": _criteria(PRICE, GREEN, QUALITY)}, now=NOW)


def test_price_or_cost_and_an_environmental_criterion_are_required(draft):
    # Art. R2152-7 2° as amended by décret n° 2022-767, in force from 21 August 2026.
    no_price = _refused(lambda: domain.prepare(draft, {"criteria": _criteria(
        GREEN | {"weight": 50}, QUALITY | {"weight": 50})}, now=NOW))
    assert "prix ou le coût" in no_price["criteria.0"]
    no_green = _refused(lambda: domain.prepare(draft, {"criteria": _criteria(PRICE, QUALITY | {"weight": 40})}, now=NOW))
    assert "environnemental" in no_green["criteria.0"]


def test_a_single_criterion_is_the_cost_only(draft):
    only_price = _refused(lambda: domain.prepare(draft, {"criteria": _criteria(PRICE | {"weight": 100})}, now=NOW))
    assert "R2152-7" in only_price["criteria.0"] and "coût" in only_price["criteria.0"]
    domain.prepare(draft, {"criteria": _criteria({"kind": "cost", "name": "Coût du cycle de vie", "weight": 100})}, now=NOW)


def test_before_21_august_2026_a_single_price_is_not_advised(fakes):
    before = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    early = fakes.a_draft(at=before)
    errors = _refused(lambda: domain.prepare(early, {"criteria": _criteria(PRICE | {"weight": 100})}, now=before))
    assert "ne décide pas" in errors["criteria.0"]
    # No environmental criterion required yet.
    domain.prepare(early, {"criteria": _criteria(PRICE, QUALITY | {"weight": 40})}, now=before)


def test_criteria_follow_the_lots(fakes):
    lots = [{"number": 1, "title": "Voirie", "estimated_value": "60000.00"},
            {"number": 2, "title": "Éclairage", "estimated_value": "40000.00"}]
    allotted = fakes.a_draft(at=NOW, lots=lots)
    errors = _refused(lambda: domain.prepare(allotted, {"criteria": _criteria(PRICE, GREEN, QUALITY, lot_number=3)},
                                             now=NOW))
    assert "le lot 3 n’existe pas" in errors["criteria"]
    twice = _criteria(PRICE, GREEN, QUALITY, lot_number=1) * 2
    assert "deux fois" in _refused(lambda: domain.prepare(allotted, {"criteria": twice}, now=NOW))["criteria.1"]
    prepared = domain.prepare(allotted, fakes.a_preparation(allotted, at=NOW)
                              | {"criteria": _criteria(PRICE, GREEN, QUALITY, lot_number=1)}, now=NOW)
    missing = _refused(lambda: domain.publish(prepared, at=NOW))
    assert list(missing) == ["criteria.2"]


def test_unknown_candidate_documents_are_refused(draft):
    errors = _refused(lambda: domain.prepare(draft, {"required_documents": ["dume", "horoscope"]}, now=NOW))
    assert errors == {"required_documents": "pièces inconnues : horoscope"}


def test_publication_names_every_missing_field(draft):
    errors = _refused(lambda: domain.publish(draft, at=NOW))
    assert set(errors) == {"bid_deadline", "questions_deadline", "criteria", "criteria.0", "variants_allowed",
                           "required_documents", "price_form", "price_types"}
    assert "forme du prix" in errors["price_form"]
    assert "R2151-8" in errors["variants_allowed"]


def test_publication_checks_the_deadline_again_on_its_day(fakes, draft):
    prepared = domain.prepare(draft, fakes.a_preparation(draft, at=NOW), now=NOW)
    # Published on Friday 6 November instead: the minimum now ends with Friday 11 December.
    errors = _refused(lambda: domain.publish(prepared, at=datetime(2026, 11, 6, 9, 0, tzinfo=UTC)))
    assert list(errors) == ["bid_deadline"] and "11/12/2026 à 24 h" in errors["bid_deadline"]


async def test_once_published_it_is_neither_prepared_nor_published_again(fakes, uow_for, approver, clock):
    consultation, _ = await fakes.open_and_publish(uow_for, fakes.a_need(approved_at=clock.now()))
    for call in (service.prepare(uow_for(approver), consultation.id, {"variants_allowed": True}),
                 service.publish(uow_for(approver), consultation.id)):
        with pytest.raises(DomainError) as refused:
            await call
        assert (refused.value.status, refused.value.field) == (409, "status")


async def test_a_change_keeps_the_other_fields_a_replacement_does_not(fakes, uow_for, approver, clock):
    draft = await service.open_from_need(uow_for(tenant=BUYER.siret), fakes.a_need(approved_at=clock.now()))
    await service.prepare(uow_for(approver), draft.id, fakes.a_preparation(draft, at=clock.now()))
    changed = await service.prepare(uow_for(approver), draft.id, {"variants_allowed": True})
    assert (changed.preparation.variants_allowed, changed.preparation.required_documents) == (True, ("dume",))
    replaced = await service.prepare(uow_for(approver), draft.id, {"variants_allowed": True}, replace=True)
    assert (replaced.preparation.required_documents, replaced.preparation.bid_deadline) == ((), None)


async def test_a_confirmed_procedure_with_a_longer_minimum_asks_for_a_later_deadline(fakes, uow_for, approver, clock):
    # The done-when case of issue 10 (held on 2026-01-10): the buyer's deadline fits the minimum the
    # rules give the held MAPA that day, not a restricted procedure's 30 days for applications
    # then 25 for bids (R2161-6 to R2161-8): confirming it asks for a later deadline first.
    clock.set(datetime(2026, 1, 10, 9, 0, tzinfo=UTC))
    need = fakes.a_planned_need(approved_at=clock.now())
    draft = await service.open_from_need(uow_for(tenant=need.tenant), need)
    await service.prepare(uow_for(approver), draft.id, fakes.a_preparation(draft, at=clock.now()))
    held = await service.publish(uow_for(approver), draft.id)
    assert held.status is ConsultationStatus.AWAITING_PROCEDURE
    restricted = domain.minimum_bid_deadline(held, date(2026, 1, 10), Procedure.RESTRICTED)
    assert restricted.deadline > held.preparation.bid_deadline
    with pytest.raises(InvalidFields) as refused:
        await service.confirm_procedure(uow_for(approver), held.id, Procedure.RESTRICTED)
    assert refused.value.errors[0]["field"] == "bid_deadline"
    later = restricted.deadline + timedelta(hours=12)
    await service.prepare(uow_for(approver), held.id, {"bid_deadline": later})
    published = await service.confirm_procedure(uow_for(approver), held.id, Procedure.RESTRICTED)
    assert (published.status, published.bid_deadline) == (ConsultationStatus.PUBLISHED, later)
