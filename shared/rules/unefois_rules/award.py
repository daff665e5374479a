"""End of the award procedure (pure, dated, cited): standstill, rejection letters, abnormally low
bids, unsuccessful and abandoned procedures, award notice.

Every rule below was read in a public copy of the code de la commande publique (CCP) on
2026-12-02 (livv/weka/marche-public.fr/code-commande-publique.com copies, DAJ fiches); each
French sentence names its article. Where the platform could not read the text of an article,
it does not decide the case: the function says so in French (`NotAdvised`) instead of guessing.

Texts read (quoted in substance):
- R2182-1: formal procedures, at least 11 days between the sending of the notification of
  R2181-1 / R2181-3 and the signature; 16 days when that notification was not sent electronically.
- R2182-2 (not R2182-4, which the brief named): the standstill is not required 1° when the
  contract is awarded to the only operator who took part in the consultation; 2° for subsequent
  contracts based on a framework agreement or specific contracts based on a dynamic purchasing
  system.
- DAJ fiche « L'achèvement de la procédure » (2019/2020): the period is counted « de date à
  date, c'est-à-dire du jour d'envoi de la décision de rejet jusqu'au dernier jour du délai
  inclus » — sent on 28 December 2010, a 16-day standstill expires on 12 January in the evening.
- L2181-1: as soon as it has chosen, the buyer tells the candidates and bidders not retained.
- R2181-2 (MAPA): on request, the reasons of the rejection within 15 days; for a bid neither
  inappropriate, irregular nor unacceptable, also the characteristics and advantages of the chosen
  bid and the winner's name.
- R2181-3 (formal): the notification of R2181-1 states the reasons of the rejection; after the
  award, also 1° the winner's name and the reasons of its choice, 2° the date from which the buyer
  may sign (R2182-1).
- R2181-4: on request of a bidder whose bid was not rejected as irregular, unacceptable or
  inappropriate, within 15 days: 1° during negotiation or dialogue, their progress; 2° once
  awarded, the characteristics and advantages of the chosen bid.
- L2152-5 (definition), L2152-6 (the buyer must detect; when a bid seems abnormally low it
  requires justification; if, after checking, it establishes the bid is abnormally low, it
  rejects it), R2152-3 (the buyer requires the justification of the price or costs, including the
  part to be subcontracted; the justifications may concern 1° to 5°, listed below).
- R2152-4, read in a commentary's close paraphrase (considerant.fr, « L'offre anormalement basse
  est inacceptable… »), not in a copy of the code: the buyer rejects the bid when the elements the
  bidder provided do not satisfactorily justify the low price or costs, or when it establishes the
  bid is abnormally low because it breaches environmental, social or labour law obligations.
- CE, 30 mars 2017, n° 406224: without any answer from the bidder, the buyer must reject.
- DAJ fiche « L'offre anormalement basse »: a mathematical threshold may trigger the request,
  never an automatic exclusion.
- R2185-1: the buyer may, at any time, declare a procedure sans suite; R2185-2: it then
  communicates as soon as possible the reasons of its decision to the operators who took part.
- R2122-2: without publicity nor competition when no application or no bid was filed in time, or
  only inadmissible applications (R2144-7) or inappropriate bids (L2152-4), provided the initial
  conditions are not substantially changed: 1° appel d'offres of a pouvoir adjudicateur; 2° formal
  procedure of an entité adjudicatrice; 3° a need below the formal thresholds; 4° R2123-1 3°.
- R2183-1: at or above the European thresholds, the award notice is sent for publication within
  at most thirty days from the signature: 1° State, its non-industrial public bodies, local
  authorities: BOAMP and JOUE; 2° other buyers: JOUE; 3° social and specific services: JOUE.

Not read, so not decided: R2152-5 (state aid); R2181-1's own text (only through R2181-3's reference); the defence and security book
(R2381-x, R2382-x except R2382-2, R2383-x); the article opening the negotiated procedure or the
dialogue after an appel d'offres with only irregular or unacceptable bids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from unefois_events.values import Procedure

from .errors import RulesError
from .explanation import format_date
from .thresholds import BuyerKind

PARIS = ZoneInfo("Europe/Paris")

# R2182-1 (the literal days of the article; engine.STANDSTILL_DAYS holds the same figures).
STANDSTILL_DAYS_ELECTRONIC = 11
STANDSTILL_DAYS_PAPER = 16
# R2181-2, R2181-4: « au plus tard quinze jours à compter de la réception de cette demande ».
ON_REQUEST_ANSWER_DAYS = 15
# R2183-1: « dans un délai maximal de trente jours à compter de la signature du marché ».
AWARD_NOTICE_DAYS = 30

FORMAL_PROCEDURES = frozenset({Procedure.OPEN, Procedure.RESTRICTED, Procedure.NEGOTIATED,
                               Procedure.COMPETITIVE_DIALOGUE})


class NotAdvised(RulesError):
    """A case whose article the platform has not read: it refuses to decide it (422)."""


def _not_advised(what: str, field: str) -> NotAdvised:
    return NotAdvised(f"La plateforme ne se prononce pas sur {what} : le texte applicable n’a pas été "
                      "vérifié. Décidez-en avec votre service juridique.", field=field)


def _paris_day(instant: datetime, field: str) -> date:
    if not isinstance(instant, datetime) or instant.tzinfo is None:
        raise RulesError("Date et heure avec fuseau horaire attendues.", field=field)
    return instant.astimezone(PARIS).date()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=PARIS)


# ---------------------------------------------------------------- standstill (délai de suspension)


@dataclass(frozen=True)
class AwardFacts:
    """What the end of the procedure depends on."""

    procedure: Procedure
    buyer_kind: BuyerKind
    # Every operator who took part in the consultation of this lot: bidders, and in a restricted
    # procedure the candidates too (R2182-2 1°: « le seul opérateur ayant participé à la consultation »).
    operators_participated: int
    subsequent_contract: bool = False  # marché subséquent d'un accord-cadre / marché spécifique d'un SAD


@dataclass(frozen=True)
class Standstill:
    """The standstill of one award. `ends_at` is the first instant the contract may be signed
    (Paris midnight after the last day of the period); None when there is no standstill."""

    days: int | None
    last_day: date | None  # the period's last day (included)
    ends_at: datetime | None
    reason: str  # French, citing the article
    article: str


def standstill_end(facts: AwardFacts, letters_sent_at: datetime, *, electronic: bool) -> Standstill:
    """The standstill after the rejection letters were sent at `letters_sent_at`.

    R2182-1: formal procedures only, 11 days when every notification was sent electronically,
    16 otherwise; counted from date to date, the day of sending being the first day (DAJ fiche):
    letters sent on day D, the period's last day is D + days - 1 and the contract may be signed
    from D + days at 00:00 (Paris). The period is not extended over a weekend or a holiday (the
    texts read say nothing of it). R2182-2: none for the only operator who took part, nor for
    subsequent contracts of a framework agreement or specific contracts of a dynamic purchasing
    system."""
    if facts.buyer_kind is BuyerKind.DEFENCE:
        raise _not_advised("le délai de suspension des marchés de défense ou de sécurité (livre III, R2382-x)",
                           "buyer_kind")
    sent_on = _paris_day(letters_sent_at, "letters_sent_at")
    if facts.operators_participated < 0:
        raise RulesError("Nombre d’opérateurs positif ou nul attendu.", field="operators_participated")
    if facts.procedure not in FORMAL_PROCEDURES:
        return Standstill(None, None, None,
                          "Pas de délai de suspension : le marché n’est pas passé selon une procédure formalisée "
                          "(art. R2182-1). Un délai raisonnable avant la signature reste prudent (référé contractuel).",
                          "art. R2182-1")
    if facts.subsequent_contract:
        return Standstill(None, None, None,
                          "Pas de délai de suspension pour un marché subséquent fondé sur un accord-cadre ou un marché "
                          "spécifique fondé sur un système d’acquisition dynamique (art. R2182-2, 2°).", "art. R2182-2")
    if facts.operators_participated == 1:
        return Standstill(None, None, None,
                          "Pas de délai de suspension : le marché est attribué au seul opérateur ayant participé à la "
                          "consultation (art. R2182-2, 1°).", "art. R2182-2")
    days = STANDSTILL_DAYS_ELECTRONIC if electronic else STANDSTILL_DAYS_PAPER
    last_day = sent_on + timedelta(days=days - 1)
    how = "notification transmise par voie électronique" if electronic else \
        "notification non transmise par voie électronique"
    reason = (f"Délai de suspension de {days} jours ({how}, art. R2182-1) : lettres envoyées le "
              f"{format_date(sent_on)}, délai compté de date à date jusqu’au {format_date(last_day)} inclus ; "
              f"signature possible à partir du {format_date(last_day + timedelta(days=1))}.")
    return Standstill(days, last_day, _midnight(last_day + timedelta(days=1)), reason, "art. R2182-1")


# ---------------------------------------------------------------- rejection letters


class RejectionGround(StrEnum):
    """Why a bid was not retained (L2152-2 to L2152-4 for irregular, unacceptable, inappropriate)."""

    IRREGULAR = "irregular"  # irrégulière
    UNACCEPTABLE = "unacceptable"  # inacceptable
    INAPPROPRIATE = "inappropriate"  # inappropriée
    ABNORMALLY_LOW = "abnormally_low"  # anormalement basse (L2152-6)
    NOT_BEST = "not_best"  # régulière, acceptable et appropriée mais moins bien classée


REJECTION_GROUND_LABELS: dict[RejectionGround, str] = {
    RejectionGround.IRREGULAR: "offre irrégulière",
    RejectionGround.UNACCEPTABLE: "offre inacceptable",
    RejectionGround.INAPPROPRIATE: "offre inappropriée",
    RejectionGround.ABNORMALLY_LOW: "offre anormalement basse",
    RejectionGround.NOT_BEST: "offre non retenue au classement",
}


@dataclass(frozen=True)
class LetterItem:
    key: str  # what the letter template fills
    label: str  # French
    article: str


@dataclass(frozen=True)
class RejectionLetterContent:
    """What a rejection letter must say (`required`) and what the bidder may ask for afterwards
    (`on_request`, to be answered within ON_REQUEST_ANSWER_DAYS days of the request)."""

    required: tuple[LetterItem, ...]
    on_request: tuple[LetterItem, ...]

    @property
    def required_keys(self) -> frozenset[str]:
        return frozenset(item.key for item in self.required)

    def missing(self, filled: dict[str, object]) -> tuple[LetterItem, ...]:
        """The required items `filled` leaves empty (the letter cannot be sent without them)."""
        return tuple(item for item in self.required if filled.get(item.key) in (None, "", (), []))


REASONS = "rejection_reasons"
WINNER_NAME = "winner_name"
WINNER_REASONS = "winner_reasons"
SIGNATURE_FROM = "signature_from"
WINNER_ADVANTAGES = "winner_characteristics_and_advantages"
CHOICE = "decision"


def rejection_letter_content(procedure: Procedure, buyer_kind: BuyerKind, ground: RejectionGround, *,
                             after_award: bool = True) -> RejectionLetterContent:
    """The contents of the letter to a bidder not retained.

    Formal procedures (R2181-3): the reasons of the rejection; after the award, the winner's name,
    the reasons of its choice and the date from which the buyer may sign (R2182-1). On request of a
    bidder whose bid was regular, acceptable and appropriate (R2181-4 2°): the characteristics and
    advantages of the chosen bid. MAPA (L2181-1, R2181-2): the decision is communicated; the reasons
    on request, and for a regular, acceptable and appropriate bid the characteristics and
    advantages of the chosen bid and the winner's name, within 15 days of the request."""
    if buyer_kind is BuyerKind.DEFENCE:
        raise _not_advised("l’information des évincés des marchés de défense ou de sécurité (R2381-x)", "buyer_kind")
    ground = RejectionGround(ground)
    comparable = ground is RejectionGround.NOT_BEST or ground is RejectionGround.ABNORMALLY_LOW
    if procedure in FORMAL_PROCEDURES:
        required = [LetterItem(REASONS, "Motifs du rejet de l’offre", "art. R2181-3")]
        if after_award:
            required += [LetterItem(WINNER_NAME, "Nom de l’attributaire", "art. R2181-3, 1°"),
                         LetterItem(WINNER_REASONS, "Motifs qui ont conduit au choix de son offre", "art. R2181-3, 1°"),
                         LetterItem(SIGNATURE_FROM, "Date à compter de laquelle le marché peut être signé",
                                    "art. R2181-3, 2° et R2182-1")]
        on_request = [LetterItem(WINNER_ADVANTAGES, "Caractéristiques et avantages de l’offre retenue",
                                 "art. R2181-4, 2°")] if comparable and after_award else []
        return RejectionLetterContent(tuple(required), tuple(on_request))
    if procedure is Procedure.ADAPTED:
        on_request = [LetterItem(REASONS, "Motifs du rejet de l’offre", "art. R2181-2")]
        if comparable:
            on_request += [LetterItem(WINNER_ADVANTAGES, "Caractéristiques et avantages de l’offre retenue",
                                      "art. R2181-2"),
                           LetterItem(WINNER_NAME, "Nom de l’attributaire", "art. R2181-2")]
        return RejectionLetterContent((LetterItem(CHOICE, "Information du rejet de l’offre", "art. L2181-1"),),
                                      tuple(on_request))
    raise _not_advised("l’information des évincés d’un marché sans publicité ni mise en concurrence", "procedure")


