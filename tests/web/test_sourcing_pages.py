"""Sourcing pages rendered in-process (no database): the need form with its error summary and
its errors next to the fields, the need page, the needs list's sorting and pagination, the
supplier directory, the recommendation fragment, the CPV suggestions; and the form -> NeedDraft
mapping."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fastapi import FastAPI, Request
from starlette.requests import Request as StarletteRequest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from starlette.datastructures import FormData

from unefois_kernel.auth.access import public
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_events.catalogue import Organisation, PurchaseFacts
from unefois_events.values import PurchaseNature
from unefois_kernel.problems import InvalidFields, install_problem_handlers
from unefois_kernel.web import install_web, render
from unefois_kernel.web.listing import Page, Sort
from unefois_rules import BuyerKind, decide
from unefois_sourcing import reference
from unefois_sourcing.needs.domain import Need, NeedOrder, NeedStatus
from unefois_sourcing.needs.form import (
    EMPTY, FIELD_LABELS, choices, domain_errors, field_of, form_payload, in_form_order, money_text, validation_errors,
)
from unefois_sourcing.needs.repository import ORDER_BY, needs_queries
from unefois_sourcing.needs.views import (
    BAND_LABELS, DEFAULT_SORT, LIST_COLUMNS, SORT_KEYS, NeedDraft, need_context, status_badge,
)
from unefois_sourcing.needs.web import LIST_PAGE_SIZE
from unefois_sourcing.research.domain import Quote, Research
from unefois_sourcing.suppliers.web import COLUMNS as SUPPLIER_COLUMNS

VALID = {
    "object": "Nettoyage des locaux de la mairie", "nature": "services", "main_cpv": "90910000",
    "estimated_value": "38 000,00", "duration_months": "12", "place_type": "Code commune", "place_code": "69123",
    "procedure": "Procédure adaptée", "ccag": "Fournitures courantes et services", "technique": "Sans objet",
    "execution_mode": "Sans objet",
}


BUYER = Principal(subject="u-1", name="Camille Achat", roles=frozenset({Role.BUYER}), org_siret="21000003000010",
                  org_name="Commune de Démoville", org_kind=OrgKind.BUYER)
APPROVER = Principal(subject="u-2", name="Dominique Valide", roles=frozenset({Role.BUYER_APPROVER}),
                     org_siret="21000003000010", org_name="Commune de Démoville", org_kind=OrgKind.BUYER)


def _page(template: str, context, url: str = "/", principal: Principal | None = None) -> str:
    """The template rendered by a route at `url`; `context` may be a function of the request
    (for what is built from it: Sort, Page, the need page's message)."""
    app = FastAPI()
    install_problem_handlers(app)
    install_web(app, stage="sourcing", package="unefois_sourcing").urls["tendering"] = "http://consultations.test"
    path = url.split("?")[0]

    @app.get(path)
    async def page(request: Request, _principal=public()):
        request.state.principal = principal
        return render(request, template, context(request) if callable(context) else context)

    return TestClient(app).get(url).text


def _request(query: str = "", path: str = "/besoins") -> StarletteRequest:
    return StarletteRequest({"type": "http", "method": "GET", "path": path, "query_string": query.encode(), "headers": []})


def _ids(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


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


def _form_html(values: dict, errors: dict) -> str:
    return _page("needs/form.html", {"title": "Nouveau besoin", "values": values, "errors": errors, "labels": FIELD_LABELS,
                                     "clauses": [], **choices(), "main_cpv_label": None,
                                    "breadcrumbs": [("Liste des besoins", "/besoins"), ("Nouveau besoin", None)]})


def test_form_shows_each_message_next_to_its_field_in_the_error_state():
    values = {**EMPTY, **VALID, "main_cpv": "99999999", "place_code": "99999"}
    errors = {"main_cpv": "Code CPV inconnu : 99999999", "place_code": "Commune inconnue du COG 2026 : 99999"}
    html = _form_html(values, errors)
    assert len(re.findall(r"<h1[ >]", html)) == 1
    for field, message in errors.items():
        group = re.search(rf'<div class="unefois-field unefois-field--error[^"]*">\s*<label class="form-label" for="{field}">'
                          rf'.*?id="{field}-messages".*?</div>', html, re.S)
        assert group and message in group.group(0), field
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', html, re.S)
        assert re.search(rf'class="form-control is-invalid"[^>]*id="{field}"', html, re.S)
    # The summary at the top names both fields, each a link to its control.
    summary = re.search(r'<div class="alert alert-danger unefois-error-summary".*?</div>', html, re.S).group(0)
    assert "Le besoin n’est pas enregistré\u00a0: 2 erreurs à corriger" in summary
    assert '<a href="#main_cpv">Code CPV principal</a>' in summary and '<a href="#place_code">' in summary
    assert html.index("unefois-error-summary") < html.index('id="formulaire-besoin"')
    assert 'value="Nettoyage des locaux de la mairie"' not in html  # a textarea keeps it as its text
    assert "Nettoyage des locaux de la mairie</textarea>" in html
    assert 'hx-get="/besoins/recommandation"' in html and 'hx-get="/besoins/cpv"' in html
    assert "<script>" not in html and "style=" not in html
    assert "fr-" not in re.sub(r"<(head|footer).*?</\1>", "", html, flags=re.S).replace("fr-FR", "")


def test_every_error_summary_link_reaches_its_control():
    errors = {field: f"Message pour {field}" for field in FIELD_LABELS} | {"_form": "Le besoin est refusé."}
    html = _form_html({**EMPTY, **VALID}, errors)
    ids = _ids(html)
    targets = re.findall(r'<li><a href="#([^"]+)">', html)
    assert set(targets) == set(FIELD_LABELS), "one link per field"
    assert not set(targets) - ids, f"links to nothing: {set(targets) - ids}"
    assert "<li>Le besoin est refusé.</li>" in html  # a message about the whole form has no link
    for field in FIELD_LABELS:
        assert re.search(rf'id="{field}-messages"[^>]*>\s*<p class="invalid-feedback[^"]*"[^>]*>Message pour {field}</p>', html), field


def test_the_error_summary_follows_the_form_order():
    errors = {"lot1_value": "a", "place_code": "b", "clauses": "c", "object": "d", "_form": "e", "lots": "f"}
    assert list(in_form_order(errors)) == ["_form", "object", "place_code", "lots", "lot1_value", "clauses"]


def test_lots_and_clauses_keep_a_message_for_the_whole_group():
    html = _form_html({**EMPTY, **VALID}, {"lots": "La somme des lots diffère de la valeur estimée.",
                                            "clauses": "Clause inconnue de la bibliothèque."})
    for group, message in (("lots", "La somme des lots"), ("clauses", "Clause inconnue")):
        fieldset = re.search(rf'<fieldset class="unefois-fieldset unefois-fieldset--error" id="{group}"'
                             rf' aria-describedby="{group}-messages">.*?</fieldset>', html, re.S)
        assert fieldset, group
        assert re.search(rf'id="{group}-messages"[^>]*>\s*<p[^>]*>{message}', fieldset.group(0)), group


def test_required_fields_are_marked_and_the_form_has_its_breadcrumbs():
    html = _form_html(dict(EMPTY), {})
    for field in ("object", "nature", "main_cpv", "estimated_value", "duration_months", "place_type", "place_code",
                  "procedure", "ccag"):
        assert re.search(rf'<label class="form-label" for="{field}">[^<]*<span class="unefois-required">\(obligatoire\)',
                         html), field
        assert re.search(rf'id="{field}"[^>]*required aria-required="true"', html, re.S), field
    assert not re.search(r'for="description">[^<]*<span class="unefois-required">', html)
    assert "unefois-error-summary" not in html
    crumbs = re.search(r'<nav aria-label="Fil d’Ariane".*?</nav>', html, re.S).group(0)
    assert '<a href="/besoins">Liste des besoins</a>' in crumbs and 'aria-current="page">Nouveau besoin' in crumbs


def test_recommendation_fragment_renders_the_decision():
    decision = decide(PurchaseNature.SERVICES, BuyerKind.LOCAL, Decimal("38000.00"), date(2026, 11, 28)).to_dict()
    html = _page("needs/fragments/recommendation.html", {"decision": decision, "problem": None, "band_labels": BAND_LABELS,
                                                          "publicity_labels": {}, "none_publicity": "none"})
    assert BAND_LABELS[decision["band"]] in html
    assert decision["recommended_procedure"].replace("'", "&#39;") in html
    assert "DECP" in html


def test_cpv_suggestions_are_buttons_picking_the_code():
    entries = reference.search_cpv("nettoyage", limit=3)
    html = _page("needs/fragments/cpv_suggestions.html", {"entries": entries, "q": "nettoyage"})
    assert html.count('hx-target="#main_cpv-field"') == len(entries) > 0
    assert 'type="button"' in html


def test_description_and_desired_start_date_reach_the_need():
    form = FormData([("object", "Cantine"), ("description", "Repas de 120 élèves"), ("desired_start_date", "2027-01-04"),
                     ("nature", "services")])
    _, payload, _ = form_payload(form)
    assert payload["facts"]["description"] == "Repas de 120 élèves"
    assert payload["facts"]["desired_start_date"] == "2027-01-04"


# ---------------------------------------------------------------- the needs list: sort, pages


def _queries(sort: Sort) -> tuple[str, str]:
    """What the needs list page asks the repository for, given the order read from the URL."""
    return needs_queries(NeedOrder(sort.key), sort.ascending)


def test_needs_list_orders_only_by_the_mapping_never_by_the_request_text():
    assert set(SORT_KEYS) == {order.value for order in NeedOrder} == {key for _, key in
                                                                        (c for c in LIST_COLUMNS if isinstance(c, tuple))}
    for order, column in ORDER_BY.items():
        for raw, direction in ((order.value, "ASC"), (f"-{order.value}", "DESC")):
            _count, rows = _queries(Sort.from_request(_request(f"tri={raw}"), SORT_KEYS, default=DEFAULT_SORT))
            assert f"ORDER BY {column} {direction} NULLS LAST, created_at DESC, id LIMIT $5 OFFSET $6" in rows
    assert ORDER_BY[NeedOrder.STATUS] == ("CASE status WHEN 'draft' THEN 0 WHEN 'submitted' THEN 1 "
                                          "WHEN 'approved' THEN 2 ELSE 3 END")
    for hostile in ("created_at;DROP TABLE needs", "-facts", "id", "--date", "date desc", ""):
        sort = Sort.from_request(_request(f"tri={hostile}"), SORT_KEYS, default=DEFAULT_SORT)
        _count, rows = _queries(sort)
        assert (sort.key, sort.ascending) == ("date", False), hostile
        assert "ORDER BY created_at DESC NULLS LAST" in rows and "DROP" not in rows
    count, rows = _queries(Sort.from_request(_request(), SORT_KEYS, default=DEFAULT_SORT))
    assert "ORDER BY" not in count and count.count("$") == rows.count("$") - 2  # same filters, then limit/offset


def _list_context(request, total: int, filtered: bool = False) -> dict:
    sort = Sort.from_request(request, SORT_KEYS, default=DEFAULT_SORT)
    page = Page.from_request(request, total=total, size=LIST_PAGE_SIZE)
    shown = range(page.offset, min(page.offset + page.size, total))
    rows = [[{"text": f"Besoin {n:02d}", "url": f"/besoins/{uuid.UUID(int=n)}"}, "90910000", f"{n} 000,00 €",
             status_badge(("draft", "submitted", "approved")[n % 3]), "01/12/2026"] for n in shown]
    return {"title": "Liste des besoins", "breadcrumbs": [("Liste des besoins", None)], "columns": LIST_COLUMNS,
            "rows": rows, "filtered": filtered, "sort": sort, "page": page,
            "filters": {"statut": request.query_params.get("statut", ""), "q": request.query_params.get("q", ""),
                        "division": ""},
            "status_options": [("draft", "Brouillon"), ("submitted", "Soumis"), ("approved", "Approuvé")],
            "divisions": [("90", "90 — Services d’évacuation")]}


def test_needs_list_sortable_headers_and_pages_keep_the_filters():
    html = _page("needs/list.html", lambda request: _list_context(request, 30, filtered=True),
                 url="/besoins?q=nettoyage&statut=draft&tri=valeur&page=2", principal=BUYER)
    assert len(re.findall(r"<tr>\s*<td>", html)) == 5  # 30 needs, 25 a page: page 2 holds 5
    assert "Besoins de Commune de Démoville (filtrés) : 30" in html
    # The active column says its order; its link reverses it, the others sort ascending; all keep the filters, page 1.
    active = re.search(r'<th scope="col" aria-sort="ascending"[^>]*>\s*<a class="unefois-sort unefois-sort--active" href="([^"]+)">'
                       r'Valeur estimée', html)
    assert active and active.group(1) == "/besoins?q=nettoyage&amp;statut=draft&amp;tri=-valeur"
    assert 'href="/besoins?q=nettoyage&amp;statut=draft&amp;tri=objet">Objet' in html
    assert 'href="/besoins?q=nettoyage&amp;statut=draft&amp;tri=date">Créé le' in html
    assert "CPV principal</th>" in html  # not sortable
    # Pagination: page 2 of 2, previous link keeps filters and order.
    assert "Page 2 sur 2 — 30 résultats" in html
    assert 'href="/besoins?q=nettoyage&amp;statut=draft&amp;tri=valeur&amp;page=1" rel="prev"' in html
    assert 'aria-current="page">2</a>' in html
    # Filtering again keeps the order (a hidden field), and the statuses are badges.
    assert '<input type="hidden" name="tri" value="valeur">' in html
    assert '<span class="badge unefois-badge unefois-badge--neutral">Brouillon</span>' in html
    assert '<span class="badge unefois-badge unefois-badge--info">Soumis</span>' in html
    assert '<span class="badge unefois-badge unefois-badge--success">Approuvé</span>' in html


def test_needs_list_one_page_and_empty_states():
    html = _page("needs/list.html", lambda request: _list_context(request, 3), url="/besoins", principal=BUYER)
    assert 'aria-label="Pages de la liste des besoins"' not in html  # one page: no pagination
    assert 'name="tri"' not in html  # the default order is not carried
    assert re.search(r'<th scope="col" aria-sort="descending"[^>]*>\s*<a[^>]*href="/besoins\?tri=date">Créé le', html)
    empty = _page("needs/list.html", lambda request: _list_context(request, 0), url="/besoins", principal=BUYER)
    assert 'id="besoins"' not in empty and "aucun besoin" in empty
    assert '<a class="btn btn-primary" href="/besoins/nouveau">Créer un besoin</a>' in empty
    filtered = _page("needs/list.html", lambda request: _list_context(request, 0, filtered=True), url="/besoins?q=x",
                     principal=BUYER)
    assert "Aucun besoin ne correspond à ces filtres." in filtered and "Effacer les filtres" in filtered


# ---------------------------------------------------------------- the need page


def _need(status: str, **stamps) -> Need:
    from unefois_deploy.demo import need_facts

    need_id = uuid.uuid4()
    facts = PurchaseFacts.model_validate({
        **need_facts(object_="Tonte des stades municipaux", cpv="77310000", value="30000.00", commune="01004",
                     nature="services"),
        "need_id": str(need_id), "buyer": {"siret": BUYER.org_siret, "name": BUYER.org_name},
        "description": "Six stades, de mars à octobre.",
        "lots": [{"number": 1, "title": "Stades du nord", "estimated_value": "18000.00"},
                 {"number": 2, "title": "Stades du sud", "estimated_value": "12000.00"}],
    })
    return Need(id=need_id, tenant=BUYER.org_siret, status=NeedStatus(status), facts=facts,
                created_at=datetime(2026, 11, 28, 9, 30, tzinfo=UTC), **stamps)


def _need_html(status: str, principal: Principal, query: str = "", **stamps) -> str:
    need = _need(status, **stamps)
    research = Research(need.id, notes="Trois entreprises consultées.", quotes=(
        Quote(id=uuid.uuid4(), supplier=Organisation(siret="12345678200010", name="Espaces Verts SCOP"),
              amount=Decimal("28000.00"), received_on=date(2026, 11, 20), chosen=True, choice_reason="Mieux-disant"),
    ))
    decision = decide(need.facts.nature, BuyerKind.LOCAL, need.facts.estimated_value, date(2026, 11, 28)).to_dict()
    return _page("needs/need.html", lambda request: need_context(request, principal, need, research, [], decision),
                 url=f"/besoins/{need.id}{query}", principal=principal)


def test_need_page_shows_its_steps_facts_and_breadcrumbs():
    html = _need_html("submitted", APPROVER, submitted_at=datetime(2026, 11, 29, tzinfo=UTC))
    assert len(re.findall(r"<h1[ >]", html)) == 1 and "<h1>Tonte des stades municipaux</h1>" in html
    crumbs = re.search(r'<nav aria-label="Fil d’Ariane".*?</nav>', html, re.S).group(0)
    assert '<a href="/besoins">Liste des besoins</a>' in crumbs and 'aria-current="page">Tonte des stades municipaux' in crumbs
    assert '<span class="badge unefois-badge unefois-badge--info">Soumis</span>' in html
    steps = re.search(r'<ol class="unefois-steps__list".*?</ol>', html, re.S).group(0)
    assert [s.strip() for s in re.findall(r"</span>([^<]+)\s*</li>", steps)] == ["Brouillon", "Soumis", "Approuvé", "En consultation"]
    assert re.search(r'unefois-steps__item--current" aria-current="step">\s*<span class="visually-hidden">En cours : </span>Soumis', steps)
    facts = re.search(r'<dl class="row unefois-summary" id="faits-du-besoin">.*?</dl>', html, re.S).group(0)
    for label, value in (("Valeur estimée (HT)", "30\u202f000,00\u00a0€"), ("Durée", "12 mois"), ("Soumis le", "29/11/2026"),
                         ("CPV principal", "77310000 — ")):
        assert re.search(rf"<dt[^>]*>{re.escape(label)}</dt>\s*<dd[^>]*>{re.escape(value)}", facts), label
    assert 'id="lots"' in html and "Stades du nord" in html and 'id="devis"' in html and "Mieux-disant" in html
    assert "Règles de passation" in html and "Procédure recommandée" in html
    # The approver decides: approve, or return with a required comment; nothing of it is printed.
    assert re.search(r'<section class="unefois-card d-print-none"[^>]*>.*?Approuver.*?Renvoyer avec un commentaire', html, re.S)
    assert re.search(r'id="comment"[^>]*required aria-required="true"', html, re.S)
    assert ">Soumettre</button>" not in html
    assert "<script>" not in html and "style=" not in html


def test_need_page_for_each_status():
    draft = _need_html("draft", BUYER, "?message=cree", return_comment="Préciser le nombre de stades.")
    assert '<div class="alert unefois-alert alert-success" role="status">' in draft and "enregistré en brouillon" in draft
    assert "Renvoyé par l’approbateur" in draft and "Préciser le nombre de stades." in draft
    assert ">Soumettre</button>" in draft and "Approuver" not in draft
    assert re.search(r'aria-current="step">\s*<span class="visually-hidden">En cours : </span>Brouillon', draft)
    approved = _need_html("approved", APPROVER, approved_at=datetime(2026, 12, 1, tzinfo=UTC), approved_by="Dominique Valide")
    assert '<span class="badge unefois-badge unefois-badge--success">Approuvé</span>' in approved
    assert re.search(r'aria-current="step">\s*<span class="visually-hidden">En cours : </span>Approuvé', approved)
    assert '<a href="http://consultations.test/">voir les consultations</a>' in approved
    assert "01/12/2026 par Dominique Valide" in approved and "Renvoyer" not in approved and "Soumettre</button>" not in approved
    refused = _page("needs/need.html", lambda request: {**need_context(request, BUYER, *_need_parts("draft"), error="Refusé : lots."),
                                                  "title": "x"}, url="/besoins/x", principal=BUYER)
    assert '<div class="alert unefois-alert alert-danger" role="alert">' in refused and "Refusé : lots." in refused


def _need_parts(status: str):
    need = _need(status)
    return need, Research(need.id), ["Fractionnement possible."], None


# ---------------------------------------------------------------- the supplier directory


def _suppliers_context(values: dict, errors: dict, rows: list, **more) -> dict:
    from unefois_sourcing.suppliers.web import FIELD_LABELS as SUPPLIER_LABELS

    return {"title": "Annuaire des fournisseurs", "breadcrumbs": [("Annuaire des fournisseurs", None)],
            "values": {"q": "", "siret": "", "cpv": "", "commune": "", **values}, "errors": errors,
            "labels": SUPPLIER_LABELS, "searched": any(values.values()), "columns": SUPPLIER_COLUMNS, "rows": rows,
            "page_number": 1, "first": 1, "previous_url": None, "next_url": None, **more}


def test_supplier_directory_names_the_wrong_fields_and_lists_the_results():
    errors = {"siret": "SIRET invalide : 14 chiffres attendus.", "commune": "Code commune INSEE inconnu du COG 2026."}
    html = _page("suppliers/directory.html", _suppliers_context({"siret": "12345678901234", "commune": "99999"}, errors, []))
    for field, message in errors.items():
        assert re.search(rf'id="{field}-messages"[^>]*>\s*<p class="invalid-feedback[^"]*"[^>]*>{re.escape(message)}', html)
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', html)
        assert f'<a href="#{field}">' in html
    assert "La recherche n’est pas lancée\u00a0: 2 critères à corriger" in html and 'id="fournisseurs"' not in html
    rows = [["Espaces Verts SCOP", "12345678200010", "1 rue des Prés 01000 Bourg", "PME", "77310000"]] * 25
    listed = _page("suppliers/directory.html", _suppliers_context({"q": "espaces"}, {}, rows, page_number=2, first=26,
                                                        previous_url="/fournisseurs?q=espaces&page=1",
                                                        next_url="/fournisseurs?q=espaces&page=3"))
    assert '<caption>Établissements 26 à 50</caption>' in listed and listed.count("Espaces Verts SCOP</td>") == 25
    assert 'href="/fournisseurs?q=espaces&amp;page=3" rel="next"' in listed and 'rel="prev"' in listed
    # Scrolling sideways on a narrow screen, the table can take the keyboard focus (it holds no link).
    assert '<div class="table-responsive unefois-table position-relative" id="fournisseurs-table" tabindex="0"' \
           ' role="region" aria-label="Établissements 26 à 50">' in listed
    none = _page("suppliers/directory.html", _suppliers_context({"q": "zzzz"}, {}, []))
    assert "Aucun établissement ne correspond à cette recherche." in none
