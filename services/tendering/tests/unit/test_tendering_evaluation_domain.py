"""The evaluation of a lot (pure): price formulas, marks, ranking and ties, the abnormally-low
state machine, the award proposal (its amount is always a bid's price), unsuccessful, sans suite."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from unefois_events.values import Procedure
from unefois_kernel.domain_errors import DomainError, InvalidFields
from unefois_rules.award import RejectionGround, SansSuiteReason
from unefois_rules.thresholds import BuyerKind
from unefois_tendering.consultations.domain import (
    Criterion,
    CriterionKind,
    LotCriteria,
    SubCriterion,
)
from unefois_tendering.evaluations import domain as ev
from unefois_tendering.evaluations.domain import (
    AbnormalStatus,
    Mark,
    OpenedBid,
    PriceFormula,
)

AT = datetime(2026, 11, 2, 10, tzinfo=UTC)

PRICE_ONLY = LotCriteria(lot_number=1, criteria=(Criterion(kind=CriterionKind.PRICE, name="Prix", weight=100),))
MIXED = LotCriteria(lot_number=1, criteria=(
    Criterion(kind=CriterionKind.PRICE, name="Prix", weight=60),
    Criterion(kind=CriterionKind.QUALITY, name="Valeur technique", weight=30, sub_criteria=(
        SubCriterion(name="Méthodologie", weight=20), SubCriterion(name="Moyens", weight=10))),
    Criterion(kind=CriterionKind.ENVIRONMENTAL, name="Environnement", weight=10),
))


def bid(name: str, price: str, **changes) -> OpenedBid:
    return OpenedBid(bid_id=changes.pop("bid_id", uuid.uuid4()), bidder_name=name,
                     bidder_identifier=changes.pop("identifier", "12345678900011"), price=Decimal(price), **changes)


def marks_for(b: OpenedBid, method: str, means: str, env: str) -> list[Mark]:
    return [Mark(b.bid_id, 1, 0, Decimal(method), "Méthode détaillée"),
            Mark(b.bid_id, 1, 1, Decimal(means), "Équipe dédiée"),
            Mark(b.bid_id, 2, None, Decimal(env), "Véhicules électriques")]


# ------------------------------------------------ price formulas

def test_proportional_formula_examples():
    assert ev.price_points(PriceFormula.PROPORTIONAL, 60, Decimal(1000), Decimal(1000)) == Decimal("60.00")
    assert ev.price_points(PriceFormula.PROPORTIONAL, 60, Decimal(2000), Decimal(1000)) == Decimal("30.00")
    # 60 × 1000 / 1500 = 40; 60 × 1000 / 1300 = 46.1538… -> 46.15
    assert ev.price_points(PriceFormula.PROPORTIONAL, 60, Decimal(1300), Decimal(1000)) == Decimal("46.15")


def test_rounding_is_half_up_to_the_hundredth():
    assert ev.round_points(Decimal("46.155")) == Decimal("46.16")
    assert ev.round_points(Decimal("46.1549")) == Decimal("46.15")


def test_linear_formula_and_its_bounds():
    f = PriceFormula.LINEAR
    assert ev.price_points(f, 60, Decimal(1000), Decimal(1000)) == Decimal("60.00")
    assert ev.price_points(f, 60, Decimal(1100), Decimal(1000)) == Decimal("54.00")  # 10 % above: -10 %
    assert ev.price_points(f, 60, Decimal(2000), Decimal(1000)) == Decimal("0.00")  # double: 0
    assert ev.price_points(f, 60, Decimal(3000), Decimal(1000)) == Decimal("0.00")  # beyond: still 0
    assert "double" in ev.PRICE_FORMULA_TEXT[f] and "poids" in ev.PRICE_FORMULA_TEXT[PriceFormula.PROPORTIONAL]


def test_prices_must_be_positive():
    for price in ("0", "-1", "NaN"):
        with pytest.raises(DomainError) as refused:
            bid("A", price)
        assert refused.value.field == "price"


# ------------------------------------------------ marks and totals

def test_mixed_grid_totals_and_ranking():
    a, b = bid("Alpha", "1000"), bid("Bêta", "1250")
    marks = marks_for(a, "10", "5", "5") + marks_for(b, "20", "10", "10")
    result = ev.evaluate(MIXED, [a, b], marks)
    assert result.complete
    totals = {score.bid.bidder_name: score.total for score in result.ranking}
    assert totals == {"Alpha": Decimal("80.00"), "Bêta": Decimal("88.00")}  # 60+15+5 ; 48+30+10
    assert [score.bid.bidder_name for score in result.ranking] == ["Bêta", "Alpha"]
    assert [score.rank for score in result.ranking] == [1, 2]


def test_missing_marks_are_listed_and_block_the_proposal():
    a, b = bid("Alpha", "1000"), bid("Bêta", "1250")
    result = ev.evaluate(MIXED, [a, b], marks_for(a, "10", "5", "5"))
    assert not result.complete and "Bêta : Méthodologie" in result.missing
    with pytest.raises(DomainError) as refused:
        ev.propose(result)
    assert refused.value.field == "marks"


def test_marks_are_checked_against_the_published_weights_and_need_a_comment():
    a = bid("Alpha", "1000")
    bad = [Mark(a.bid_id, 1, 0, Decimal(21), "trop"),  # above the sub-criterion's 20
           Mark(a.bid_id, 1, 1, Decimal(5), "  "),  # no comment
           Mark(a.bid_id, 0, None, Decimal(10), "prix"),  # the price is computed
           Mark(a.bid_id, 2, 0, Decimal(1), "pas de sous-critère"),
           Mark(uuid.uuid4(), 2, None, Decimal(1), "inconnue"),
           Mark(a.bid_id, 2, None, Decimal("1.005"), "millième")]
    with pytest.raises(InvalidFields) as refused:
        ev.evaluate(MIXED, [a], bad)
    fields = [error["field"] for error in refused.value.errors]
    assert fields == ["marks.0.points", "marks.1.comment", "marks.2.criterion", "marks.3.sub_criterion",
                      "marks.4.bid_id", "marks.5.points"]


def test_inadmissible_bids_are_excluded_with_their_reason_and_not_in_the_lowest_price():
    cheap = bid("Bas", "500", admissible=False, inadmissible_ground=RejectionGround.IRREGULAR,
                inadmissible_reason="DC1 non signé")
    a, b = bid("Alpha", "1000"), bid("Bêta", "2000")
    result = ev.evaluate(PRICE_ONLY, [cheap, a, b], [])
    assert [score.total for score in result.ranking] == [Decimal("100.00"), Decimal("50.00")]
    assert result.excluded[0][1] == "offre irrégulière : DC1 non signé"
    with pytest.raises(DomainError):
        bid("X", "1", admissible=False, inadmissible_ground=RejectionGround.IRREGULAR)  # no reason
    with pytest.raises(DomainError):
        bid("X", "1", admissible=False, inadmissible_ground=RejectionGround.NOT_BEST, inadmissible_reason="x")


# ------------------------------------------------ ties

def test_equal_totals_are_ex_aequo_and_need_the_buyer_s_reason():
    a, b, c = bid("Alpha", "1000"), bid("Bêta", "1000"), bid("Gamma", "2000")
    result = ev.evaluate(PRICE_ONLY, [c, b, a], [])
    assert [score.rank for score in result.ranking] == [1, 1, 3]
    assert result.ties == ((a.bid_id, b.bid_id),) and result.ranking[0].ex_aequo
    with pytest.raises(DomainError) as refused:
        ev.propose(result)
    assert refused.value.field == "tie_break_reason"
    proposal = ev.propose(result, tie_break=(b.bid_id, "Délai d’exécution plus court"))
    assert proposal.bid.bidder_name == "Bêta" and proposal.tie_break_reason == "Délai d’exécution plus court"
    with pytest.raises(DomainError):
        ev.propose(result, tie_break=(c.bid_id, "Moins bien classée"))
    assert "ne départage pas" in ev.TIE_BREAK_TEXT


# ------------------------------------------------ abnormally low: detection and state machine

def test_moyenne_reduite_flags_a_price_ten_percent_below_the_reduced_mean():
    # prices 100, 1000, 1000, 1000, 2000: mean 1020; 2000 > 1224 left out; reduced mean 775;
    # 10 % below = 697.5: 100 flagged, the 1000s not.
    low = bid("Bas", "100")
    others = [bid("A", "1000"), bid("B", "1000"), bid("C", "1000"), bid("Haut", "2000")]
    flagged = ev.detect_abnormally_low([low, *others])
    assert set(flagged) == {low.bid_id} and "demande de justification requise" in flagged[low.bid_id]
    assert "20 %" in ev.detection_text() and "10 %" in ev.detection_text()


def test_detection_share_is_a_parameter_and_the_boundary_is_included():
    a, b = bid("A", "900"), bid("B", "1100")  # mean 1000; nothing above 1200; reduced mean 1000
    assert set(ev.detect_abnormally_low([a, b], low_share=Decimal("0.10"))) == {a.bid_id}  # 900 = 1000 × 0.9
    assert ev.detect_abnormally_low([a, b], low_share=Decimal("0.11")) == {}
    assert ev.detect_abnormally_low([bid("Seule", "1")]) == {}


def _requested(b: OpenedBid):
    return ev.flag(b.bid_id, "moyenne réduite").request(at=AT, deadline=AT + timedelta(days=8))


def test_a_flagged_bid_cannot_be_rejected_before_the_request():
    case = ev.flag(uuid.uuid4(), "moyenne réduite")
    with pytest.raises(DomainError) as refused:
        case.reject(at=AT, reason="prix trop bas")
    assert "R2152-3" in refused.value.detail and refused.value.status == 409


def test_nor_while_the_request_runs_without_answer():
    case = _requested(bid("A", "1"))
    with pytest.raises(DomainError):
        case.reject(at=AT + timedelta(days=7, hours=23), reason="prix trop bas")


def test_justified_and_kept():
    case = _requested(bid("A", "1")).answer(at=AT + timedelta(days=2))
    kept = case.keep(at=AT + timedelta(days=3), reason="Prix d’achat des matériaux négocié, justificatifs joints")
    assert kept.status is AbnormalStatus.JUSTIFIED
    with pytest.raises(DomainError):
        kept.reject(at=AT + timedelta(days=4), reason="revirement")


def test_answer_judged_insufficient_rejected():
    case = _requested(bid("A", "1")).answer(at=AT + timedelta(days=2))
    rejected = case.reject(at=AT + timedelta(days=3), reason="Les coûts salariaux ne couvrent pas le minimum légal")
    assert rejected.status is AbnormalStatus.REJECTED
    assert [status for status, _ in rejected.history] == [AbnormalStatus.REQUESTED, AbnormalStatus.REJECTED]


def test_breach_of_labour_law_rejected_after_the_answer_not_before():
    flagged = ev.flag(uuid.uuid4(), "prix horaire sous le SMIC")
    with pytest.raises(DomainError):
        flagged.reject(at=AT, reason="SMIC", breaches_law=True)
    case = _requested(bid("A", "1")).answer(at=AT + timedelta(days=1))
    assert case.reject(at=AT + timedelta(days=2), reason="Taux horaire inférieur au SMIC",
                       breaches_law=True).status is AbnormalStatus.REJECTED


def test_deadline_passed_without_answer_then_rejected():
    case = _requested(bid("A", "1"))
    with pytest.raises(DomainError):
        case.deadline_passed(at=AT + timedelta(days=7))
    passed = case.deadline_passed(at=AT + timedelta(days=8))
    assert passed.status is AbnormalStatus.DEADLINE_PASSED
    with pytest.raises(DomainError):
        passed.keep(at=AT + timedelta(days=9), reason="trop tard")
    assert passed.reject(at=AT + timedelta(days=9), reason="Aucune réponse").status is AbnormalStatus.REJECTED
    answered = case.answer(at=AT + timedelta(days=1))
    assert answered.deadline_passed(at=AT + timedelta(days=8)) is answered  # the timer leaves it to the buyer
    with pytest.raises(DomainError):
        case.answer(at=AT + timedelta(days=8))  # too late


def test_unresolved_flag_blocks_the_proposal_and_rejection_excludes_the_bid():
    low, a = bid("Bas", "100"), bid("Alpha", "1000")
    case = ev.flag(low.bid_id, "moyenne réduite")
    with pytest.raises(DomainError) as refused:
        ev.propose(ev.evaluate(PRICE_ONLY, [low, a], [], cases={low.bid_id: case}))
    assert refused.value.field == "abnormally_low" and "Bas" in refused.value.detail
    rejected = case.request(at=AT, deadline=AT + timedelta(days=8)).deadline_passed(
        at=AT + timedelta(days=8)).reject(at=AT + timedelta(days=9), reason="Aucune réponse")
    result = ev.evaluate(PRICE_ONLY, [low, a], [], cases={low.bid_id: rejected})
    proposal = ev.propose(result)
    assert proposal.bid.bidder_name == "Alpha" and proposal.amount == Decimal(1000)
    assert result.excluded[0][1] == "offre anormalement basse : Aucune réponse"
    assert proposal.offers_received == 2


# ------------------------------------------------ proposal, unsuccessful, sans suite

def test_the_proposal_has_no_amount_of_its_own():
    a = bid("Alpha", "1000")
    result = ev.evaluate(PRICE_ONLY, [a], [])
    with pytest.raises(TypeError):
        ev.AwardProposal(result, a.bid_id, None, Decimal(9000000))  # no such field
    with pytest.raises(DomainError):
        ev.AwardProposal(result, uuid.uuid4())  # not a ranked bid
    assert ev.propose(result).amount == Decimal(1000)


def test_a_lot_without_eligible_bid_is_unsuccessful_with_its_articles():
    only = bid("Inadaptée", "1000", admissible=False, inadmissible_ground=RejectionGround.INAPPROPRIATE,
               inadmissible_reason="hors objet")
    outcome = ev.lot_outcome(ev.evaluate(PRICE_ONLY, [only], []), procedure=Procedure.OPEN,
                             buyer_kind=BuyerKind.LOCAL, below_formal_threshold=False)
    assert isinstance(outcome, ev.UnsuccessfulLot) and outcome.direct_award_possible
    assert "R2185-1" in " ".join(outcome.explanation) and "R2122-2, 1°" in " ".join(outcome.explanation)
    none = ev.lot_outcome(ev.evaluate(PRICE_ONLY, [], []), procedure=Procedure.OPEN, buyer_kind=BuyerKind.LOCAL,
                          below_formal_threshold=False)
    assert isinstance(none, ev.UnsuccessfulLot)
    with pytest.raises(DomainError):
        ev.propose(ev.evaluate(PRICE_ONLY, [], []))


def test_sans_suite_records_the_reason():
    decision = ev.declare_sans_suite(SansSuiteReason.NEED_GONE, "Le bâtiment est cédé", at=AT)
    assert "R2185-2" in decision.explanation and decision.detail == "Le bâtiment est cédé"
    with pytest.raises(DomainError):
        ev.declare_sans_suite(SansSuiteReason.NEED_GONE, "", at=AT)


# ------------------------------------------------ properties

prices = st.decimals(min_value=Decimal(1), max_value=Decimal(10000000), places=2, allow_nan=False,
                     allow_infinity=False)
points = st.decimals(min_value=Decimal(0), max_value=Decimal(10), places=2, allow_nan=False, allow_infinity=False)
GRID = LotCriteria(lot_number=None, criteria=(Criterion(kind=CriterionKind.PRICE, name="Prix", weight=90),
                                              Criterion(kind=CriterionKind.QUALITY, name="Qualité", weight=10)))


@st.composite
def lots(draw):
    count = draw(st.integers(min_value=1, max_value=8))
    bids = [OpenedBid(bid_id=uuid.UUID(int=i + 1), bidder_name=f"Soumissionnaire {i % 3}", bidder_identifier=f"{i}",
                      price=draw(prices)) for i in range(count)]
    marks = [Mark(b.bid_id, 1, None, draw(points), "vu") for b in bids]
    return bids, marks


@settings(max_examples=150, deadline=None)
@given(lots(), st.randoms(use_true_random=False), st.sampled_from(list(PriceFormula)))
def test_ranking_is_stable_under_permutation(lot, random, formula):
    bids, marks = lot
    first = ev.evaluate(GRID, bids, marks, formula=formula)
    shuffled_bids, shuffled_marks = bids[:], marks[:]
    random.shuffle(shuffled_bids)
    random.shuffle(shuffled_marks)
    second = ev.evaluate(GRID, shuffled_bids, shuffled_marks, formula=formula)
    assert [(s.bid.bid_id, s.total, s.rank) for s in first.ranking] == \
        [(s.bid.bid_id, s.total, s.rank) for s in second.ranking]
    assert first.ties == second.ties


@settings(max_examples=150, deadline=None)
@given(lots(), st.data())
def test_the_proposal_amount_is_always_one_of_the_bids_prices(lot, data):
    bids, marks = lot
    result = ev.evaluate(GRID, bids, marks)
    best = result.ranking[0]
    group = [s.bid.bid_id for s in result.ranking if s.total == best.total]
    chosen = data.draw(st.sampled_from(group))
    proposal = ev.propose(result, tie_break=(chosen, "Motif enregistré") if len(group) > 1 else None)
    assert proposal.amount in {b.price for b in bids}
    assert proposal.amount == next(b.price for b in bids if b.bid_id == proposal.bid_id)
    assert all(proposal.score.total >= s.total for s in result.ranking)


@settings(max_examples=150, deadline=None)
@given(lots())
def test_ties_are_detected_exactly_when_totals_are_equal(lot):
    bids, marks = lot
    result = ev.evaluate(GRID, bids, marks)
    totals = [s.total for s in result.ranking]
    for score in result.ranking:
        assert score.ex_aequo == (totals.count(score.total) > 1)
    assert sum(len(group) for group in result.ties) == sum(1 for t in totals if totals.count(t) > 1)
    assert totals == sorted(totals, reverse=True)
    assert all(Decimal(0) <= t <= Decimal(100) for t in totals)


ACTIONS = st.lists(st.sampled_from(["request", "answer", "deadline", "keep", "reject"]), max_size=8)


@settings(max_examples=300, deadline=None)
@given(ACTIONS, st.lists(st.integers(min_value=0, max_value=20), min_size=8, max_size=8))
def test_a_flagged_bid_is_never_rejected_without_the_justification_step(actions, days):
    case = ev.flag(uuid.uuid4(), "moyenne réduite")
    clock = AT
    for action, step in zip(actions, days, strict=False):
        clock = clock + timedelta(days=step)
        try:
            if action == "request":
                case = case.request(at=clock, deadline=clock + timedelta(days=5))
            elif action == "answer":
                case = case.answer(at=clock)
            elif action == "deadline":
                case = case.deadline_passed(at=clock)
            elif action == "keep":
                case = case.keep(at=clock, reason="justifié")
            else:
                case = case.reject(at=clock, reason="injustifié")
        except DomainError:
            continue
    if case.status is AbnormalStatus.REJECTED:
        assert case.requested_at is not None
        assert case.answered_at is not None or case.decided_at >= case.deadline
        assert case.history[0][0] is AbnormalStatus.REQUESTED
    if case.status is AbnormalStatus.JUSTIFIED:
        assert case.answered_at is not None


def test_rejection_letters_carry_reasons_winner_scores_and_signature_date():
    from unefois_rules.award import AwardFacts, standstill_end
    a, b = bid("Alpha", "1000"), bid("Bêta", "1250")
    out = bid("Hors délai", "900", admissible=False, inadmissible_ground=RejectionGround.IRREGULAR,
              inadmissible_reason="DC2 manquant")
    result = ev.evaluate(MIXED, [a, b, out], marks_for(a, "10", "5", "5") + marks_for(b, "20", "10", "10"))
    proposal = ev.propose(result)
    standstill = standstill_end(AwardFacts(Procedure.OPEN, BuyerKind.LOCAL, 3), AT, electronic=True)
    letters = {letter.bid.bidder_name: letter for letter in ev.rejection_letters(
        proposal, procedure=Procedure.OPEN, buyer_kind=BuyerKind.LOCAL, standstill=standstill)}
    assert set(letters) == {"Alpha", "Hors délai"}
    alpha = letters["Alpha"].filled
    assert alpha["winner_name"] == "Bêta" and "88,00/100" in alpha["winner_reasons"]
    assert "classée 2e sur 2" in alpha["rejection_reasons"] and "80,00/100" in alpha["rejection_reasons"]
    assert "13 novembre 2026" in alpha["signature_from"]  # sent 2 November: day 11 is 12 November
    assert "winner_characteristics_and_advantages" in alpha
    irregular = letters["Hors délai"].filled
    assert "offre irrégulière : DC2 manquant" in irregular["rejection_reasons"]
    assert "winner_characteristics_and_advantages" not in irregular
    mapa = ev.rejection_letters(proposal, procedure=Procedure.ADAPTED, buyer_kind=BuyerKind.LOCAL,
                                standstill=standstill_end(AwardFacts(Procedure.ADAPTED, BuyerKind.LOCAL, 3), AT,
                                                          electronic=True))
    assert all("decision" in letter.filled for letter in mapa)
