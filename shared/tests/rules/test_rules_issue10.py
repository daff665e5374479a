"""Boundary tests of issue 10's rules, written from the articles: every amount and date below is a
literal taken from the text cited next to it, never read from the engine's constants. For each new
row and case: at the threshold, one cent below, one cent above, and the day before / the day a row
comes into force."""

from datetime import date
from decimal import Decimal

import pytest
from unefois_events.catalogue import Lot, NoCompetitionExemption, ProcedureDecision
from unefois_events.values import Procedure as P
from unefois_events.values import PurchaseNature as N
from unefois_rules import (
    Band,
    BuyerKind,
    DecpDuty,
    LotEstimate,
    NeedSummary,
    Publicity,
    RulesError,
    UnknownThresholdError,
    assess_choice,
    check_splitting,
    decide,
    decp_duty,
    estimate_value,
    minimum_deadline,
    next_working_day,
    procedure_decision,
    still_holds,
)

B = BuyerKind
CENT = Decimal("0.01")


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def lot(number: int, value: str, *, small: bool = False) -> Lot:
    return Lot(number=number, title=f"Lot {number}", estimated_value=Decimal(value), small_lot=small)


def exemption(article: str, reason: str = "Inondation du 3 mars : réparation immédiate de la digue") -> NoCompetitionExemption:
    return NoCompetitionExemption(article=article, reason=reason)


# ------------------------------------------------ works no-competition 2024-2025 (item 6)
# Décret n° 2022-1683 art. 6, extended by décret n° 2024-1217: « jusqu'au 31 décembre 2025 inclus ...
# marché de travaux ... besoin dont la valeur estimée est inférieure à 100 000 euros hors taxes ».
# The table starts on 2024-01-01; from 2026-01-01, R2122-8 (décret 2025-1386) keeps 100 000.

@pytest.mark.parametrize("buyer", [B.STATE, B.LOCAL, B.UTILITY])
@pytest.mark.parametrize("day", [date(2024, 1, 1), date(2025, 6, 30), date(2025, 12, 31)])
def test_works_no_competition_row_of_2024_2025(buyer, day):
    below = decide(N.WORKS, buyer, Decimal("99999.99"), day)
    assert below.band is Band.NO_COMPETITION and below.recommended_procedure is P.NO_COMPETITION
    assert "décret n° 2022-1683" in below.explanation_text and "décret n° 2024-1217" in below.explanation_text
    for value in ("100000", "100000.01"):
        assert decide(N.WORKS, buyer, Decimal(value), day).band is Band.ADAPTED


def test_works_row_the_day_before_and_the_day_each_row_comes_into_force():
    with pytest.raises(UnknownThresholdError):
        decide(N.WORKS, B.LOCAL, Decimal("99999.99"), date(2023, 12, 31))  # before the table
    last_day = decide(N.WORKS, B.LOCAL, Decimal("99999.99"), date(2025, 12, 31))
    first_day = decide(N.WORKS, B.LOCAL, Decimal("99999.99"), date(2026, 1, 1))
    assert last_day.band is first_day.band is Band.NO_COMPETITION
    assert "décret n° 2022-1683" in last_day.explanation_text
    assert "décret n° 2022-1683" not in first_day.explanation_text and "R2122-8" in first_day.explanation_text
    assert decide(N.WORKS, B.LOCAL, Decimal(100000), date(2026, 1, 1)).band is Band.ADAPTED


# ------------------------------------------------ DECP duty (item 6), R2196-1
# « égale ou supérieure à 40 000 euros hors taxes »; « marchés conclus en application de l'article
# R. 2122-8 dont la valeur est égale ou supérieure à 25 000 euros hors taxes » : DECP or the list
# published « au cours du premier trimestre de chaque année ».

