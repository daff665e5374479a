"""The need form (/besoins/nouveau, /besoins/{id}/modifier) as data: the form's fields -> the
NeedDraft the JSON API takes, a stored need -> the form's values (to edit it), and every
refusal (pydantic's, the domain's) -> a French message next to its control.

The pages (web.py) go through needs.service.create / edit with the draft built here: the same
pydantic, reference-data and procedure checks as the API, each refused field shown next to
its control (HTTP 422, values kept)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from unefois_events.catalogue import PurchaseFacts
from unefois_events.values import MAX_DURATION_MONTHS, Ccag, ExecutionMode, Procedure, PurchaseNature, PurchaseTechnique
from unefois_kernel.domain_errors import DomainError, InvalidFields
from unefois_kernel.validation_messages import french_message
from unefois_rules import exemptions
from unefois_sourcing.needs.domain import NATURE_CCAGS
from unefois_sourcing.needs.views import NATURE_LABELS, PLACE_TYPE_LABELS, money_input

LOT_ROWS = 3
CHECKBOXES = {"innovative", "specific_services", *(f"lot{n}_small" for n in range(1, LOT_ROWS + 1))}
FIELDS = {
    "object", "description", "desired_start_date", "planned_launch_date", "nature", "works_operation",
    "purchase_family", "main_cpv", "additional_cpvs", "estimated_value", "candidate_payments", "buyer_supplied_value",
    "duration_months", "place_code", "place_type", "lots", "procedure", "exemption_article", "exemption_reason",
    "specific_services", "ccag", "technique", "execution_mode", "clauses", "innovative",
    *(f"lot{n}_{part}" for n in range(1, LOT_ROWS + 1) for part in ("title", "value", "small")),
}

# What the error summary calls each field (forms.error_summary links each one to its control:
# these keys are the controls' ids, or the fieldset's for the lots and the clauses).
FIELD_LABELS = {
    "object": "Objet du besoin", "description": "Description", "nature": "Nature",
    "desired_start_date": "Date de début souhaitée", "planned_launch_date": "Date de lancement prévue",
    "works_operation": "Opération de travaux", "purchase_family": "Famille d’achat",
    "main_cpv": "Code CPV principal", "additional_cpvs": "Codes CPV complémentaires", "estimated_value": "Valeur estimée",
    "candidate_payments": "Primes aux candidats", "buyer_supplied_value": "Fournitures mises à disposition",
    "duration_months": "Durée", "place_type": "Type de lieu d’exécution", "place_code": "Code du lieu d’exécution",
    "lots": "Lots",
    **{f"lot{n}_{part}": f"{label} du lot {n}" for n in range(1, LOT_ROWS + 1)
       for part, label in (("title", "Intitulé"), ("value", "Estimation"), ("small", "Petit lot"))},
    "procedure": "Procédure de passation", "exemption_article": "Cas de dispense",
    "exemption_reason": "Justification de la dispense", "specific_services": "Services sociaux et spécifiques",
    "ccag": "CCAG", "technique": "Technique d’achat",
    "execution_mode": "Modalité d’exécution", "innovative": "Achat innovant", "clauses": "Clauses",
}


def in_form_order(errors: dict[str, str]) -> dict[str, str]:
    """The error summary lists the fields as the form shows them (a message about the whole form first)."""
    order = {field: n for n, field in enumerate(["_form", *FIELD_LABELS])}
    return dict(sorted(errors.items(), key=lambda item: order.get(item[0], len(order))))


def money_text(raw: str) -> str:
    """'12 000,50 €' -> '12000.50' (what pydantic's Decimal reads); anything else unchanged."""
    text = re.sub(r"[\s\u00a0\u202f€]", "", raw or "").replace(",", ".")
    return text


def form_payload(form) -> tuple[dict[str, Any], dict[str, Any], list[int]]:
    """(values as typed, for re-rendering; the NeedDraft payload; the form row of each lot)."""
    text = {key: str(form.get(key, "")).strip() for key in FIELDS if key not in {"clauses", *CHECKBOXES}}
    values: dict[str, Any] = dict(text)
    values["clause_ids"] = [str(v) for v in form.getlist("clause_ids")]
    values.update({key: form.get(key) == "on" for key in CHECKBOXES})
    facts: dict[str, Any] = {}
    for key in ("object", "description", "desired_start_date", "planned_launch_date", "nature", "procedure", "ccag",
                "duration_months"):
        if text[key]:
            facts[key] = text[key]
    # The operation belongs to works, the family to supplies and services: the other is not kept.
    if text["works_operation"] and text["nature"] == PurchaseNature.WORKS.value:
        facts["works_operation"] = text["works_operation"]
    if text["purchase_family"] and text["nature"] != PurchaseNature.WORKS.value:
        facts["purchase_family"] = text["purchase_family"]
    if text["main_cpv"]:
        facts["main_cpv"] = text["main_cpv"].replace(" ", "")
    facts["additional_cpvs"] = [code for code in re.split(r"[\s,;]+", text["additional_cpvs"]) if code]
    # Buyer-supplied supplies count for works only (R2121-5): typed for another nature, the rules'
    # refusal says so next to the field rather than the form dropping it.
    for key in ("estimated_value", "candidate_payments", "buyer_supplied_value"):
        if text[key]:
            facts[key] = money_text(text[key])
    facts["place_of_execution"] = {"code": text["place_code"], "code_type": text["place_type"] or None}
    lots, lot_rows = [], []
    for n in range(1, LOT_ROWS + 1):
        title, value = text[f"lot{n}_title"], text[f"lot{n}_value"]
        if title or value:
            lots.append({"number": len(lots) + 1, "title": title, "estimated_value": money_text(value) or None,
                         "small_lot": values[f"lot{n}_small"]})
            lot_rows.append(n)
    facts["lots"] = lots
    if text["procedure"] == Procedure.NO_COMPETITION.value and (text["exemption_article"] or text["exemption_reason"]):
        facts["no_competition_exemption"] = {"article": text["exemption_article"], "reason": text["exemption_reason"]}
    facts["specific_services"] = values["specific_services"]
    facts["techniques"] = [text["technique"] or PurchaseTechnique.NONE.value]
    facts["execution_modes"] = [text["execution_mode"] or ExecutionMode.NONE.value]
    facts["innovative"] = values["innovative"]
    return values, {"facts": facts, "clause_ids": values["clause_ids"]}, lot_rows


def form_values(facts: PurchaseFacts) -> dict[str, Any]:
    """A stored need as the form shows it, to edit it (what form_payload reads back)."""
    values: dict[str, Any] = {key: "" for key in FIELDS if key not in {"clauses", *CHECKBOXES}}
    values.update({key: False for key in CHECKBOXES})
    values.update({
        "object": facts.object, "description": facts.description, "nature": facts.nature.value,
        "desired_start_date": facts.desired_start_date.isoformat() if facts.desired_start_date else "",
        "planned_launch_date": facts.planned_launch_date.isoformat() if facts.planned_launch_date else "",
        "works_operation": facts.works_operation or "", "purchase_family": facts.purchase_family or "",
        "main_cpv": facts.main_cpv, "additional_cpvs": ", ".join(facts.additional_cpvs),
        "estimated_value": money_input(facts.estimated_value),
        "candidate_payments": money_input(facts.candidate_payments),
        "buyer_supplied_value": money_input(facts.buyer_supplied_value),
        "duration_months": str(facts.duration_months),
        "place_type": facts.place_of_execution.code_type.value, "place_code": facts.place_of_execution.code,
        "procedure": facts.procedure.value, "ccag": facts.ccag.value,
        "specific_services": facts.specific_services, "innovative": facts.innovative,
        "technique": facts.techniques[0].value if facts.techniques else PurchaseTechnique.NONE.value,
        "execution_mode": facts.execution_modes[0].value if facts.execution_modes else ExecutionMode.NONE.value,
        "clause_ids": [str(clause.clause_id) for clause in facts.clauses],
    })
    if facts.no_competition_exemption is not None:
        values["exemption_article"] = facts.no_competition_exemption.article
        values["exemption_reason"] = facts.no_competition_exemption.reason
    for n, lot in enumerate(facts.lots[:LOT_ROWS], start=1):
        values.update({f"lot{n}_title": lot.title, f"lot{n}_value": money_input(lot.estimated_value),
                       f"lot{n}_small": lot.small_lot})
    return values


def field_of(loc: tuple | list, lot_rows: list[int]) -> str:
    """A pydantic location or an API field path ('facts.place_of_execution.code') -> form field."""
    parts = [int(p) if isinstance(p, str) and p.isdigit() else p for p in loc]
    if parts and parts[0] == "clause_ids":
        return "clauses"
    if parts and parts[0] == "facts":
        parts = parts[1:]
    if not parts:
        return "_form"
    head = parts[0]
    if head == "place_of_execution":
        return "place_type" if len(parts) > 1 and parts[1] == "code_type" else "place_code"
    if head == "lots":
        if len(parts) > 2 and isinstance(parts[1], int) and parts[1] < len(lot_rows):
            part = {"title": "title", "small_lot": "small"}.get(parts[2], "value")
            return f"lot{lot_rows[parts[1]]}_{part}"
        if len(parts) > 1 and isinstance(parts[1], int) and parts[1] < len(lot_rows):
            return f"lot{lot_rows[parts[1]]}_small"  # a refusal about the lot itself (the small-lots rule)
        return "lots"
    if head == "no_competition_exemption":
        return "exemption_reason" if len(parts) > 1 and parts[1] == "reason" else "exemption_article"
    if head == "techniques":
        return "technique"
    if head == "execution_modes":
        return "execution_mode"
    if head in {"additional_cpvs", "main_cpv"}:
        return head
    return head if head in FIELDS else "_form"


def french(error: dict, field: str) -> str:
    """pydantic's error -> a French sentence for the person filling the form."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return "Ce champ est obligatoire."
    if kind in {"enum", "literal_error"} or (kind == "none_required"):
        return "Choisissez une valeur dans la liste."
    if kind == "string_pattern_mismatch" and field in {"main_cpv", "additional_cpvs"}:
        return "Code CPV attendu : 8 chiffres, avec ou sans clé de contrôle (par exemple 45000000-7)."
    if kind in {"decimal_parsing", "decimal_type", "float_parsing"}:
        return "Montant attendu en euros, par exemple 12 000,50."
    if kind == "greater_than_equal":
        return "Le montant ne peut pas être négatif." if "value" in field else f"Valeur minimale : {ctx.get('ge')}."
    if kind == "decimal_max_places":
        return "Deux décimales au plus (les centimes)."
    if kind in {"decimal_max_digits", "decimal_whole_digits"}:
        return "Montant trop élevé."
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return "Nombre entier attendu (en mois)."
    if kind in {"less_than_equal", "int_parsing_size"} and field == "duration_months":
        return f"Durée de {MAX_DURATION_MONTHS} mois au plus ({MAX_DURATION_MONTHS // 12} ans)."
    if kind == "too_long" and field == "additional_cpvs":
        return f"{ctx.get('max_length')} codes CPV complémentaires au plus."
    if kind == "string_too_long":
        return f"Texte trop long : {ctx.get('max_length')} caractères au plus."
    if kind == "uuid_parsing":
        return "Clause inconnue de la bibliothèque."
    if kind == "too_short":
        return "Choisissez au moins une valeur."
    # Any other type: the kernel's French wording (never pydantic's English text).
    return french_message(error) + "."


def _add(errors: dict[str, str], field: str, message: str) -> None:
    message = message[:1].upper() + message[1:]
    errors[field] = f"{errors[field]} {message}" if field in errors else message


def validation_errors(error: ValidationError, lot_rows: list[int]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for item in error.errors():
        field = field_of(item["loc"], lot_rows)
        _add(errors, field, french(item, field))
    return errors


def domain_errors(error: DomainError, lot_rows: list[int]) -> dict[str, str]:
    errors: dict[str, str] = {}
    items = error.errors if isinstance(error, InvalidFields) else [{"field": error.field or "", "reason": error.detail}]
    for item in items:
        _add(errors, field_of(str(item["field"]).split(".") if item["field"] else [], lot_rows), item["reason"])
    return errors


def exemption_options() -> list[tuple[str, str]]:
    """The no-competition cases the rules package checked (article, its French title), in the
    code's order; the others (unverified) are not offered: the platform does not advise them."""
    return [(entry.article, f"{entry.article} — {entry.label}")
            for entry in sorted(exemptions.EXEMPTIONS.values(), key=lambda e: int(e.article.split("-")[1]))]


def ccag_options(nature: str | None) -> list[tuple[str, str]]:
    """The CCAGs offered for `nature` (every one while no nature is chosen)."""
    try:
        offered = NATURE_CCAGS[PurchaseNature(nature)]
    except ValueError:
        offered = tuple(Ccag)
    return [(c.value, c.value) for c in offered]


def choices(nature: str | None = None) -> dict[str, Any]:
    return {
        "natures": list(NATURE_LABELS.items()),
        "procedures": [(p.value, p.value) for p in Procedure],
        "ccags": ccag_options(nature),
        "techniques": [(t.value, t.value) for t in PurchaseTechnique],
        "execution_modes": [(m.value, m.value) for m in ExecutionMode],
        "place_types": list(PLACE_TYPE_LABELS.items()),
        "lot_rows": range(1, LOT_ROWS + 1),
        "no_competition": Procedure.NO_COMPETITION.value,
        "exemptions": exemption_options(),
        "works": PurchaseNature.WORKS.value,
    }


# A new need: nature, procedure and CCAG start on their empty placeholder (required, no default).
# They must be "" here: left undefined, the placeholder was not selected and the browser showed
# (and sent) the first option, "Travaux", as if the buyer had chosen it.
EMPTY = {"nature": "", "procedure": "", "ccag": "", "technique": PurchaseTechnique.NONE.value, "execution_mode": ExecutionMode.NONE.value, "place_type": "Code commune",
         "clause_ids": [], "innovative": False, "specific_services": False,
         **{f"lot{n}_small": False for n in range(1, LOT_ROWS + 1)}}
