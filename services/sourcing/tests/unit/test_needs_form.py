"""The need form as data (issue 10): nature, procedure and CCAG have no default; the new facts
(planned launch date, operation or family, payments to candidates, buyer-supplied supplies,
specific services, the no-competition case and its reason, small lots) go from the form to the
API's draft and back; a stored need prefills the edit form; each refusal lands on its control."""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from starlette.datastructures import FormData

from unefois_kernel.auth.access import public
from unefois_kernel.domain_errors import InvalidFields
from unefois_kernel.problems import install_problem_handlers
from unefois_kernel.testing import purchase
from unefois_kernel.web import install_web, render
from unefois_sourcing.needs.form import (
    EMPTY, FIELD_LABELS, ccag_options, choices, domain_errors, exemption_options, field_of, form_payload, form_values,
)
from unefois_sourcing.needs.views import NeedDraft, fact_text, money_input

VALID = {
    "object": "Nettoyage des locaux de la mairie", "nature": "services", "main_cpv": "90910000",
    "estimated_value": "38 000,00", "duration_months": "12", "place_type": "Code commune", "place_code": "69123",
    "procedure": "Procédure adaptée", "ccag": "Fournitures courantes et services", "technique": "Sans objet",
    "execution_mode": "Sans objet",
}


def _html(values: dict, errors: dict | None = None, *, editing: bool = False) -> str:
    app = FastAPI()
    install_problem_handlers(app)
    install_web(app, stage="sourcing", package="unefois_sourcing")

    @app.get("/")
    async def page(request: Request, _principal=public()):
        request.state.principal = None
        return render(request, "needs/form.html", {
            "title": "Modifier le besoin" if editing else "Nouveau besoin", "values": values, "errors": errors or {},
            "labels": FIELD_LABELS, "clauses": [], **choices(values.get("nature")), "main_cpv_label": None,
            "form_action": "/besoins/x/modifier" if editing else "/besoins/nouveau", "cancel_url": "/besoins",
            "editing": editing, "breadcrumbs": [("Liste des besoins", "/besoins")]})

    return TestClient(app).get("/").text


def test_nature_procedure_and_ccag_start_empty_and_are_required():
    html = _html(dict(EMPTY))
    for field, placeholder in (("nature", "Choisir la nature"), ("procedure", "Choisir la procédure"),
                               ("ccag", "Choisir le CCAG")):
        select = re.search(rf'<select[^>]*id="{field}"[^>]*>(.*?)</select>', html, re.S)
        assert select and 'required aria-required="true"' in select.group(0), field
        options = re.findall(r"<option[^>]*>", select.group(1))
        assert options[0] == '<option value="" disabled selected>' and placeholder in select.group(1), field
        assert all("selected" not in option for option in options[1:]), field
    # Left empty, each is a message next to its field (pydantic's "missing").
    _values, payload, lot_rows = form_payload(FormData({**VALID, "nature": "", "procedure": "", "ccag": ""}))
    try:
        NeedDraft.model_validate(payload)
    except Exception as error:  # noqa: BLE001 - the ValidationError the page turns into messages
        from unefois_sourcing.needs.form import validation_errors
        errors = validation_errors(error, lot_rows)
    assert {errors[f] for f in ("nature", "procedure", "ccag")} == {"Ce champ est obligatoire."}


def test_the_ccag_options_follow_the_nature():
    assert [value for value, _ in ccag_options("works")] == ["Travaux", "Maitrise d'œuvre", "Pas de CCAG"]
    assert "Travaux" not in {value for value, _ in ccag_options("supplies")}
    assert "Prestations intellectuelles" in {value for value, _ in ccag_options("services")}
    assert len(ccag_options("")) == 7  # no nature yet: every CCAG
    html = _html({**EMPTY, **VALID, "nature": "works", "ccag": "Travaux"})
    ccag = re.search(r'<select[^>]*id="ccag".*?</select>', html, re.S).group(0)
    assert "Fournitures courantes" not in ccag and '<option value="Travaux" selected>' in ccag
    assert re.search(r'id="nature"[^>]*hx-get="/besoins/ccag"', html, re.S)


def test_the_cpv_search_sends_the_nature():
    html = _html(dict(EMPTY))
    assert re.search(r'id="cpv-recherche"[^>]*hx-include="#cpv-recherche, #nature"', html, re.S)


def test_the_planned_launch_date_cites_r2121_3():
    html = _html(dict(EMPTY))
    assert 'id="planned_launch_date"' in html and "art. R2121-3" in html


def test_the_new_facts_go_to_the_draft():
    form = {**VALID, "planned_launch_date": "2026-12-01", "purchase_family": "Propreté des bâtiments",
            "works_operation": "ignored for services", "candidate_payments": "1 500", "buyer_supplied_value": "9 000",
            "specific_services": "on", "lot1_title": "Mairie", "lot1_value": "30 000", "lot2_title": "Annexe",
            "lot2_value": "8 000", "lot2_small": "on"}
    values, payload, lot_rows = form_payload(FormData(form))
    facts = NeedDraft.model_validate(payload).facts
    assert (facts.planned_launch_date, facts.purchase_family, facts.works_operation) == (
        date(2026, 12, 1), "Propreté des bâtiments", None)
    # Buyer-supplied supplies count for works only (R2121-5): sent, for the rules to refuse them
    # next to their field (test_needs_domain), never dropped silently.
    assert (facts.candidate_payments, facts.buyer_supplied_value, facts.specific_services) == (
        Decimal("1500"), Decimal("9000"), True)
    assert [lot.small_lot for lot in facts.lots] == [False, True] and lot_rows == [1, 2]
    assert facts.no_competition_exemption is None and values["lot2_small"] is True