@pytest.mark.parametrize(("value", "duty"), [
    ("24999.99", DecpDuty.NONE), ("25000", DecpDuty.DECP_OR_ANNUAL_LIST), ("25000.01", DecpDuty.DECP_OR_ANNUAL_LIST),
    ("39999.99", DecpDuty.DECP_OR_ANNUAL_LIST), ("40000", DecpDuty.MANDATORY), ("40000.01", DecpDuty.MANDATORY),
])
@pytest.mark.parametrize("day", [date(2024, 1, 1), date(2026, 4, 1)])
def test_decp_duty(value, duty, day):
    decision = decide(N.SUPPLIES, B.LOCAL, Decimal(value), day)
    assert decision.decp_duty is duty
    assert decision.decp_required is (duty is DecpDuty.MANDATORY)
    assert decp_duty(Decimal(value), day)[0] is duty
    assert "R2196-1" in decision.explanation_text
    if duty is DecpDuty.DECP_OR_ANNUAL_LIST:
        assert "premier trimestre" in decision.explanation_text and "R2122-8" in decision.explanation_text


# ------------------------------------------------ formal procedures below the thresholds (item 2)
# Formal threshold, supplies and services, local authorities: 216 000 from 2026-01-01 (avis relatif
# aux seuils), 221 000 in 2024-2025.

def test_a_formal_procedure_below_the_threshold_is_lawful_with_a_warning():
    below = decide(N.SERVICES, B.LOCAL, Decimal("215999.99"), date(2026, 1, 1))
    assert below.band is Band.ADAPTED
    for procedure in (P.OPEN, P.RESTRICTED):
        assessment = assess_choice(below, procedure)
        assert assessment.lawful and assessment.refusal is None
        assert any("sous le seuil de procédure formalisée" in w for w in assessment.warnings)
    assert assess_choice(below, P.ADAPTED).lawful
    # At the threshold and one cent above, the MAPA is refused, naming the field.
    for value in ("216000", "216000.01"):
        refused = assess_choice(decide(N.SERVICES, B.LOCAL, Decimal(value), date(2026, 1, 1)), P.ADAPTED)
        assert not refused.lawful and refused.field == "procedure" and "R2124-1" in refused.refusal


def test_negotiation_below_the_threshold_warns_of_its_conditions():
    assessment = assess_choice(decide(N.SERVICES, B.STATE, Decimal(100000), date(2026, 5, 4)), P.NEGOTIATED)
    assert assessment.lawful and any("R2124-3" in w for w in assessment.warnings)


# ------------------------------------------------ specific services (R2123-1 3°)

def test_specific_services_may_use_a_mapa_whatever_their_value():
    decision = decide(N.SERVICES, B.LOCAL, Decimal(216000), date(2026, 1, 1), specific_services=True)
    assert decision.band is Band.FORMAL and P.ADAPTED in decision.allowed_procedures
    assert decision.recommended_procedure is P.ADAPTED and "R2123-1, 3°" in decision.explanation_text
    assessment = assess_choice(decision, P.ADAPTED)
    assert assessment.lawful and any("R2123-1, 3°" in w for w in assessment.warnings)
    with pytest.raises(RulesError) as refused:
        decide(N.SUPPLIES, B.LOCAL, Decimal(1000), date(2026, 1, 1), specific_services=True)
    assert refused.value.field == "specific_services"


# ------------------------------------------------ small lots (R2123-1 2°)
# Each small lot « inférieur à 80 000 euros HT » (supplies, services) or « 1 million d'euros HT »
# (works), and the small lots together « n'excède pas 20 % de la valeur totale estimée de tous les lots ».

def _formal(nature=N.SUPPLIES, value="1000000"):
    return decide(nature, B.LOCAL, Decimal(value), date(2026, 5, 4))


def test_small_supplies_lot_at_its_limit():
    decision = _formal()
    ok = assess_choice(decision, P.OPEN, lots=[lot(1, "920000.01"), lot(2, "79999.99", small=True)])
    assert ok.lawful and any("R2123-1, 2°" in w for w in ok.warnings)
    for value in ("80000", "80000.01"):
        refused = assess_choice(decision, P.OPEN, lots=[lot(1, "900000"), lot(2, value, small=True)])
        assert not refused.lawful and refused.field == "lots.1.small_lot" and "80 000" in plain(refused.refusal)


