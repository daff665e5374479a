"""Estimated value of a need (valeur estimée du besoin, art. R2121-1 to R2121-9): pure computation.

The whole need counts: every lot, every year of the contract, the options and every renewal
(reconduction). Each lot is priced either per year or as a total for its initial period:
- per year: amount x (initial months + renewals x months per renewal) / 12;
- total for the initial period: the renewals are priced pro rata of it,
  amount x (1 + renewals x months per renewal / initial months);
then its options are added. To the lots are added (text of R2121-1 checked: « le cas échéant, des
primes ou des paiements prévus au profit des candidats ou soumissionnaires ») the premiums or
payments to candidates, and, for works, the supplies and services the buyer puts at the
contractors' disposal for the works (R2121-5, as the DAJ/weka summarise it: « la valeur des
fournitures nécessaires à leur réalisation »). The result is rounded UP to the cent, so that
rounding can never bring a need under a threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_UP, Decimal
from enum import StrEnum

from unefois_events.values import PurchaseNature

from .errors import RulesError
from .explanation import format_eur

CENT = Decimal("0.01")


class AmountBasis(StrEnum):
    PER_YEAR = "per_year"  # the amount is for one year of the contract
    TOTAL = "total"  # the amount is for the whole initial period (without renewals nor options)


@dataclass(frozen=True)
class LotEstimate:
    """One lot (or the whole need when it is not divided into lots)."""

    amount: Decimal  # euros HT, per year or for the initial period (see basis)
    duration_months: int  # initial period, renewals excluded
    basis: AmountBasis = AmountBasis.TOTAL
    renewals: int = 0  # number of renewals (reconductions)
    renewal_months: int = 12  # length of each renewal
    options_amount: Decimal = Decimal(0)  # all options over the whole contract, euros HT
    title: str = ""


@dataclass(frozen=True)
class LotBreakdown:
    lot: LotEstimate
    number: int  # 1-based position
    initial: Decimal  # initial period
    renewals: Decimal  # all renewals together
    options: Decimal
    total: Decimal


@dataclass(frozen=True)
class Estimate:
    value: Decimal  # euros HT, rounded up to the cent
    lots: tuple[LotBreakdown, ...]
    explanation: tuple[str, ...] = field(default=())  # French sentences
    candidate_payments: Decimal = Decimal(0)  # premiums or payments to candidates (R2121-1)
    buyer_supplied_value: Decimal = Decimal(0)  # works: supplies the buyer provides (R2121-5)

    @property
    def explanation_text(self) -> str:
        return " ".join(self.explanation)


def _money(value: object, field_name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise RulesError(f"Montant attendu en Decimal (euros HT), reçu {type(value).__name__}", field=field_name)
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise RulesError("Le montant doit être un nombre positif ou nul (euros HT).", field=field_name)
    return amount


def _count(value: object, field_name: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise RulesError(f"Nombre entier supérieur ou égal à {minimum} attendu.", field=field_name)
    return value


def _months(months: int) -> str:
    return f"{months} mois"


def estimate_value(lots: Sequence[LotEstimate], *, candidate_payments: Decimal | None = None,
                   buyer_supplied_value: Decimal | None = None,
                   nature: PurchaseNature | None = None) -> Estimate:
    """Estimated value of the whole need: sum over the lots of initial period + renewals + options,
    plus the premiums or payments to candidates (R2121-1) and, for works (`nature`), the supplies
    the buyer provides (R2121-5)."""
    payments = _money(candidate_payments if candidate_payments is not None else Decimal(0), "candidate_payments")
    supplied = _money(buyer_supplied_value if buyer_supplied_value is not None else Decimal(0),
                      "buyer_supplied_value")
    if supplied and nature is not PurchaseNature.WORKS:
        raise RulesError("Les fournitures mises à disposition par l'acheteur ne s'ajoutent qu'à la valeur d'un marché "
                         "de travaux (art. R2121-5).", field="buyer_supplied_value")
    if not lots:
        raise RulesError("Au moins un lot (ou le besoin entier) est nécessaire pour estimer la valeur.", field="lots")
    breakdowns: list[LotBreakdown] = []
    sentences: list[str] = []
    for number, lot in enumerate(lots, start=1):
        where = f"lots[{number - 1}]"
        amount = _money(lot.amount, f"{where}.amount")
        options = _money(lot.options_amount, f"{where}.options_amount")
        duration = _count(lot.duration_months, f"{where}.duration_months", minimum=1)
        renewals = _count(lot.renewals, f"{where}.renewals", minimum=0)
        renewal_months = _count(lot.renewal_months, f"{where}.renewal_months", minimum=1)
        basis = AmountBasis(lot.basis)
        renewal_total_months = renewals * renewal_months
        if basis is AmountBasis.PER_YEAR:
            initial = amount * duration / 12
            renewal_value = amount * renewal_total_months / 12
            how = f"{format_eur(amount)} par an × {_months(duration)}"
            how_renewals = f"{format_eur(amount)} par an × {renewals} × {_months(renewal_months)}"
        else:
            initial = amount
            renewal_value = amount * renewal_total_months / duration
            how = f"{format_eur(amount)} pour la période initiale de {_months(duration)}"
            how_renewals = f"au prorata de la période initiale, {renewals} × {_months(renewal_months)}"
        total = initial + renewal_value + options
        breakdowns.append(LotBreakdown(lot, number, initial, renewal_value, options, total))
        name = f"Lot {number}" + (f" « {lot.title} »" if lot.title else "")
        parts = [f"période initiale {how} = {format_eur(initial.quantize(CENT, ROUND_UP))}"]
        if renewals:
            parts.append(f"reconductions {how_renewals} = {format_eur(renewal_value.quantize(CENT, ROUND_UP))}")
        if options:
            parts.append(f"options {format_eur(options)}")
        sentences.append(f"{name} : " + " ; ".join(parts)
                         + f" ; total {format_eur(total.quantize(CENT, ROUND_UP))}.")
    extras = []
    if payments:
        sentences.append(f"Primes ou paiements prévus au profit des candidats ou soumissionnaires : {format_eur(payments)}, "
                         "ajoutés à la valeur estimée (art. R2121-1).")
        extras.append("primes aux candidats")
    if supplied:
        sentences.append(f"Fournitures et services mis à la disposition des entreprises par l'acheteur pour les travaux : "
                         f"{format_eur(supplied)}, ajoutés à la valeur estimée (art. R2121-5).")
        extras.append("fournitures mises à disposition")
    value = (sum((b.total for b in breakdowns), Decimal(0)) + payments + supplied).quantize(CENT, ROUND_UP)
    also = (", " + " et ".join(extras) + " comprises") if extras else ""
    sentences.append(
        f"Valeur estimée du besoin : {format_eur(value)}, tous lots, toute la durée du marché, options et "
        f"reconductions comprises{also} (art. R2121-1 à R2121-9), arrondie au centime supérieur."
    )
    return Estimate(value=value, lots=tuple(breakdowns), explanation=tuple(sentences), candidate_payments=payments,
                    buyer_supplied_value=supplied)