def letter_explanation(procedure: Procedure) -> str:
    """One French sentence on what the letters must say, for the buyer's page."""
    if procedure in FORMAL_PROCEDURES:
        return ("Procédure formalisée : chaque lettre de rejet indique les motifs du rejet, le nom de l’attributaire, "
                "les motifs du choix de son offre et la date à partir de laquelle le marché peut être signé "
                "(art. R2181-3 et R2182-1) ; sur demande, les caractéristiques et avantages de l’offre retenue sont "
                "communiqués dans les quinze jours (art. R2181-4).")
    return ("Procédure adaptée : le rejet est communiqué dès le choix fait (art. L2181-1) ; sur demande, les motifs, "
            "et pour une offre régulière, acceptable et appropriée, le nom de l’attributaire et les caractéristiques "
            "et avantages de l’offre retenue, dans les quinze jours (art. R2181-2).")


# ---------------------------------------------------------------- abnormally low bids

# R2152-3: « Peuvent être prises en considération des justifications tenant notamment aux aspects
# suivants » (1° to 5°); « notamment »: the list is not exhaustive.
JUSTIFICATION_ELEMENTS: tuple[tuple[str, str], ...] = (
    ("manufacturing", ("Le mode de fabrication des produits, les modalités de la prestation des services, "
                      "le procédé de construction (art. R2152-3, 1°)")),
    ("technical_solutions", ("Les solutions techniques adoptées ou les conditions exceptionnellement favorables dont "
                            "dispose le soumissionnaire (art. R2152-3, 2°)")),
    ("originality", "L’originalité de l’offre (art. R2152-3, 3°)"),
    ("regulations", ("La réglementation applicable en matière environnementale, sociale et du travail en vigueur sur "
                    "le lieu d’exécution des prestations (art. R2152-3, 4°)")),
    ("state_aid", "L’obtention éventuelle d’une aide d’État par le soumissionnaire (art. R2152-3, 5°)"),
)