def test_small_works_lot_at_its_limit():
    decision = _formal(N.WORKS, "6000000")
    assert decision.band is Band.FORMAL
    assert assess_choice(decision, P.OPEN, lots=[lot(1, "5000000.01"), lot(2, "999999.99", small=True)]).lawful
    for value in ("1000000", "1000000.01"):
        refused = assess_choice(decision, P.OPEN, lots=[lot(1, "5000000"), lot(2, value, small=True)])
        assert not refused.lawful and refused.field == "lots.1.small_lot"


def test_small_lots_within_20_percent_of_all_lots():
    decision = _formal()  # 1 000 000: 20 % is 200 000
    at_share = [lot(1, "800000"), lot(2, "79999.99", small=True), lot(3, "79999.99", small=True),
                lot(4, "40000.02", small=True)]  # 200 000.00 exactly
    assert assess_choice(decision, P.OPEN, lots=at_share).lawful
    above = [lot(1, "800000"), lot(2, "79999.99", small=True), lot(3, "79999.99", small=True),
             lot(4, "40000.03", small=True)]  # 200 000.01
    refused = assess_choice(decision, P.OPEN, lots=above)
    assert not refused.lawful and refused.field == "lots.3.small_lot" and "20 %" in refused.refusal


def test_small_lots_are_useless_below_the_formal_threshold():
    decision = decide(N.SUPPLIES, B.LOCAL, Decimal(100000), date(2026, 5, 4))
    assessment = assess_choice(decision, P.ADAPTED, lots=[lot(1, "50000", small=True), lot(2, "50000")])
    assert assessment.lawful and any("inutile" in w for w in assessment.warnings)


# ------------------------------------------------ no publicity, no competition (R2122-1 to R2122-11)
# R2122-8: « inférieure à » 60 000 (supplies and services, from 2026-04-01).

def test_r2122_8_by_value_needs_no_exemption_one_cent_below_the_threshold():
    below = decide(N.SUPPLIES, B.LOCAL, Decimal("59999.99"), date(2026, 4, 1))
    assert assess_choice(below, P.NO_COMPETITION).lawful
    for value in ("60000", "60000.01"):
        decision = decide(N.SUPPLIES, B.LOCAL, Decimal(value), date(2026, 4, 1))
        refused = assess_choice(decision, P.NO_COMPETITION)
        assert not refused.lawful and refused.field == "no_competition_exemption"
        refused = assess_choice(decision, P.NO_COMPETITION, exemption=exemption("R2122-8"))
        assert not refused.lawful and refused.field == "no_competition_exemption.article"
    # The day before 2026-04-01 the threshold was 40 000: 59 999,99 needed a case.
    assert not assess_choice(decide(N.SUPPLIES, B.LOCAL, Decimal("59999.99"), date(2026, 3, 31)), P.NO_COMPETITION).lawful


@pytest.mark.parametrize(("article", "nature", "buyer"), [
    ("R2122-1", N.WORKS, B.LOCAL),  # urgence impérieuse
    ("R2122-2", N.SERVICES, B.STATE),  # procédure infructueuse
    ("R2122-3", N.SUPPLIES, B.LOCAL),  # opérateur déterminé
    ("R2122-4", N.SUPPLIES, B.UTILITY),  # livraisons complémentaires: « marché de fournitures »
    ("R2122-5", N.SERVICES, B.LOCAL),  # conditions particulièrement avantageuses
    ("R2122-6", N.SERVICES, B.LOCAL),  # lauréat d'un concours (services)
    ("R2122-7", N.WORKS, B.LOCAL),  # prestations similaires: « marché de travaux ou de services »
    ("R2122-10", N.SUPPLIES, B.STATE),  # « un pouvoir adjudicateur », produits fabriqués
    ("R2122-11", N.WORKS, B.UTILITY),  # « une entité adjudicatrice »
])
def test_each_checked_case_is_lawful_with_its_reason(article, nature, buyer):
    decision = decide(nature, buyer, Decimal(6000000), date(2026, 5, 4))
    assessment = assess_choice(decision, P.NO_COMPETITION, exemption=exemption(article))
    assert assessment.lawful, assessment.refusal
    assert any(f"art. {article}" in w and "Motif consigné" in w for w in assessment.warnings)


