"""Splitting warning (saucissonnage): pure check over a buyer's needs.

Splitting a need to stay under a threshold is forbidden (art. R2121-4, text checked: « L'acheteur ne
peut se soustraire à l'application du présent livre en scindant ses achats ou en utilisant des
modalités de calcul de la valeur estimée du besoin autres que celles qui y sont prévues »). The check warns
when needs of the same group launched within one 12-month window each stay under a threshold
(value < amount) that their sum crosses (sum >= amount). The group is the one the law adds up:
- works: the same operation (art. R2121-5: « la valeur totale des travaux se rapportant à une
  opération », an operation being a set of works with a functional, technical or economic unity
  decided within a limited time and perimeter; wording corroborated by the DAJ/weka and the former
  code's art. 27);
- supplies and services: the same homogeneous family (art. R2121-6, text checked: « la valeur
  totale des fournitures ou des services qui peuvent être considérés comme homogènes soit en raison
  de leurs caractéristiques propres, soit parce qu'ils constituent une unité fonctionnelle »,
  whatever the number of operators and contracts), i.e. the buyer's own purchase family (`family`);
- the CPV division (first two digits) only as a fallback, when the need names no operation or
  family.
The period: for a regular need, R2121-7 (its opening checked, the rest through its predecessor,
décret 2016-360 art. 21 II) counts the twelve months or the budget year (before or after the
contract's conclusion). The check uses any window of 12 months, which holds every budget year,
and says so in its message.

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
    operation: str | None = None  # works: the operation the works belong to (R2121-5)
    family: str | None = None  # supplies and services: the buyer's purchase family (R2121-6)

    @property
    def cpv_division(self) -> str:
        return self.cpv_code[:2]

    @property
    def group(self) -> tuple[str, str]:
        """What the law adds this need up with: its operation, its family, or its CPV division."""
        if self.nature is PurchaseNature.WORKS and _named(self.operation):
            return ("operation", _key(self.operation))
        if self.nature is not PurchaseNature.WORKS and _named(self.family):
            return ("family", _key(self.family))
        return ("cpv", self.cpv_division)


def _named(text: str | None) -> bool:
    return isinstance(text, str) and bool(text.strip())


def _key(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _group_label(need: NeedSummary) -> str:
    kind, _ = need.group
    if kind == "operation":
        return f"de la même opération de travaux « {need.operation.strip()} » (art. R2121-5)"
    if kind == "family":
        return f"de la même famille homogène d'achats « {need.family.strip()} » (art. R2121-6)"
    what = "d'opération" if need.nature is PurchaseNature.WORKS else "de famille d'achats"
    return f"de la division CPV {need.cpv_division} (à défaut {what} renseignée)"


@dataclass(frozen=True)
class SplittingWarning:
    threshold: ThresholdRow
    cpv_division: str  # of the new need (kept for callers); the group compared is in the message
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


def check_splitting(new: NeedSummary, others: Iterable[NeedSummary], buyer_kind: BuyerKind, *,
                    public_body: bool | None = None) -> tuple[SplittingWarning, ...]:
    """Warnings for the new need against the buyer's other needs, one per threshold crossed.

    `public_body` as for engine.decide: the BOAMP/JAL threshold of R2131-12 is checked only for the
    buyers it binds."""
    # Local import: engine imports explanation, like this module; kept lazy to keep the import graph flat.
    from .engine import _listed_public_body
    _check(new, "need")
    candidates = []
    works = new.nature is PurchaseNature.WORKS
    for index, other in enumerate(others):
        _check(other, f"others[{index}]")
        if other.reference == new.reference or (other.nature is PurchaseNature.WORKS) != works \
                or other.group != new.group:
            continue
        if add_months(other.launch_date, -12) < new.launch_date < add_months(other.launch_date, 12):
            candidates.append(other)

    warnings = []
    for kind in CHECKED_THRESHOLDS:
        row = threshold_in_force(kind, new.nature, buyer_kind, new.launch_date)
        if kind is ThresholdKind.MAPA_PUBLICITY and not _listed_public_body(buyer_kind, public_body):
            continue
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
            total = sum((need.estimated_value for need in group), Decimal(0))
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
            f"Risque de découpage artificiel du besoin : les besoins {_group_label(new)} lancés "
            f"sur 12 mois (du {format_date(start)} au {format_date(end)}) — {listed} — restent chacun sous le "
            f"{THRESHOLD_LABELS[row.kind]} de {format_eur(row.amount)} ({row.reference}) mais totalisent "
            f"{format_eur(total)}, ce qui atteint ou dépasse ce seuil. Scinder un besoin pour échapper à un seuil "
            "est interdit (art. R2121-4) : additionner ces besoins, ou consigner pourquoi ils sont distincts. "
            "La plateforme compare les besoins lancés sur toute période de 12 mois (pour un besoin régulier, "
            "l'art. R2121-7 compte douze mois ou l'exercice budgétaire)."
        )
        warnings.append(SplittingWarning(row, new.cpv_division, tuple(group), total, start, end, message))
    return tuple(warnings)