ABNORMALLY_LOW_EXPLANATION = (
    "Une offre qui semble anormalement basse ne peut être rejetée sans que son auteur ait été invité à justifier "
    "son prix ou ses coûts, y compris pour la part qu’il envisage de sous-traiter (art. L2152-6 et R2152-3). "
    "Un seuil de détection déclenche cette demande, jamais une exclusion automatique (fiche DAJ « L’offre "
    "anormalement basse »). Si, après vérification des justifications, l’acheteur établit que l’offre est "
    "anormalement basse, il la rejette (art. L2152-6 et R2152-4) ; sans aucune réponse, il la rejette aussi "
    "(CE, 30 mars 2017, n° 406224).")


class JustificationOutcome(StrEnum):
    PENDING = "pending"  # requested, neither answered nor past its deadline
    ANSWERED = "answered"  # the bidder answered: the buyer assesses the answer
    NO_ANSWER = "no_answer"  # the deadline passed without an answer


@dataclass(frozen=True)
class RejectionAssessment:
    may_reject: bool
    must_reject: bool
    reason: str  # French, citing the article


def assess_abnormally_low_rejection(*, requested: bool, outcome: JustificationOutcome,
                                    justification_satisfactory: bool | None = None,
                                    breaches_social_or_environmental_law: bool = False,
                                    state_aid_ground: bool = False) -> RejectionAssessment:
    """Whether a bid that seemed abnormally low may (or must) be rejected as such: never before
    the request (R2152-3), nor while it runs; after an answer judged insufficient, or one showing
    a breach of environmental, social or labour law, it must be (L2152-6, R2152-4); without any
    answer by the deadline too (CE n° 406224)."""
    if state_aid_ground:
        raise _not_advised("le rejet d’une offre anormalement basse du fait d’une aide d’État (art. R2152-5)",
                           "state_aid_ground")
    if not requested:
        return RejectionAssessment(False, False, "Demande de justification requise avant tout rejet : l’acheteur exige "
                                   "que le soumissionnaire justifie le prix ou les coûts proposés (art. R2152-3).")
    outcome = JustificationOutcome(outcome)
    if outcome is JustificationOutcome.PENDING:
        return RejectionAssessment(False, False, "Justification demandée : attendez la réponse ou la fin du délai "
                                   "fixé avant de décider (art. L2152-6).")
    if outcome is JustificationOutcome.NO_ANSWER:
        return RejectionAssessment(True, True, "Aucune justification reçue dans le délai : l’offre est rejetée comme "
                                   "anormalement basse (art. L2152-6 ; CE, 30 mars 2017, n° 406224).")
    if breaches_social_or_environmental_law:
        return RejectionAssessment(True, True, "L’offre est anormalement basse parce qu’elle contrevient aux obligations "
                                   "applicables en matière de droit de l’environnement, social ou du travail : elle "
                                   "est rejetée (art. R2152-4).")
    if justification_satisfactory is None:
        raise RulesError("Indiquez si les justifications reçues expliquent le prix proposé.",
                         field="justification_satisfactory")
    if justification_satisfactory:
        return RejectionAssessment(False, False, "Justifications reçues et jugées suffisantes : l’offre est maintenue "
                                   "(art. L2152-6).")
    return RejectionAssessment(True, True, "Les éléments fournis ne justifient pas de manière satisfaisante le bas "
                               "niveau du prix ou des coûts : l’offre est rejetée comme anormalement basse "
                               "(art. L2152-6 et R2152-4).")