@pytest.mark.parametrize(("article", "nature", "buyer"), [
    ("R2122-4", N.SERVICES, B.LOCAL),  # supplies only
    ("R2122-7", N.SUPPLIES, B.LOCAL),  # works or services only
    ("R2122-10", N.SUPPLIES, B.UTILITY),  # contracting authorities only
    ("R2122-11", N.SUPPLIES, B.LOCAL),  # contracting entities only
])
def test_a_case_outside_its_scope_is_refused(article, nature, buyer):
    decision = decide(nature, buyer, Decimal(500000), date(2026, 5, 4))
    refused = assess_choice(decision, P.NO_COMPETITION, exemption=exemption(article))
    assert not refused.lawful and refused.field == "no_competition_exemption.article"


def test_a_case_without_reason_names_the_reason():
    decision = decide(N.WORKS, B.LOCAL, Decimal(500000), date(2026, 5, 4))
    blank = NoCompetitionExemption.model_construct(article="R2122-1", reason="   ")
    refused = assess_choice(decision, P.NO_COMPETITION, exemption=blank)
    assert not refused.lawful and refused.field == "no_competition_exemption.reason"


def test_an_unverified_case_is_not_advised():
    decision = decide(N.SUPPLIES, B.LOCAL, Decimal(80000), date(2026, 5, 4))
    unknown = NoCompetitionExemption.model_construct(article="R2122-12", reason="Hors du code")
    refused = assess_choice(decision, P.NO_COMPETITION, exemption=unknown)
    assert not refused.lawful and "la plateforme ne conseille pas ce cas" in refused.refusal
    assert refused.field == "no_competition_exemption.article"


def test_books_under_90_000():
    # R2122-9: « marché de fournitures de livres non scolaires (...) dont la valeur estimée est inférieure
    # à 90 000 euros hors taxes ».
    ok = assess_choice(decide(N.SUPPLIES, B.LOCAL, Decimal("89999.99"), date(2026, 5, 4)), P.NO_COMPETITION,
                       exemption=exemption("R2122-9", "Livres pour la médiathèque"))
    assert ok.lawful and any("loi n° 81-766" in w for w in ok.warnings)
    for value in ("90000", "90000.01"):
        refused = assess_choice(decide(N.SUPPLIES, B.LOCAL, Decimal(value), date(2026, 5, 4)), P.NO_COMPETITION,
                                exemption=exemption("R2122-9", "Livres pour la médiathèque"))
        assert not refused.lawful and refused.field == "no_competition_exemption.article"
    refused = assess_choice(decide(N.SERVICES, B.LOCAL, Decimal(80000), date(2026, 5, 4)), P.NO_COMPETITION,
                            exemption=exemption("R2122-9", "Reliure"))
    assert not refused.lawful  # supplies only


def test_an_exemption_with_another_procedure_is_refused():
    decision = decide(N.SUPPLIES, B.LOCAL, Decimal(80000), date(2026, 5, 4))
    refused = assess_choice(decision, P.ADAPTED, exemption=exemption("R2122-1"))
    assert not refused.lawful and refused.field == "no_competition_exemption"


# ------------------------------------------------ defence and security (item 3)

