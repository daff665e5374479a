"""The procedure rules engine: pure code over the dated table of thresholds.

`decide(...)` takes the nature, the buyer kind, the estimated value (Decimal, euros HT) and the
launch date, plus a few flags, and returns a frozen `Decision`: the rows in force, the allowed
procedures and the recommended one, the publicity, the minimum time limits, the standstill,
whether the consultation documents must be free online, whether the contract goes to the DECP
open data, and an explanation in French citing the articles.

Comparisons: see thresholds.py (crossed when value >= amount; no-competition when value < amount).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from unefois_events.values import Procedure, PurchaseNature

from .errors import RulesError, UnknownThresholdError
from .explanation import (
    BUYER_KIND_LABELS,
    PROCEDURE_ARTICLES,
    describe_threshold,
    format_date,
    format_eur,
)
from .thresholds import (
    EARLIEST_KNOWN_DATE,
    BuyerKind,
    ThresholdKind,
    ThresholdRow,
    threshold_in_force,
)


class Band(StrEnum):
    NO_COMPETITION = "no_competition"  # value < no-competition threshold
    ADAPTED = "adapted"  # no-competition threshold <= value < formal threshold
    FORMAL = "formal"  # value >= formal threshold


class Publicity(StrEnum):
    NONE = "none"  # no publicity required
    FREE = "free"  # publicity freely adapted to the need
    NATIONAL = "national"  # BOAMP or a JAL, plus the buyer profile
    EUROPEAN = "european"  # BOAMP and JOUE (TED eForms notice), plus the buyer profile


PUBLICITY_LABELS: dict[Publicity, str] = {
    Publicity.NONE: "aucune publicité requise",
    Publicity.FREE: "publicité librement adaptée au besoin",
    Publicity.NATIONAL: "avis au BOAMP ou dans un journal d'annonces légales (JAL), et sur le profil d'acheteur",
    Publicity.EUROPEAN: "avis au BOAMP et au JOUE (avis eForms sur TED), et sur le profil d'acheteur",
}

FORMAL_PROCEDURES = (Procedure.OPEN, Procedure.RESTRICTED, Procedure.NEGOTIATED, Procedure.COMPETITIVE_DIALOGUE)
MAPA_SUGGESTED_DAYS = 15
STANDSTILL_DAYS = 11
STANDSTILL_DAYS_NOT_ELECTRONIC = 16


@dataclass(frozen=True)
class TimeLimit:
    """Minimum time limits of one procedure, in calendar days; None where the code sets none."""

    procedure: Procedure
    applications_days: int | None  # sending of the notice -> deadline for applications (restricted)
    bids_days: int | None  # sending of the notice (or invitation) -> bid deadline
    suggested: bool  # True when the figure is the platform's suggestion, not a legal minimum (MAPA)
    note: str  # French, with the articles


@dataclass(frozen=True)
class Decision:
    nature: PurchaseNature
    buyer_kind: BuyerKind
    estimated_value: Decimal
    launch_date: date
    thresholds: tuple[ThresholdRow, ...]  # every row in force used for this decision
    band: Band
    allowed_procedures: tuple[Procedure, ...]
    recommended_procedure: Procedure
    publicity: Publicity  # for the recommended procedure
    publicity_by_procedure: tuple[tuple[Procedure, Publicity], ...]
    time_limits: tuple[TimeLimit, ...]  # one per allowed procedure
    standstill_days: int | None  # R2182-1; None: no standstill (MAPA, no competition)
    free_documents_required: bool  # R2132-2 (when a consultation is published)
    decp_required: bool  # R2196-1
    explanation: tuple[str, ...]  # French sentences citing the articles

    @property
    def explanation_text(self) -> str:
        return "\n".join(self.explanation)

    def publicity_for(self, procedure: Procedure) -> Publicity:
        return dict(self.publicity_by_procedure)[procedure]

    def time_limit_for(self, procedure: Procedure) -> TimeLimit:
        return next(limit for limit in self.time_limits if limit.procedure is procedure)

    def threshold(self, kind: ThresholdKind) -> ThresholdRow | None:
        return next((row for row in self.thresholds if row.kind is kind), None)

    def to_dict(self) -> dict:
        """JSON-ready (amounts as strings, dates ISO), e.g. for the live recommendation in the need form."""
        return {
            "nature": self.nature.value,
            "buyer_kind": self.buyer_kind.value,
            "estimated_value": str(self.estimated_value),
            "launch_date": self.launch_date.isoformat(),
            "thresholds": [
                {"kind": row.kind.value, "amount": str(row.amount), "effective_from": row.effective_from.isoformat(),
                 "effective_to": row.effective_to.isoformat() if row.effective_to else None,
                 "reference": row.reference}
                for row in self.thresholds
            ],
            "band": self.band.value,
            "allowed_procedures": [p.value for p in self.allowed_procedures],
            "recommended_procedure": self.recommended_procedure.value,
            "publicity": self.publicity.value,
            "publicity_by_procedure": {p.value: pub.value for p, pub in self.publicity_by_procedure},
            "time_limits": [
                {"procedure": t.procedure.value, "applications_days": t.applications_days, "bids_days": t.bids_days,
                 "suggested": t.suggested, "note": t.note}
                for t in self.time_limits
            ],
            "standstill_days": self.standstill_days,
            "free_documents_required": self.free_documents_required,
            "decp_required": self.decp_required,
            "explanation": list(self.explanation),
        }


def _check_inputs(nature, buyer_kind, estimated_value, launch_date) -> tuple[PurchaseNature, BuyerKind, Decimal, date]:
    try:
        nature = PurchaseNature(nature)
    except ValueError:
        raise RulesError(f"Nature inconnue : {nature!r} (travaux, fournitures ou services).", field="nature") from None
    try:
        buyer_kind = BuyerKind(buyer_kind)
    except ValueError:
        raise RulesError(f"Type d'acheteur inconnu : {buyer_kind!r}.", field="buyer_kind") from None
    if isinstance(estimated_value, bool) or not isinstance(estimated_value, (Decimal, int)):
        raise RulesError("La valeur estimée doit être un Decimal en euros HT (pas un nombre flottant).",
                         field="estimated_value")
    value = Decimal(estimated_value)
    if not value.is_finite() or value < 0:
        raise RulesError("La valeur estimée doit être positive ou nulle (euros HT).", field="estimated_value")
    if not isinstance(launch_date, date):
        raise RulesError("Date de lancement attendue.", field="launch_date")
    if isinstance(launch_date, datetime):
        launch_date = launch_date.date()
    if launch_date < EARLIEST_KNOWN_DATE:
        raise UnknownThresholdError(
            f"Date de lancement {format_date(launch_date)} antérieure au {format_date(EARLIEST_KNOWN_DATE)} : "
            "la table des seuils de la plateforme ne connaît pas les seuils en vigueur avant cette date.",
            field="launch_date",
        )
    return nature, buyer_kind, value, launch_date


def _crossed(value: Decimal, row: ThresholdRow | None) -> bool:
    """A threshold is crossed when the value is equal to or above it (« égale ou supérieure »)."""
    return row is not None and value >= row.amount


def _time_limits(procedure: Procedure, *, urgency: bool, electronic_bids: bool, pin: bool) -> TimeLimit:
    if procedure is Procedure.NO_COMPETITION:
        return TimeLimit(procedure, None, None, False,
                         "Aucun délai réglementaire : l'acheteur compare des devis et ne retient pas "
                         "systématiquement le même fournisseur (art. R2122-8).")
    if procedure is Procedure.ADAPTED:
        return TimeLimit(procedure, None, MAPA_SUGGESTED_DAYS, True,
                         f"Délai raisonnable adapté au besoin (procédure adaptée, art. R2123-1) : "
                         f"{MAPA_SUGGESTED_DAYS} jours au moins sont recommandés.")
    if procedure is Procedure.OPEN:
        if pin or urgency:
            days = 15
            reason = ("avis de préinformation et urgence" if pin and urgency
                      else "avis de préinformation" if pin else "urgence")
        elif electronic_bids:
            days, reason = 30, "offres reçues par voie électronique"
        else:
            days, reason = 35, "offres non reçues par voie électronique"
        return TimeLimit(procedure, None, days, False,
                         f"Appel d'offres ouvert : au moins {days} jours entre l'envoi de l'avis et la date limite "
                         f"de réception des offres ({reason} ; art. R2161-2 : 35 jours, 30 si les offres sont "
                         "reçues par voie électronique, 15 avec un avis de préinformation ou en cas d'urgence).")
    if procedure is Procedure.RESTRICTED:
        # Applications: 30 days, 15 with urgency. The reference says only "reducible likewise";
        # the longer reading is kept (no reduction for electronic receipt or a PIN), a longer
        # minimum being always lawful.
        applications = 15 if urgency else 30
        if pin or urgency:
            bids = 15
        elif electronic_bids:
            bids = 25
        else:
            bids = 30
        return TimeLimit(procedure, applications, bids, False,
                         f"Appel d'offres restreint : au moins {applications} jours pour les candidatures "
                         f"(art. R2161-6), puis au moins {bids} jours pour les offres (art. R2161-7).")
    return TimeLimit(procedure, None, None, False,
                     f"{procedure.value} : délais non couverts par le référentiel de la plateforme, "
                     "à fixer selon le code de la commande publique.")


def _negotiation_conditions(buyer_kind: BuyerKind) -> str:
    if buyer_kind is BuyerKind.UTILITY:
        negotiated = "la procédure avec négociation est librement ouverte aux entités adjudicatrices (art. R2124-4)"
    else:
        negotiated = (
            "la procédure avec négociation n'est possible que dans les cas de l'art. R2124-3 (besoin ne pouvant "
            "être satisfait sans adapter des solutions immédiatement disponibles, solutions innovantes ou de "
            "conception, négociation rendue nécessaire par la nature, la complexité ou le montage juridique et "
            "financier du marché, spécifications techniques impossibles à établir avec une précision suffisante, "
            "ou seules des offres irrégulières ou inacceptables reçues en réponse à un appel d'offres)"
        )
    text = (
        "Procédure formalisée : appel d'offres ouvert ou restreint au libre choix de l'acheteur (art. R2124-2) ; "
        f"{negotiated} ; le dialogue compétitif n'est possible que dans les cas de l'art. R2124-3 "
        "(art. R2124-5), lorsque l'acheteur ne peut définir seul les moyens de répondre à son besoin."
    )
    if buyer_kind is BuyerKind.DEFENCE:
        text += (" Les marchés de défense ou de sécurité relèvent de règles propres (troisième partie du code) : "
                 "vérifier les conditions de la négociation.")
    return text


def decide(
    nature: PurchaseNature,
    buyer_kind: BuyerKind,
    estimated_value: Decimal,
    launch_date: date,
    *,
    urgency: bool = False,
    electronic_bids: bool = True,
    prior_information_notice: bool = False,
    electronic_notification: bool = True,
) -> Decision:
    """The procedure rules for one need, with the rows in force on its launch date.

    `electronic_bids`: bids received electronically (shortens the open procedure's time limit);
    `electronic_notification`: the rejection notices to the losing bidders are sent electronically
    (11 days of standstill instead of 16). Raises RulesError (422, naming the field) on bad input,
    UnknownThresholdError when the table does not cover the launch date.
    """
    nature, buyer_kind, value, launch_date = _check_inputs(nature, buyer_kind, estimated_value, launch_date)
    rows = {kind: threshold_in_force(kind, nature, buyer_kind, launch_date) for kind in ThresholdKind}
    no_competition = rows[ThresholdKind.NO_COMPETITION]
    formal = rows[ThresholdKind.FORMAL]
    mapa_publicity = rows[ThresholdKind.MAPA_PUBLICITY]
    assert no_competition is not None and formal is not None  # every nature and buyer has both

    amount = format_eur(value)
    sentences: list[str] = []
    if _crossed(value, formal):
        band = Band.FORMAL
        allowed = FORMAL_PROCEDURES
        recommended = Procedure.OPEN
        sentences.append(f"Valeur estimée {amount} ≥ {describe_threshold(formal, buyer_kind)} : "
                         "procédure formalisée obligatoire (art. R2124-1).")
        sentences.append(_negotiation_conditions(buyer_kind))
        sentences.append("Procédure recommandée : appel d'offres ouvert (art. R2124-2), sauf si les conditions "
                         "de la négociation ou du dialogue compétitif sont réunies.")
    elif not _crossed(value, no_competition):
        band = Band.NO_COMPETITION
        allowed = (Procedure.NO_COMPETITION, Procedure.ADAPTED)
        recommended = Procedure.NO_COMPETITION
        sentences.append(f"Valeur estimée {amount} < {describe_threshold(no_competition, buyer_kind)} : "
                         "marché passé sans publicité ni mise en concurrence préalables possible (art. R2122-8), "
                         "ou procédure adaptée (art. R2123-1).")
        sentences.append("Procédure recommandée : marché sans publicité ni mise en concurrence préalables ; "
                         "l'acheteur veille à choisir une offre pertinente, à faire une bonne utilisation des "
                         "deniers publics et à ne pas contracter systématiquement avec un même fournisseur "
                         "lorsqu'il existe plusieurs offres susceptibles de répondre au besoin (art. R2122-8) : "
                         "comparer plusieurs devis et noter le motif du choix.")
    else:
        band = Band.ADAPTED
        allowed = (Procedure.ADAPTED,)
        recommended = Procedure.ADAPTED
        sentences.append(f"Valeur estimée {amount} ≥ {describe_threshold(no_competition, buyer_kind)} : "
                         "une publicité et une mise en concurrence sont requises.")
        sentences.append(f"Valeur estimée {amount} < {describe_threshold(formal, buyer_kind)} : "
                         "procédure adaptée (art. R2123-1).")

    publicity_by_procedure: list[tuple[Procedure, Publicity]] = []
    for procedure in allowed:
        if procedure is Procedure.NO_COMPETITION:
            publicity = Publicity.NONE
        elif procedure is Procedure.ADAPTED:
            publicity = Publicity.NATIONAL if _crossed(value, mapa_publicity) else Publicity.FREE
        else:
            publicity = Publicity.EUROPEAN
        publicity_by_procedure.append((procedure, publicity))
    by_procedure = dict(publicity_by_procedure)

    for procedure, publicity in publicity_by_procedure:
        if procedure is Procedure.NO_COMPETITION:
            sentences.append(f"Marché sans publicité ni mise en concurrence : {PUBLICITY_LABELS[publicity]} (art. R2122-8).")
        elif procedure is Procedure.ADAPTED:
            if publicity is Publicity.NATIONAL:
                why = f"valeur estimée ≥ {describe_threshold(mapa_publicity)}"
            elif mapa_publicity is not None:
                why = f"valeur estimée < {describe_threshold(mapa_publicity)}"
            else:
                why = (f"l'obligation d'avis au BOAMP ou dans un JAL ne vise que l'État et les collectivités "
                       f"territoriales, pas les {BUYER_KIND_LABELS[buyer_kind]} (art. R2131-12)")
            sentences.append(f"Publicité en procédure adaptée : {PUBLICITY_LABELS[publicity]} ; {why}.")
        else:
            sentences.append(f"Publicité en procédure formalisée : {PUBLICITY_LABELS[publicity]} "
                             "(art. R2131-16 et suivants).")
            break  # the same for every formal procedure

    time_limits = tuple(_time_limits(p, urgency=urgency, electronic_bids=electronic_bids,
                                     pin=prior_information_notice) for p in allowed)
    for limit in time_limits:
        if limit.procedure in (Procedure.NEGOTIATED, Procedure.COMPETITIVE_DIALOGUE):
            continue
        sentences.append(limit.note)

    if band is Band.FORMAL:
        standstill: int | None = STANDSTILL_DAYS if electronic_notification else STANDSTILL_DAYS_NOT_ELECTRONIC
        how = ("notification électronique" if electronic_notification
               else "notification du rejet non envoyée par voie électronique")
        sentences.append(f"Délai de suspension (standstill) : le marché ne peut être signé moins de {standstill} jours "
                         f"après la notification du rejet aux candidats évincés ({how}, art. R2182-1).")
    else:
        standstill = None
        sentences.append("Pas de délai de suspension avant la signature (procédure non formalisée, art. R2182-1).")

    free_documents_row = rows[ThresholdKind.FREE_DOCUMENTS]
    free_documents = _crossed(value, free_documents_row)
    assert free_documents_row is not None
    if free_documents:
        sentences.append("Documents de la consultation mis gratuitement en ligne sur le profil d'acheteur dès la "
                         "publication de l'avis, lorsqu'une consultation est publiée ; valeur estimée ≥ "
                         f"{describe_threshold(free_documents_row)}.")
    else:
        sentences.append("Mise en ligne gratuite des documents de la consultation non obligatoire ; valeur estimée < "
                         f"{describe_threshold(free_documents_row)}.")

    decp_row = rows[ThresholdKind.DECP]
    assert decp_row is not None
    decp = _crossed(value, decp_row)
    if decp:
        sentences.append("Données essentielles (DECP) à publier sur data.gouv.fr dans les deux mois de la "
                         f"notification ; valeur estimée ≥ {describe_threshold(decp_row)}.")
    else:
        sentences.append("Publication des données essentielles (DECP) non obligatoire ; valeur estimée < "
                         f"{describe_threshold(decp_row)}.")

    used = tuple(row for row in rows.values() if row is not None)
    return Decision(
        nature=nature,
        buyer_kind=buyer_kind,
        estimated_value=value,
        launch_date=launch_date,
        thresholds=used,
        band=band,
        allowed_procedures=tuple(allowed),
        recommended_procedure=recommended,
        publicity=by_procedure[recommended],
        publicity_by_procedure=tuple(publicity_by_procedure),
        time_limits=time_limits,
        standstill_days=standstill,
        free_documents_required=free_documents,
        decp_required=decp,
        explanation=tuple(sentences),
    )