# ---------------------------------------------------------------- unsuccessful, sans suite


class SansSuiteReason(StrEnum):
    """The reasons a buyer records for declaring a procedure (or a lot) sans suite (R2185-1)."""

    UNSUCCESSFUL = "unsuccessful"  # infructuosité: no bid, or only irregular, unacceptable, inappropriate bids
    BUDGET = "budget"  # motif financier d'intérêt général (CE, 30 décembre 2010, n° 305287)
    NEED_GONE = "need_gone"  # disparition ou redéfinition du besoin
    INSUFFICIENT_COMPETITION = "insufficient_competition"  # insuffisance de concurrence
    PROCEDURE_DEFECT = "procedure_defect"  # vice de la procédure (ex. contradiction entre documents)
    OTHER_GENERAL_INTEREST = "other_general_interest"


SANS_SUITE_LABELS: dict[SansSuiteReason, str] = {
    SansSuiteReason.UNSUCCESSFUL: "infructuosité (aucune offre, ou seulement des offres irrégulières, inacceptables "
                                  "ou inappropriées)",
    SansSuiteReason.BUDGET: "motif d’intérêt général d’ordre financier (coût supérieur au budget disponible, ou "
                            "prestations réalisables pour un montant nettement inférieur)",
    SansSuiteReason.NEED_GONE: "disparition ou redéfinition du besoin",
    SansSuiteReason.INSUFFICIENT_COMPETITION: "insuffisance de la concurrence",
    SansSuiteReason.PROCEDURE_DEFECT: "irrégularité ou erreur dans la procédure ou les documents de la consultation",
    SansSuiteReason.OTHER_GENERAL_INTEREST: "autre motif d’intérêt général",
}