def test_defence_procedures_and_no_open_call():
    formal = decide(N.SUPPLIES, B.DEFENCE, Decimal(432000), date(2026, 1, 1))
    assert formal.band is Band.FORMAL
    assert formal.allowed_procedures == (P.RESTRICTED, P.NEGOTIATED, P.COMPETITIVE_DIALOGUE)
    assert formal.recommended_procedure is P.RESTRICTED
    refused = assess_choice(formal, P.OPEN)
    assert not refused.lawful and refused.field == "procedure"
    assert decide(N.SUPPLIES, B.DEFENCE, Decimal("431999.99"), date(2026, 1, 1)).band is Band.ADAPTED


def test_defence_no_competition_by_value_is_not_advised():
    # R2322-14 could not be checked: no band, no case.
    decision = decide(N.SUPPLIES, B.DEFENCE, Decimal(1000), date(2026, 5, 4))
    assert decision.band is Band.ADAPTED and P.NO_COMPETITION not in decision.allowed_procedures
    assert any("R2322-14" in w for w in decision.warnings)
    refused = assess_choice(decision, P.NO_COMPETITION, exemption=exemption("R2122-1"))
    assert not refused.lawful and "la plateforme ne conseille pas ce cas" in refused.refusal


@pytest.mark.parametrize(("pin", "urgency", "applications", "bids"), [
    # R2361-2: 37 days, « trente jours lorsque cet avis a été envoyé par voie électronique », urgency
    # « quinze jours ou à dix jours lorsque l'avis a été envoyé par voie électronique »; R2361-3: 40 days;
    # R2361-4: « vingt-deux jours » with a prior information notice.
    (False, False, 30, 40), (True, False, 30, 22), (False, True, 10, 40),
])
def test_defence_restricted_time_limits(pin, urgency, applications, bids):
    decision = decide(N.SERVICES, B.DEFENCE, Decimal(500000), date(2026, 5, 4), urgency=urgency,
                      prior_information_notice=pin)
    limit = decision.time_limit_for(P.RESTRICTED)
    assert (limit.applications_days, limit.bids_days) == (applications, bids)
    assert "R2361-2" in limit.note and "R2361-3" in limit.note
    dialogue = decision.time_limit_for(P.COMPETITIVE_DIALOGUE)
    assert dialogue.applications_days == 30 and "R2361-14" in dialogue.note  # R2361-14: 37, 30 électronique
    assert decision.time_limit_for(P.NEGOTIATED).bids_days is None  # not checked: not advised


# ------------------------------------------------ utilities (item 4)

def test_utilities_negotiate_and_dialogue_freely_with_their_time_limits():
    decision = decide(N.SERVICES, B.UTILITY, Decimal(432000), date(2026, 1, 1))
    assert "R2124-4" in decision.explanation_text and "R2124-6" in decision.explanation_text
    assessment = assess_choice(decision, P.COMPETITIVE_DIALOGUE)
    assert assessment.lawful and not any("R2124-3" in w for w in assessment.warnings)
    limit = decision.time_limit_for(P.NEGOTIATED)
    # R2161-21: « quinze jours »; R2161-22: « ne peut être inférieur à dix jours » without agreement.
    assert (limit.applications_days, limit.bids_days) == (15, 10)


@pytest.mark.parametrize(("public_body", "publicity"), [(None, Publicity.EUROPEAN), (True, Publicity.EUROPEAN),
                                                       (False, Publicity.JOUE)])
def test_formal_publicity_by_the_buyers_status(public_body, publicity):
    # R2131-16 (as the DAJ quotes it): BOAMP and JOUE for the State, its non-industrial public
    # establishments and local authorities; « lorsqu'ils sont passés par les autres acheteurs, l'avis
    # de marché est publié au JOUE ».
    decision = decide(N.SERVICES, B.UTILITY, Decimal(432000), date(2026, 1, 1), public_body=public_body)
    assert decision.publicity_for(P.OPEN) is publicity


