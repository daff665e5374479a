"""Estimated value (R2121-1 to R2121-9): all lots, all years, options and renewals."""

from decimal import Decimal

import pytest
from unefois_rules import AmountBasis, LotEstimate, RulesError, estimate_value

D = Decimal


def test_single_lot_total_without_renewal():
    estimate = estimate_value([LotEstimate(amount=D("50000.00"), duration_months=12)])
    assert estimate.value == D("50000.00")
    assert "R2121-1" in estimate.explanation_text


def test_per_year_with_renewals_and_options():
    # 30 000 per year, 12 months firm + 3 renewals of 12 months, options 5 000: 4 years + options.
    lot = LotEstimate(amount=D("30000"), duration_months=12, basis=AmountBasis.PER_YEAR, renewals=3,
                      options_amount=D("5000"))
    estimate = estimate_value([lot])
    assert estimate.value == D("125000.00")
    (breakdown,) = estimate.lots
    assert (breakdown.initial, breakdown.renewals, breakdown.options) == (D(30000), D(90000), D(5000))
    assert "reconductions" in estimate.explanation[0] and "options" in estimate.explanation[0]


def test_total_basis_prices_renewals_pro_rata():
    # 24 000 for 24 months, 2 renewals of 6 months: 24 000 + 2 x 6 000.
    lot = LotEstimate(amount=D("24000"), duration_months=24, renewals=2, renewal_months=6)
    assert estimate_value([lot]).value == D("36000.00")


def test_per_year_over_a_partial_year():
    lot = LotEstimate(amount=D("12000"), duration_months=18, basis=AmountBasis.PER_YEAR)
    assert estimate_value([lot]).value == D("18000.00")


def test_all_lots_add_up():
    lots = [
        LotEstimate(amount=D("100000"), duration_months=12, title="Nettoyage"),
        LotEstimate(amount=D("40000"), duration_months=12, basis=AmountBasis.PER_YEAR, renewals=1, title="Vitrerie"),
        LotEstimate(amount=D("10000.50"), duration_months=6, options_amount=D("999.50"), title="Espaces verts"),
    ]
    estimate = estimate_value(lots)
    assert estimate.value == D("100000") + D("80000") + D("11000.00")
    assert len(estimate.explanation) == 4
    assert "Lot 2 « Vitrerie »" in estimate.explanation[1]


def test_rounds_up_to_the_cent_never_under_a_threshold():
    # 100 per year over 1 month = 8.333...: rounded up to 8.34.
    lot = LotEstimate(amount=D("100"), duration_months=1, basis=AmountBasis.PER_YEAR)
    assert estimate_value([lot]).value == D("8.34")


@pytest.mark.parametrize(("lot", "field"), [
    (LotEstimate(amount=D("-1"), duration_months=12), "lots[0].amount"),
    (LotEstimate(amount=1000.0, duration_months=12), "lots[0].amount"),  # a float
    (LotEstimate(amount=D("1"), duration_months=0), "lots[0].duration_months"),
    (LotEstimate(amount=D("1"), duration_months=12, renewals=-1), "lots[0].renewals"),
    (LotEstimate(amount=D("1"), duration_months=12, options_amount=D("-5")), "lots[0].options_amount"),
])
def test_bad_input_names_the_field(lot, field):
    with pytest.raises(RulesError) as refused:
        estimate_value([lot])
    assert refused.value.field == field


def test_no_lot_is_refused():
    with pytest.raises(RulesError) as refused:
        estimate_value([])
    assert refused.value.field == "lots"
