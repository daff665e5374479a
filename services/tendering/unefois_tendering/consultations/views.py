"""What the consultations' API answers, and what the tendering pages show of them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field
from unefois_events.catalogue import ProcedureDecision, PurchaseFacts
from unefois_events.values import PriceForm, PriceType, Procedure
from unefois_kernel.clock import PLATFORM_TZ
from unefois_kernel.web import format_date, format_euros

from unefois_tendering.consultations.domain import (
    CANDIDATE_DOCUMENTS,
    EFORMS_CRITERION_TYPE,
    Consultation,
    ConsultationStatus,
    CriterionKind,
    Preparation,
    ProcedureHold,
    ProcedureReview,
    last_day_of,
)


class HoldView(BaseModel):
    """Why publication waits: what changed since sourcing's decision, taken again on `held_on`."""

    reason: str
    held_on: date
    previous: ProcedureDecision

    @classmethod
    def of(cls, hold: ProcedureHold) -> HoldView:
        return cls(reason=hold.reason, held_on=hold.held_on, previous=hold.previous)


class ConsultationView(BaseModel):
    id: uuid.UUID
    reference: str
    status: str = Field(description="awaiting_procedure (à confirmer, non publiée), published ou awarded")
    purchase: PurchaseFacts
    published_at: datetime | None = Field(description="null tant que la procédure attend la confirmation de l’acheteur")
    bid_deadline: datetime | None
    received_at: datetime = Field(description="réception du besoin approuvé")
    decision: ProcedureDecision | None = Field(
        default=None, description="la décision de procédure prise à la date de publication (null sans décision reçue)")
    hold: HoldView | None = Field(default=None, description="pourquoi la publication attend (ou a attendu) l’acheteur")
    preparation: Preparation = Field(description="ce que l’acheteur a ajouté aux faits du besoin")

    @classmethod
    def of(cls, consultation: Consultation) -> ConsultationView:
        return cls(
            id=consultation.id,
            reference=consultation.reference,
            status=str(consultation.status),
            purchase=consultation.purchase,
            published_at=consultation.published_at,
            bid_deadline=consultation.bid_deadline,
            received_at=consultation.received_at,
            decision=consultation.decision,
            hold=None if consultation.hold is None else HoldView.of(consultation.hold),
            preparation=consultation.preparation,
        )


class MinimumView(BaseModel):
    """The earliest bid deadline for a notice sent on `sent_on`, by the rules' decision of that day."""

    sent_on: date
    days: int
    deadline: datetime = Field(description="la fin du dernier jour du délai à Paris (00:00 le lendemain)")
    note: str
    suggested: bool = Field(default=False, description="délai retenu par la plateforme, non un minimum du code "
                                                         "(procédure adaptée : délai raisonnable, art. R2143-1)")


class FieldWarning(BaseModel):
    field: str
    reason: str


class ConsultationFileView(ConsultationView):
    minimum_bid_deadline: MinimumView | None = Field(
        default=None, description="tant qu’elle se prépare : la date limite des offres la plus proche permise "
                                  "pour une publication à la date prévue (aujourd’hui par défaut)")
    formal: bool = Field(default=False, description="procédure formalisée (questions closes six jours avant, R2132-6)")
    warnings: list[FieldWarning] = Field(
        default=[], description="ce que la plateforme signale sans le refuser (procédure adaptée : un délai plus "
                                "court que celui qu’elle suggère, art. R2143-1), chacun nommant son champ")


class ProcedureChoice(BaseModel):
    """The procedure the buyer confirms for a consultation held at publication."""

    procedure: Procedure = Field(description="une des procédures permises à la date du jour")


# The home page's table (templates/home.html shows the status column as a badge).
STATUS_LABELS = {
    ConsultationStatus.DRAFT: "En préparation",
    ConsultationStatus.AWAITING_PROCEDURE: "À confirmer",
    ConsultationStatus.PUBLISHED: "Publiée",
    ConsultationStatus.CLOSED: "Date limite passée",
    ConsultationStatus.OPENED: "Plis ouverts",
    ConsultationStatus.ABANDONED: "Sans suite",
    ConsultationStatus.AWARDED: "Attribuée",
}
STATUS_KINDS = {"En préparation": "neutral", "À confirmer": "warning", "Publiée": "info", "Attribuée": "success",
                "Date limite passée": "warning", "Plis ouverts": "info", "Sans suite": "neutral"}
