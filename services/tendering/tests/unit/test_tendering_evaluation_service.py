"""Evaluation and award use cases (issue 11, items 8 and 9) on fake units of work, the opening's
fake opened bids and the settable clock: a whole lot from the marks to the award event, the
justification of an abnormally low bid, the standstill's due transition run once, MAPA,
unsuccessful lot, sans suite."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from unefois_events.catalogue import AwardDecided, AwardDecidedV2
from unefois_events.values import (
    AmountSource,
    HolderRole,
    IdentifierType,
    OperatorGrouping,
)
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.domain_errors import DomainError, InvalidFields
from unefois_kernel.due import FakeDueRunner
from unefois_kernel.storage import FakeDocumentStore, chunks_of
from unefois_kernel.testing import BUYER
from unefois_tendering.bids.domain import BidForm
from unefois_tendering.consultations.domain import ConsultationStatus
from unefois_tendering.evaluations import service
from unefois_tendering.evaluations.domain import (
    AbnormalStatus,
    LetterKind,
    LotStatus,
    Mark,
)
from unefois_tendering.opening.domain import Admissibility, OpenedBidRecord, OpenedState

BUYER_P = Principal(subject="u-1", name="Alice Acheteuse", roles=frozenset({Role.BUYER}), org_siret=BUYER.siret,
                    org_name=BUYER.name, org_kind=OrgKind.BUYER)

A = ("Alpha Travaux", "80000004400019")
B = ("Bêta Voirie", "73282932000074")
C = ("Gamma Routes", "55210055400013")
FOREIGN = ("Strassenbau GmbH", "DE123456789")


def supplier(siret: str) -> Principal:
    return Principal(subject=f"s-{siret}", name="Contact", roles=frozenset({Role.SUPPLIER}), org_siret=siret,
                     org_name="Entreprise", org_kind=OrgKind.SUPPLIER, email=f"contact@{siret}.fr")


@pytest.fixture
def repos(fakes, clock):
    return dataclasses.replace(fakes.fake_repositories(), documents=FakeDocumentStore(clock),
                               evaluations=fakes.FakeEvaluationRepository())


def record(consultation, name_id, price, *, lot=None, clock, members=None, grouping="none",
           subcontracting=False, admissibility=Admissibility.ADMISSIBLE, reason=None) -> OpenedBidRecord:
    name, identifier = name_id
    members = members or [{"name": name, "identifier_type": "SIRET", "identifier": identifier, "mandataire": True}]
    form = BidForm(lot_number=lot, price_excl_tax=price, grouping=grouping, members=members,
                   subcontracting=subcontracting, subcontracted_amount="1000.00" if subcontracting else None)
    return OpenedBidRecord(bid_id=uuid.uuid4(), tenant=consultation.tenant, consultation_id=consultation.id,
                           lot_number=lot, supplier_siret=identifier if len(identifier) == 14 else A[1],
                           supplier_name=name, state=OpenedState.OPENED, bid_form=form, price=Decimal(price),
                           files=(), receipt_hash="0" * 64, opened_at=clock.now(), admissibility=admissibility,
                           admissibility_reason=reason)


async def opened(fakes, repos, clock, *, procedure="Appel d'offres ouvert", value="500000.00", bids=()):
    consultation = fakes.a_consultation(at=clock.now(), procedure=procedure, estimated_value=Decimal(value))
    consultation = dataclasses.replace(consultation, status=ConsultationStatus("opened"))
    repos.consultations.rows[consultation.id] = consultation
    records = []
    for item in bids:
        rec = record(consultation, *item[:2], clock=clock, **(item[2] if len(item) > 2 else {}))
        await repos.opened_bids.add(rec)
        repos.evaluations.emails[rec.bid_id] = f"offres@{rec.supplier_siret}.fr"
        records.append(rec)
    return consultation, records


def marks_for(records, points):
    """Environment (criterion 1, no sub-criteria) and quality (criterion 2: 12 + 8)."""
    marks = []
    for rec, (env, method, means) in zip(records, points, strict=True):
        marks += [Mark(rec.bid_id, 1, None, Decimal(env), "Plan environnemental détaillé"),
                  Mark(rec.bid_id, 2, 0, Decimal(method), "Méthodologie claire"),
                  Mark(rec.bid_id, 2, 1, Decimal(means), "Moyens adaptés")]
    return marks


def handlers_runner(uows):
    return FakeDueRunner(uows, service.handlers())


async def test_a_whole_lot_from_the_marks_to_the_award_event_once(fakes, repos, clock, uows, uow_for, approver):
    consultation, (a, b, c) = await opened(fakes, repos, clock, bids=[(A, "100000.00"), (B, "95000.00"),
                                                                       (C, "120000.00")])
    runner = handlers_runner(uows)
    grid = await service.save_marks(uow_for(BUYER_P), consultation.id, None, formula="proportional",
                                     marks=marks_for([a, b, c], [("18", "12", "8"), ("10", "6", "4"),
                                                                 ("20", "12", "8")]))
    # B: price 60 (lowest) + 20 = 80; A: 57 + 38 = 95; C: 47.5 + 40 = 87.5.
    assert [score.bid.bidder_name for score in grid.evaluation.ranking] == ["Alpha Travaux", "Gamma Routes",
                                                                           "Bêta Voirie"]
    assert grid.evaluation.ranking[0].total == Decimal("95.00")
    assert grid.detected == {}  # 95 000 is not 10 % below the reduced mean (105 000)
    proposed = await service.propose(uow_for(BUYER_P), consultation.id, None)
    assert proposed.lot.status is LotStatus.PROPOSED and proposed.lot.proposal_bid_id == a.bid_id
    assert service.amount_of(proposed) == Decimal("100000.00")

    decision_uow = uow_for(approver)
    decided = await service.decide(decision_uow, consultation.id, None)
    assert decided.lot.status is LotStatus.DECIDED
    # Letters: a rejection to B and C (with the winner, scores, the standstill end), the award to A.
    templates = sorted((note.template, note.to_org_siret) for note in decision_uow.notifications)
    assert templates == sorted([("award_letter", A[1]), ("rejection_letter", B[1]), ("rejection_letter", C[1])])
    rejection = next(note for note in decision_uow.notifications if note.to_org_siret == B[1])
    assert "Alpha Travaux" in rejection.text and "95,00 / 100" in rejection.text
    assert "susceptible d'être signé à compter du" in rejection.text
    assert rejection.to_email == f"offres@{B[1]}.fr"
    kinds = sorted(letter.kind for letter in decided.letters)
    assert kinds == [LetterKind.AWARD, LetterKind.REJECTION, LetterKind.REJECTION]
    assert all(letter.document_id in repos.documents.documents for letter in decided.letters)
    # Formal procedure: no event before the standstill's end (R2182-1: 11 days, electronic letters).
    assert decision_uow.committed.events == []
    ends = decided.lot.standstill_ends_at
    assert ends is not None and (ends - clock.now()) > timedelta(days=10)
    assert (await repos.consultations.get(consultation.id)).status == ConsultationStatus("awarded")

    assert await runner.run_due() == []
    clock.set(ends + timedelta(seconds=1))
    ran = await runner.run_due()
    assert [item.kind for item in ran] == [service.STANDSTILL_END]
    events = uows.committed_events()
    v2 = [event for event in events if isinstance(event, AwardDecidedV2)]
    v1 = [event for event in events if isinstance(event, AwardDecided)]
    assert len(v2) == 1 and len(v1) == 1
    event = v2[0]
    assert event.amount == Decimal("100000.00") and event.amount_source is AmountSource.BID
    assert event.winning_bid_id == a.bid_id and event.offers_received == 3
    assert [(h.identifier_type, h.identifier, h.role) for h in event.holders] == [
        (IdentifierType.SIRET, A[1], HolderRole.SOLE)]
    assert event.price_form == consultation.preparation.price_form
    assert event.standstill_ends_on is not None and event.letters_sent_on is not None

    # A second run (the row re-armed by an operator) emits nothing.
    await service.standstill_ended(uow_for(tenant=consultation.tenant),
                                   dataclasses.replace(ran[0]))
    assert await runner.run_due() == []
    assert len([e for e in uows.committed_events() if isinstance(e, AwardDecidedV2)]) == 1


async def test_the_award_event_carries_a_foreign_grouping_from_the_bid_form(fakes, repos, clock, uows, uow_for,
                                                                         approver):
    members = [{"name": FOREIGN[0], "identifier_type": "TVA", "identifier": FOREIGN[1], "mandataire": False},
               {"name": A[0], "identifier_type": "SIRET", "identifier": A[1], "mandataire": True}]
    consultation, (g,) = await opened(fakes, repos, clock, procedure="Procédure adaptée", value="100000.00",
                                      bids=[(A, "50000.00", {"members": members, "grouping": "solidaire",
                                                             "subcontracting": True})])
    await service.save_marks(uow_for(BUYER_P), consultation.id, None, formula="linear",
                             marks=marks_for([g], [("15", "10", "5")]))
    await service.propose(uow_for(BUYER_P), consultation.id, None)
    uow = uow_for(approver)
    decided = await service.decide(uow, consultation.id, None)
    # MAPA: no standstill (R2182-1): the event at the decision.
    assert decided.lot.standstill_ends_at is None
    events = uow.committed.events
    assert [type(e) for e in events] == [AwardDecidedV2]  # a VAT holder: no v1
    event = events[0]
    assert event.grouping is OperatorGrouping.JOINT_AND_SEVERAL
    assert [(h.identifier, h.role) for h in event.holders] == [(A[1], HolderRole.MANDATAIRE),
                                                               (FOREIGN[1], HolderRole.COTRAITANT)]
    assert event.subcontracting_declared and event.subcontracting_amount == Decimal("1000.00")
    assert event.standstill_ends_on is None


async def test_a_flagged_bid_is_justified_then_kept(fakes, repos, clock, uows, uow_for):
    consultation, (a, b, c, low) = await opened(fakes, repos, clock, bids=[
        (A, "100000.00"), (B, "104000.00"), (C, "98000.00"), (("Delta Low", "55210055400013"), "60000.00")])
    grid = await service.grid(uow_for(BUYER_P), consultation.id, None)
    assert set(grid.detected) == {low.bid_id}
    # No rejection before the request (R2152-3).
    with pytest.raises(DomainError) as refused:
        await service.decide_justification(uow_for(BUYER_P), consultation.id, None, low.bid_id, keep=False,
                                           reason="prix trop bas")
    assert refused.value.status == 409
    deadline = clock.now() + timedelta(days=8)
    request_uow = uow_for(BUYER_P)
    case = await service.request_justification(request_uow, consultation.id, None, low.bid_id,
                                               deadline=deadline)
    assert case.case.status is AbnormalStatus.REQUESTED
    [told] = request_uow.notifications  # by mail and in-app message, to the flagged bid's supplier
    assert (told.template, told.to_org_siret) == ("justification_request", low.supplier_siret)
    assert "R2152-3" in told.message and "anormalement basse" in told.subject + told.message
    # A proposal waits for the decision on the flagged bid.
    await service.save_marks(uow_for(BUYER_P), consultation.id, None, formula="proportional",
                             marks=marks_for([a, b, c, low], [("10", "6", "4")] * 4))
    with pytest.raises(DomainError, match="anormalement basse"):
        await service.propose(uow_for(BUYER_P), consultation.id, None)
    # The supplier answers from its page, with a file.
    repos.evaluations.supplier = low.supplier_siret
    answered = await service.answer_justification(
        uow_for(supplier(low.supplier_siret)), low.bid_id, text="Nos prix s'expliquent par un stock acquis.",
        file=("justification.txt", chunks_of(b"Factures du stock\n")))
    repos.evaluations.supplier = None
    assert answered.answer_document_id in repos.documents.documents
    kept = await service.decide_justification(uow_for(BUYER_P), consultation.id, None, low.bid_id, keep=True,
                                              reason="Justification convaincante")
    assert kept.case.status is AbnormalStatus.JUSTIFIED
    proposal = await service.propose(uow_for(BUYER_P), consultation.id, None)
    assert proposal.lot.proposal_bid_id == low.bid_id


async def test_without_answer_the_due_transition_moves_the_case_then_rejection(fakes, repos, clock, uows, uow_for):
    consultation, (_a, _b, _c, low) = await opened(fakes, repos, clock, bids=[
        (A, "100000.00"), (B, "104000.00"), (C, "98000.00"), (("Delta Low", "55210055400013"), "60000.00")])
    runner = handlers_runner(uows)
    deadline = clock.now() + timedelta(days=8)
    await service.request_justification(uow_for(BUYER_P), consultation.id, None, low.bid_id, deadline=deadline)
    clock.set(deadline + timedelta(minutes=1))
    assert [item.kind for item in await runner.run_due()] == [service.JUSTIFICATION_DEADLINE]
    assert repos.evaluations.case_rows[low.bid_id].case.status is AbnormalStatus.DEADLINE_PASSED
    # The supplier can no longer answer.
    repos.evaluations.supplier = low.supplier_siret
    with pytest.raises(DomainError):
        await service.answer_justification(uow_for(supplier(low.supplier_siret)), low.bid_id, text="trop tard")
    repos.evaluations.supplier = None
    rejected = await service.decide_justification(uow_for(BUYER_P), consultation.id, None, low.bid_id, keep=False,
                                                  reason="Aucune justification reçue dans le délai")
    assert rejected.case.status is AbnormalStatus.REJECTED
    grid = await service.grid(uow_for(BUYER_P), consultation.id, None)
    assert [bid.bid_id for bid, _ in grid.evaluation.excluded] == [low.bid_id]


async def test_a_mark_without_comment_is_refused_naming_the_field(fakes, repos, clock, uow_for):
    consultation, (a,) = await opened(fakes, repos, clock, bids=[(A, "100000.00")])
    with pytest.raises(InvalidFields) as refused:
        await service.save_marks(uow_for(BUYER_P), consultation.id, None, formula="proportional",
                                 marks=[Mark(a.bid_id, 1, None, Decimal(10), "  ")])
    assert refused.value.errors[0]["field"] == "marks.0.comment"


async def test_a_lot_without_admissible_bids_is_unsuccessful(fakes, repos, clock, uow_for, approver):
    consultation, _ = await opened(fakes, repos, clock, bids=[
        (A, "100000.00", {"admissibility": Admissibility.IRREGULAR, "reason": "DUME manquant"})])
    with pytest.raises(DomainError, match="infructueux"):
        await service.propose(uow_for(BUYER_P), consultation.id, None)
    grid = await service.declare_unsuccessful(uow_for(approver), consultation.id, None)
    assert grid.lot.status is LotStatus.UNSUCCESSFUL
    assert any("R2185" in line or "R2122" in line for line in grid.lot.outcome_explanation)


async def test_sans_suite_abandons_and_tells_every_bidder(fakes, repos, clock, uow_for, approver):
    consultation, records = await opened(fakes, repos, clock, bids=[(A, "100000.00"), (B, "90000.00")])
    uow = uow_for(approver)
    decision = await service.declare_sans_suite(uow, consultation.id, reason="budget",
                                                detail="Crédits supprimés par la délibération du 3 novembre")
    assert "R2185-2" in decision.explanation
    assert (await repos.consultations.get(consultation.id)).status == ConsultationStatus("abandoned")
    letters = repos.evaluations.letter_rows
    assert sorted(letter.bid_id for letter in letters) == sorted(r.bid_id for r in records)
    assert all(letter.kind is LetterKind.SANS_SUITE for letter in letters)
    told = sorted((note.template, note.to_org_siret) for note in uow.notifications)
    assert told == sorted(("sans_suite_notice", r.supplier_siret) for r in records)
    assert all("R2185-2" in note.message and "Crédits supprimés" in note.message for note in uow.notifications)
    with pytest.raises(DomainError, match="close"):
        await service.save_marks(uow_for(BUYER_P), consultation.id, None, formula="linear", marks=[])


async def test_an_unreadable_bid_is_told_too_when_the_lot_is_decided(fakes, repos, clock, uow_for, approver):
    consultation, (a, b) = await opened(fakes, repos, clock, procedure="Procédure adaptée", value="100000.00",
                                        bids=[(A, "100000.00"), (B, "95000.00")])
    broken = dataclasses.replace(record(consultation, C, "1.00", clock=clock), state=OpenedState.UNREADABLE,
                                 bid_form=None, price=None, problem="formulaire d’offre indéchiffrable")
    await repos.opened_bids.add(broken)
    await service.save_marks(uow_for(BUYER_P), consultation.id, None, formula="proportional",
                             marks=marks_for([a, b], [("20", "12", "8"), ("10", "6", "4")]))
    await service.propose(uow_for(BUYER_P), consultation.id, None)
    uow = uow_for(approver)
    await service.decide(uow, consultation.id, None)
    told = {note.to_org_siret: note for note in uow.notifications}
    assert set(told) == {A[1], B[1], broken.supplier_siret}
    assert "indéchiffrable" in told[broken.supplier_siret].text


async def test_ex_aequo_bids_need_the_buyers_reason_recorded(fakes, repos, clock, uow_for, approver):
    consultation, (a, b) = await opened(fakes, repos, clock, procedure="Procédure adaptée", value="100000.00",
                                        bids=[(A, "100000.00"), (B, "100000.00")])
    await service.save_marks(uow_for(BUYER_P), consultation.id, None, formula="proportional",
                             marks=marks_for([a, b], [("10", "6", "4"), ("10", "6", "4")]))
    grid = await service.grid(uow_for(BUYER_P), consultation.id, None)
    assert [score.ex_aequo for score in grid.evaluation.ranking] == [True, True]
    with pytest.raises(DomainError) as refused:
        await service.propose(uow_for(BUYER_P), consultation.id, None, tie_break_bid_id=b.bid_id)
    assert refused.value.field == "tie_break_reason"
    uow = uow_for(BUYER_P)
    proposed = await service.propose(uow, consultation.id, None, tie_break_bid_id=b.bid_id,
                                     tie_break_reason="Délai d’intervention plus court")
    assert proposed.lot.proposal_bid_id == b.bid_id
    assert uow.committed.audits[-1].change["tie_break_reason"] == "Délai d’intervention plus court"
    decided = await service.decide(uow_for(approver), consultation.id, None)
    rejection = next(x for x in decided.letters if x.kind is LetterKind.REJECTION)
    assert "ex aequo : Délai d’intervention plus court" in rejection.body
