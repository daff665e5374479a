"""What the needs API takes and answers (pydantic models), and what its pages show of a need
(labels, table rows, the need page's context)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from starlette.requests import Request

from unefois_events.catalogue import NeedContent, Organisation, PurchaseFacts
from unefois_events.values import MAX_INVITED, EnvironmentalConsideration, SocialConsideration, Text
from unefois_kernel.auth.principal import Principal
from unefois_kernel.web import format_date, format_euros
from unefois_kernel.web.templating import web_of
from unefois_rules import Decision
from unefois_rules.engine import PUBLICITY_LABELS
from unefois_sourcing import reference
from unefois_sourcing.needs.domain import (
    RETURN_COMMENT_MAX_LENGTH, HistoryEntry, Need, NeedAction, NeedListItem, NeedOrder, NeedStatus, allowed_actions,
)
from unefois_sourcing.research.domain import Research

# ---------------------------------------------------------------- the API


class NeedInput(NeedContent):
    """The need as typed: considerations may be left out when clauses are picked."""

    social_considerations: list[SocialConsideration] = Field(default_factory=list, max_length=len(SocialConsideration))
    environmental_considerations: list[EnvironmentalConsideration] = Field(
        default_factory=list, max_length=len(EnvironmentalConsideration))


class NeedDraft(BaseModel):
    facts: NeedInput = Field(description="Le besoin tel que saisi ; l'acheteur est celui de la session")
    clause_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=100, description="Clauses choisies dans la bibliothèque : elles fixent les considérations DECP"
    )


class NeedView(BaseModel):
    id: uuid.UUID
    status: NeedStatus
    facts: PurchaseFacts
    submitted_at: datetime | None = None
    return_comment: str | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    recommendation: dict | None = Field(default=None, description="Procédures permises et obligations (moteur de règles)")
    warnings: list[str] = Field(default_factory=list, description=(
        "Alertes : un possible saucissonnage, et ce que les règles disent du choix de l'acheteur (possible, à peser)"))

    @classmethod
    def of(cls, need: Need, *, decision: Decision | None = None, warnings: Sequence[str] = ()) -> NeedView:
        return cls(id=need.id, status=need.status, facts=need.facts, submitted_at=need.submitted_at,
                   return_comment=need.return_comment, approved_by=need.approved_by, approved_at=need.approved_at,
                   recommendation=decision.to_dict() if decision else None, warnings=list(warnings))


class Return(BaseModel):
    # The domain's bounds (check_return_comment), declared here for the API's schema.
    comment: Text(RETURN_COMMENT_MAX_LENGTH, min_length=1) = Field(description="Pourquoi le besoin est renvoyé à son auteur")


class Approval(BaseModel):
    invited_suppliers: list[Organisation] = Field(default_factory=list, max_length=MAX_INVITED)


# ---------------------------------------------------------------- the pages

STATUS_LABELS = {NeedStatus.DRAFT: "Brouillon", NeedStatus.SUBMITTED: "Soumis", NeedStatus.APPROVED: "Approuvé"}
# ui.badge kinds (components.html): the text says the status, the colour repeats it.
STATUS_BADGES = {NeedStatus.DRAFT: "neutral", NeedStatus.SUBMITTED: "info", NeedStatus.APPROVED: "success"}
# The need's way through the purchase, as the need page shows it (ui.steps): its statuses, then tendering.
STEPS = [*STATUS_LABELS.values(), "En consultation"]
STATUS_STEP = {status: n for n, status in enumerate(NeedStatus)}
NATURE_LABELS = {"works": "Travaux", "supplies": "Fournitures", "services": "Services"}
PLACE_TYPE_LABELS = {"Code commune": "Commune (code INSEE)", "Code département": "Département",
                     "Code région": "Région"}
BAND_LABELS = {
    "no_competition": "Sous le seuil de dispense de publicité et de mise en concurrence",
    "adapted": "Procédure adaptée (MAPA)",
    "formal": "Au-dessus des seuils européens : procédure formalisée",
}
PUBLICITY = {p.value: label for p, label in PUBLICITY_LABELS.items()}
HOME_COLUMNS = ["Objet", "Valeur estimée (HT)", "Statut", "Créé le"]
# The needs list's columns; the sortable ones with their ?tri= key.
LIST_COLUMNS = [("Objet", NeedOrder.OBJECT.value), "CPV principal", ("Valeur estimée (HT)", NeedOrder.VALUE.value),
                ("Statut", NeedOrder.STATUS.value), ("Créé le", NeedOrder.CREATED.value)]
SORT_KEYS = {order.value: order.value for order in NeedOrder}  # what Sort.from_request may take from the URL
DEFAULT_SORT = "-" + NeedOrder.CREATED.value
MESSAGES = {
    "cree": "Le besoin est enregistré en brouillon.",
    "soumis": "Le besoin est soumis à l’approbation.",
    "approuve": "Le besoin est approuvé : il part en consultation.",
    "renvoye": "Le besoin est renvoyé à son auteur avec votre commentaire.",
    "modifie": "Les modifications du besoin sont enregistrées.",
    "inchange": "Aucune modification : le besoin est inchangé.",
}
# What the need page says when an action could not be offered (a warning, not a success).
NOTICES = {
    "non-modifiable": ("Ce besoin ne se modifie plus : seul un brouillon, ou un besoin renvoyé avec un commentaire, "
                       "se modifie. Un besoin soumis peut vous être renvoyé par le valideur ; un besoin approuvé est "
                       "parti en consultation."),
}


# What the history calls each field of a need (the form's words).
FACT_LABELS = {
    "object": "Objet", "description": "Description", "desired_start_date": "Début souhaité", "nature": "Nature",
    "main_cpv": "CPV principal", "additional_cpvs": "CPV complémentaires", "estimated_value": "Valeur estimée (HT)",
    "duration_months": "Durée (mois)", "place_of_execution": "Lieu d’exécution", "lots": "Lots",
    "procedure": "Procédure", "ccag": "CCAG", "techniques": "Technique d’achat", "execution_modes": "Modalité d’exécution",
    "social_considerations": "Considérations sociales", "environmental_considerations": "Considérations environnementales",
    "innovative": "Achat innovant", "planned_launch_date": "Lancement prévu", "works_operation": "Opération de travaux",
    "purchase_family": "Famille d’achat", "candidate_payments": "Primes aux candidats",
    "buyer_supplied_value": "Fournitures mises à disposition", "specific_services": "Services sociaux et spécifiques",
    "no_competition_exemption": "Dispense de publicité et de mise en concurrence", "clauses": "Clauses",
}
MONEY_FIELDS = {"estimated_value", "candidate_payments", "buyer_supplied_value"}
DATE_FIELDS = {"desired_start_date", "planned_launch_date"}
PARIS = ZoneInfo("Europe/Paris")
HISTORY_ACTIONS = {
    "need.created": "Besoin créé", "need.edited": "Besoin modifié", "need.submitted": "Besoin soumis",
    "need.returned": "Besoin renvoyé à son auteur", "need.approved": "Besoin approuvé",
}


def money_input(value: Decimal | None) -> str:
    """An amount as the form shows it to be typed again: "38 000,00"; "" for none."""
    if value is None:
        return ""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def fact_text(field: str, value: Any) -> str:
    """A stored value of a need's field (JSON), as a person reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if field in MONEY_FIELDS:
        return format_euros(Decimal(str(value)))
    if field in DATE_FIELDS:
        return format_date(date.fromisoformat(value))
    if field == "nature":
        return NATURE_LABELS.get(value, value)
    if field == "place_of_execution":
        return f"{PLACE_TYPE_LABELS.get(value.get('code_type'), value.get('code_type'))} {value.get('code')}"
    if field == "lots":
        return " ; ".join(f"lot {lot['number']} : {lot['title']} ({format_euros(Decimal(str(lot['estimated_value'])))}"
                          f"{', petit lot' if lot.get('small_lot') else ''})" for lot in value)
    if field == "clauses":
        return " ; ".join(clause.get("title", "") for clause in value)
    if field == "no_competition_exemption":
        return f"{value.get('article')} : {value.get('reason')}"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def history_items(entries: Sequence[HistoryEntry]) -> list[dict[str, Any]]:
    """The need's history as its page lists it: when, who, what, and each change of an edit."""
    items = []
    for entry in entries:
        change = entry.change
        changes = [(FACT_LABELS.get(c["field"], c["field"]), fact_text(c["field"], c.get("before")),
                    fact_text(c["field"], c.get("after"))) for c in change.get("changes", [])]
        items.append({"when": entry.occurred_at.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M"), "who": entry.actor,
                      "what": HISTORY_ACTIONS.get(entry.action, entry.action), "changes": changes,
                      "comment": change.get("comment") if entry.action == "need.returned" else None})
    return items