COLUMNS = ["Référence", "Objet", "Statut", "Publiée le", "Date limite des offres"]
NOT_YET = "—"


def paris_day(at: datetime | None) -> str:
    """An instant's date on the platform's (Paris) calendar, where the law counts days."""
    return NOT_YET if at is None else format_date(at.astimezone(PLATFORM_TZ))


def deadline_day(at: datetime | None) -> str:
    """The day a bid deadline closes (a deadline at the end of a day, 00:00 the next, is that day)."""
    return NOT_YET if at is None else format_date(last_day_of(at))


def deadline_moment(at: datetime | None) -> str:
    if at is None:
        return NOT_YET
    local = at.astimezone(PLATFORM_TZ)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return f"{deadline_day(at)} à 24 h (fin de journée, heure de Paris)"
    return f"{paris_day(at)} à {local:%H:%M} (heure de Paris)"


def consultation_url(consultation: Consultation) -> str:
    return f"/consultations/{consultation.id}"


def home_row(consultation: Consultation) -> list:
    return [
        {"text": consultation.reference, "url": consultation_url(consultation)},
        consultation.purchase.object,
        STATUS_LABELS[consultation.status],
        paris_day(consultation.published_at),
        deadline_day(consultation.bid_deadline),
    ]


# ---------------------------------------------------------------- a consultation's page

BAND_LABELS = {"no_competition": "sans publicité ni mise en concurrence possible", "adapted": "procédure adaptée",
               "formal": "procédure formalisée"}
THRESHOLD_LABELS = {
    "no_competition": "Dispense de publicité et de mise en concurrence (art. R2122-8)",
    "free_documents": "Documents de la consultation gratuits en ligne (art. R2132-2)",
    "mapa_publicity": "Avis au BOAMP ou dans un JAL en procédure adaptée (art. R2131-12)",
    "formal": "Procédures formalisées (art. R2124-1)",
    "decp": "Données essentielles (art. R2196-1)",
    "decp_list": "Données essentielles ou liste annuelle (art. R2196-1)",
}
NATURE_LABELS = {"works": "Travaux", "supplies": "Fournitures", "services": "Services"}


def _threshold_text(amount, since: date) -> str:
    return f"{format_euros(amount)} HT (depuis le {format_date(since)})"


def threshold_rows(previous: ProcedureDecision, now: tuple[tuple[str, Decimal, date, str], ...]) -> list[list[str]]:
    """One row per threshold sourcing's decision applied: its amount then, and on the day the
    decision was taken again (`now`: kind, amount, in force from, reference); a moved threshold
    shows two different amounts."""
    today = {kind: (amount, since) for kind, amount, since, _ in now}
    rows = []
    for applied in previous.thresholds:
        current = today.get(applied.kind)
        rows.append([
            THRESHOLD_LABELS.get(applied.kind, applied.kind),
            _threshold_text(applied.amount, applied.effective_from),
            _threshold_text(*current) if current else "—",
            "Oui" if current and current[0] != applied.amount else "Non",
        ])
    return rows


def _thresholds_now(consultation: Consultation, review: ProcedureReview | None) -> tuple:
    """The thresholds of the decision taken again: today's while held, the publication's after."""
    if review is not None:
        return review.thresholds
    if consultation.decision is not None:
        return tuple((row.kind, row.amount, row.effective_from, row.reference) for row in consultation.decision.thresholds)
    return ()


