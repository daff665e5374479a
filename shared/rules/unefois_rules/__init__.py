"""Procedure rules engine: pure code (no I/O) over a dated table of thresholds.

- thresholds: the dated table (`THRESHOLDS`), `BuyerKind`, `threshold_in_force`;
- estimate: the estimated value of a need (`estimate_value`);
- engine: `decide(...)` -> `Decision` (procedures, publicity, time limits, standstill, DECP);
- splitting: `check_splitting(...)` -> warnings about a split need;
- explanation: French wording of amounts, dates and thresholds.
"""

from .engine import Band, Decision, Publicity, TimeLimit, decide
from .errors import RulesError, UnknownThresholdError
from .estimate import AmountBasis, Estimate, LotBreakdown, LotEstimate, estimate_value
from .splitting import NeedSummary, SplittingWarning, check_splitting
from .thresholds import EARLIEST_KNOWN_DATE, THRESHOLDS, BuyerKind, ThresholdKind, ThresholdRow, threshold_in_force

__all__ = [
    "EARLIEST_KNOWN_DATE", "THRESHOLDS", "AmountBasis", "Band", "BuyerKind", "Decision", "Estimate", "LotBreakdown",
    "LotEstimate", "NeedSummary", "Publicity", "RulesError", "SplittingWarning", "ThresholdKind", "ThresholdRow",
    "TimeLimit", "UnknownThresholdError", "check_splitting", "decide", "estimate_value", "threshold_in_force",
]