def status_badge(status: str) -> dict:
    """A table cell showing the need's status as a badge (components.html, table cells)."""
    return {"badge": STATUS_LABELS.get(status, status), "kind": STATUS_BADGES.get(status, "neutral")}


def _object_cell(item: NeedListItem) -> dict:
    return {"text": item.object, "url": f"/besoins/{item.id}"}


def home_row(item: NeedListItem) -> list:
    return [_object_cell(item), format_euros(item.estimated_value), status_badge(item.status), format_date(item.created_at)]


def list_row(item: NeedListItem) -> list:
    return [_object_cell(item), item.main_cpv, format_euros(item.estimated_value), status_badge(item.status),
            format_date(item.created_at)]


def cpv_divisions() -> list[tuple[str, str]]:
    """The CPV divisions the needs list filters by: (two digits, "45 — Travaux de construction")."""
    return sorted((entry.division, f"{entry.division} — {entry.label_fr}") for entry in reference.all_cpv()
                  if entry.code8[2:] == "000000")


def _place_name(facts: PurchaseFacts) -> str | None:
    place = facts.place_of_execution
    if place.code_type.value == "Code commune" and (found := reference.commune(place.code)):
        return found.name
    if place.code_type.value == "Code département" and (found := reference.departement(place.code)):
        return getattr(found, "name", None)
    if place.code_type.value == "Code région" and (found := reference.region(place.code)):
        return getattr(found, "name", None)
    return None