@pytest.mark.parametrize(("buyer", "public_body", "national"), [
    (B.UTILITY, True, True), (B.UTILITY, False, False), (B.UTILITY, None, False),
    (B.LOCAL, None, True), (B.LOCAL, False, False), (B.STATE, True, True),
])
def test_mapa_publicity_of_r2131_12_by_the_buyers_status(buyer, public_body, national):
    # R2131-12: BOAMP or JAL « lorsque la valeur estimée du besoin est égale ou supérieure à 90 000 euros
    # hors taxes », for the State, its public establishments other than industrial and commercial,
    # local authorities, their public establishments and groupings.
    below = decide(N.SUPPLIES, buyer, Decimal("89999.99"), date(2026, 5, 4), public_body=public_body)
    assert below.publicity_for(P.ADAPTED) is Publicity.FREE
    for value in ("90000", "90000.01"):
        at = decide(N.SUPPLIES, buyer, Decimal(value), date(2026, 5, 4), public_body=public_body)
        assert at.publicity_for(P.ADAPTED) is (Publicity.NATIONAL if national else Publicity.FREE)
        assert "R2131-12" in at.explanation_text


# ------------------------------------------------ time limits (item 5)

@pytest.mark.parametrize(("pin", "urgency", "electronic", "applications", "bids"), [
    # R2161-12: 30 days, « quinze jours » for a duly justified urgency; R2161-14: 30 days;
    # R2161-15: « dix jours » (PIN), « vingt-cinq jours » (electronic), « dix jours » (urgency).
    (False, False, False, 30, 30), (False, False, True, 30, 25), (True, False, True, 30, 10),
    (False, True, True, 15, 10),
])
def test_negotiated_procedure_time_limits(pin, urgency, electronic, applications, bids):
    decision = decide(N.SERVICES, B.LOCAL, Decimal(300000), date(2026, 5, 4), urgency=urgency,
                      electronic_bids=electronic, prior_information_notice=pin)
    limit = decision.time_limit_for(P.NEGOTIATED)
    assert (limit.applications_days, limit.bids_days) == (applications, bids)
    assert "R2161-12" in limit.note and "R2161-15" in limit.note


def test_restricted_bids_ten_days_with_a_notice_or_urgency():
    # R2161-8: « A dix jours si le pouvoir adjudicateur a publié un avis de préinformation » (1°) and
    # « A dix jours lorsqu'une situation d'urgence, dûment justifiée » (3°).
    for kwargs in ({"prior_information_notice": True}, {"urgency": True}):
        limit = decide(N.SERVICES, B.LOCAL, Decimal(300000), date(2026, 5, 4), **kwargs).time_limit_for(P.RESTRICTED)
        assert limit.bids_days == 10 and "R2161-8" in limit.note


def test_open_procedure_reductions_cite_r2161_3():
    limit = decide(N.SERVICES, B.LOCAL, Decimal(300000), date(2026, 5, 4)).time_limit_for(P.OPEN)
    assert limit.bids_days == 30 and "R2161-3" in limit.note  # « A trente jours ... par voie électronique »


def test_mapa_time_limit_is_practice_not_law():
    limit = decide(N.SERVICES, B.LOCAL, Decimal(100000), date(2026, 5, 4)).time_limit_for(P.ADAPTED)
    assert limit.suggested and "R2143-1" in limit.note and "R2151-1" in limit.note and "usage" in limit.note


@pytest.mark.parametrize(("day", "working"), [
    (date(2026, 5, 1), date(2026, 5, 4)),  # Friday 1 May (fête du Travail) -> Monday
    (date(2026, 4, 30), date(2026, 4, 30)),  # the day before a holiday is a working day
    (date(2026, 7, 14), date(2026, 7, 15)),  # Tuesday 14 July
    (date(2026, 1, 3), date(2026, 1, 5)),  # Saturday -> Monday
    (date(2026, 1, 4), date(2026, 1, 5)),  # Sunday -> Monday
    (date(2026, 12, 25), date(2026, 12, 28)),  # Friday Christmas, then the weekend
])
def test_next_working_day(day, working):
    assert next_working_day(day) == working


