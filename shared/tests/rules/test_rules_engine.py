"""The procedure rules engine at every boundary: threshold - 0.01, threshold, threshold + 0.01, for
each threshold and buyer kind, on both sides of 2026-01-01 and 2026-04-01."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from unefois_events.values import Procedure as P
from unefois_events.values import PurchaseNature as N
from unefois_rules import (
    Band,
    BuyerKind,
    Publicity,
    RulesError,
    ThresholdKind,
    UnknownThresholdError,
    decide,
)
from unefois_rules.explanation import format_eur

B = BuyerKind
CENT = Decimal("0.01")
BEFORE_2026, JAN_2026, MARCH_2026, APRIL_2026 = date(2025, 12, 31), date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 1)
DATES = [BEFORE_2026, JAN_2026, MARCH_2026, APRIL_2026]
SUPPLIES_SERVICES = [N.SUPPLIES, N.SERVICES]

FORMAL_SS = {B.STATE: ("143000", "140000"), B.LOCAL: ("221000", "216000"),
             B.UTILITY: ("443000", "432000"), B.DEFENCE: ("443000", "432000")}
FORMAL_SET = (P.OPEN, P.RESTRICTED, P.NEGOTIATED, P.COMPETITIVE_DIALOGUE)
DEFENCE_SET = (P.RESTRICTED, P.NEGOTIATED, P.COMPETITIVE_DIALOGUE)  # book III: no open call for tenders


def formal_set(buyer):
    return DEFENCE_SET if buyer is B.DEFENCE else FORMAL_SET


def _formal_cases():
    for nature in SUPPLIES_SERVICES:
        for buyer, (old, new) in FORMAL_SS.items():
            for day in DATES:
                yield pytest.param(nature, buyer, day, Decimal(new if day >= JAN_2026 else old),
                                   id=f"{nature}-{buyer}-{day}")
    for buyer in B:
        for day in DATES:
            yield pytest.param(N.WORKS, buyer, day, Decimal(5404000 if day >= JAN_2026 else 5538000),
                               id=f"works-{buyer}-{day}")


def _no_competition_cases():
    for buyer in B:
        if buyer is B.DEFENCE:
            continue  # R2122-8 is not a defence rule (see test_rules_issue10: defence below the formal threshold)
        for day in DATES:
            for nature in SUPPLIES_SERVICES:
                yield pytest.param(nature, buyer, day, Decimal(60000 if day >= APRIL_2026 else 40000),
                                   id=f"{nature}-{buyer}-{day}")
            # works: 100 000 by décret 2022-1683 art. 6 (extended by décret 2024-1217) in 2025, R2122-8 from 2026
            yield pytest.param(N.WORKS, buyer, day, Decimal(100000), id=f"works-{buyer}-{day}")


def _all_cases():
    for buyer in B:
        for day in DATES:
            for nature in N:
                yield pytest.param(nature, buyer, day, id=f"{nature}-{buyer}-{day}")


@pytest.mark.parametrize(("nature", "buyer", "day", "threshold"), list(_formal_cases()))
def test_formal_threshold(nature, buyer, day, threshold):
    below = decide(nature, buyer, threshold - CENT, day)
    assert below.band is Band.ADAPTED
    # item 2: the formal procedures stay lawful below the threshold, with a warning
    assert below.allowed_procedures == (P.ADAPTED, *formal_set(buyer)) and below.recommended_procedure is P.ADAPTED
    assert "procédure formalisée reste possible" in below.explanation_text
    assert not any("procédure formalisée reste possible" in w for w in below.warnings)  # a warning once chosen only
    assert below.standstill_days is None
    assert below.threshold(ThresholdKind.FORMAL).amount == threshold
    assert f"< seuil de procédure formalisée {format_eur(threshold)}" in below.explanation_text
    for value in (threshold, threshold + CENT):  # formal at or above the threshold
        at = decide(nature, buyer, value, day)
        assert at.band is Band.FORMAL
        assert at.allowed_procedures == formal_set(buyer)
        assert at.recommended_procedure is (P.RESTRICTED if buyer is B.DEFENCE else P.OPEN)
        assert at.publicity is Publicity.EUROPEAN  # public body not recorded: BOAMP and JOUE
        assert all(at.publicity_for(p) is Publicity.EUROPEAN for p in formal_set(buyer))
        assert at.standstill_days == 11
        assert f"≥ seuil de procédure formalisée {format_eur(threshold)}" in at.explanation_text
        assert "R2124-1" in at.explanation_text
        if buyer in (B.STATE, B.LOCAL):
            assert "R2124-3" in at.explanation_text


@pytest.mark.parametrize(("nature", "buyer", "day", "threshold"), list(_no_competition_cases()))
def test_no_competition_threshold(nature, buyer, day, threshold):
    below = decide(nature, buyer, threshold - CENT, day)  # R2122-8: « inférieure à »
    assert below.band is Band.NO_COMPETITION
    assert below.allowed_procedures == (P.NO_COMPETITION, P.ADAPTED, *FORMAL_SET)
    assert below.recommended_procedure is P.NO_COMPETITION
    assert below.publicity is Publicity.NONE
    assert below.standstill_days is None
    assert below.threshold(ThresholdKind.NO_COMPETITION).amount == threshold
    assert "R2122-8" in below.explanation_text
    for value in (threshold, threshold + CENT):
        at = decide(nature, buyer, value, day)
        assert at.band is Band.ADAPTED
        assert at.allowed_procedures == (P.ADAPTED, *FORMAL_SET)
        assert f"≥ seuil de dispense de publicité et de mise en concurrence {format_eur(threshold)}" \
            in at.explanation_text


@pytest.mark.parametrize(("nature", "buyer", "day"), list(_all_cases()))
def test_free_documents_threshold(nature, buyer, day):
    threshold = Decimal(60000 if day >= APRIL_2026 else 40000)
    assert decide(nature, buyer, threshold - CENT, day).free_documents_required is False
    for value in (threshold, threshold + CENT):
        decision = decide(nature, buyer, value, day)
        assert decision.free_documents_required is True
        assert "R2132-2" in decision.explanation_text


@pytest.mark.parametrize(("nature", "buyer", "day"), list(_all_cases()))
def test_decp_threshold(nature, buyer, day):
    threshold = Decimal(40000)
    below = decide(nature, buyer, threshold - CENT, day)
    assert below.decp_required is False
    for value in (threshold, threshold + CENT):
        decision = decide(nature, buyer, value, day)
        assert decision.decp_required is True
        assert "R2196-1" in decision.explanation_text


@pytest.mark.parametrize(("nature", "buyer", "day"), list(_all_cases()))
def test_mapa_publicity_threshold(nature, buyer, day):
    threshold = Decimal(90000)
    national = buyer in (B.STATE, B.LOCAL)
    below = decide(nature, buyer, threshold - CENT, day)
    assert below.publicity_for(P.ADAPTED) is Publicity.FREE
    for value in (threshold, threshold + CENT):
        decision = decide(nature, buyer, value, day)
        assert decision.publicity_for(P.ADAPTED) is (Publicity.NATIONAL if national else Publicity.FREE)
        assert "R2131-12" in decision.explanation_text or buyer is B.DEFENCE
    # Works between 90 000 and 100 000: no competition allowed, but a MAPA is advertised.
    if nature is N.WORKS and buyer is not B.DEFENCE:
        decision = decide(nature, buyer, threshold, day)
        assert decision.band is Band.NO_COMPETITION and decision.publicity is Publicity.NONE


@pytest.mark.parametrize("nature", list(N))
def test_dates_before_2024_are_refused(nature):
    with pytest.raises(UnknownThresholdError) as refused:
        decide(nature, B.LOCAL, Decimal(100000), date(2023, 12, 31))
    assert refused.value.field == "launch_date"
    assert "1er janvier 2024" in refused.value.detail


def test_the_example_sentence():
    decision = decide(N.SERVICES, B.LOCAL, Decimal("215999.99"), date(2026, 5, 4))
    plain = decision.explanation_text.replace("\u202f", " ").replace("\u00a0", " ")
    assert ("Valeur estimée 215 999,99 € HT < seuil de procédure formalisée 216 000 € HT (fournitures et services, "
            "collectivités territoriales et autres pouvoirs adjudicateurs, en vigueur depuis le 1er janvier 2026, "
            "art. R2124-1 et avis relatif aux seuils) : procédure adaptée (art. R2123-1).") in plain


def test_old_rows_say_their_period():
    decision = decide(N.SUPPLIES, B.STATE, Decimal("142999.99"), date(2025, 6, 1))
    assert "en vigueur du 1er janvier 2024 au 31 décembre 2025" in decision.explanation_text
    assert decision.band is Band.ADAPTED  # 140 000 would already be formal in 2026


@pytest.mark.parametrize(("pin", "urgency", "electronic", "days"), [
    (False, False, False, 35), (False, False, True, 30), (True, False, True, 15), (False, True, False, 15),
    (True, True, True, 15),
])
def test_open_procedure_time_limit(pin, urgency, electronic, days):
    decision = decide(N.SUPPLIES, B.LOCAL, Decimal(300000), date(2026, 5, 1), urgency=urgency,
                      electronic_bids=electronic, prior_information_notice=pin)
    limit = decision.time_limit_for(P.OPEN)
    assert limit.bids_days == days and limit.applications_days is None and not limit.suggested
    assert "R2161-2" in limit.note and limit.note in decision.explanation


@pytest.mark.parametrize(("pin", "urgency", "electronic", "applications", "bids"), [
    # R2161-8: 25 days electronically, 10 with a prior information notice or a duly justified urgency
    (False, False, False, 30, 30), (False, False, True, 30, 25), (True, False, True, 30, 10),
    (False, True, True, 15, 10),
])
def test_restricted_procedure_time_limits(pin, urgency, electronic, applications, bids):
    decision = decide(N.SERVICES, B.STATE, Decimal(300000), date(2026, 5, 1), urgency=urgency,
                      electronic_bids=electronic, prior_information_notice=pin)
    limit = decision.time_limit_for(P.RESTRICTED)
    assert (limit.applications_days, limit.bids_days) == (applications, bids)
    assert "R2161-6" in limit.note and "R2161-7" in limit.note


def test_mapa_time_limit_is_a_suggestion():
    limit = decide(N.SUPPLIES, B.LOCAL, Decimal(100000), date(2026, 5, 1)).time_limit_for(P.ADAPTED)
    assert limit.bids_days == 15 and limit.suggested


def test_standstill_not_electronic():
    decision = decide(N.WORKS, B.LOCAL, Decimal(6000000), date(2026, 5, 1), electronic_notification=False)
    assert decision.standstill_days == 16
    assert "16 jours" in decision.explanation_text and "R2182-1" in decision.explanation_text


def test_utilities_may_negotiate_freely():
    decision = decide(N.SERVICES, B.UTILITY, Decimal(500000), date(2026, 5, 1))
    assert "R2124-4" in decision.explanation_text


def test_a_datetime_launch_is_taken_as_its_date():
    decision = decide(N.SUPPLIES, B.LOCAL, Decimal(50000), datetime(2026, 4, 1, 9, 30))
    assert decision.launch_date == APRIL_2026 and decision.band is Band.NO_COMPETITION


def test_a_decision_is_frozen():
    decision = decide(N.SUPPLIES, B.LOCAL, Decimal(50000), APRIL_2026)
    with pytest.raises(AttributeError):
        decision.band = Band.FORMAL  # type: ignore[misc]


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"estimated_value": Decimal("-0.01")}, "estimated_value"),
    ({"estimated_value": 1000.0}, "estimated_value"),
    ({"estimated_value": Decimal("NaN")}, "estimated_value"),
    ({"nature": "furniture"}, "nature"),
    ({"buyer_kind": "hospital"}, "buyer_kind"),
    ({"launch_date": "2026-05-01"}, "launch_date"),
])
def test_bad_input_names_the_field(kwargs, field):
    args = {"nature": N.SUPPLIES, "buyer_kind": B.LOCAL, "estimated_value": Decimal(1000),
            "launch_date": APRIL_2026} | kwargs
    with pytest.raises(RulesError) as refused:
        decide(**args)
    assert refused.value.field == field
    assert refused.value.status == 422


def test_explanation_cites_the_articles():
    text = decide(N.SUPPLIES, B.LOCAL, Decimal(150000), APRIL_2026).explanation_text
    for article in ("R2122-8", "R2123-1", "R2124-1", "R2131-12", "R2132-2", "R2182-1", "R2196-1"):
        assert f"art. {article}" in text
    formal = decide(N.SUPPLIES, B.LOCAL, Decimal(250000), APRIL_2026).explanation_text
    for article in ("R2124-1", "R2124-2", "R2124-3", "R2124-5", "R2131-16", "R2161-2", "R2161-6", "R2182-1"):
        assert f"art. {article}" in formal


def test_to_dict_is_json_ready():
    import json

    data = decide(N.SUPPLIES, B.LOCAL, Decimal("215999.99"), APRIL_2026).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["estimated_value"] == "215999.99" and data["recommended_procedure"] == "Procédure adaptée"
    assert data["publicity_by_procedure"] == {"Procédure adaptée": "national", "Appel d'offres ouvert": "european",
                                              "Appel d'offres restreint": "european",
                                              "Procédure avec négociation": "european",
                                              "Dialogue compétitif": "european"}
    assert data["decp_duty"] == "mandatory" and data["warnings"] == []
    specific = decide(N.SERVICES, B.LOCAL, Decimal("300000"), APRIL_2026, specific_services=True).to_dict()
    assert json.loads(json.dumps(specific)) == specific
    assert any("services spécifiques" in warning for warning in specific["warnings"])