def need_context(request: Request, principal: Principal, need: Need, research: Research, warnings: Sequence[str],
                 decision: dict | None, *, error: str | None = None, comment: str = "",
                 comment_error: str | None = None, history: Sequence[HistoryEntry] = (),
                 advice: Sequence[str] = ()) -> dict[str, Any]:
    """What needs/need.html shows of a need; its actions are those the domain allows this principal."""
    facts = need.facts
    main_cpv = reference.cpv_entry(facts.main_cpv)
    place = facts.place_of_execution
    actions = allowed_actions(need.status, principal.roles)
    short = facts.object if len(facts.object) <= 60 else facts.object[:59].rstrip() + "…"
    tendering = web_of(request).urls.get("tendering")
    return {
        "title": facts.object[:80], "breadcrumbs": [("Liste des besoins", "/besoins"), (short, None)],
        "need": need, "facts": facts, "status": need.status, "status_label": STATUS_LABELS[need.status],
        "badge": STATUS_BADGES[need.status], "steps": STEPS, "step": STATUS_STEP[need.status],
        "tendering_url": f"{tendering}/" if tendering else None,
        "nature_label": NATURE_LABELS.get(facts.nature.value, facts.nature.value),
        "main_cpv_label": main_cpv.label_fr if main_cpv else None,
        "additional_cpvs": [(code, reference.cpv_label(code)) for code in facts.additional_cpvs],
        "place_label": PLACE_TYPE_LABELS.get(place.code_type.value, place.code_type.value),
        "place_name": _place_name(facts),
        "research": research, "warnings": warnings, "advice": list(advice), "decision": decision, "problem": None, "band_labels": BAND_LABELS,
        "publicity_labels": PUBLICITY,
        "can_submit": NeedAction.SUBMIT in actions,
        "can_edit": NeedAction.EDIT in actions,
        "history": history_items(history),
        "can_decide": bool(actions & {NeedAction.APPROVE, NeedAction.RETURN}),
        "error": error, "comment": comment, "comment_error": comment_error,
        "message": MESSAGES.get(request.query_params.get("message", "")),
        "notice": NOTICES.get(request.query_params.get("message", "")),
    }
