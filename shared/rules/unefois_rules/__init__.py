"""Procedure rules engine: pure code (no I/O) over a dated table of thresholds.

- thresholds: the dated table (`THRESHOLDS`), `BuyerKind` (the events' enum), `threshold_in_force`;
- estimate: the estimated value of a need (`estimate_value`);
- engine: `decide(...)` -> `Decision` (procedures, publicity, time limits, standstill, DECP duty);
- choice: `assess_choice(...)` -> `ChoiceAssessment` (the buyer's chosen procedure, exemption, small
  lots), `procedure_decision(...)` -> the events' `ProcedureDecision`, `still_holds(...)`;
- exemptions: the no-competition cases of R2122-1 to R2122-11 the platform checked;
- deadlines: `minimum_deadline`, `next_working_day` (French public holidays);
- splitting: `check_splitting(...)` -> warnings about a split need;
- explanation: French wording of amounts, dates and thresholds.
"""

from .choice import ChoiceAssessment, assess_choice, procedure_decision, still_holds
from .deadlines import minimum_deadline, next_working_day
from .engine import Band, Decision, DecpDuty, Publicity, TimeLimit, decide, decp_duty
from .errors import RulesError, UnknownThresholdError
from .estimate import AmountBasis, Estimate, LotBreakdown, LotEstimate, estimate_value
from .splitting import NeedSummary, SplittingWarning, check_splitting
from .thresholds import (
    EARLIEST_KNOWN_DATE,
    THRESHOLDS,
    BuyerKind,
    ThresholdKind,
    ThresholdRow,
    threshold_in_force,
)

__all__ = [
    "EARLIEST_KNOWN_DATE", "THRESHOLDS", "AmountBasis", "Band", "BuyerKind", "ChoiceAssessment", "Decision", "DecpDuty", "Estimate",
    "LotBreakdown", "LotEstimate", "NeedSummary", "Publicity", "RulesError", "SplittingWarning", "ThresholdKind",
    "ThresholdRow", "TimeLimit", "UnknownThresholdError", "assess_choice", "check_splitting", "decide", "decp_duty",
    "estimate_value", "minimum_deadline", "next_working_day", "procedure_decision", "still_holds", "threshold_in_force",
]