def test_the_exemption_travels_only_with_its_procedure():
    no_competition = "Marché passé sans publicité ni mise en concurrence préalable"
    form = {**VALID, "procedure": no_competition, "exemption_article": "R2122-1", "exemption_reason": "Inondation"}
    facts = NeedDraft.model_validate(form_payload(FormData(form))[1]).facts
    assert (facts.no_competition_exemption.article, facts.no_competition_exemption.reason) == ("R2122-1", "Inondation")
    other = NeedDraft.model_validate(form_payload(FormData({**form, "procedure": "Procédure adaptée"}))[1]).facts
    assert other.no_competition_exemption is None
    html = _html({**EMPTY, **form})
    assert 'id="exemption_article"' in html and 'id="exemption_reason"' in html
    assert 'id="exemption_article"' not in _html({**EMPTY, **VALID})
    assert re.search(r'id="procedure"[^>]*hx-get="/besoins/dispense"', html, re.S)


def test_the_exemption_select_offers_the_checked_cases_only():
    from unefois_rules import exemptions
    articles = [article for article, _ in exemption_options()]
    assert articles[0] == "R2122-1" and "R2122-8" in articles
    assert set(articles) == set(exemptions.EXEMPTIONS) and not set(articles) & set(exemptions.UNVERIFIED)
    assert articles == sorted(articles, key=lambda a: int(a.split("-")[1]))


def test_refusals_of_the_new_fields_land_on_their_controls():
    errors = domain_errors(InvalidFields([
        {"field": "facts.no_competition_exemption.reason", "reason": "indiquer le motif"},
        {"field": "facts.no_competition_exemption", "reason": "indiquer l'article"},
        {"field": "facts.lots.1.small_lot", "reason": "pas un petit lot"},
        {"field": "facts.planned_launch_date", "reason": "la date de lancement prévue est passée"},
        {"field": "facts.additional_cpvs.2", "reason": "code complémentaire n° 3 : clé de contrôle incorrecte"},
    ]), [1, 3])
    assert errors == {"exemption_reason": "Indiquer le motif", "exemption_article": "Indiquer l'article",
                      "lot3_small": "Pas un petit lot", "planned_launch_date": "La date de lancement prévue est passée",
                      "additional_cpvs": "Code complémentaire n° 3 : clé de contrôle incorrecte"}
    assert field_of(["facts", "lots", 0], [2]) == "lot2_small"


def test_a_stored_need_prefills_the_edit_form_and_reads_back_the_same():
    clause = uuid.uuid4()
    facts = purchase(nature="works", main_cpv="45233140", estimated_value=Decimal("120000.50"),
                     additional_cpvs=["45000000-7", "45100000-8"], planned_launch_date=date(2026, 12, 1),
                     works_operation="Voirie 2027", buyer_supplied_value=Decimal("5000.00"),
                     lots=[{"number": 1, "title": "Chaussée", "estimated_value": "100000.50"},
                           {"number": 2, "title": "Signalisation", "estimated_value": "20000.00", "small_lot": True}],
                     clauses=[{"clause_id": str(clause), "kind": "social", "title": "Insertion", "body": "5 %"}])
    values = form_values(facts)
    assert (values["estimated_value"], values["lot2_small"], values["clause_ids"]) == ("120 000,50", True, [str(clause)])
    assert values["additional_cpvs"] == "45000000-7, 45100000-8" and values["nature"] == "works"
    form = FormData([*((k, v) for k, v in values.items() if not isinstance(v, (bool, list)) and v != ""),
                     *((k, "on") for k, v in values.items() if v is True),
                     *(("clause_ids", c) for c in values["clause_ids"])])
    again = NeedDraft.model_validate(form_payload(form)[1]).facts
    for name in ("object", "nature", "main_cpv", "additional_cpvs", "estimated_value", "duration_months", "lots",
                 "procedure", "ccag", "planned_launch_date", "works_operation", "buyer_supplied_value"):
        assert getattr(again, name) == getattr(facts, name), name
    html = _html({**EMPTY, **values}, editing=True)
    assert 'action="/besoins/x/modifier"' in html and "Enregistrer les modifications" in html
    assert 'value="120 000,50"' in html and "<script>" not in html and "style=" not in html


def test_the_history_says_each_value_as_a_person_reads_it():
    assert money_input(Decimal("38000")) == "38 000,00" and money_input(None) == ""
    assert fact_text("estimated_value", "39500.00") == "39\u202f500,00\u00a0€"
    assert fact_text("planned_launch_date", "2026-12-01") == "01/12/2026"
    assert fact_text("nature", "works") == "Travaux" and fact_text("innovative", True) == "Oui"
    assert fact_text("description", "") == "—"
    assert fact_text("place_of_execution", {"code": "69123", "code_type": "Code commune"}) == "Commune (code INSEE) 69123"
