"""The buyer's choice of procedure, assessed against a decision: lawful (with warnings) or refused
(naming the need's field), and the record of it carried by the events (`ProcedureDecision`).

- `assess_choice`: a formal procedure below the formal thresholds is lawful, with a warning; a
  marché sans publicité ni mise en concurrence above the R2122-8 threshold is lawful only in a
  case of R2122-1 to R2122-11 the platform checked (exemptions.py), with a non-empty reason; small
  lots (R2123-1 2°) and specific services (R2123-1 3°) may use a MAPA although the whole is formal.
- `procedure_decision`: the events' ProcedureDecision of a lawful choice.
- `still_holds`: whether a decision taken earlier (sourcing, on the planned launch date) still holds
  under a decision taken again later (tendering, on the publication date).

Small lots (R2123-1 2°, text checked: « Un lot d'un marché alloti dont le montant total est égal ou
supérieur aux seuils de procédure formalisée et qui remplit les deux conditions suivantes : a) La
valeur estimée de chaque lot concerné est inférieure à 80 000 euros hors taxes pour des fournitures
ou des services ou à 1 million d'euros hors taxes pour des travaux ; b) Le montant cumulé de ces lots
n'excède pas 20 % de la valeur totale estimée de tous les lots »; the same for defence, R2323-1 2°):
each lot < its limit, and the small lots together <= 20 % of the estimated value of the whole need.
Specific services (R2123-1 3°, text checked): « quelle que soit la valeur estimée du besoin ».
A formal procedure below the formal thresholds: no article of the code forbids it, and none the
platform read states it; the warning says the buyer then follows that procedure's rules, without
citing an article.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from unefois_events.catalogue import (
    AppliedThreshold,
    Lot,
    NoCompetitionExemption,
    ProcedureDecision,
)
from unefois_events.values import Procedure, PurchaseNature

from .engine import Band, Decision, formal_procedures_for
from .errors import RulesError
from .exemptions import NOT_ADVISED, UNVERIFIED, exemption_for
from .explanation import NATURE_LABELS, THRESHOLD_LABELS, format_date, format_eur
from .thresholds import BuyerKind, ThresholdKind

SMALL_LOT_LIMIT_WORKS = Decimal(1000000)  # R2123-1 2°, works: each small lot < 1 000 000 € HT
SMALL_LOT_LIMIT_SUPPLIES_SERVICES = Decimal(80000)  # R2123-1 2°, supplies and services: < 80 000 € HT
SMALL_LOTS_SHARE = Decimal("0.20")  # R2123-1 2°: the small lots together <= 20 % of all the lots
MAX_WARNINGS = 20  # ProcedureDecision.warnings
MAX_WARNING_LENGTH = 2000

BAND_PHRASES: dict[str, str] = {
    Band.NO_COMPETITION.value: "du marché sans publicité ni mise en concurrence possible (art. R2122-8)",
    Band.ADAPTED.value: "de la procédure adaptée (art. R2123-1)",
    Band.FORMAL.value: "de la procédure formalisée (art. R2124-1)",
}
# The thresholds that set the band: a change of another one (free documents...) does not undo a choice.
BAND_THRESHOLDS = (ThresholdKind.NO_COMPETITION, ThresholdKind.FORMAL)


@dataclass(frozen=True)
class ChoiceAssessment:
    lawful: bool
    warnings: tuple[str, ...] = ()  # French
    refusal: str | None = None  # French, when not lawful
    field: str | None = None  # the need's field to name: "procedure", "no_competition_exemption.reason", "lots.2.small_lot"


def _refuse(message: str, field: str, warnings: Sequence[str] = ()) -> ChoiceAssessment:
    return ChoiceAssessment(False, tuple(warnings), message, field)


def _allowed_list(decision: Decision) -> str:
    return ", ".join(f"« {p.value} »" for p in decision.allowed_procedures)


def _assess_exemption(decision: Decision, exemption: NoCompetitionExemption | None) -> ChoiceAssessment:
    no_competition = decision.threshold(ThresholdKind.NO_COMPETITION)
    if decision.buyer_kind is BuyerKind.DEFENCE:
        # Defence contracts have their own no-publicity cases (R2322-1 ff.), not checked.
        return _refuse("Marché de défense ou de sécurité sans publicité ni mise en concurrence : les cas du livre III du "
                       f"code (art. R2322-1 et suivants) n'ont pas été vérifiés ; {NOT_ADVISED}.",
                       "no_competition_exemption.article" if exemption else "procedure")
    if exemption is None:
        if decision.band is Band.NO_COMPETITION:
            entry = exemption_for("R2122-8")
            assert entry is not None
            return ChoiceAssessment(True, (f"Marché sans publicité ni mise en concurrence (art. R2122-8) : {entry.requires}.",))
        assert no_competition is not None
        return _refuse(f"Valeur estimée {format_eur(decision.estimated_value)} ≥ {THRESHOLD_LABELS[no_competition.kind]} "
                       f"de {format_eur(no_competition.amount)} ({no_competition.reference}) : un marché sans publicité ni "
                       "mise en concurrence n'est possible que dans l'un des cas des art. R2122-1 à R2122-11 ; indiquer "
                       "l'article et le motif.", "no_competition_exemption")
    article = exemption.article
    entry = exemption_for(article)
    if entry is None:
        why = UNVERIFIED.get(article, "article non vérifié par la plateforme")
        return _refuse(f"Art. {article} ({why}) : {NOT_ADVISED}.", "no_competition_exemption.article")
    if entry.by_value and decision.band is not Band.NO_COMPETITION:
        assert no_competition is not None
        return _refuse(f"Art. R2122-8 : la valeur estimée {format_eur(decision.estimated_value)} atteint le "
                       f"{THRESHOLD_LABELS[no_competition.kind]} de {format_eur(no_competition.amount)} en vigueur le "
                       f"{format_date(decision.launch_date)} ; ce cas ne s'applique pas.", "no_competition_exemption.article")
    if entry.value_below is not None and decision.estimated_value >= entry.value_below:
        return _refuse(f"Art. {article} ({entry.label}) : ce cas ne vaut que pour une valeur estimée inférieure à "
                       f"{format_eur(entry.value_below)} ; valeur estimée {format_eur(decision.estimated_value)}.",
                       "no_competition_exemption.article")
    if decision.nature not in entry.natures:
        natures = " ou ".join(NATURE_LABELS[n] for n in PurchaseNature if n in entry.natures)
        return _refuse(f"Art. {article} ({entry.label}) : ce cas ne vise que les marchés de {natures}, pas un marché de "
                       f"{NATURE_LABELS[decision.nature]}.", "no_competition_exemption.article")
    if decision.buyer_kind not in entry.buyer_kinds:
        who = ("aux entités adjudicatrices" if entry.buyer_kinds == frozenset({BuyerKind.UTILITY})
               else "aux pouvoirs adjudicateurs")
        return _refuse(f"Art. {article} ({entry.label}) : ce cas n'est ouvert qu'{who}.", "no_competition_exemption.article")
    reason = (exemption.reason or "").strip()
    if not reason:
        return _refuse(f"Art. {article} ({entry.label}) : indiquer le motif qui justifie ce cas.",
                       "no_competition_exemption.reason")
    return ChoiceAssessment(True, (
        (f"Marché sans publicité ni mise en concurrence sur le fondement de l'art. {article} ({entry.label}) : "
        f"l'acheteur doit pouvoir justifier de {entry.requires}. Motif consigné : « {reason} »."),))


def _assess_small_lots(decision: Decision, lots: Sequence[Lot]) -> ChoiceAssessment:
    small = [(index, lot) for index, lot in enumerate(lots) if lot.small_lot]
    if not small:
        return ChoiceAssessment(True)
    if decision.band is not Band.FORMAL:
        return ChoiceAssessment(True, (("Petits lots (art. R2123-1, 2°) : inutile ici, la valeur estimée du besoin est "
                                       "sous le seuil de procédure formalisée et la procédure adaptée est déjà possible "
                                       "pour tous les lots."),))
    works = decision.nature is PurchaseNature.WORKS
    limit = SMALL_LOT_LIMIT_WORKS if works else SMALL_LOT_LIMIT_SUPPLIES_SERVICES
    what = "travaux" if works else "fournitures et services"
    article = "R2323-1, 2°" if decision.buyer_kind is BuyerKind.DEFENCE else "R2123-1, 2°"
    for index, lot in small:
        if lot.estimated_value >= limit:
            return _refuse(f"Lot {lot.number} : {format_eur(lot.estimated_value)} n'est pas un petit lot ; la procédure "
                           f"adaptée n'est possible que pour les lots de {what} inférieurs à {format_eur(limit)} "
                           f"(art. {article}).", f"lots.{index}.small_lot")
    ceiling = decision.estimated_value * SMALL_LOTS_SHARE
    running = Decimal(0)
    for index, lot in small:
        running += lot.estimated_value
        if running > ceiling:
            return _refuse(f"Petits lots : leur montant cumulé ({format_eur(running)} avec le lot {lot.number}) dépasse "
                           f"20 % de la valeur estimée de tous les lots ({format_eur(ceiling)} sur "
                           f"{format_eur(decision.estimated_value)}) (art. {article}).", f"lots.{index}.small_lot")
    numbers = ", ".join(str(lot.number) for _, lot in small)
    return ChoiceAssessment(True, (
        (f"Petits lots passés en procédure adaptée (art. {article}) : lot(s) {numbers}, chacun inférieur à "
        f"{format_eur(limit)}, ensemble {format_eur(running)}, soit au plus 20 % de la valeur estimée de tous les lots "
        f"({format_eur(decision.estimated_value)}) ; les autres lots suivent la procédure formalisée."),))


def assess_choice(decision: Decision, procedure: Procedure, *, exemption: NoCompetitionExemption | None = None,
                  lots: Sequence[Lot] = ()) -> ChoiceAssessment:
    """Is the buyer's procedure lawful under this decision? Lawful choices the law allows under
    conditions are warnings, not refusals; a case the platform could not check is refused with
    « la plateforme ne conseille pas ce cas »."""
    try:
        procedure = Procedure(procedure)
    except ValueError:
        return _refuse(f"Procédure inconnue : {procedure!r}.", "procedure")
    warnings: list[str] = []
    if procedure is Procedure.NO_COMPETITION:
        assessed = _assess_exemption(decision, exemption)
        if not assessed.lawful:
            return assessed
        warnings.extend(assessed.warnings)
    elif exemption is not None:
        return _refuse("Un cas de marché sans publicité ni mise en concurrence (art. R2122-1 à R2122-11) n'est indiqué "
                       "qu'avec cette procédure ; le retirer ou changer de procédure.", "no_competition_exemption")
    elif procedure not in decision.allowed_procedures:
        if procedure is Procedure.ADAPTED and decision.band is Band.FORMAL:
            formal = decision.threshold(ThresholdKind.FORMAL)
            assert formal is not None
            return _refuse(f"Valeur estimée {format_eur(decision.estimated_value)} ≥ seuil de procédure formalisée de "
                           f"{format_eur(formal.amount)} : procédure formalisée obligatoire (art. R2124-1). La procédure "
                           "adaptée n'est possible que pour des services sociaux et autres services spécifiques "
                           "(art. R2123-1, 3°) ou, lot par lot, pour de petits lots (art. R2123-1, 2°).", "procedure")
        if procedure is Procedure.OPEN and decision.buyer_kind is BuyerKind.DEFENCE:
            return _refuse("Marché de défense ou de sécurité : pas d'appel d'offres ouvert ; choisir l'appel d'offres "
                           "restreint, la procédure avec négociation ou, sous conditions, le dialogue compétitif.",
                           "procedure")
        return _refuse(f"Procédure « {procedure.value} » non possible ici ; procédures possibles : {_allowed_list(decision)}.",
                       "procedure")
    else:
        formal_set = formal_procedures_for(decision.buyer_kind)
        if procedure in formal_set and decision.band is not Band.FORMAL:
            warnings.append(f"« {procedure.value} » choisie sous le seuil de procédure formalisée : possible, l'acheteur "
                            "en applique alors toutes les règles (publicité, délais minimaux, délai de suspension).")
        if procedure in (Procedure.NEGOTIATED, Procedure.COMPETITIVE_DIALOGUE) and decision.buyer_kind in (
                BuyerKind.STATE, BuyerKind.LOCAL):
            article = "R2124-3" if procedure is Procedure.NEGOTIATED else "R2124-5 et R2124-3"
            warnings.append(f"« {procedure.value} » : possible pour un pouvoir adjudicateur seulement dans les cas de "
                            f"l'art. {article} ; consigner lequel s'applique.")
        if procedure is Procedure.COMPETITIVE_DIALOGUE and decision.buyer_kind is BuyerKind.DEFENCE:
            warnings.append("Dialogue compétitif d'un marché de défense ou de sécurité : possible sous les conditions du "
                            "livre III du code, que la plateforme n'a pas vérifiées.")
        if procedure is Procedure.ADAPTED and decision.band is Band.FORMAL:
            warnings.append("Procédure adaptée au-dessus du seuil de procédure formalisée : possible pour des services "
                            "sociaux et autres services spécifiques (art. R2123-1, 3°) ; vérifier qu'ils figurent dans "
                            "l'avis annexé au code.")
    lots_assessed = _assess_small_lots(decision, lots)
    if not lots_assessed.lawful:
        return _refuse(lots_assessed.refusal or "", lots_assessed.field or "lots", warnings)
    warnings.extend(lots_assessed.warnings)
    return ChoiceAssessment(True, tuple(warnings))


def _bounded(warnings: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for warning in warnings:
        text = warning if len(warning) <= MAX_WARNING_LENGTH else warning[:MAX_WARNING_LENGTH - 1] + "…"
        if text not in seen:
            seen.append(text)
    return seen[:MAX_WARNINGS]


def procedure_decision(decision: Decision, chosen: Procedure, assessment: ChoiceAssessment) -> ProcedureDecision:
    """The events' record of a lawful choice (carried by NeedApproved and ConsultationPublished).
    Raises RulesError (naming the field) when the assessment refused the choice."""
    if not assessment.lawful:
        raise RulesError(assessment.refusal or "Procédure non possible.", field=assessment.field or "procedure")
    return ProcedureDecision(
        decided_on=decision.launch_date,
        buyer_kind=decision.buyer_kind,
        public_body=decision.public_body,
        band=decision.band.value,
        allowed_procedures=list(decision.allowed_procedures),
        recommended_procedure=decision.recommended_procedure,
        chosen_procedure=Procedure(chosen),
        thresholds=[AppliedThreshold(kind=row.kind.value, amount=row.amount, effective_from=row.effective_from,
                                     reference=row.reference[:300]) for row in decision.thresholds],
        warnings=_bounded([*decision.warnings, *assessment.warnings]),
    )


def still_holds(previous: ProcedureDecision, now: Decision) -> str | None:
    """None when the procedure chosen under `previous` is still lawful under `now` and the band did
    not change; otherwise a French sentence saying what changed, for the buyer to confirm a lawful
    procedure (tendering calls it at publication with the decision taken again on that day)."""
    chosen = previous.chosen_procedure
    # A case of R2122-1 to R2122-11 other than value was never in allowed_procedures: it does not
    # depend on the thresholds, so only the band decides for it.
    lawful = chosen in now.allowed_procedures or chosen not in previous.allowed_procedures
    band_changed = previous.band != now.band.value
    if lawful and not band_changed:
        return None
    before = {t.kind: t for t in previous.thresholds}
    changes = []
    for kind in BAND_THRESHOLDS:
        old, new = before.get(kind.value), now.threshold(kind)
        if old is not None and new is not None and old.amount != new.amount:
            changes.append(f"le {THRESHOLD_LABELS[kind]} est passé de {format_eur(old.amount)} à "
                           f"{format_eur(new.amount)} le {format_date(new.effective_from)}")
        elif old is not None and new is None:
            changes.append(f"le {THRESHOLD_LABELS[kind]} de {format_eur(old.amount)} ne s'applique plus")
    if not changes:
        changes.append(f"la décision prise le {format_date(previous.decided_on)} ne correspond plus aux règles en "
                       f"vigueur le {format_date(now.launch_date)}")
    sentence = " ; ".join(changes)
    details = []
    if band_changed:
        details.append(f"la valeur estimée de {format_eur(now.estimated_value)} relève désormais "
                       f"{BAND_PHRASES[now.band.value]} et non plus {BAND_PHRASES[previous.band]}")
    if lawful:
        details.append(f"la procédure choisie, « {chosen.value} », reste possible mais ses règles changent : "
                       "confirmer ce choix")
    else:
        details.append(f"la procédure choisie, « {chosen.value} », n'est plus possible ; choisir l'une des procédures "
                       f"possibles : {_allowed_list(now)}")
    text = f"{sentence} : {', '.join(details)}."
    return text[0].upper() + text[1:]
