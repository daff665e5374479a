"""The dated table of thresholds (amounts in euros HT), source: shared/reference/PROCUREMENT-RULES.md
and shared/reference/DECP.md.

Each row holds one amount for some natures and buyer kinds over a period. The engine applies the
row in force on the date the consultation is launched, so a purchase launched under old rules
keeps them. `effective_to` is the LAST day a row is in force (inclusive), None while in force.

Coverage: the reference gives the values of 2024-2025 and 2026-2027 only, so the table starts on
2024-01-01 (`EARLIEST_KNOWN_DATE`). For an earlier launch date the engine raises
`UnknownThresholdError` rather than guess.

Defence and security contracts (BuyerKind.DEFENCE, CCP part 2 book III) have their own
no-publicity cases (R2322-1 ff.); the value threshold of R2322-14 could not be checked against
its text, so no NO_COMPETITION row applies to them: the engine does not offer the no-competition
procedure by value to a defence buyer and says so (see engine.decide).

Comparisons (the same everywhere, stated once here):
- a threshold is CROSSED when the estimated value is >= its amount (« égale ou supérieure »):
  formal procedure at or above the formal threshold (the reference: "at or above it, a formal
  procedure"), BOAMP/JAL "from 90 000", free documents from their threshold, DECP "≥ 40 000";
- the no-competition exemption (R2122-8, « inférieure à ») applies when the value is < its
  threshold, i.e. exactly when that threshold is not crossed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from unefois_events.catalogue import BuyerKind  # the events' own enum, re-exported here
from unefois_events.values import PurchaseNature

from .errors import UnknownThresholdError


class ThresholdKind(StrEnum):
    NO_COMPETITION = "no_competition"  # R2122-8: below it, no publicity nor competition needed
    FREE_DOCUMENTS = "free_documents"  # R2132-2: from it, consultation documents free online
    MAPA_PUBLICITY = "mapa_publicity"  # R2131-12: from it, a MAPA is advertised in BOAMP or a JAL
    FORMAL = "formal"  # R2124-1: from it, a formal procedure
    DECP = "decp"  # R2196-1: from it, the essential data are published as open data
    DECP_LIST = "decp_list"  # R2196-1: from it (R2122-8 contracts), DECP or the buyer's annual list


ALL_NATURES = frozenset(PurchaseNature)
SUPPLIES_SERVICES = frozenset({PurchaseNature.SUPPLIES, PurchaseNature.SERVICES})
WORKS = frozenset({PurchaseNature.WORKS})
ALL_BUYERS = frozenset(BuyerKind)
# R2122-8 is a rule of part 2 book I; defence contracts (book III) are not under it (see above).
NON_DEFENCE_BUYERS = frozenset(BuyerKind) - {BuyerKind.DEFENCE}

EARLIEST_KNOWN_DATE = date(2024, 1, 1)


@dataclass(frozen=True)
class ThresholdRow:
    kind: ThresholdKind
    amount: Decimal  # euros HT
    natures: frozenset[PurchaseNature]
    buyer_kinds: frozenset[BuyerKind]
    effective_from: date
    effective_to: date | None  # last day in force (inclusive); None: still in force
    reference: str  # legal reference, in French, as cited in explanations

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def applies_to(self, nature: PurchaseNature, buyer_kind: BuyerKind) -> bool:
        return nature in self.natures and buyer_kind in self.buyer_kinds


def _row(kind, amount, natures, buyers, start, end, reference) -> ThresholdRow:
    return ThresholdRow(kind, Decimal(amount), frozenset(natures), frozenset(buyers), start, end, reference)


_NC = "art. R2122-8"
_WORKS_2024 = "art. 6 du décret n° 2022-1683 du 28 décembre 2022, prorogé par le décret n° 2024-1217 du 28 décembre 2024"
_FORMAL = "art. R2124-1 et avis relatif aux seuils"
_2024 = date(2024, 1, 1)
_END_2025 = date(2025, 12, 31)
_2026 = date(2026, 1, 1)
_END_MARCH_2026 = date(2026, 3, 31)
_APRIL_2026 = date(2026, 4, 1)

THRESHOLDS: tuple[ThresholdRow, ...] = (
    # No publicity, no competition (R2122-8), supplies and services: 40 000 before 2026-04-01
    # (the reference gives no start date for 40 000; it applied before 2024 too, but the table
    # covers 2024 onwards only), 60 000 from 2026-04-01 (décret 2025-1386).
    _row(ThresholdKind.NO_COMPETITION, "40000", SUPPLIES_SERVICES, NON_DEFENCE_BUYERS, _2024, _END_MARCH_2026, _NC),
    _row(ThresholdKind.NO_COMPETITION, "60000", SUPPLIES_SERVICES, NON_DEFENCE_BUYERS, _APRIL_2026, None, _NC),
    # Works, 2024-2025: 100 000 by décret n° 2022-1683 of 28 December 2022, art. 6 (« jusqu'au
    # 31 décembre 2024 inclus, les acheteurs peuvent conclure un marché de travaux sans publicité ni
    # mise en concurrence préalables pour répondre à un besoin dont la valeur estimée est inférieure
    # à 100 000 euros hors taxes »), extended to 31 December 2025 inclusive by décret n° 2024-1217 of
    # 28 December 2024 (in force 30 December 2024). Checked on lexbase (art. 6 as amended) and
    # marche-public.fr / ume.asso.fr (the extension). The table starts on 2024-01-01, inside the
    # original period, so one row covers 2024-01-01 to 2025-12-31.
    _row(ThresholdKind.NO_COMPETITION, "100000", WORKS, NON_DEFENCE_BUYERS, _2024, _END_2025, _WORKS_2024),
    # Works: 100 000 from 2026-01-01, made permanent in R2122-8 (décret 2025-1386).
    _row(ThresholdKind.NO_COMPETITION, "100000", WORKS, NON_DEFENCE_BUYERS, _2026, None, _NC),
    # Free online consultation documents (R2132-2): 40 000 before 2026-04-01, 60 000 from then.
    _row(ThresholdKind.FREE_DOCUMENTS, "40000", ALL_NATURES, ALL_BUYERS, _2024, _END_MARCH_2026, "art. R2132-2"),
    _row(ThresholdKind.FREE_DOCUMENTS, "60000", ALL_NATURES, ALL_BUYERS, _APRIL_2026, None, "art. R2132-2"),
    # MAPA from 90 000: BOAMP or JAL + buyer profile (R2131-12, text checked), a duty of « l'Etat,
    # ses établissements publics autres qu'à caractère industriel et commercial, les collectivités
    # territoriales, leurs établissements publics et leurs groupements »: the row applies to every
    # buyer kind but defence (book III), and the engine applies it by the buyer's recorded status
    # (public_body; when not recorded, State and local authorities yes, utilities no). The
    # reference gives no date for 90 000: the row covers the whole table.
    _row(ThresholdKind.MAPA_PUBLICITY, "90000", ALL_NATURES, NON_DEFENCE_BUYERS, _2024, None,
         "art. R2131-12"),
    # Formal procedure, supplies and services (EU thresholds, revised every two years).
    _row(ThresholdKind.FORMAL, "143000", SUPPLIES_SERVICES, {BuyerKind.STATE}, _2024, _END_2025, _FORMAL),
    _row(ThresholdKind.FORMAL, "140000", SUPPLIES_SERVICES, {BuyerKind.STATE}, _2026, None, _FORMAL),
    _row(ThresholdKind.FORMAL, "221000", SUPPLIES_SERVICES, {BuyerKind.LOCAL}, _2024, _END_2025, _FORMAL),
    _row(ThresholdKind.FORMAL, "216000", SUPPLIES_SERVICES, {BuyerKind.LOCAL}, _2026, None, _FORMAL),
    _row(ThresholdKind.FORMAL, "443000", SUPPLIES_SERVICES, {BuyerKind.UTILITY, BuyerKind.DEFENCE}, _2024, _END_2025,
         _FORMAL),
    _row(ThresholdKind.FORMAL, "432000", SUPPLIES_SERVICES, {BuyerKind.UTILITY, BuyerKind.DEFENCE}, _2026, None,
         _FORMAL),
    # Formal procedure, works (all buyers; also the concessions threshold, out of scope here).
    _row(ThresholdKind.FORMAL, "5538000", WORKS, ALL_BUYERS, _2024, _END_2025, _FORMAL),
    _row(ThresholdKind.FORMAL, "5404000", WORKS, ALL_BUYERS, _2026, None, _FORMAL),
    # Essential data (DECP) (R2196-1): mandatory from 40 000; a contract passed under R2122-8
    # from 25 000 goes either to the DECP or to the buyer's annual list (first quarter of the
    # next year). Text checked (R2196-1 as amended by décret 2019-1344: « égale ou supérieure à
    # 40 000 euros hors taxes » and « marchés conclus en application de l'article R. 2122-8 dont
    # la valeur est égale ou supérieure à 25 000 euros hors taxes ... publiant au cours du premier
    # trimestre de chaque année ... la liste de ces marchés »). Whether décret 2025-1386 changed
    # it is an open point of DECP.md: kept.
    _row(ThresholdKind.DECP, "40000", ALL_NATURES, ALL_BUYERS, _2024, None, "art. R2196-1"),
    _row(ThresholdKind.DECP_LIST, "25000", ALL_NATURES, ALL_BUYERS, _2024, None, "art. R2196-1"),
)


def threshold_in_force(kind: ThresholdKind, nature: PurchaseNature, buyer_kind: BuyerKind, day: date,
                       *, table: Iterable[ThresholdRow] = THRESHOLDS) -> ThresholdRow | None:
    """The row of `kind` in force on `day` for this nature and buyer kind.

    None when the rule does not apply to this buyer at all (e.g. BOAMP/JAL for a utility);
    UnknownThresholdError when it applies but no row covers the date (the engine does not guess).
    """
    table = tuple(table)
    rows = [row for row in table if row.kind is kind and row.applies_to(nature, buyer_kind)]
    if not rows:
        return None
    in_force = [row for row in rows if row.in_force_on(day)]
    if len(in_force) > 1:  # a table error, caught by the tests
        raise AssertionError(f"overlapping rows for {kind} {nature} {buyer_kind} on {day}")
    if in_force:
        return in_force[0]
    # Local import: explanation.py imports this module.
    from .explanation import NATURE_LABELS, THRESHOLD_LABELS, format_date
    earliest = min(row.effective_from for row in rows)
    raise UnknownThresholdError(
        f"Date de lancement {format_date(day)} : le {THRESHOLD_LABELS[kind]} ({NATURE_LABELS[nature]}) "
        f"n'est connu qu'à partir du {format_date(earliest)} dans la table des seuils de la plateforme ; "
        "le moteur de règles ne peut pas décider pour une date antérieure.",
        field="launch_date",
    )