SANS_SUITE_EXPLANATION = (
    "L’acheteur peut, à tout moment, déclarer une procédure sans suite (art. R2185-1) ; il communique dans les plus "
    "brefs délais les motifs de sa décision aux opérateurs qui y ont participé (art. R2185-2).")


@dataclass(frozen=True)
class UnsuccessfulOutcome:
    unsuccessful: bool
    explanation: tuple[str, ...]  # French: the outcome and what the buyer may do next, with articles
    direct_award_possible: bool  # R2122-2 opens a contract without publicity nor competition


def unsuccessful_lot(*, bids: int, irregular_or_unacceptable: int, inappropriate: int, procedure: Procedure,
                     buyer_kind: BuyerKind, below_formal_threshold: bool) -> UnsuccessfulOutcome:
    """Whether a lot is unsuccessful (infructueux) and what may follow (R2185-1, R2122-2).

    `bids` counts the bids received in time; the two others how many of them were set aside for
    each ground (L2152-2 to L2152-4)."""
    if min(bids, irregular_or_unacceptable, inappropriate) < 0 or irregular_or_unacceptable + inappropriate > bids:
        raise RulesError("Nombres d’offres incohérents.", field="bids")
    admissible = bids - irregular_or_unacceptable - inappropriate
    if admissible > 0:
        return UnsuccessfulOutcome(False, (("Le lot a au moins une offre régulière, acceptable et appropriée : "
                                           "il n’est pas infructueux."),), False)
    lines = [("Lot infructueux : aucune offre régulière, acceptable et appropriée. L’acheteur le déclare sans suite "
             "pour cause d’infructuosité (art. R2185-1) et en communique les motifs aux participants "
             "(art. R2185-2). Il peut relancer une nouvelle procédure.")]
    only_inappropriate_or_none = irregular_or_unacceptable == 0
    case = None
    if buyer_kind is BuyerKind.DEFENCE:
        lines.append("Marché de défense ou de sécurité : la plateforme ne se prononce pas sur la suite (livre III).")
    elif only_inappropriate_or_none:
        if below_formal_threshold:
            case = "3°"
        elif buyer_kind is BuyerKind.UTILITY and procedure in FORMAL_PROCEDURES:
            case = "2°"
        elif procedure in (Procedure.OPEN, Procedure.RESTRICTED) and buyer_kind is not BuyerKind.UTILITY:
            case = "1°"
        if case:
            lines.append(f"Aucune offre, ou seulement des offres inappropriées : un marché sans publicité ni mise en "
                         f"concurrence préalables est possible, à condition de ne pas modifier substantiellement les "
                         f"conditions initiales du marché (art. R2122-2, {case}).")
        else:
            lines.append("La plateforme ne se prononce pas sur un marché sans publicité ni mise en concurrence après "
                         "cette procédure : elle n’entre dans aucun cas de l’art. R2122-2 que la plateforme a vérifié.")
    else:
        lines.append("Des offres irrégulières ou inacceptables ont été présentées : le marché sans publicité ni mise en "
                     "concurrence de l’art. R2122-2 n’est pas ouvert (il ne vise que l’absence d’offre ou les offres "
                     "inappropriées). La plateforme ne se prononce pas sur le recours à une procédure avec négociation "
                     "ou à un dialogue compétitif (texte non vérifié).")
    return UnsuccessfulOutcome(True, tuple(lines), case is not None)


