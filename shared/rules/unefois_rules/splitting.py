"""Splitting warning (saucissonnage): pure check over a buyer's needs.

Splitting a need to stay under a threshold is forbidden (art. R2121-1 to R2121-9). The check warns
when needs of the same CPV division (first two digits of the code) launched within one 12-month
window each stay under a threshold (value < amount) that their sum crosses (sum >= amount).

The window is any period of 12 months [start, start + 12 months - 1 day] containing the new need:
a need launched exactly 12 months before or after the new one is outside it. The thresholds
checked are those in force on the new need's launch date, for its nature and the buyer's kind:
no-competition (R2122-8), BOAMP/JAL publicity for a MAPA (R2131-12) and formal procedure (R2124-1).
The caller passes the needs of one tenant (buyer) only; a need equal to the new one (same
reference) among the others is ignored.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from unefois_events.values import PurchaseNature

from .errors import RulesError
from .explanation import THRESHOLD_LABELS, format_date, format_eur
from .thresholds import BuyerKind, ThresholdKind, ThresholdRow, threshold_in_force

CHECKED_THRESHOLDS = (ThresholdKind.NO_COMPETITION, ThresholdKind.MAPA_PUBLICITY, ThresholdKind.FORMAL)


@dataclass(frozen=True)
class NeedSummary:
    reference: str  # id or short name of the need, as shown to the buyer
    cpv_code: str  # main CPV code, e.g. "90910000" or "90910000-9"
    estimated_value: Decimal  # euros HT
    launch_date: date
    nature: PurchaseNature

    @property
    def cpv_division(self) -> str:
        return self.cpv_code[:2]


@dataclass(frozen=True)
class SplittingWarning:
    threshold: ThresholdRow
    cpv_division: str
    needs: tuple[NeedSummary, ...]  # the new need and the others, by launch date
    total: Decimal
    window_start: date  # first day of the 12-month window
    window_end: date  # last day of the window
    message: str  # French


def add_months(day: date, months: int) -> date:
    """Same day `months` later (or earlier), clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _check(need: NeedSummary, where: str) -> None:
    code = need.cpv_code
    if not (isinstance(code, str) and len(code) >= 8 and code[:8].isdigit()):
        raise RulesError("Code CPV attendu (8 chiffres).", field=f"{where}.cpv_code")
    value = need.estimated_value
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)) or value < 0:
        raise RulesError("Valeur estimée positive attendue (Decimal, euros HT).", field=f"{where}.estimated_value")


def check_splitting(new: NeedSummary, others: Iterable[NeedSummary], buyer_kind: BuyerKind) -> tuple[SplittingWarning, ...]:
    """Warnings for the new need against the buyer's other needs, one per threshold crossed."""
    _check(new, "need")
    candidates = []
    for index, other in enumerate(others):
        _check(other, f"others[{index}]")
        if other.reference == new.reference or other.cpv_division != new.cpv_division:
            continue
        if add_months(other.launch_date, -12) < new.launch_date < add_months(other.launch_date, 12):
            candidates.append(other)

    warnings = []
    for kind in CHECKED_THRESHOLDS:
        row = threshold_in_force(kind, new.nature, buyer_kind, new.launch_date)
        if row is None or new.estimated_value >= row.amount:
            continue  # rule not applicable to this buyer, or the new need is already above it
        under = [need for need in candidates if need.estimated_value < row.amount]
        best: tuple[Decimal, date, list[NeedSummary]] | None = None
        # Windows start on a launch date no later than the new need's and contain it.
        starts = sorted({need.launch_date for need in under if need.launch_date <= new.launch_date}
                        | {new.launch_date})
        for start in starts:
            end = add_months(start, 12) - timedelta(days=1)
            if new.launch_date > end:
                continue
            group = [new] + [need for need in under if start <= need.launch_date <= end]
            total = sum((need.estimated_value for need in group), Decimal("0"))
            if total >= row.amount and (best is None or total > best[0]):
                best = (total, start, group)
        if best is None:
            continue
        total, start, group = best
        group.sort(key=lambda need: (need.launch_date, need.reference))
        end = add_months(start, 12) - timedelta(days=1)
        listed = ", ".join(f"« {need.reference} » ({format_eur(need.estimated_value)}, lancé le "
                           f"{format_date(need.launch_date)})" for need in group)
        message = (
            f"Risque de découpage artificiel du besoin : les besoins de la division CPV {new.cpv_division} lancés "
            f"sur 12 mois (du {format_date(start)} au {format_date(end)}) — {listed} — restent chacun sous le "
            f"{THRESHOLD_LABELS[row.kind]} de {format_eur(row.amount)} ({row.reference}) mais totalisent "
            f"{format_eur(total)}, ce qui atteint ou dépasse ce seuil. Scinder un besoin pour échapper à un seuil "
            "est interdit (art. R2121-1 à R2121-9) : additionner ces besoins, ou consigner pourquoi ils sont distincts."
        )
        warnings.append(SplittingWarning(row, new.cpv_division, tuple(group), total, start, end, message))
    return tuple(warnings)
