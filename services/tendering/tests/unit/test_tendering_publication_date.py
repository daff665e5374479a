"""Tendering takes the procedure decision again on the publication date (art. R2121-3 du code de
la commande publique: the value of the need is the one estimated when the call for competition
is sent), on a FakeUnitOfWork and the settable clock.

The done-when case of issue 10: services of a local authority at 218 000 € HT, planned for
2025-12-15 (a MAPA then: the formal threshold for the other contracting authorities was
221 000 € HT in 2024-2025) and published on 2026-01-10 (216 000 € HT since 2026-01-01): the
consultation is stopped at publication until the buyer picks a formal procedure."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from unefois_events.catalogue import ConsultationPublished
from unefois_events.values import Procedure
from unefois_kernel.clock import PLATFORM_TZ
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.testing import BUYER
from unefois_tendering.consultations import domain, service
from unefois_tendering.consultations.domain import ConsultationStatus

PUBLICATION = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)  # 10:00 in Paris, a Saturday


@pytest.fixture
def on_publication_day(clock):
    clock.set(PUBLICATION)
    return clock


async def test_a_need_decided_under_the_2025_thresholds_is_held_at_publication(fakes, repos, uow_for, on_publication_day):
    need = fakes.a_planned_need(approved_at=PUBLICATION)
    assert (need.purchase.decision.decided_on, need.purchase.decision.band) == (date(2025, 12, 15), "adapted")
    assert need.purchase.decision.chosen_procedure is Procedure.ADAPTED

    consultation, uow = await fakes.open_and_publish(uow_for, need)

    assert repos.consultations.rows == {consultation.id: consultation}
    assert consultation.status is ConsultationStatus.AWAITING_PROCEDURE
    assert (consultation.published_at, consultation.bid_deadline, consultation.decision) == (None, None, None)
    assert consultation.preparation.bid_deadline is not None, "the buyer's preparation is kept"
    assert consultation.received_at == PUBLICATION
    assert consultation.purchase == need.purchase, "the facts stay as sourcing sent them"
    hold = consultation.hold
    assert (hold.previous, hold.held_on) == (need.purchase.decision, date(2026, 1, 10))
    assert hold.reason, "the rules say what changed"
    assert uow.committed.events == [], "nothing is published"
    [note] = uow.committed.audits
    assert (note.tenant, note.aggregate_id, note.action, note.actor) == (
        BUYER.siret, str(consultation.id), "consultation.procedure_held", "system:tendering")
    assert note.change == {"need_id": str(need.purchase.need_id), "reference": "2026-0001", "reason": hold.reason,
                           "decided_on": "2025-12-15", "held_on": "2026-01-10", "procedure": "Procédure adaptée"}


async def test_the_buyer_must_pick_a_formal_procedure(fakes, repos, uow_for, on_publication_day, approver):
    consultation, _ = await fakes.open_and_publish(uow_for, fakes.a_planned_need(approved_at=PUBLICATION))

    # The MAPA of the planned date is no longer lawful on the publication date.
    refused = uow_for(approver)
    with pytest.raises(DomainError) as error:
        await service.confirm_procedure(refused, consultation.id, Procedure.ADAPTED)
    assert (error.value.status, error.value.field) == (422, "procedure")
    assert repos.consultations.rows[consultation.id] == consultation
    assert refused.committed.events == [] and refused.committed.audits == [] and refused.rollbacks == 1

    uow = uow_for(approver)
    published = await service.confirm_procedure(uow, consultation.id, Procedure.OPEN)
    assert repos.consultations.locked[-1] == consultation.id, "the consultation is locked before the decision"
    assert repos.consultations.rows[consultation.id] == published
    assert published.status is ConsultationStatus.PUBLISHED
    assert published.published_at == PUBLICATION
    assert published.purchase.procedure is Procedure.OPEN, "the contract's open data reports the procedure used"
    decision = published.decision
    assert (decision.decided_on, decision.band, decision.chosen_procedure) == (date(2026, 1, 10), "formal", Procedure.OPEN)
    assert Procedure.ADAPTED not in decision.allowed_procedures
    # Open procedure, bids received electronically by the platform: at least 30 days from the sending
    # of the notice (art. R2161-2, reduced to 30 by R2161-3 2°), the day of sending not counted: the
    # period ends with Monday 9 February 2026, a working day; the buyer's deadline (35 days, the
    # minimum the rules gave the MAPA that day, then noon) is after it, and is the one published.
    assert domain.minimum_bid_deadline(published, date(2026, 1, 10)).deadline == datetime(2026, 2, 9, 23, 0, tzinfo=UTC)
    assert published.bid_deadline == consultation.preparation.bid_deadline
    [event] = uow.committed.events
    assert isinstance(event, ConsultationPublished)
    assert (event.consultation_id, event.reference, event.published_at, event.bid_deadline, event.decision) == (
        consultation.id, "2026-0001", PUBLICATION, published.bid_deadline, decision)
    assert event.purchase == published.purchase
    keys, confirmed, noted = uow.committed.audits  # the sealing key pair only once it is published
    assert keys.action == "consultation.keys_created"
    assert (confirmed.action, confirmed.actor, confirmed.aggregate_id) == (
        "consultation.procedure_confirmed", approver.actor, str(consultation.id))
    assert confirmed.change == {"procedure": "Appel d'offres ouvert", "previous_procedure": "Procédure adaptée",
                                "decided_on": "2026-01-10"}
    assert (noted.action, noted.change["procedure"]) == ("consultation.published", "Appel d'offres ouvert")

    # Published: nothing to confirm any more.
    with pytest.raises(DomainError) as again:
        await service.confirm_procedure(uow_for(approver), consultation.id, Procedure.OPEN)
    assert (again.value.status, again.value.field) == (409, "status")


async def test_a_decision_that_still_holds_is_published_at_once_under_the_days_decision(fakes, uow_for, clock):
    # The same need decided in December 2025 and published on 2025-12-20: the thresholds did not move.
    clock.set(datetime(2025, 12, 20, 9, 0, tzinfo=UTC))
    need = fakes.a_planned_need(approved_at=clock.now())
    consultation, uow = await fakes.open_and_publish(uow_for, need)

    assert consultation.status is ConsultationStatus.PUBLISHED
    assert consultation.hold is None
    assert (consultation.decision.decided_on, consultation.decision.chosen_procedure) == (
        date(2025, 12, 20), Procedure.ADAPTED)
    [event] = uow.committed.events
    assert event.decision == consultation.decision
    keys, note = uow.committed.audits
    assert keys.action == "consultation.keys_created"
    assert note.change == {"need_id": str(need.purchase.need_id), "reference": "2025-0001",
                           "procedure": "Procédure adaptée", "decided_on": "2025-12-20"}


async def test_below_the_new_threshold_a_mapa_still_holds(fakes, uow_for, on_publication_day):
    # 215 000 € HT: a MAPA both under 221 000 (2025) and under 216 000 (2026).
    need = fakes.a_planned_need(approved_at=PUBLICATION, estimated_value="215000.00")
    consultation, _ = await fakes.open_and_publish(uow_for, need)
    assert consultation.status is ConsultationStatus.PUBLISHED
    assert consultation.decision.decided_on == date(2026, 1, 10)


async def test_a_need_without_a_decision_is_published_as_before(fakes, uow_for, clock):
    # An older producer sends no decision: the minimum is 35 days (R2161-2): the period runs from
    # Tuesday 3 November 2026 and ends with Monday 7 December, a working day.
    need = fakes.a_need(approved_at=clock.now())
    assert need.purchase.decision is None
    consultation, uow = await fakes.open_and_publish(uow_for, need)
    assert (consultation.status, consultation.decision, consultation.hold) == (ConsultationStatus.PUBLISHED, None, None)
    minimum = domain.minimum_bid_deadline(consultation, date(2026, 11, 2))
    assert (minimum.days, minimum.deadline) == (35, datetime(2026, 12, 7, 23, 0, tzinfo=UTC))  # the end of 7/12 in Paris
    assert consultation.bid_deadline == datetime(2026, 12, 8, 11, 0, tzinfo=UTC)  # the buyer's: 8/12 at 12:00 in Paris
    [event] = uow.committed.events
    assert event.decision is None


async def test_a_procedure_still_lawful_under_a_new_band_is_confirmed_as_it_was(fakes, uow_for, clock, approver):
    # 50 000 € HT of services planned for 2026-03-20 (a MAPA: the no-competition threshold was
    # 40 000) and published on 2026-04-02 (60 000 since 2026-04-01, art. R2122-8): the MAPA stays
    # lawful but its band changed, so the buyer confirms it before publication.
    clock.set(datetime(2026, 4, 2, 8, 0, tzinfo=UTC))
    need = fakes.a_planned_need(approved_at=clock.now(), decided_on=date(2026, 3, 20), estimated_value="50000.00")
    assert need.purchase.decision.band == "adapted"
    held, _ = await fakes.open_and_publish(uow_for, need)
    assert held.status is ConsultationStatus.AWAITING_PROCEDURE
    assert "60 000" in held.hold.reason.replace("\u202f", " ").replace("\xa0", " ")

    published = await service.confirm_procedure(uow_for(approver), held.id, Procedure.ADAPTED)
    assert published.status is ConsultationStatus.PUBLISHED
    assert (published.decision.band, published.decision.chosen_procedure) == ("no_competition", Procedure.ADAPTED)
    assert published.purchase.procedure is Procedure.ADAPTED


# ---------------------------------------------------------------- the bid deadline's day


@pytest.mark.parametrize(("sent", "days", "last_day"), [
    # Thursday 16 April 2026 + 15 days = Friday 1 May, Labour Day: the period ends with Monday 4 May.
    (datetime(2026, 4, 16, 8, 0, tzinfo=UTC), 15, date(2026, 5, 4)),
    # Monday 7 December 2026 + 19 days = Saturday 26 December: Monday 28 December.
    (datetime(2026, 12, 7, 8, 0, tzinfo=UTC), 19, date(2026, 12, 28)),
    # Friday 10 July 2026 + 4 days = Tuesday 14 July, the national holiday: Wednesday 15 July.
    (datetime(2026, 7, 10, 8, 0, tzinfo=UTC), 4, date(2026, 7, 15)),
    # Wednesday 2 December 2026 + 30 days = Friday 1 January 2027, New Year's Day: Monday 4 January.
    (datetime(2026, 12, 2, 8, 0, tzinfo=UTC), 30, date(2027, 1, 4)),
    # 23:30 UTC on Monday 30 November is already Tuesday 1 December in Paris, the day of sending:
    # 35 days end with Tuesday 5 January 2027.
    (datetime(2026, 11, 30, 23, 30, tzinfo=UTC), 35, date(2027, 1, 5)),
])
def test_the_deadline_is_the_end_of_the_periods_last_working_day(sent, days, last_day):
    # Règlement (CEE, Euratom) n° 1182/71 art. 3: the day of sending is not counted, a period
    # ending on a Saturday, a Sunday or a public holiday ends with the next working day.
    deadline = domain.bid_deadline(sent, days)
    assert domain.last_day_of(deadline) == last_day
    assert deadline.astimezone(PLATFORM_TZ) == datetime.combine(last_day + timedelta(days=1), time(0), PLATFORM_TZ)


def test_without_a_minimum_the_deadline_is_35_days():
    sent = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    assert domain.last_day_of(domain.bid_deadline(sent, None)) == date(2026, 12, 7)


async def test_a_case_the_rules_cannot_decide_on_the_day_is_held_and_not_advised(fakes, uow_for, on_publication_day,
                                                                                  approver):
    # Specific services (R2123-1 3°) only exist for services: facts the rules refuse on the day (as
    # an older producer might send them) hold the consultation, and no procedure is advised.
    need = fakes.a_planned_need(approved_at=PUBLICATION)
    odd = need.purchase.model_copy(update={"nature": "works", "ccag": "Travaux", "specific_services": True})
    need = need.model_copy(update={"purchase": odd})
    consultation, _ = await fakes.open_and_publish(uow_for, need)
    assert consultation.status is ConsultationStatus.AWAITING_PROCEDURE
    assert consultation.hold.reason.startswith("Les règles de la plateforme ne permettent pas de reprendre la décision")
    review = domain.review(consultation, date(2026, 1, 10))
    assert (review.lawful, review.problem is not None) == ((), True)
    with pytest.raises(DomainError) as refused:
        await service.confirm_procedure(uow_for(approver), consultation.id, Procedure.OPEN)
    assert (refused.value.status, refused.value.field) == (422, "procedure")