def consultation_context(consultation: Consultation, review: ProcedureReview | None, *, message: str | None = None,
                         selected: str | None = None, error: str | None = None,
                         status_error: str | None = None) -> dict:
    facts = consultation.purchase
    status_label = STATUS_LABELS[consultation.status]
    items = [
        ("Référence", consultation.reference),
        ("Nature", NATURE_LABELS.get(str(facts.nature), str(facts.nature))),
        ("CPV principal", facts.main_cpv),
        ("Valeur estimée (HT)", format_euros(facts.estimated_value)),
        ("Procédure", facts.procedure.value),
        ("Besoin reçu le", paris_day(consultation.received_at)),
        ("Publiée le", paris_day(consultation.published_at) if consultation.published_at else "Pas encore publiée"),
        ("Date limite des offres", deadline_moment(consultation.bid_deadline)),
    ]
    hold = consultation.hold
    lawful = review.lawful if review else ()
    options = [(procedure.value, procedure.value + (" (recommandée)" if review and procedure == review.recommended
                                                   else "")) for procedure in lawful]
    return {
        "title": f"Consultation {consultation.reference}",
        "consultation": consultation,
        "facts": facts,
        "status": str(consultation.status),
        "status_label": status_label,
        "status_kind": STATUS_KINDS[status_label],
        "items": items,
        "hold": hold,
        "previous_band": BAND_LABELS.get(hold.previous.band, hold.previous.band) if hold else None,
        "threshold_columns": ["Seuil", "À la décision initiale", "À la publication", "Modifié"],
        "threshold_rows": threshold_rows(hold.previous, _thresholds_now(consultation, review)) if hold else [],
        "review": review,
        "review_band": (BAND_LABELS.get(review.band, review.band) if review and review.band
                        else BAND_LABELS.get(consultation.decision.band) if consultation.decision else None),
        "options": options,
        "selected": selected,
        "error": error,
        "status_error": status_error,
        "message": message,
        "decision": consultation.decision,
        "decision_band": BAND_LABELS.get(consultation.decision.band) if consultation.decision else None,
        "can_confirm": consultation.status is ConsultationStatus.AWAITING_PROCEDURE,
        "can_prepare": consultation.status in (ConsultationStatus.DRAFT, ConsultationStatus.AWAITING_PROCEDURE),
        "can_publish": consultation.status is ConsultationStatus.DRAFT,
        "is_public": consultation.published_at is not None,
        # After the deadline: the opening, then each lot's evaluation (lot 0: not allotted).
        "evaluation_links": [(f"/consultations/{consultation.id}/lots/{key}/evaluation",
                              "Évaluation" if key == 0 else f"Évaluation du lot {key}")
                             for key, _title in lot_keys(consultation)]
        if str(consultation.status) in ("opened", "awarded", "abandoned") else [],
        "facts_items": facts_items(consultation),
        "preparation_items": preparation_items(consultation),
        "criteria_tables": criteria_tables(consultation),
        "criteria_columns": ["Critère", "Type", "Poids", "Sous-critères"],
    }


# ---------------------------------------------------------------- the notice (eForms business terms)
# The fields of a contract notice, named by their eForms business term (BT-xx, eForms SDK) and,
# for lot-level ones, the SDK field id. The platform fills what it knows; BT-105 is left empty
# for a procédure adaptée (eForms has no code for it the platform verified).

EFORMS_PROCEDURE_TYPE = {
    "Appel d'offres ouvert": "open",
    "Appel d'offres restreint": "restricted",
    "Procédure avec négociation": "neg-w-call",
    "Dialogue compétitif": "comp-dial",
}
EFORMS_NATURE = {"works": "works", "supplies": "supplies", "services": "services"}
NOTICE_LABELS = {
    "BT-02-notice": "Type d’avis",
    "BT-05(a)-notice": "Date d’envoi de l’avis",
    "BT-500-Organization-Company": "Nom de l’acheteur",
    "BT-501-Organization-Company": "Identifiant de l’acheteur (SIRET)",
    "BT-21-Procedure": "Intitulé",
    "BT-24-Procedure": "Description",
    "BT-23-Procedure": "Nature du marché",
    "BT-262-Procedure": "Code CPV principal",
    "BT-263-Procedure": "Codes CPV supplémentaires",
    "BT-27-Procedure": "Valeur estimée (HT)",
    "BT-105-Procedure": "Type de procédure",
    "BT-137-Lot": "Identifiant du lot",
    "BT-21-Lot": "Intitulé du lot",
    "BT-27-Lot": "Valeur estimée du lot (HT)",
    "BT-36-Lot": "Durée (mois)",
    "BT-5121-Lot": "Lieu d’exécution (code postal)",
    "BT-131(d)-Lot": "Date limite de réception des offres",
    "BT-131(t)-Lot": "Heure limite de réception des offres",
    "BT-13(d)-Lot": "Date limite des demandes de renseignements complémentaires",
    "BT-13(t)-Lot": "Heure limite des demandes de renseignements complémentaires",
    "BT-63-Lot": "Variantes",
    "BT-539-Lot": "Type de critère",
    "BT-734-Lot": "Nom du critère",
    "BT-540-Lot": "Description du critère",
    "BT-541-Lot-WeightNumber": "Pondération",
    "BT-5421-Lot": "Nature de la pondération",
}
CRITERION_LABELS = {
    CriterionKind.PRICE: "Prix", CriterionKind.COST: "Coût", CriterionKind.ENVIRONMENTAL: "Environnement",
    CriterionKind.QUALITY: "Qualité, valeur technique", CriterionKind.SOCIAL: "Aspects sociaux",
    CriterionKind.DELIVERY: "Délais, livraison, service après-vente", CriterionKind.OTHER: "Autre",
}


