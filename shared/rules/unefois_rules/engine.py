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
    THRESHOLD_LABELS,
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
    JOUE = "joue"  # JOUE only (R2131-16 2°: buyers other than the State and local authorities)


class DecpDuty(StrEnum):
    """What R2196-1 asks of the essential data (DECP) of a contract of this value."""

    MANDATORY = "mandatory"  # >= 40 000: DECP on data.gouv.fr within two months of notification
    # 25 000 <= value < 40 000, for a contract passed under R2122-8: the DECP, or the list of such
    # contracts published in the first quarter of the next year on a medium of the buyer's choice
    DECP_OR_ANNUAL_LIST = "decp_or_annual_list"
    NONE = "none"


PUBLICITY_LABELS: dict[Publicity, str] = {
    Publicity.NONE: "aucune publicité requise",
    Publicity.FREE: "publicité librement adaptée au besoin",
    Publicity.NATIONAL: "avis au BOAMP ou dans un journal d'annonces légales (JAL), et sur le profil d'acheteur",
    Publicity.EUROPEAN: "avis au BOAMP et au JOUE (avis eForms sur TED), et sur le profil d'acheteur",
    Publicity.JOUE: "avis au JOUE (avis eForms sur TED), et sur le profil d'acheteur",
}

DECP_DUTY_LABELS: dict[DecpDuty, str] = {
    DecpDuty.MANDATORY: "données essentielles (DECP) à publier sur data.gouv.fr dans les deux mois de la notification",
    DecpDuty.DECP_OR_ANNUAL_LIST: ("données essentielles (DECP), ou liste annuelle des marchés conclus publiée au "
                                   "premier trimestre de l'année suivante"),
    DecpDuty.NONE: "pas de publication des données essentielles",
}

FORMAL_PROCEDURES = (Procedure.OPEN, Procedure.RESTRICTED, Procedure.NEGOTIATED, Procedure.COMPETITIVE_DIALOGUE)
# Defence and security contracts: no open call for tenders. Book III offers the restricted call for
# tenders, the negotiated procedure with publicity and, under conditions, the competitive dialogue
# (PROCUREMENT-RULES.md; L2324-1 refers to « one of the formalised procedures defined by this
# chapter »; R2361-2 ff. (restricted) and R2361-13 ff. (dialogue) read; the DAJ fiche on defence
# contracts: negotiation after publicity « n'est soumis à aucune condition »). The text of R2324-1
# itself was not read.
DEFENCE_FORMAL_PROCEDURES = (Procedure.RESTRICTED, Procedure.NEGOTIATED, Procedure.COMPETITIVE_DIALOGUE)
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
    decp_required: bool  # R2196-1: True only when decp_duty is MANDATORY
    explanation: tuple[str, ...]  # French sentences citing the articles
    decp_duty: DecpDuty = DecpDuty.NONE  # R2196-1
    warnings: tuple[str, ...] = ()  # French: lawful but to be weighed, or what the platform does not decide
    public_body: bool | None = None  # the buyer's status as given (R2131-12, R2131-16); None: not recorded
    specific_services: bool = False  # social and other specific services (R2123-1 3°)

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
            "decp_duty": self.decp_duty.value,
            "warnings": list(self.warnings),
            "public_body": self.public_body,
            "specific_services": self.specific_services,
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


def formal_procedures_for(buyer_kind: BuyerKind) -> tuple[Procedure, ...]:
    """The formal procedures a buyer of this kind may use (with their conditions, see the explanation)."""
    return DEFENCE_FORMAL_PROCEDURES if buyer_kind is BuyerKind.DEFENCE else FORMAL_PROCEDURES


