"""French wording shared by the rules engine: amounts, dates, labels of buyer kinds and natures.

Amounts are written the French way: thousands grouped by a narrow no-break space (U+202F),
a decimal comma, cents shown only when there are some, and a no-break space (U+00A0) before
"€" and "HT" so that an amount never breaks across lines: « 215 999,99 € HT ».
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from unefois_events.values import Procedure, PurchaseNature

from .thresholds import BuyerKind, ThresholdKind, ThresholdRow

THOUSANDS = "\u202f"
NBSP = "\u00a0"

_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre")

BUYER_KIND_LABELS: dict[BuyerKind, str] = {
    BuyerKind.STATE: "services centraux de l'État",
    BuyerKind.LOCAL: "collectivités territoriales et autres pouvoirs adjudicateurs",
    BuyerKind.UTILITY: "entités adjudicatrices",
    BuyerKind.DEFENCE: "marchés de défense ou de sécurité",
}

NATURE_LABELS: dict[PurchaseNature, str] = {
    PurchaseNature.WORKS: "travaux",
    PurchaseNature.SUPPLIES: "fournitures",
    PurchaseNature.SERVICES: "services",
}

THRESHOLD_LABELS: dict[ThresholdKind, str] = {
    ThresholdKind.NO_COMPETITION: "seuil de dispense de publicité et de mise en concurrence",
    ThresholdKind.FREE_DOCUMENTS: "seuil de gratuité des documents de la consultation",
    ThresholdKind.MAPA_PUBLICITY: "seuil de publicité au BOAMP ou dans un JAL",
    ThresholdKind.FORMAL: "seuil de procédure formalisée",
    ThresholdKind.DECP: "seuil de publication des données essentielles (DECP)",
    ThresholdKind.DECP_LIST: "seuil des données essentielles ou de la liste annuelle des marchés",
}

PROCEDURE_LABELS: dict[Procedure, str] = {p: p.value for p in Procedure}

PROCEDURE_ARTICLES: dict[Procedure, str] = {
    Procedure.NO_COMPETITION: "art. R2122-8",
    Procedure.ADAPTED: "art. R2123-1",
    Procedure.OPEN: "art. R2124-2",
    Procedure.RESTRICTED: "art. R2124-2",
    Procedure.NEGOTIATED: "art. R2124-3",  # R2124-4 for contracting entities
    Procedure.COMPETITIVE_DIALOGUE: "art. R2124-5",
}


def format_amount(value: Decimal) -> str:
    """« 216 000 » or « 215 999,99 » (no unit)."""
    value = Decimal(value)
    sign = "-" if value < 0 else ""
    cents = abs(value).quantize(Decimal("0.01"))
    whole, _, fraction = f"{cents:f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = THOUSANDS.join(groups)
    if fraction and fraction != "00":
        text += "," + fraction
    return sign + text


def format_eur(value: Decimal, *, ht: bool = True) -> str:
    """« 215 999,99 € HT »."""
    return f"{format_amount(value)}{NBSP}€" + (f"{NBSP}HT" if ht else "")


def format_date(day: date) -> str:
    """« 1er janvier 2026 », « 31 décembre 2025 »."""
    return f"{'1er' if day.day == 1 else day.day} {_MONTHS[day.month - 1]} {day.year}"


def format_period(row: ThresholdRow) -> str:
    """« en vigueur depuis le 1er janvier 2026 » or « en vigueur du 1er janvier 2024 au 31 décembre 2025 »."""
    if row.effective_to is None:
        return f"en vigueur depuis le {format_date(row.effective_from)}"
    return f"en vigueur du {format_date(row.effective_from)} au {format_date(row.effective_to)}"


def scope_label(row: ThresholdRow, buyer_kind: BuyerKind | None = None) -> str:
    """Who and what a row applies to, for the explanation: « fournitures et services », « travaux »…"""
    natures = [NATURE_LABELS[n] for n in PurchaseNature if n in row.natures]
    parts = []
    if len(natures) < len(PurchaseNature):
        parts.append(" et ".join(natures))
    if buyer_kind is not None and len(row.buyer_kinds) < len(BuyerKind):
        parts.append(BUYER_KIND_LABELS[buyer_kind])
    return ", ".join(parts)


def describe_threshold(row: ThresholdRow, buyer_kind: BuyerKind | None = None) -> str:
    """« seuil de procédure formalisée 216 000 € HT (collectivités…, en vigueur depuis le 1er janvier 2026, art. R2124-1 et avis relatif aux seuils) »."""
    scope = scope_label(row, buyer_kind)
    details = ", ".join(part for part in (scope, format_period(row), row.reference) if part)
    return f"{THRESHOLD_LABELS[row.kind]} {format_eur(row.amount)} ({details})"