def _paris_parts(moment: datetime | None) -> tuple[str | None, str | None]:
    """An instant as eForms writes it: a date and a time, each with the Paris offset."""
    if moment is None:
        return None, None
    local = moment.astimezone(PLATFORM_TZ)
    offset = local.isoformat()[-6:]
    return f"{local:%Y-%m-%d}{offset}", f"{local:%H:%M:%S}{offset}"


def notice_data(consultation: Consultation) -> dict:
    """The contract notice's fields as JSON, by eForms business term."""
    facts, prep = consultation.purchase, consultation.preparation
    bid_d, bid_t = _paris_parts(consultation.bid_deadline or prep.bid_deadline)
    q_d, q_t = _paris_parts(prep.questions_deadline)
    by_lot = {lot.lot_number: lot for lot in prep.criteria}
    lots = [(lot.number, lot.title, lot.estimated_value) for lot in facts.lots] or [(None, facts.object, facts.estimated_value)]
    lot_rows = []
    for index, (number, title, value) in enumerate(lots, start=1):
        criteria = by_lot.get(number)
        lot_rows.append({
            "BT-137-Lot": f"LOT-{(number or index):04d}",
            "BT-21-Lot": title,
            "BT-27-Lot": str(value),
            "BT-262-Lot": facts.main_cpv,
            "BT-36-Lot": facts.duration_months,
            # BT-5121 is a post code: a commune's INSEE code (or another code type) is not one.
            "BT-5121-Lot": facts.place_of_execution.code if str(facts.place_of_execution.code_type) == "Code postal"
            else None,
            "place_fr": f"{facts.place_of_execution.code_type}: {facts.place_of_execution.code}",
            "BT-131(d)-Lot": bid_d, "BT-131(t)-Lot": bid_t,
            "BT-13(d)-Lot": q_d, "BT-13(t)-Lot": q_t,
            "BT-63-Lot": None if prep.variants_allowed is None else ("allowed" if prep.variants_allowed else "not-allowed"),
            "award_criteria": [] if criteria is None else [
                {"BT-539-Lot": EFORMS_CRITERION_TYPE.get(criterion.kind, "quality"),
                 "BT-734-Lot": criterion.name,
                 "BT-540-Lot": "; ".join(f"{sub.name} ({sub.weight})" for sub in criterion.sub_criteria) or None,
                 "BT-541-Lot-WeightNumber": criterion.weight,
                 "BT-5421-Lot": "per-exa"}
                for criterion in criteria.criteria],
        })
    sent_d, _ = _paris_parts(consultation.published_at)
    return {
        "standard": "eForms (règlement d’exécution (UE) 2019/1780), termes métier BT-xx du SDK eForms",
        "notice": {"BT-02-notice": "cn-standard", "BT-05(a)-notice": sent_d, "reference": consultation.reference},
        "organisation": {"BT-500-Organization-Company": facts.buyer.name,
                         "BT-501-Organization-Company": facts.buyer.siret},
        "procedure": {
            "BT-21-Procedure": facts.object,
            "BT-24-Procedure": facts.description or facts.object,
            "BT-23-Procedure": EFORMS_NATURE.get(str(facts.nature)),
            "BT-262-Procedure": facts.main_cpv,
            "BT-263-Procedure": list(facts.additional_cpvs),
            "BT-27-Procedure": str(facts.estimated_value),
            "BT-105-Procedure": EFORMS_PROCEDURE_TYPE.get(facts.procedure.value),
            "procedure_fr": facts.procedure.value,
        },
        "lots": lot_rows,
        "required_documents": [{"code": code, "label": CANDIDATE_DOCUMENTS[code]} for code in prep.required_documents],
        "labels": NOTICE_LABELS,
    }


# ---------------------------------------------------------------- the preparation page

