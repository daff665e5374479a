"""Sourcing pages rendered in-process (no database): the need form with its errors next to the
fields, the recommendation fragment, the CPV suggestions; and the form -> NeedDraft mapping."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import ValidationError
from starlette.datastructures import FormData

from unefois_kernel.auth.access import public
from unefois_kernel.events.values import PurchaseNature
from unefois_kernel.problems import InvalidFields, install_problem_handlers
from unefois_kernel.web import install_web, render
from unefois_sourcing import reference
from unefois_sourcing.needs_service import NeedDraft
from unefois_sourcing.rules import BuyerKind, decide
from unefois_sourcing.web_form import (
    BAND_LABELS, EMPTY, _choices, domain_errors, field_of, form_payload, money_text, validation_errors,
)

VALID = {
    "object": "Nettoyage des locaux de la mairie", "nature": "services", "main_cpv": "90910000",
    "estimated_value": "38 000,00", "duration_months": "12", "place_type": "Code commune", "place_code": "69123",
    "procedure": "Procédure adaptée", "ccag": "Fournitures courantes et services", "technique": "Sans objet",
    "execution_mode": "Sans objet",
}


def _page(template: str, context: dict) -> str:
    app = FastAPI()
    install_problem_handlers(app)
    install_web(app, stage="sourcing", package="unefois_sourcing")

    @app.get("/")
    async def page(request: Request, _principal=public()):
        return render(request, template, context)

    return TestClient(app).get("/").text


def test_money_text_reads_french_amounts():
    assert money_text("12 000,50 €") == "12000.50"
    assert money_text("38\u202f000") == "38000"


def test_valid_form_builds_the_api_draft():
    values, payload, lot_rows = form_payload(FormData({**VALID, "lot1_title": "Bâtiment A", "lot1_value": "38000"}))
    draft = NeedDraft.model_validate(payload)
    assert draft.facts.estimated_value == Decimal("38000.00")
    assert draft.facts.place_of_execution.code == "69123"
    assert [lot.title for lot in draft.facts.lots] == ["Bâtiment A"] and lot_rows == [1]
    assert [t.value for t in draft.facts.techniques] == ["Sans objet"]
    assert values["object"] == VALID["object"]


def test_pydantic_errors_land_on_the_form_fields_in_french():
    form = {**VALID, "main_cpv": "abc", "estimated_value": "-5", "object": "", "lot2_title": "Lot sans montant"}
    _values, payload, lot_rows = form_payload(FormData(form))
    with pytest.raises(ValidationError) as caught:
        NeedDraft.model_validate(payload)
    errors = validation_errors(caught.value, lot_rows)
    assert errors["object"] == "Ce champ est obligatoire."
    assert errors["main_cpv"].startswith("Code CPV attendu")
    assert errors["estimated_value"] == "Le montant ne peut pas être négatif."
    assert "lot2_value" in errors  # the second form row, the first lot of the draft


def test_reference_errors_land_on_the_form_fields():
    error = InvalidFields([
        {"field": "facts.main_cpv", "reason": "code CPV inconnu de la nomenclature 2008 : 99999999"},
        {"field": "facts.place_of_execution.code", "reason": "commune inconnue du COG 2026 : 99999"},
        {"field": "facts.lots", "reason": "la somme des estimations des lots diffère"},
    ])
    errors = domain_errors(error, [1])
    assert errors == {
        "main_cpv": "Code CPV inconnu de la nomenclature 2008 : 99999999",
        "place_code": "Commune inconnue du COG 2026 : 99999",
        "lots": "La somme des estimations des lots diffère",
    }
    assert field_of(["facts", "lots", "0", "title"], [3]) == "lot3_title"
    assert field_of(["clause_ids", 0], []) == "clauses"


def test_form_shows_each_message_next_to_its_field_with_the_dsfr_error_state():
    values = {**EMPTY, **VALID, "main_cpv": "99999999", "place_code": "99999"}
    errors = {"main_cpv": "Code CPV inconnu : 99999999", "place_code": "Commune inconnue du COG 2026 : 99999"}
    html = _page("need_form.html", {"title": "Nouveau besoin", "values": values, "errors": errors, "clauses": [],
                                    **_choices(), "main_cpv_label": None})
    assert len(re.findall(r"<h1[ >]", html)) == 1
    for field, message in errors.items():
        group = re.search(rf'<div class="fr-input-group fr-input-group--error">\s*<label class="fr-label" for="{field}">'
                          rf'.*?id="{field}-messages".*?</div>', html, re.S)
        assert group and message in group.group(0), field
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', html, re.S)
    assert 'value="Nettoyage des locaux de la mairie"' not in html  # a textarea keeps it as its text
    assert "Nettoyage des locaux de la mairie</textarea>" in html
    assert 'hx-get="/besoins/recommandation"' in html and 'hx-get="/besoins/cpv"' in html
    assert "<script>" not in html and "style=" not in html


def test_recommendation_fragment_renders_the_decision():
    decision = decide(PurchaseNature.SERVICES, BuyerKind.LOCAL, Decimal("38000.00"), date(2026, 11, 28)).to_dict()
    html = _page("fragments/recommendation.html", {"decision": decision, "problem": None, "band_labels": BAND_LABELS,
                                                    "publicity_labels": {}, "none_publicity": "none"})
    assert BAND_LABELS[decision["band"]] in html
    assert decision["recommended_procedure"].replace("'", "&#39;") in html
    assert "DECP" in html


def test_cpv_suggestions_are_buttons_picking_the_code():
    entries = reference.search_cpv("nettoyage", limit=3)
    html = _page("fragments/cpv_suggestions.html", {"entries": entries, "q": "nettoyage"})
    assert html.count('hx-target="#main_cpv-field"') == len(entries) > 0
    assert 'type="button"' in html


def test_description_and_desired_start_date_reach_the_need():
    from starlette.datastructures import FormData

    from unefois_sourcing.web_form import form_payload

    form = FormData([("object", "Cantine"), ("description", "Repas de 120 élèves"), ("desired_start_date", "2027-01-04"),
                     ("nature", "services")])
    _, payload, _ = form_payload(form)
    assert payload["facts"]["description"] == "Repas de 120 élèves"
    assert payload["facts"]["desired_start_date"] == "2027-01-04"