def sans_suite_explanation(reason: SansSuiteReason, detail: str) -> str:
    """The French sentence recorded with a sans-suite decision; `detail` is the buyer's own text."""
    reason = SansSuiteReason(reason)
    detail = (detail or "").strip()
    if not detail:
        raise RulesError("Indiquez les motifs de la décision : ils sont communiqués aux participants (art. R2185-2).",
                         field="reason_detail")
    article = "art. R2185-1 et R2185-2"
    return f"Procédure déclarée sans suite pour {SANS_SUITE_LABELS[reason]} ({article}) : {detail}"


# ---------------------------------------------------------------- award notice


class NoticeDuty(StrEnum):
    MANDATORY = "mandatory"
    OPTIONAL = "optional"


@dataclass(frozen=True)
class AwardNotice:
    duty: NoticeDuty
    journals: tuple[str, ...]  # BOAMP, JOUE
    send_by: date | None  # the last day to send it for publication
    reason: str  # French, citing the article


def award_notice(*, european_threshold_reached: bool, buyer_kind: BuyerKind, signed_on: date,
                 state_or_local_public_body: bool | None, specific_services: bool = False) -> AwardNotice:
    """The award notice duty of R2183-1: at or above the European thresholds, sent for
    publication within at most 30 days from the signature (the day of signature not counted:
    the last day is `signed_on` + 30), in the BOAMP and the JOUE for the State, its non-industrial
    public bodies and local authorities, in the JOUE for other buyers and for social and specific
    services. Below the thresholds the notice is optional (R2183-1 covers only the needs at or
    above them)."""
    if buyer_kind is BuyerKind.DEFENCE:
        raise _not_advised("l’avis d’attribution des marchés de défense ou de sécurité", "buyer_kind")
    if not isinstance(signed_on, date) or isinstance(signed_on, datetime):
        raise RulesError("Date de signature attendue.", field="signed_on")
    if not european_threshold_reached:
        return AwardNotice(NoticeDuty.OPTIONAL, (), None,
                           "Besoin inférieur aux seuils européens : l’avis d’attribution est facultatif (art. R2183-1 ne "
                           "vise que les besoins égaux ou supérieurs à ces seuils) ; les données essentielles restent "
                           "publiées selon leur propre seuil.")
    send_by = signed_on + timedelta(days=AWARD_NOTICE_DAYS)
    if specific_services:
        journals, case = ("JOUE",), "3°"
    elif state_or_local_public_body is None:
        raise RulesError("Indiquez si l’acheteur est l’État, un de ses établissements publics autres qu’industriels et "
                         "commerciaux, une collectivité territoriale ou un de leurs établissements ou groupements "
                         "(art. R2183-1).", field="state_or_local_public_body")
    elif state_or_local_public_body:
        journals, case = ("BOAMP", "JOUE"), "1°"
    else:
        journals, case = ("JOUE",), "2°"
    return AwardNotice(NoticeDuty.MANDATORY, journals, send_by,
                       f"Avis d’attribution obligatoire, envoyé pour publication au {' et au '.join(journals)} au plus "
                       f"tard le {format_date(send_by)}, trente jours après la signature du {format_date(signed_on)} "
                       f"(art. R2183-1, {case}).")