CRITERIA_ROWS = 4  # criterion rows per lot on the page (the API takes up to 20)
PREPARATION_LABELS = {
    "publication_date": "Date de publication prévue",
    "bid_deadline_date": "Date limite de réception des offres",
    "bid_deadline_time": "Heure limite des offres",
    "questions_deadline_date": "Date limite des questions",
    "questions_deadline_time": "Heure limite des questions",
    "variants_allowed": "Variantes",
    "required_documents": "Pièces de candidature",
    "criteria": "Critères d’attribution",
    "price_form": "Forme du prix",
    "price_types": "Type(s) de prix",
}


def lot_keys(consultation: Consultation) -> list[tuple[int, str]]:
    """(key, title) of each criteria group: one per lot, or 0 for the whole when not allotted."""
    lots = consultation.purchase.lots
    if not lots:
        return [(0, "Ensemble du marché (non alloti)")]
    return [(lot.number, f"Lot {lot.number} : {lot.title}") for lot in lots]


def _split(moment: datetime | None) -> tuple[str, str]:
    if moment is None:
        return "", ""
    local = moment.astimezone(PLATFORM_TZ)
    return local.date().isoformat(), f"{local:%H:%M}"


def form_values(consultation: Consultation) -> dict[str, object]:
    """The preparation page's fields from what is stored (the form's names)."""
    prep = consultation.preparation
    values: dict[str, object] = {"publication_date": prep.publication_date.isoformat() if prep.publication_date else ""}
    values["bid_deadline_date"], values["bid_deadline_time"] = _split(prep.bid_deadline)
    values["questions_deadline_date"], values["questions_deadline_time"] = _split(prep.questions_deadline)
    values["bid_deadline_time"] = values["bid_deadline_time"] or "12:00"
    values["questions_deadline_time"] = values["questions_deadline_time"] or "12:00"
    values["variants_allowed"] = "" if prep.variants_allowed is None else ("oui" if prep.variants_allowed else "non")
    values["required_documents"] = list(prep.required_documents)
    values["price_form"] = "" if prep.price_form is None else str(prep.price_form)
    values["price_types"] = [str(item) for item in prep.price_types]
    for lot in prep.criteria:
        key = lot.lot_number or 0
        for index, criterion in enumerate(lot.criteria[:CRITERIA_ROWS]):
            prefix = f"crit_{key}_{index}"
            values[f"{prefix}_kind"] = str(criterion.kind)
            values[f"{prefix}_name"] = criterion.name
            values[f"{prefix}_weight"] = str(criterion.weight)
            values[f"{prefix}_subs"] = "\n".join(f"{sub.name} : {sub.weight}" for sub in criterion.sub_criteria)
    return values


def preparation_items(consultation: Consultation) -> list[tuple[str, str]]:
    prep = consultation.preparation
    documents = ", ".join(CANDIDATE_DOCUMENTS[code] for code in prep.required_documents) or NOT_YET
    return [
        ("Publication prévue", format_date(prep.publication_date) if prep.publication_date else "Dès la publication"),
        ("Date limite des offres", deadline_moment(prep.bid_deadline)),
        ("Date limite des questions", deadline_moment(prep.questions_deadline)),
        ("Variantes", NOT_YET if prep.variants_allowed is None else ("Autorisées" if prep.variants_allowed else "Interdites")),
        ("Pièces de candidature", documents),
        ("Forme du prix", NOT_YET if prep.price_form is None else str(prep.price_form)),
        ("Type(s) de prix", ", ".join(str(item) for item in prep.price_types) or NOT_YET),
    ]


def criteria_tables(consultation: Consultation) -> list[dict]:
    """One table per lot of the criteria prepared: name, type, weight, sub-criteria."""
    by_lot = {lot.lot_number or 0: lot for lot in consultation.preparation.criteria}
    tables = []
    for key, title in lot_keys(consultation):
        lot = by_lot.get(key)
        rows = [] if lot is None else [
            [criterion.name, CRITERION_LABELS[criterion.kind], str(criterion.weight),
             "; ".join(f"{sub.name} ({sub.weight})" for sub in criterion.sub_criteria) or "—"]
            for criterion in lot.criteria]
        tables.append({"id": f"criteres-{key}", "title": title, "rows": rows})
    return tables


KIND_OPTIONS = [(str(kind), label) for kind, label in CRITERION_LABELS.items()]