def test_a_minimum_deadline_on_a_holiday_ends_the_next_working_day():
    # Règlement n° 1182/71 art. 3 §4: a period whose last day is « un jour férié, un dimanche ou un
    # samedi » ends at the end of the next working day; the day of sending is not counted.
    assert minimum_deadline(date(2025, 12, 2), 30) == date(2026, 1, 2)  # 1 January -> Friday 2
    assert minimum_deadline(date(2025, 12, 1), 30) == date(2025, 12, 31)  # a Wednesday: unchanged
    assert minimum_deadline(date(2026, 4, 1), 5) == date(2026, 4, 7)  # Easter Monday 6 April 2026
    with pytest.raises(RulesError) as refused:
        minimum_deadline(date(2026, 4, 1), -1)
    assert refused.value.field == "days"


# ------------------------------------------------ the decision at publication (item 1's engine side)

def test_a_need_planned_in_december_2025_and_published_in_january_2026_is_stopped():
    # 218 000 € HT of services, local authority: under 221 000 (2024-2025), over 216 000 (from 2026-01-01).
    planned = decide(N.SERVICES, B.LOCAL, Decimal(218000), date(2025, 12, 15))
    chosen = procedure_decision(planned, P.ADAPTED, assess_choice(planned, P.ADAPTED))
    assert isinstance(chosen, ProcedureDecision) and chosen.band == "adapted" and chosen.decided_on == date(2025, 12, 15)
    assert still_holds(chosen, decide(N.SERVICES, B.LOCAL, Decimal(218000), date(2025, 12, 31))) is None
    message = still_holds(chosen, decide(N.SERVICES, B.LOCAL, Decimal(218000), date(2026, 1, 10)))
    assert message is not None
    text = plain(message)
    assert text.startswith("Le seuil de procédure formalisée est passé de 221 000 € HT à 216 000 € HT le 1er janvier 2026 : ")
    assert "« Procédure adaptée », n'est plus possible" in text and "Appel d'offres ouvert" in text
    # An open call chosen in December stays lawful in January; the band change is still said, to confirm.
    open_call = procedure_decision(planned, P.OPEN, assess_choice(planned, P.OPEN))
    said = still_holds(open_call, decide(N.SERVICES, B.LOCAL, Decimal(218000), date(2026, 1, 10)))
    assert said is not None and "reste possible" in said


def test_the_april_2026_row_changes_the_band_of_a_mapa():
    # R2122-8: 40 000 until 2026-03-31, 60 000 from 2026-04-01 (supplies and services).
    planned = decide(N.SUPPLIES, B.LOCAL, Decimal(50000), date(2026, 3, 31))
    chosen = procedure_decision(planned, P.ADAPTED, assess_choice(planned, P.ADAPTED))
    message = still_holds(chosen, decide(N.SUPPLIES, B.LOCAL, Decimal(50000), date(2026, 4, 1)))
    assert message is not None and "40 000 € HT à 60 000 € HT le 1er avril 2026" in plain(message)
    assert "reste possible" in message


def test_a_refused_choice_makes_no_procedure_decision():
    decision = decide(N.SERVICES, B.LOCAL, Decimal(216000), date(2026, 1, 1))
    with pytest.raises(RulesError) as refused:
        procedure_decision(decision, P.ADAPTED, assess_choice(decision, P.ADAPTED))
    assert refused.value.field == "procedure"


# ------------------------------------------------ estimated value (item 7)