def _mapa_suggestion(procedure: Procedure) -> TimeLimit:
    # R2143-1 and R2151-1 (texts checked): the buyer sets the time limits « en tenant compte de la
    # complexité du marché et du temps nécessaire aux opérateurs économiques pour préparer leur
    # candidature / leur offre ». No figure in the code: 15 days is practice, not law.
    return TimeLimit(procedure, None, MAPA_SUGGESTED_DAYS, True,
                     "Procédure adaptée : l'acheteur fixe les délais de réception des candidatures et des offres en "
                     "tenant compte de la complexité du marché et du temps nécessaire aux opérateurs économiques pour "
                     f"les préparer (art. R2143-1 et R2151-1) ; la plateforme suggère au moins {MAPA_SUGGESTED_DAYS} "
                     "jours, ce qui est un usage et non une règle du code.")


def _open_limit(urgency: bool, electronic_bids: bool, pin: bool) -> TimeLimit:
    # R2161-2: 35 days; R2161-3 (text checked): 1° 15 days with a prior information notice sent
    # 35 days to 12 months before, 2° 30 days when applications and bids are or may be sent
    # electronically, 3° 15 days for a duly justified urgency.
    if pin or urgency:
        days = 15
        reason = ("avis de préinformation et urgence dûment justifiée, art. R2161-3, 1° et 3°" if pin and urgency
                  else "avis de préinformation envoyé trente-cinq jours à douze mois avant l'avis de marché, "
                       "art. R2161-3, 1°" if pin else "urgence dûment justifiée, art. R2161-3, 3°")
    elif electronic_bids:
        days, reason = 30, "candidatures et offres transmises par voie électronique, art. R2161-3, 2°"
    else:
        days, reason = 35, "offres non reçues par voie électronique, art. R2161-2"
    return TimeLimit(Procedure.OPEN, None, days, False,
                     f"Appel d'offres ouvert : au moins {days} jours entre l'envoi de l'avis et la date limite "
                     f"de réception des offres ({reason} ; art. R2161-2 : 35 jours, réduits par l'art. R2161-3 à "
                     "30 jours par voie électronique, 15 avec un avis de préinformation ou en cas d'urgence).")


def _restricted_limit(urgency: bool, electronic_bids: bool, pin: bool, *, utility: bool) -> TimeLimit:
    # Applications R2161-6: 30 days, 15 with a duly justified urgency. Bids R2161-7: 30 days;
    # R2161-8 (text checked): 10 days with a prior information notice, 25 days when bids are sent
    # electronically, 10 days for a duly justified urgency.
    applications = 15 if urgency else 30
    if pin or urgency:
        bids = 10
    elif electronic_bids:
        bids = 25
    else:
        bids = 30
    note = (f"Appel d'offres restreint : au moins {applications} jours pour les candidatures (art. R2161-6), "
            f"puis au moins {bids} jours pour les offres à compter de l'invitation à soumissionner (art. R2161-7 : "
            "30 jours ; art. R2161-8 : 25 jours par voie électronique, 10 jours avec un avis de préinformation ou en "
            "cas d'urgence).")
    if utility:
        # The contracting entities' own (shorter) restricted-procedure limits were not checked:
        # the contracting authorities' ones are kept, a longer minimum being always lawful.
        note += (" Entité adjudicatrice : le code lui prévoit des délais propres que la plateforme n'a pas "
                 "vérifiés ; elle retient ceux des pouvoirs adjudicateurs, plus longs et donc licites.")
    return TimeLimit(Procedure.RESTRICTED, applications, bids, False, note)


