"""The dated table of thresholds: values per date, buyer kind and nature, coverage, no overlap."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from unefois_events.values import PurchaseNature as N
from unefois_rules import (
    EARLIEST_KNOWN_DATE,
    THRESHOLDS,
    BuyerKind,
    ThresholdKind,
    UnknownThresholdError,
    threshold_in_force,
)

B = BuyerKind
K = ThresholdKind
DATES = [date(2024, 1, 1), date(2025, 12, 31), date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 1),
         date(2027, 12, 31)]


def expected(kind: ThresholdKind, nature: N, buyer: BuyerKind, day: date) -> Decimal | None | type:
    """Written from PROCUREMENT-RULES.md, DECP.md and the articles (décret 2022-1683 art. 6 as extended by
    décret 2024-1217; R2131-12; R2196-1), independently of the table under test."""
    y2026 = day >= date(2026, 1, 1)
    april = day >= date(2026, 4, 1)
    works = nature is N.WORKS
    if kind is K.NO_COMPETITION:
        if buyer is B.DEFENCE:
            return None  # R2122-8 is not a defence rule; R2322-14 not checked: no row
        if works:
            return Decimal(100000)  # décret 2022-1683 art. 6 until 2025-12-31, then R2122-8
        return Decimal(60000 if april else 40000)
    if kind is K.FREE_DOCUMENTS:
        return Decimal(60000 if april else 40000)
    if kind is K.MAPA_PUBLICITY:
        return None if buyer is B.DEFENCE else Decimal(90000)  # duty by the buyer's status, see the engine
    if kind is K.DECP:
        return Decimal(40000)
    if kind is K.DECP_LIST:
        return Decimal(25000)
    if works:
        return Decimal(5404000 if y2026 else 5538000)
    return Decimal({B.STATE: (140000, 143000), B.LOCAL: (216000, 221000),
                    B.UTILITY: (432000, 443000), B.DEFENCE: (432000, 443000)}[buyer][0 if y2026 else 1])


@pytest.mark.parametrize("day", DATES, ids=str)
@pytest.mark.parametrize("buyer", list(B))
@pytest.mark.parametrize("nature", list(N))
@pytest.mark.parametrize("kind", list(K))
def test_row_in_force(kind, nature, buyer, day):
    want = expected(kind, nature, buyer, day)
    if want is UnknownThresholdError:
        with pytest.raises(UnknownThresholdError) as refused:
            threshold_in_force(kind, nature, buyer, day)
        assert refused.value.field == "launch_date"
        assert "1er janvier 2026" in refused.value.detail
        return
    row = threshold_in_force(kind, nature, buyer, day)
    if want is None:
        assert row is None
    else:
        assert row is not None and row.amount == want and row.in_force_on(day)


@pytest.mark.parametrize("kind", list(K))
def test_dates_before_the_table_are_refused(kind):
    day = EARLIEST_KNOWN_DATE - timedelta(days=1)
    for nature in N:
        for buyer in B:
            if expected(kind, nature, buyer, EARLIEST_KNOWN_DATE + timedelta(days=800)) is None:
                continue
            with pytest.raises(UnknownThresholdError):
                threshold_in_force(kind, nature, buyer, day)


def test_rows_never_overlap_and_leave_no_gap():
    for kind in K:
        for nature in N:
            for buyer in B:
                rows = sorted((r for r in THRESHOLDS if r.kind is kind and r.applies_to(nature, buyer)),
                              key=lambda r: r.effective_from)
                for before, after in itertools.pairwise(rows):
                    assert before.effective_to is not None
                    assert before.effective_to + timedelta(days=1) == after.effective_from
                if rows:
                    assert rows[-1].effective_to is None


def test_every_row_is_decimal_and_cites_an_article():
    for row in THRESHOLDS:
        assert isinstance(row.amount, Decimal) and row.amount > 0
        assert "art. R" in row.reference or ("art. 6 du décret n° 2022-1683" in row.reference
                                              and "décret n° 2024-1217" in row.reference)
        assert row.effective_from >= EARLIEST_KNOWN_DATE
        assert row.effective_to is None or row.effective_to > row.effective_from