def preparation_context(consultation: Consultation, minimum, formal: bool, *, values: dict,
                        errors: dict[str, str], warnings: tuple[dict[str, str], ...] = ()) -> dict:
    """The preparation page: the need's facts (read-only) and the buyer's form."""
    groups = []
    for key, title in lot_keys(consultation):
        rows = [{"prefix": f"crit_{key}_{index}", "number": index + 1} for index in range(CRITERIA_ROWS)]
        groups.append({"key": key, "id": f"criteres-{key}", "title": title, "rows": rows,
                       "error": errors.get(f"criteres-{key}")})
    minimum_text = None
    if minimum is not None:
        if minimum.suggested:  # MAPA: the platform's suggestion, not a minimum of the code (R2143-1)
            minimum_text = (f"Délai suggéré : le {deadline_day(minimum.deadline)} à 24 h (heure de Paris) au plus tôt "
                            f"pour une publication le {format_date(minimum.sent_on)} ({minimum.days} jours, "
                            f"{minimum.note}) ; un délai plus court est possible s’il reste raisonnable")
        else:
            minimum_text = (f"Au plus tôt le {deadline_day(minimum.deadline)} à 24 h (heure de Paris) pour une "
                            f"publication le {format_date(minimum.sent_on)} : {minimum.days} jours, {minimum.note}")
    labels = dict(PREPARATION_LABELS) | {group["id"]: f"Critères, {group['title']}" for group in groups}
    return {
        "title": f"Préparer la consultation {consultation.reference}",
        "consultation": consultation,
        "facts": consultation.purchase,
        "facts_items": facts_items(consultation),
        "values": values,
        "errors": errors,
        "labels": labels,
        "groups": groups,
        "kind_options": KIND_OPTIONS,
        "price_form_options": [(str(item), str(item)) for item in PriceForm],
        "price_type_options": [str(item) for item in PriceType],
        "documents": list(CANDIDATE_DOCUMENTS.items()),
        "minimum_text": minimum_text,
        "formal": formal,
        "criteria_error": errors.get("criteres"),
        "warnings": [warning["reason"] for warning in warnings],
    }


def facts_items(consultation: Consultation) -> list[tuple[str, str]]:
    """The need's facts, read-only on the pages (as sourcing approved them)."""
    facts = consultation.purchase
    lots = "; ".join(f"{lot.number}. {lot.title} ({format_euros(lot.estimated_value)} HT)" for lot in facts.lots)
    clauses = "; ".join(clause.title for clause in facts.clauses)
    invited = "; ".join(f"{supplier.name} ({supplier.siret})" for supplier in consultation.invited)
    return [
        ("Objet", facts.object),
        ("Nature", NATURE_LABELS.get(str(facts.nature), str(facts.nature))),
        ("CPV principal", facts.main_cpv + (f" (et {', '.join(facts.additional_cpvs)})" if facts.additional_cpvs else "")),
        ("Procédure", facts.procedure.value),
        ("Valeur estimée (HT)", format_euros(facts.estimated_value)),
        ("Durée", f"{facts.duration_months} mois"),
        ("Lots", lots or "Non alloti"),
        ("Considérations sociales", ", ".join(str(item) for item in facts.social_considerations)),
        ("Considérations environnementales", ", ".join(str(item) for item in facts.environmental_considerations)),
        ("Clauses", clauses or "Aucune"),
        ("Entreprises invitées", invited or "Aucune"),
    ]


def notice_context(consultation: Consultation) -> dict:
    """The printable notice: the notice data, each field with its French label and its BT."""
    data = notice_data(consultation)
    labels = data["labels"]

    def rows(section: dict) -> list[list[str]]:
        return [[labels.get(key, key), _text(value), key] for key, value in section.items() if key in labels]

    lots = []
    for lot in data["lots"]:
        lots.append({"id": lot["BT-137-Lot"], "rows": rows(lot),
                     "criteria": [[c["BT-734-Lot"], c["BT-539-Lot"], str(c["BT-541-Lot-WeightNumber"]),
                                   c["BT-540-Lot"] or "—"] for c in lot["award_criteria"]]})
    return {
        "title": f"Avis de marché — consultation {consultation.reference}",
        "consultation": consultation,
        "data": data,
        "header_rows": rows(data["notice"]) + rows(data["organisation"]) + rows(data["procedure"]),
        "lots": lots,
        "documents": [item["label"] for item in data["required_documents"]],
        "columns": ["Champ", "Valeur", "Terme eForms"],
        "criteria_columns": ["Critère", "Type (BT-539)", "Pondération (BT-541)", "Sous-critères (BT-540)"],
    }


def _text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    return str(value)