def _negotiated_limit(urgency: bool, electronic_bids: bool, pin: bool, *, utility: bool) -> TimeLimit:
    if utility:
        # R2161-21: applications 15 days; R2161-22: bids on a date agreed with the selected
        # candidates, otherwise at least 10 days from the invitation (texts checked).
        return TimeLimit(Procedure.NEGOTIATED, 15, 10, False,
                         "Procédure avec négociation d'une entité adjudicatrice : au moins 15 jours pour les "
                         "candidatures (art. R2161-21) ; la date limite des offres peut être fixée d'un commun accord "
                         "avec les candidats sélectionnés, la même pour tous, et à défaut au moins 10 jours après "
                         "l'envoi de l'invitation à soumissionner (art. R2161-22).")
    # R2161-12: applications 30 days, 15 with a duly justified urgency; R2161-14: initial bids
    # 30 days; R2161-15: 10 days with a prior information notice, 25 electronically, 10 urgency.
    applications = 15 if urgency else 30
    if pin or urgency:
        bids = 10
    elif electronic_bids:
        bids = 25
    else:
        bids = 30
    return TimeLimit(Procedure.NEGOTIATED, applications, bids, False,
                     f"Procédure avec négociation : au moins {applications} jours pour les candidatures "
                     f"(art. R2161-12 : 30 jours, 15 en cas d'urgence), puis au moins {bids} jours pour les offres "
                     "initiales (art. R2161-14 : 30 jours ; art. R2161-15 : 25 jours par voie électronique, 10 avec "
                     "un avis de préinformation ou en cas d'urgence).")


def _dialogue_limit() -> TimeLimit:
    # R2161-24 / R2161-25 (competitive dialogue) could not be checked against their text.
    return TimeLimit(Procedure.COMPETITIVE_DIALOGUE, None, None, False,
                     "Dialogue compétitif : la plateforme n'a pas pu vérifier les délais minimaux du code "
                     "(art. R2161-24 et suivants) et ne les conseille pas ; les fixer selon le code.")


def _defence_limit(procedure: Procedure, urgency: bool, pin: bool) -> TimeLimit:
    if procedure is Procedure.RESTRICTED:
        # R2361-2 (text checked): applications 37 days, 30 when the notice is sent electronically
        # (always the case on the platform, eForms); urgency not caused by the buyer: 15 / 10.
        # R2361-3: bids 40 days from the invitation; R2361-4: 22 days with a prior information
        # notice sent 52 days to 12 months before. R2361-5 (5 days less with free electronic
        # access to the documents) is not applied: a longer minimum is always lawful.
        applications = 10 if urgency else 30
        bids = 22 if pin else 40
        note = (f"Appel d'offres restreint (défense ou sécurité) : au moins {applications} jours pour les "
                "candidatures, l'avis étant envoyé par voie électronique (art. R2361-2 : 37 jours, 30 par voie "
                "électronique, 15 ou 10 en cas d'urgence ne résultant pas du fait de l'acheteur), puis au moins "
                f"{bids} jours pour les offres (art. R2361-3 : 40 jours ; art. R2361-4 : 22 avec un avis de "
                "préinformation). La réduction de cinq jours de l'art. R2361-5 n'est pas appliquée.")
        if urgency:
            note += (" L'éventuelle réduction du délai des offres pour urgence n'a pas été vérifiée par la "
                     "plateforme : le délai ordinaire est retenu.")
        return TimeLimit(procedure, applications, bids, False, note)
    if procedure is Procedure.COMPETITIVE_DIALOGUE:
        # R2361-14 (text checked): applications 37 days, 30 when the notice is sent electronically.
        return TimeLimit(procedure, 30, None, False,
                         "Dialogue compétitif (défense ou sécurité) : au moins 30 jours pour les candidatures, l'avis "
                         "étant envoyé par voie électronique (art. R2361-14 : 37 jours, 30 par voie électronique).")
    return TimeLimit(procedure, None, None, False,
                     "Procédure avec négociation (défense ou sécurité) : la plateforme n'a pas pu vérifier les délais "
                     "minimaux du code (art. R2361-x) et ne les conseille pas ; les fixer selon le code.")


