"""Boundary tests of the award rules, written from the articles (the days and dates below are
literals taken from the texts cited next to them, never read from the module's constants)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from unefois_events.values import Procedure as P
from unefois_rules import (
    AwardFacts,
    BuyerKind,
    NotAdvised,
    RejectionGround,
    RulesError,
    SansSuiteReason,
    assess_abnormally_low_rejection,
    award_notice,
    rejection_letter_content,
    standstill_end,
    unsuccessful_lot,
)
from unefois_rules.award import JustificationOutcome, NoticeDuty, sans_suite_explanation

PARIS = ZoneInfo("Europe/Paris")
FORMAL = [P.OPEN, P.RESTRICTED, P.NEGOTIATED, P.COMPETITIVE_DIALOGUE]


def facts(procedure=P.OPEN, operators=3, **changes):
    return AwardFacts(procedure=procedure, buyer_kind=changes.pop("buyer_kind", BuyerKind.LOCAL),
                      operators_participated=operators, **changes)


# ------------------------------------------------ standstill, R2182-1 and the DAJ's counting
# DAJ fiche « L'achèvement de la procédure »: « de date à date ... l'envoi de la notification de rejet
# d'une offre le 28 décembre 2010 entraîne l'expiration du délai de suspension le 12 janvier au soir »
# (16 days: the notification not sent electronically).

def test_the_daj_example_paper_letters_sent_28_december_expire_12_january_in_the_evening():
    sent = datetime(2010, 12, 28, 15, 0, tzinfo=PARIS)
    result = standstill_end(facts(), sent, electronic=False)
    assert result.days == 16 and result.last_day == date(2011, 1, 12)
    assert result.ends_at == datetime(2011, 1, 13, 0, 0, tzinfo=PARIS)
    assert "R2182-1" in result.reason and "16 jours" in result.reason


@pytest.mark.parametrize("procedure", FORMAL)
def test_electronic_letters_give_eleven_days_day_before_the_day_and_the_day_after(procedure):
    # R2182-1: « un délai minimal de onze jours »; sent on 2 March 2026, day 1 = 2 March, day 11 = 12 March.
    sent = datetime(2026, 3, 2, 9, 30, tzinfo=PARIS)
    result = standstill_end(facts(procedure), sent, electronic=True)
    assert result.days == 11 and result.last_day == date(2026, 3, 12)
    signable_from = datetime(2026, 3, 13, 0, 0, tzinfo=PARIS)
    assert result.ends_at == signable_from
    the_day_before = datetime(2026, 3, 12, 23, 59, tzinfo=PARIS)
    assert the_day_before < result.ends_at  # still suspended the last day, in the evening
    assert datetime(2026, 3, 13, 8, 0, tzinfo=PARIS) >= result.ends_at  # the day: signable
    assert datetime(2026, 3, 14, 8, 0, tzinfo=PARIS) >= result.ends_at  # the day after


def test_paper_letters_give_sixteen_days():
    sent = datetime(2026, 3, 2, 9, 30, tzinfo=PARIS)
    result = standstill_end(facts(), sent, electronic=False)
    assert result.last_day == date(2026, 3, 17) and result.ends_at == datetime(2026, 3, 18, tzinfo=PARIS)


def test_the_sending_day_is_the_paris_day():
    # 23:30 UTC on 2 March is 00:30 on 3 March in Paris: day 1 is 3 March.
    result = standstill_end(facts(), datetime(2026, 3, 2, 23, 30, tzinfo=UTC), electronic=True)
    assert result.last_day == date(2026, 3, 13)


def test_summer_time_change_keeps_paris_midnight():
    # Sent on 20 March 2026; the clocks move on 29 March: the end is still Paris midnight.
    result = standstill_end(facts(), datetime(2026, 3, 20, 10, tzinfo=PARIS), electronic=True)
    assert result.ends_at == datetime(2026, 3, 31, 0, 0, tzinfo=PARIS)
    assert result.ends_at.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize("procedure", [P.ADAPTED, P.NO_COMPETITION])
def test_no_standstill_outside_formal_procedures(procedure):
    result = standstill_end(facts(procedure), datetime(2026, 3, 2, tzinfo=PARIS), electronic=True)
    assert result.ends_at is None and result.days is None and "R2182-1" in result.reason


def test_no_standstill_for_the_only_operator_who_took_part():
    # R2182-2 1°: « attribué au seul opérateur ayant participé à la consultation ».
    result = standstill_end(facts(operators=1), datetime(2026, 3, 2, tzinfo=PARIS), electronic=True)
    assert result.ends_at is None and "R2182-2, 1°" in result.reason
    two = standstill_end(facts(operators=2), datetime(2026, 3, 2, tzinfo=PARIS), electronic=True)
    assert two.days == 11


def test_no_standstill_for_subsequent_contracts():
    # R2182-2 2°: marchés subséquents d'un accord-cadre, marchés spécifiques d'un SAD.
    result = standstill_end(facts(subsequent_contract=True), datetime(2026, 3, 2, tzinfo=PARIS), electronic=False)
    assert result.ends_at is None and "R2182-2, 2°" in result.reason


def test_defence_is_not_advised_and_naive_instants_refused():
    with pytest.raises(NotAdvised) as refused:
        standstill_end(facts(buyer_kind=BuyerKind.DEFENCE), datetime(2026, 3, 2, tzinfo=PARIS), electronic=True)
    assert refused.value.field == "buyer_kind" and "ne se prononce pas" in str(refused.value)
    with pytest.raises(RulesError) as naive:
        standstill_end(facts(), datetime(2026, 3, 2), electronic=True)
    assert naive.value.field == "letters_sent_at"


# ------------------------------------------------ rejection letters, R2181-2 to R2181-4

@pytest.mark.parametrize("procedure", FORMAL)
def test_formal_letter_after_award_requires_reasons_winner_reasons_and_date(procedure):
    content = rejection_letter_content(procedure, BuyerKind.LOCAL, RejectionGround.NOT_BEST)
    assert content.required_keys == {"rejection_reasons", "winner_name", "winner_reasons", "signature_from"}
    assert [item.article for item in content.on_request] == ["art. R2181-4, 2°"]
    missing = content.missing({"rejection_reasons": "Classée 2e", "winner_name": "ACME", "winner_reasons": ""})
    assert {item.key for item in missing} == {"winner_reasons", "signature_from"}


@pytest.mark.parametrize("ground", [RejectionGround.IRREGULAR, RejectionGround.UNACCEPTABLE,
                                    RejectionGround.INAPPROPRIATE])
def test_irregular_unacceptable_inappropriate_get_no_characteristics_on_request(ground):
    content = rejection_letter_content(P.OPEN, BuyerKind.STATE, ground)
    assert content.on_request == () and "winner_name" in content.required_keys


def test_formal_letter_before_award_states_only_the_reasons():
    content = rejection_letter_content(P.RESTRICTED, BuyerKind.LOCAL, RejectionGround.NOT_BEST, after_award=False)
    assert content.required_keys == {"rejection_reasons"}


def test_mapa_letter_informs_and_the_rest_is_on_request():
    content = rejection_letter_content(P.ADAPTED, BuyerKind.LOCAL, RejectionGround.NOT_BEST)
    assert content.required_keys == {"decision"} and content.required[0].article == "art. L2181-1"
    assert {item.key for item in content.on_request} == {
        "rejection_reasons", "winner_characteristics_and_advantages", "winner_name"}
    irregular = rejection_letter_content(P.ADAPTED, BuyerKind.LOCAL, RejectionGround.IRREGULAR)
    assert {item.key for item in irregular.on_request} == {"rejection_reasons"}


def test_letters_of_no_competition_and_defence_are_not_advised():
    with pytest.raises(NotAdvised):
        rejection_letter_content(P.NO_COMPETITION, BuyerKind.LOCAL, RejectionGround.NOT_BEST)
    with pytest.raises(NotAdvised):
        rejection_letter_content(P.RESTRICTED, BuyerKind.DEFENCE, RejectionGround.NOT_BEST)


# ------------------------------------------------ abnormally low bids, L2152-6, R2152-3

def test_no_rejection_without_a_justification_request():
    result = assess_abnormally_low_rejection(requested=False, outcome=JustificationOutcome.NO_ANSWER)
    assert not result.may_reject and "R2152-3" in result.reason and "Demande de justification requise" in result.reason


def test_pending_request_does_not_allow_rejection():
    assert not assess_abnormally_low_rejection(requested=True, outcome=JustificationOutcome.PENDING).may_reject


def test_no_answer_by_the_deadline_means_rejection():
    result = assess_abnormally_low_rejection(requested=True, outcome=JustificationOutcome.NO_ANSWER)
    assert result.must_reject and "406224" in result.reason


def test_answer_assessed_by_the_buyer():
    kept = assess_abnormally_low_rejection(requested=True, outcome=JustificationOutcome.ANSWERED,
                                           justification_satisfactory=True)
    rejected = assess_abnormally_low_rejection(requested=True, outcome=JustificationOutcome.ANSWERED,
                                               justification_satisfactory=False)
    assert not kept.may_reject and rejected.must_reject and "L2152-6" in rejected.reason
    with pytest.raises(RulesError):
        assess_abnormally_low_rejection(requested=True, outcome=JustificationOutcome.ANSWERED)


def test_a_breach_of_social_or_environmental_law_means_rejection_but_only_after_the_request():
    result = assess_abnormally_low_rejection(requested=True, outcome=JustificationOutcome.ANSWERED,
                                             breaches_social_or_environmental_law=True)
    assert result.must_reject and "R2152-4" in result.reason
    before = assess_abnormally_low_rejection(requested=False, outcome=JustificationOutcome.PENDING,
                                             breaches_social_or_environmental_law=True)
    assert not before.may_reject


def test_state_aid_ground_is_not_advised():
    with pytest.raises(NotAdvised) as refused:
        assess_abnormally_low_rejection(requested=True, outcome=JustificationOutcome.ANSWERED,
                                        justification_satisfactory=False, state_aid_ground=True)
    assert "R2152-5" in str(refused.value)


def test_the_five_justification_elements_of_r2152_3():
    from unefois_rules.award import JUSTIFICATION_ELEMENTS
    assert [text.rsplit("(", 1)[1] for _, text in JUSTIFICATION_ELEMENTS] == [
        f"art. R2152-3, {n}°)" for n in range(1, 6)]


# ------------------------------------------------ unsuccessful lots, R2185-1, R2122-2

def test_a_lot_with_one_admissible_bid_is_not_unsuccessful():
    result = unsuccessful_lot(bids=3, irregular_or_unacceptable=1, inappropriate=1, procedure=P.OPEN,
                              buyer_kind=BuyerKind.LOCAL, below_formal_threshold=False)
    assert not result.unsuccessful


@pytest.mark.parametrize("bids,inappropriate", [(0, 0), (2, 2)])
def test_no_bid_or_only_inappropriate_opens_r2122_2_after_an_appel_d_offres(bids, inappropriate):
    result = unsuccessful_lot(bids=bids, irregular_or_unacceptable=0, inappropriate=inappropriate, procedure=P.OPEN,
                              buyer_kind=BuyerKind.LOCAL, below_formal_threshold=False)
    assert result.unsuccessful and result.direct_award_possible
    text = " ".join(result.explanation)
    assert "R2185-1" in text and "R2122-2, 1°" in text


def test_r2122_2_cases_2_and_3():
    utility = unsuccessful_lot(bids=0, irregular_or_unacceptable=0, inappropriate=0, procedure=P.NEGOTIATED,
                               buyer_kind=BuyerKind.UTILITY, below_formal_threshold=False)
    assert "R2122-2, 2°" in " ".join(utility.explanation)
    mapa = unsuccessful_lot(bids=0, irregular_or_unacceptable=0, inappropriate=0, procedure=P.ADAPTED,
                            buyer_kind=BuyerKind.LOCAL, below_formal_threshold=True)
    assert "R2122-2, 3°" in " ".join(mapa.explanation)
    negotiated = unsuccessful_lot(bids=0, irregular_or_unacceptable=0, inappropriate=0, procedure=P.NEGOTIATED,
                                  buyer_kind=BuyerKind.LOCAL, below_formal_threshold=False)
    assert not negotiated.direct_award_possible and "ne se prononce pas" in " ".join(negotiated.explanation)


def test_irregular_bids_close_r2122_2():
    result = unsuccessful_lot(bids=2, irregular_or_unacceptable=1, inappropriate=1, procedure=P.OPEN,
                              buyer_kind=BuyerKind.LOCAL, below_formal_threshold=False)
    assert result.unsuccessful and not result.direct_award_possible
    with pytest.raises(RulesError):
        unsuccessful_lot(bids=1, irregular_or_unacceptable=1, inappropriate=1, procedure=P.OPEN,
                         buyer_kind=BuyerKind.LOCAL, below_formal_threshold=False)


def test_sans_suite_needs_the_buyer_s_reasons():
    text = sans_suite_explanation(SansSuiteReason.BUDGET, "Coût estimé supérieur au budget voté")
    assert "R2185-1" in text and "R2185-2" in text and text.endswith("budget voté")
    with pytest.raises(RulesError) as empty:
        sans_suite_explanation(SansSuiteReason.NEED_GONE, "  ")
    assert empty.value.field == "reason_detail"


# ------------------------------------------------ award notice, R2183-1: « trente jours »

def test_award_notice_at_or_above_european_thresholds_thirty_days_after_signature():
    notice = award_notice(european_threshold_reached=True, buyer_kind=BuyerKind.LOCAL, signed_on=date(2026, 3, 2),
                          state_or_local_public_body=True)
    assert notice.duty is NoticeDuty.MANDATORY and notice.journals == ("BOAMP", "JOUE")
    assert notice.send_by == date(2026, 4, 1)  # 2 March + 30 days
    assert "R2183-1, 1°" in notice.reason


def test_award_notice_journals_of_other_buyers_and_specific_services():
    other = award_notice(european_threshold_reached=True, buyer_kind=BuyerKind.UTILITY, signed_on=date(2026, 3, 2),
                         state_or_local_public_body=False)
    assert other.journals == ("JOUE",) and "2°" in other.reason
    social = award_notice(european_threshold_reached=True, buyer_kind=BuyerKind.LOCAL, signed_on=date(2026, 3, 2),
                          state_or_local_public_body=True, specific_services=True)
    assert social.journals == ("JOUE",) and "3°" in social.reason
    with pytest.raises(RulesError):
        award_notice(european_threshold_reached=True, buyer_kind=BuyerKind.LOCAL, signed_on=date(2026, 3, 2),
                     state_or_local_public_body=None)


def test_award_notice_optional_below_the_thresholds_and_defence_not_advised():
    below = award_notice(european_threshold_reached=False, buyer_kind=BuyerKind.LOCAL, signed_on=date(2026, 3, 2),
                         state_or_local_public_body=True)
    assert below.duty is NoticeDuty.OPTIONAL and below.send_by is None
    with pytest.raises(NotAdvised):
        award_notice(european_threshold_reached=True, buyer_kind=BuyerKind.DEFENCE, signed_on=date(2026, 3, 2),
                     state_or_local_public_body=True)
