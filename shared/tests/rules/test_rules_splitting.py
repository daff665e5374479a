"""Splitting warning: needs of one CPV division within 12 months, each under a threshold their sum crosses."""

from datetime import date
from decimal import Decimal

import pytest
from unefois_events.values import PurchaseNature as N
from unefois_rules import (
    BuyerKind,
    NeedSummary,
    RulesError,
    ThresholdKind,
    check_splitting,
)
from unefois_rules.splitting import add_months

D = Decimal
CLEANING = "90910000"  # division 90: cleaning services
GARDENING = "77310000"  # division 77


def need(ref, value, day, cpv=CLEANING, nature=N.SERVICES):
    return NeedSummary(reference=ref, cpv_code=cpv, estimated_value=D(value), launch_date=day, nature=nature)


def kinds(warnings):
    return [w.threshold.kind for w in warnings]


def plain(text):
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def test_same_division_within_12_months_warns():
    new = need("2026-NET-03", "25000", date(2026, 9, 1))
    others = [need("2026-NET-01", "20000", date(2026, 5, 1)), need("2026-NET-02", "15000.00", date(2026, 7, 1), cpv="90911200-8")]
    (warning,) = check_splitting(new, others, BuyerKind.LOCAL)
    assert warning.threshold.kind is ThresholdKind.NO_COMPETITION and warning.threshold.amount == D(60000)
    assert warning.total == D(60000)
    assert [n.reference for n in warning.needs] == ["2026-NET-01", "2026-NET-02", "2026-NET-03"]
    message = plain(warning.message)
    assert "60 000 € HT" in message and "art. R2122-8" in message
    assert "« 2026-NET-01 » (20 000 € HT" in message and "« 2026-NET-03 » (25 000 € HT" in message
    assert "totalisent 60 000 € HT" in message and "division CPV 90" in message
    assert "R2121-4" in message and "R2121-7" in message  # no splitting; twelve months or budget year


def test_sum_one_cent_under_does_not_warn():
    new = need("B", "29999.99", date(2026, 9, 1))
    assert check_splitting(new, [need("A", "30000", date(2026, 5, 1))], BuyerKind.LOCAL) == ()


def test_several_thresholds_crossed_give_one_warning_each():
    new = need("C", "55000", date(2026, 9, 1))
    others = [need("A", "50000", date(2026, 2, 1)), need("B", "45000", date(2026, 6, 1))]
    warnings = check_splitting(new, others, BuyerKind.LOCAL)
    assert kinds(warnings) == [ThresholdKind.NO_COMPETITION, ThresholdKind.MAPA_PUBLICITY]
    assert all(w.total == D(150000) for w in warnings)
    # A utility has no BOAMP/JAL threshold for a MAPA.
    assert kinds(check_splitting(new, others, BuyerKind.UTILITY)) == [ThresholdKind.NO_COMPETITION]


def test_formal_threshold_crossed():
    new = need("C", "100000", date(2026, 9, 1))
    others = [need("A", "80000", date(2026, 2, 1)), need("B", "70000", date(2026, 6, 1))]
    warnings = check_splitting(new, others, BuyerKind.STATE)
    assert ThresholdKind.FORMAL in kinds(warnings)
    formal = next(w for w in warnings if w.threshold.kind is ThresholdKind.FORMAL)
    assert formal.threshold.amount == D(140000) and formal.total == D(250000)
    # 100 000 alone is above the 60 000 no-competition threshold: no warning for it.
    assert ThresholdKind.NO_COMPETITION not in kinds(warnings)


def test_different_division_does_not_warn():
    new = need("B", "40000", date(2026, 9, 1))
    assert check_splitting(new, [need("A", "40000", date(2026, 5, 1), cpv=GARDENING)], BuyerKind.LOCAL) == ()


@pytest.mark.parametrize(("other_day", "warns"), [
    (date(2025, 9, 1), False),  # exactly 12 months before: outside
    (date(2025, 9, 2), True),  # 12 months minus a day
    (date(2024, 6, 1), False),  # long ago
    (date(2027, 8, 31), True),  # later, within 12 months
    (date(2027, 9, 1), False),  # exactly 12 months after
])
def test_12_month_window(other_day, warns):
    new = need("B", "40000", date(2026, 9, 1))
    warnings = check_splitting(new, [need("A", "40000", other_day)], BuyerKind.LOCAL)
    assert bool(warnings) is warns


def test_needs_not_in_one_12_month_window_are_not_added():
    # A 11 months before, C 11 months after: 22 months apart, never in one window with B.
    new = need("B", "25000", date(2026, 6, 1))
    others = [need("A", "25000", date(2025, 7, 1)), need("C", "25000", date(2027, 5, 1))]
    assert check_splitting(new, others, BuyerKind.LOCAL) == ()
    assert check_splitting(need("B", "35000", date(2026, 6, 1)), others, BuyerKind.LOCAL) != ()


def test_threshold_of_the_new_needs_launch_date():
    others = [need("A", "22000", date(2026, 1, 15))]
    # Before 2026-04-01: 40 000 is the threshold, 22 000 + 20 000 crosses it.
    (warning,) = check_splitting(need("B", "20000", date(2026, 3, 31)), others, BuyerKind.LOCAL)
    assert warning.threshold.amount == D(40000)
    # From 2026-04-01: 60 000, not crossed.
    assert check_splitting(need("B", "20000", date(2026, 4, 1)), others, BuyerKind.LOCAL) == ()


def test_works_use_the_works_threshold():
    new = need("B", "60000", date(2026, 9, 1), cpv="45210000", nature=N.WORKS)
    others = [need("A", "39999.99", date(2026, 3, 1), cpv="45400000", nature=N.WORKS)]
    assert check_splitting(new, others, BuyerKind.LOCAL) != ()  # 99 999,99 crosses 90 000 (BOAMP/JAL)
    assert ThresholdKind.NO_COMPETITION not in kinds(check_splitting(new, others, BuyerKind.LOCAL))
    (warning,) = check_splitting(new, [need("A", "40000", date(2026, 3, 1), cpv="45400000", nature=N.WORKS)],
                                 BuyerKind.UTILITY)
    assert warning.threshold.amount == D(100000)


def test_the_new_need_among_the_others_is_ignored():
    new = need("B", "40000", date(2026, 9, 1))
    assert check_splitting(new, [new], BuyerKind.LOCAL) == ()


def test_bad_cpv_names_the_field():
    with pytest.raises(RulesError) as refused:
        check_splitting(need("B", "1", date(2026, 9, 1)), [need("A", "1", date(2026, 9, 1), cpv="90-x")], BuyerKind.LOCAL)
    assert refused.value.field == "others[0].cpv_code"


def test_add_months_clamps_to_the_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), -12) == date(2023, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