def _time_limits(procedure: Procedure, buyer_kind: BuyerKind, *, urgency: bool, electronic_bids: bool,
                 pin: bool) -> TimeLimit:
    if procedure is Procedure.NO_COMPETITION:
        return TimeLimit(procedure, None, None, False,
                         "Aucun délai réglementaire : l'acheteur compare des devis et ne retient pas "
                         "systématiquement le même fournisseur (art. R2122-8).")
    if procedure is Procedure.ADAPTED:
        return _mapa_suggestion(procedure)
    if buyer_kind is BuyerKind.DEFENCE:
        return _defence_limit(procedure, urgency, pin)
    utility = buyer_kind is BuyerKind.UTILITY
    if procedure is Procedure.OPEN:
        return _open_limit(urgency, electronic_bids, pin)
    if procedure is Procedure.RESTRICTED:
        return _restricted_limit(urgency, electronic_bids, pin, utility=utility)
    if procedure is Procedure.NEGOTIATED:
        return _negotiated_limit(urgency, electronic_bids, pin, utility=utility)
    return _dialogue_limit()


def _negotiation_conditions(buyer_kind: BuyerKind) -> str:
    if buyer_kind is BuyerKind.DEFENCE:
        return ("Marché de défense ou de sécurité (deuxième partie, livre III du code) : appel d'offres restreint ou "
                "procédure avec négociation avec publicité, le dialogue compétitif sous conditions ; pas d'appel "
                "d'offres ouvert.")
    if buyer_kind is BuyerKind.UTILITY:
        # R2124-4 and R2124-6 (DAJ, marche-public.fr): both freely open to contracting entities.
        return ("Procédure formalisée : appel d'offres ouvert ou restreint (art. R2124-2) ; la procédure avec "
                "négociation (art. R2124-4) et le dialogue compétitif (art. R2124-6) sont librement ouverts aux "
                "entités adjudicatrices.")
    return (
        "Procédure formalisée : appel d'offres ouvert ou restreint au libre choix de l'acheteur (art. R2124-2) ; "
        "la procédure avec négociation n'est possible que dans les cas de l'art. R2124-3 (besoin ne pouvant "
        "être satisfait sans adapter des solutions immédiatement disponibles, solutions innovantes ou de "
        "conception, négociation rendue nécessaire par la nature, la complexité ou le montage juridique et "
        "financier du marché, spécifications techniques impossibles à établir avec une précision suffisante, "
        "ou seules des offres irrégulières ou inacceptables reçues en réponse à un appel d'offres) ; le dialogue "
        "compétitif n'est possible que dans les cas de l'art. R2124-3 (art. R2124-5), lorsque l'acheteur ne peut "
        "définir seul les moyens de répondre à son besoin."
    )


def _listed_public_body(buyer_kind: BuyerKind, public_body: bool | None) -> bool:
    """Whether the buyer is one of those R2131-12 and R2131-16 name: the State, its public
    establishments other than industrial and commercial ones, local authorities, their public
    establishments and groupings (text of R2131-12 checked; R2131-16 as the DAJ quotes it).
    `public_body` as recorded in the tenant profile; when not recorded, the buyer kind decides
    (State and local authorities: yes; contracting entities: no)."""
    if public_body is not None:
        return public_body
    return buyer_kind in (BuyerKind.STATE, BuyerKind.LOCAL)


