"""Procedure rules engine: pure code (no I/O) over a dated table of thresholds.

- thresholds: the dated table (`THRESHOLDS`), `BuyerKind` (the events' enum), `threshold_in_force`;
- estimate: the estimated value of a need (`estimate_value`);
- engine: `decide(...)` -> `Decision` (procedures, publicity, time limits, standstill, DECP duty);
- choice: `assess_choice(...)` -> `ChoiceAssessment` (the buyer's chosen procedure, exemption, small
  lots), `procedure_decision(...)` -> the events' `ProcedureDecision`, `still_holds(...)`;
- exemptions: the no-competition cases of R2122-1 to R2122-11 the platform checked;
- deadlines: `minimum_deadline`, `next_working_day` (French public holidays);
- splitting: `check_splitting(...)` -> warnings about a split need;
- explanation: French wording of amounts, dates and thresholds;
- award: the end of the procedure: `standstill_end`, `rejection_letter_content`,
  `assess_abnormally_low_rejection`, `unsuccessful_lot`, `sans_suite_explanation`, `award_notice`.
"""

from .award import (
    AwardFacts,
    AwardNotice,
    NotAdvised,
    RejectionGround,
    RejectionLetterContent,
    SansSuiteReason,
    Standstill,
    assess_abnormally_low_rejection,
    award_notice,
    rejection_letter_content,
    standstill_end,
    unsuccessful_lot,
)
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
    "EARLIEST_KNOWN_DATE",
    "THRESHOLDS",
    "AmountBasis",
    "AwardFacts",
    "AwardNotice",
    "Band",
    "BuyerKind",
    "ChoiceAssessment",
    "Decision",
    "DecpDuty",
    "Estimate",
    "LotBreakdown",
    "LotEstimate",
    "NeedSummary",
    "NotAdvised",
    "Publicity",
    "RejectionGround",
    "RejectionLetterContent",
    "RulesError",
    "SansSuiteReason",
    "SplittingWarning",
    "Standstill",
    "ThresholdKind",
    "ThresholdRow",
    "TimeLimit",
    "UnknownThresholdError",
    "assess_abnormally_low_rejection",
    "assess_choice",
    "award_notice",
    "check_splitting",
    "decide",
    "decp_duty",
    "estimate_value",
    "minimum_deadline",
    "next_working_day",
    "procedure_decision",
    "rejection_letter_content",
    "standstill_end",
    "still_holds",
    "threshold_in_force",
    "unsuccessful_lot",
]