def test_candidate_payments_and_buyer_supplied_works_supplies_are_added():
    # R2121-1: « des primes ou des paiements prévus au profit des candidats ou soumissionnaires »;
    # R2121-5: the supplies the buyer provides for the works.
    base = [LotEstimate(amount=Decimal(5403000), duration_months=12)]
    estimate = estimate_value(base, candidate_payments=Decimal("999.99"), buyer_supplied_value=Decimal("0.01"),
                              nature=N.WORKS)
    assert estimate.value == Decimal("5404000.00")  # exactly the works formal threshold from 2026-01-01
    assert "R2121-1" in estimate.explanation_text and "R2121-5" in estimate.explanation_text
    assert decide(N.WORKS, B.LOCAL, estimate.value, date(2026, 1, 1)).band is Band.FORMAL
    assert decide(N.WORKS, B.LOCAL, estimate.value - CENT, date(2026, 1, 1)).band is Band.ADAPTED
    with pytest.raises(RulesError) as refused:
        estimate_value(base, buyer_supplied_value=Decimal(1), nature=N.SUPPLIES)
    assert refused.value.field == "buyer_supplied_value"


# ------------------------------------------------ splitting (item 7)

def _need(ref, value, day, *, cpv="45210000", nature=N.WORKS, operation=None, family=None):
    return NeedSummary(reference=ref, cpv_code=cpv, estimated_value=Decimal(value), launch_date=day, nature=nature,
                       operation=operation, family=family)


def test_works_are_added_up_by_operation_not_by_cpv_division():
    # Two works of one operation (R2121-5), different CPV divisions: together 100 000 (R2122-8 from 2026).
    new = _need("Toiture", "50000", date(2026, 9, 1), cpv="45260000", operation="Rénovation école Jaurès")
    other = _need("Peinture", "50000", date(2026, 3, 1), cpv="45440000", operation="rénovation  école jaurès")
    (warning, *_) = check_splitting(new, [other], B.LOCAL)
    assert "opération de travaux « Rénovation école Jaurès »" in warning.message and "R2121-5" in warning.message
    # Same CPV division, another operation: not added up.
    elsewhere = _need("Peinture", "50000", date(2026, 3, 1), cpv="45260000", operation="Gymnase")
    assert check_splitting(new, [elsewhere], B.LOCAL) == ()


def test_supplies_are_added_up_by_family_with_the_cpv_division_as_fallback():
    new = _need("Papier", "30000", date(2026, 5, 1), cpv="30197630", nature=N.SUPPLIES, family="Fournitures de bureau")
    other = _need("Stylos", "30000", date(2026, 2, 1), cpv="30192000", nature=N.SUPPLIES, family="Fournitures de bureau")
    (warning, *_) = check_splitting(new, [other], B.LOCAL)
    assert "famille homogène d'achats « Fournitures de bureau »" in warning.message
    other_family = _need("Toner", "30000", date(2026, 2, 1), cpv="30192000", nature=N.SUPPLIES, family="Informatique")
    assert check_splitting(new, [other_family], B.LOCAL) == ()
    # No family on either: the CPV division (30) as before.
    fallback = check_splitting(_need("Papier", "30000", date(2026, 5, 1), cpv="30197630", nature=N.SUPPLIES),
                               [_need("Stylos", "30000", date(2026, 2, 1), cpv="30192000", nature=N.SUPPLIES)], B.LOCAL)
    assert fallback and "division CPV 30" in fallback[0].message


def test_defence_small_lots_cite_r2323_1():
    # R2323-1 2° (defence): « inférieure à 80 000 euros hors taxes pour des fournitures ou des services ».
    decision = decide(N.SUPPLIES, B.DEFENCE, Decimal(1000000), date(2026, 5, 4))
    ok = assess_choice(decision, P.RESTRICTED, lots=[lot(1, "920000.01"), lot(2, "79999.99", small=True)])
    assert ok.lawful and any("R2323-1, 2°" in w for w in ok.warnings)
    refused = assess_choice(decision, P.RESTRICTED, lots=[lot(1, "920000"), lot(2, "80000", small=True)])
    assert not refused.lawful and "R2323-1, 2°" in refused.refusal


def test_buyer_kind_is_the_events_enum_everywhere():
    from unefois_events import catalogue
    from unefois_rules import thresholds

    assert BuyerKind is catalogue.BuyerKind is thresholds.BuyerKind
    assert [kind.value for kind in BuyerKind] == ["state", "local", "utility", "defence"]