def decp_duty(estimated_value: Decimal, day: date, *, nature: PurchaseNature = PurchaseNature.SUPPLIES,
              buyer_kind: BuyerKind = BuyerKind.LOCAL) -> tuple[DecpDuty, ThresholdRow, ThresholdRow]:
    """The DECP duty of R2196-1 for a contract of this estimated value (the one rule, also used by
    opendata): MANDATORY at or above 40 000, DECP_OR_ANNUAL_LIST from 25 000 (for a contract passed
    under R2122-8), NONE below. Returns the duty and the two rows applied."""
    mandatory = threshold_in_force(ThresholdKind.DECP, nature, buyer_kind, day)
    listed = threshold_in_force(ThresholdKind.DECP_LIST, nature, buyer_kind, day)
    assert mandatory is not None and listed is not None  # every nature and buyer has both
    if _crossed(estimated_value, mandatory):
        return DecpDuty.MANDATORY, mandatory, listed
    if _crossed(estimated_value, listed):
        return DecpDuty.DECP_OR_ANNUAL_LIST, mandatory, listed
    return DecpDuty.NONE, mandatory, listed


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
    public_body: bool | None = None,
    specific_services: bool = False,
) -> Decision:
    """The procedure rules for one need, with the rows in force on its launch date.

    `allowed_procedures` lists every lawful procedure: below the formal threshold the formal
    procedures stay lawful (with a warning); the no-competition cases of R2122-1 to R2122-11 other
    than value are assessed by choice.assess_choice. `electronic_bids`: bids received
    electronically (shortens the open procedure's time limit); `electronic_notification`: the
    rejection notices are sent electronically (11 days of standstill instead of 16);
    `public_body`: the buyer is the State, a public establishment other than industrial and
    commercial, a local authority or one of their establishments or groupings (R2131-12,
    R2131-16), None when not recorded; `specific_services`: social and other specific services
    (R2123-1 3°, services only). Raises RulesError (422, naming the field) on bad input,
    UnknownThresholdError when the table does not cover the launch date.
    """
    nature, buyer_kind, value, launch_date = _check_inputs(nature, buyer_kind, estimated_value, launch_date)
    if public_body is not None and not isinstance(public_body, bool):
        raise RulesError("Statut de l'acheteur attendu : oui, non ou non renseigné.", field="public_body")
    if specific_services and nature is not PurchaseNature.SERVICES:
        raise RulesError("Les services sociaux et autres services spécifiques (art. R2123-1, 3°) ne concernent que "
                         "les marchés de services.", field="specific_services")
    rows = {kind: threshold_in_force(kind, nature, buyer_kind, launch_date) for kind in ThresholdKind}
    no_competition = rows[ThresholdKind.NO_COMPETITION]  # None for defence (R2322-14 not checked)
    formal = rows[ThresholdKind.FORMAL]
    mapa_publicity = rows[ThresholdKind.MAPA_PUBLICITY]
    assert formal is not None  # every nature and buyer has one

    amount = format_eur(value)
    # R2121-3 (its heading checked: « valeur du besoin estimée au moment de l'envoi de l'avis d'appel
    # à la concurrence »; without a notice, when the consultation is launched, as issue 10 states it).
    sentences: list[str] = [(f"Règles appliquées à la date de lancement du {format_date(launch_date)} : la valeur "
                            "estimée s'apprécie au moment de l'envoi de l'avis d'appel à la concurrence ou, à défaut "
                            "d'avis, du lancement de la consultation (art. R2121-3).")]
    warnings: list[str] = []
    formal_set = formal_procedures_for(buyer_kind)
    if _crossed(value, formal):
        band = Band.FORMAL
        allowed: tuple[Procedure, ...] = formal_set
        recommended = Procedure.RESTRICTED if buyer_kind is BuyerKind.DEFENCE else Procedure.OPEN
        sentences.append(f"Valeur estimée {amount} ≥ {describe_threshold(formal, buyer_kind)} : "
                         "procédure formalisée obligatoire (art. R2124-1).")
        sentences.append(_negotiation_conditions(buyer_kind))
        if buyer_kind is BuyerKind.DEFENCE:
            sentences.append("Procédure recommandée : appel d'offres restreint.")
        else:
            sentences.append("Procédure recommandée : appel d'offres ouvert (art. R2124-2), sauf si les conditions "
                             "de la négociation ou du dialogue compétitif sont réunies.")
        if specific_services:
            # R2123-1 3° (marche-public.info, DAJ): social and other specific services may be
            # passed by MAPA whatever their value.
            allowed = (Procedure.ADAPTED, *formal_set)
            recommended = Procedure.ADAPTED
            warnings.append("Services sociaux et autres services spécifiques : la procédure adaptée est possible quelle "
                            "que soit la valeur estimée (art. R2123-1, 3°), si les services figurent bien dans l'avis "
                            "annexé au code qui les énumère.")
            sentences.append("Services sociaux et autres services spécifiques : procédure adaptée possible quelle que "
                             "soit la valeur estimée (art. R2123-1, 3°) ; procédure recommandée : procédure adaptée.")
    elif no_competition is not None and not _crossed(value, no_competition):
        band = Band.NO_COMPETITION
        allowed = (Procedure.NO_COMPETITION, Procedure.ADAPTED, *formal_set)
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
        allowed = (Procedure.ADAPTED, *formal_set)
        recommended = Procedure.ADAPTED
        if no_competition is not None:
            sentences.append(f"Valeur estimée {amount} ≥ {describe_threshold(no_competition, buyer_kind)} : "
                             "une publicité et une mise en concurrence sont requises.")
        else:
            warnings.append("Marché de défense ou de sécurité : la plateforme n'a pas pu vérifier le seuil de dispense de "
                            "publicité et de mise en concurrence de l'art. R2322-14 et ne conseille pas le marché sans "
                            "publicité ni mise en concurrence en raison de la valeur ; elle propose la procédure adaptée.")
            sentences.append("Marché de défense ou de sécurité : seuil de dispense de l'art. R2322-14 non vérifié par la "
                             "plateforme, qui ne conseille pas ce cas.")
        sentences.append(f"Valeur estimée {amount} < {describe_threshold(formal, buyer_kind)} : "
                         "procédure adaptée (art. R2123-1).")
    if band is not Band.FORMAL:
        # Said in the explanation, not as a warning: it is a warning only once the buyer picks a formal
        # procedure below the threshold (choice.assess_choice says it then).
        sentences.append(f"Une procédure formalisée reste possible sous le {THRESHOLD_LABELS[formal.kind]} "
                        f"({format_eur(formal.amount)}) : l'acheteur en applique alors toutes les règles (publicité, "
                        "délais minimaux, délai de suspension).")

    listed = _listed_public_body(buyer_kind, public_body)
    publicity_by_procedure: list[tuple[Procedure, Publicity]] = []
    for procedure in allowed:
        if procedure is Procedure.NO_COMPETITION:
            publicity = Publicity.NONE
        elif procedure is Procedure.ADAPTED:
            publicity = Publicity.NATIONAL if (listed and _crossed(value, mapa_publicity)) else Publicity.FREE
        elif buyer_kind is BuyerKind.DEFENCE or listed or public_body is None:
            publicity = Publicity.EUROPEAN
        else:
            publicity = Publicity.JOUE
        publicity_by_procedure.append((procedure, publicity))
    by_procedure = dict(publicity_by_procedure)

    said_formal = False
    for procedure, publicity in publicity_by_procedure:
        if procedure is Procedure.NO_COMPETITION:
            sentences.append(f"Marché sans publicité ni mise en concurrence : {PUBLICITY_LABELS[publicity]} (art. R2122-8).")
        elif procedure is Procedure.ADAPTED:
            sentences.append(f"Publicité en procédure adaptée : {PUBLICITY_LABELS[publicity]} ; "
                             f"{_mapa_publicity_reason(buyer_kind, public_body, listed, publicity, mapa_publicity)}.")
            if buyer_kind is BuyerKind.DEFENCE:
                warnings.append("Marché de défense ou de sécurité : la publicité d'une procédure adaptée relève des règles "
                                "du livre III du code, que la plateforme n'a pas vérifiées ; elle ne décide pas de "
                                "l'obligation d'avis au BOAMP ou dans un JAL.")
            elif buyer_kind is BuyerKind.UTILITY and public_body is None:
                warnings.append("Statut de l'entité adjudicatrice non renseigné dans son profil : si elle est l'État, un "
                                "établissement public autre qu'industriel et commercial, une collectivité territoriale ou "
                                "l'un de leurs établissements publics ou groupements, un avis au BOAMP ou dans un JAL est "
                                "obligatoire dès 90 000 € HT en procédure adaptée (art. R2131-12).")
        elif not said_formal:
            said_formal = True  # the same for every formal procedure
            lead = ("Publicité en procédure formalisée" if band is Band.FORMAL
                    else "Publicité si l'acheteur choisit une procédure formalisée")
            if publicity is Publicity.JOUE:
                sentences.append(f"{lead} : {PUBLICITY_LABELS[publicity]} ; l'avis au BOAMP "
                                 "n'est obligatoire que pour l'État, ses établissements publics autres qu'industriels et "
                                 "commerciaux, les collectivités territoriales, leurs établissements publics et leurs "
                                 "groupements (art. R2131-16).")
            else:
                sentences.append(f"{lead} : {PUBLICITY_LABELS[publicity]} (art. R2131-16 et suivants).")

    time_limits = tuple(_time_limits(p, buyer_kind, urgency=urgency, electronic_bids=electronic_bids,
                                     pin=prior_information_notice) for p in allowed)
    for limit in time_limits:
        if band is not Band.FORMAL and limit.procedure in formal_set:
            continue  # lawful, but not the suggestion: its limits stay in time_limits
        if limit.procedure is Procedure.COMPETITIVE_DIALOGUE or (
                limit.procedure is Procedure.NEGOTIATED and buyer_kind not in (BuyerKind.UTILITY, BuyerKind.DEFENCE)):
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

    duty, decp_row, list_row = decp_duty(value, launch_date, nature=nature, buyer_kind=buyer_kind)
    if duty is DecpDuty.MANDATORY:
        sentences.append("Données essentielles (DECP) à publier sur data.gouv.fr dans les deux mois de la "
                         f"notification ; valeur estimée ≥ {describe_threshold(decp_row)}.")
    elif duty is DecpDuty.DECP_OR_ANNUAL_LIST:
        sentences.append(f"Valeur estimée ≥ {describe_threshold(list_row)} et < {format_eur(decp_row.amount)} : "
                         "pour un marché passé sans publicité ni mise en concurrence (art. R2122-8), l'acheteur publie "
                         "les données essentielles (DECP) ou, au cours du premier trimestre de l'année suivante, la "
                         "liste de ces marchés sur le support de son choix (art. R2196-1).")
    else:
        sentences.append("Publication des données essentielles (DECP) non obligatoire ; valeur estimée < "
                         f"{describe_threshold(list_row)}.")

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
        decp_required=duty is DecpDuty.MANDATORY,
        explanation=tuple(sentences),
        decp_duty=duty,
        warnings=tuple(warnings),
        public_body=public_body,
        specific_services=specific_services,
    )


def _mapa_publicity_reason(buyer_kind: BuyerKind, public_body: bool | None, listed: bool, publicity: Publicity,
                           row: ThresholdRow | None) -> str:
    if publicity is Publicity.NATIONAL:
        return f"valeur estimée ≥ {describe_threshold(row)}"
    if listed and row is not None:
        return f"valeur estimée < {describe_threshold(row)}"
    if buyer_kind is BuyerKind.DEFENCE:
        return "marché de défense ou de sécurité, hors du champ de l'art. R2131-12"
    who = ("l'acheteur n'étant pas l'une des personnes qu'il énumère" if public_body is False
           else f"le statut de l'acheteur n'étant pas renseigné ({BUYER_KIND_LABELS[buyer_kind]})")
    return ("l'obligation d'avis au BOAMP ou dans un JAL ne vise que l'État, ses établissements publics autres "
            "qu'industriels et commerciaux, les collectivités territoriales, leurs établissements publics et leurs "
            f"groupements (art. R2131-12) ; {who}")
