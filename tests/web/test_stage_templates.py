"""The home templates of tendering, contracts, invoicing and opendata, and opendata's buyer page,
rendered in-process (no database): anonymous, a buyer with no rows, a buyer with rows. The
sourcing pages have their own tests (test_sourcing_pages.py); the live pages are checked by the
browser tests (tests/browser) and opendata's integration test."""

from __future__ import annotations

import importlib
import re
import uuid

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from unefois_kernel.auth.access import public
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.problems import install_problem_handlers
from unefois_kernel.web import STAGE_LABELS, buyer_brand, install_web, render
from unefois_kernel.web.listing import Page, Sort

BUYER = Principal(subject="u-1", name="Camille Martin", roles=frozenset({Role.BUYER}), org_siret="20000001600010",
                  org_name="Région Démo-Alpes", org_kind=OrgKind.BUYER)
SUPPLIER = Principal(subject="u-2", name="Jean Moreau", roles=frozenset({Role.SUPPLIER}), org_siret="80000004400019",
                     org_name="Travaux Publics Rhodaniens SAS", org_kind=OrgKind.SUPPLIER)
REGION = "20000001600010"
# The buyer-only stages: what their web.py gives the home page, one row each.
BUYER_STAGES = {
    "tendering": ["2026-0001", "Travaux <école>", "Publiée", "02/11/2026", "30/11/2026"],
    "contracts": ["2026000001", "Travaux <école>", "2026-0007 — Lot 1 — Voirie", "TP Rhodaniens", "98 765,43 €",
                  "Notifié", "02/11/2026"],
    "invoicing": ["2026000001", "EJ2026000001", "Travaux <école>", "98 765,43 €", "12 000,00 €", "1", "02/11/2026"],
}
# Each stage's empty state links to the stage before it (the next thing to do is there).
PREVIOUS = {"tendering": "sourcing", "contracts": "tendering", "invoicing": "contracts"}
URLS = {stage: f"http://{stage}.test" for stage in STAGE_LABELS}


class _SetPrincipal:
    def __init__(self, app, principal):
        self.app, self.principal = app, principal

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and self.principal is not None:
            scope.setdefault("state", {})["principal"] = self.principal
        await self.app(scope, receive, send)


def page(stage: str, principal: Principal | None, context, *, template: str = "home.html", url: str = "/",
         urls: dict | None = None) -> str:
    """`template` rendered by a route at `url`; `context` may be a function of the request."""
    app = FastAPI()
    install_problem_handlers(app)
    web = install_web(app, stage=stage, package=f"unefois_{stage}")
    web.urls.update(URLS if urls is None else urls)
    app.add_middleware(_SetPrincipal, principal=principal)

    @app.get(url.split("?")[0])
    async def route(request: Request, _principal=public()):
        return render(request, template, context(request) if callable(context) else context)

    return TestClient(app).get(url).text


# The module whose home page a stage's web.py is, where it moved into an area (issue 8).
HOME_WEB = {"tendering": "unefois_tendering.consultations.web", "contracts": "unefois_contracts.contracts.web",
            "invoicing": "unefois_invoicing.commitments.web"}


def columns_of(stage: str) -> list:
    return importlib.import_module(HOME_WEB.get(stage, f"unefois_{stage}.web")).COLUMNS


def home_context(stage: str, rows):
    return {"title": "Accueil", "columns": columns_of(stage), "rows": rows}


def assert_themed(html: str, stage: str, title: str = "Accueil") -> None:
    assert f"<title>{title} — {STAGE_LABELS[stage]} — " in html
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert "/static/bootstrap/css/bootstrap.min.css" in html
    assert not re.search(r'class="[^"]*\bfr-', html), "no DSFR class is left"
    assert "dsfr" not in html.lower()
    assert " style=" not in html and "<script>" not in html, "no inline style or script (CSP)"


# ---------------------------------------------------------------- tendering, contracts, invoicing


@pytest.mark.parametrize("stage", list(BUYER_STAGES))
def test_anonymous_home_says_what_the_stage_does_and_shows_no_data(stage):
    html = page(stage, None, home_context(stage, None))
    assert_themed(html, stage)
    assert f"<h1>{STAGE_LABELS[stage]}</h1>" in html
    assert 'class="unefois-lead' in html
    assert "<table" not in html
    assert "s’affichent une fois connecté" in html and 'href="/auth/login?next=%2F"' in html
    assert html.count('class="unefois-tile"') == 3


@pytest.mark.parametrize("stage", list(BUYER_STAGES))
def test_a_supplier_is_told_the_data_is_for_buyers(stage):
    html = page(stage, SUPPLIER, home_context(stage, None))
    assert "<table" not in html
    if stage == "tendering":  # a supplier's own side of this stage: the open consultations, its deposits
        assert 'href="/consultations-publiques"' in html and 'href="/mes-depots"' in html
        return
    assert "ne sont visibles que des acheteurs" in html


def test_a_visitor_finds_the_open_consultations_from_the_tendering_home():
    html = page("tendering", None, home_context("tendering", None))
    assert 'href="/consultations-publiques"' in html and 'href="/mes-depots"' not in html
    assert "s’affichent une fois connecté" in html


@pytest.mark.parametrize("stage", list(BUYER_STAGES))
def test_buyer_home_shows_the_table_with_a_caption(stage):
    html = page(stage, BUYER, home_context(stage, [BUYER_STAGES[stage]]))
    assert_themed(html, stage)
    caption = html.split("<caption>")[1].split("</caption>")[0]
    assert "Région Démo-Alpes" in caption
    assert "Travaux &lt;école&gt;" in html, "cells are escaped"
    for column in columns_of(stage):
        assert f">{column}</th>" in html
    # The scrolling wrapper takes the keyboard focus, named by the caption (see _tables.html).
    assert re.search(r'<div class="table-responsive unefois-table position-relative" id="[a-z-]+-table" tabindex="0" '
                     r'role="region" aria-label="Les [^"]+ de Région Démo-Alpes">', html)
    if stage in ("contracts", "invoicing"):
        assert '<td class="text-end text-nowrap">98 765,43 €</td>' in html, "amounts are right-aligned"


def test_statuses_are_badges():
    tendering = page("tendering", BUYER, home_context("tendering", [BUYER_STAGES["tendering"]]))
    assert '<span class="badge unefois-badge unefois-badge--info">Publiée</span>' in tendering
    contracts = page("contracts", BUYER, home_context("contracts", [
        BUYER_STAGES["contracts"], ["—", "Nettoyage", "2026-0008 — lot unique", "SCOP", "30 000,00 €", "À notifier", "—"]]))
    assert '<span class="badge unefois-badge unefois-badge--success">Notifié</span>' in contracts
    assert '<span class="badge unefois-badge unefois-badge--warning">À notifier</span>' in contracts


@pytest.mark.parametrize("stage", list(BUYER_STAGES))
def test_buyer_home_without_rows_points_to_the_stage_before(stage):
    html = page(stage, BUYER, home_context(stage, []))
    assert "<table" not in html
    assert 'class="unefois-empty"' in html
    assert f'href="http://{PREVIOUS[stage]}.test/"' in html.split('class="unefois-empty"')[1].split("</div>")[0]
    # Without the other stages' addresses, the empty state still explains, with no dead link.
    alone = page(stage, BUYER, home_context(stage, []), urls={})
    assert 'class="unefois-empty"' in alone and "btn btn-primary" not in alone.split('class="unefois-empty"')[1].split("</div>")[0]


# ---------------------------------------------------------------- opendata


def _decp_row(number: str, buyer_name: str | None = "Région Démo-Alpes"):
    from unefois_opendata.records.decp import PublicationDuty
    from unefois_opendata.records.domain import DecpRecord

    return DecpRecord(
        contract_id=uuid.uuid4(), buyer_siret=REGION, buyer_name=buyer_name, contract_number=number,
        publication_duty=PublicationDuty.MANDATORY, notified_on=None, published_on=None,
        record={"id": number, "objet": "Travaux <école>", "montant": 98765.43,
                "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": "80000004400019"}}]},
    )


def opendata_home(rows, url: str = "/", total: int | None = None):
    from unefois_opendata.records import views, web

    def context(request):
        return {"title": "Accueil", "columns": views.COLUMNS, "rows": [views.record_row(row) for row in rows],
                "sort": Sort.from_request(request, web.SORT_COLUMNS, default=web.DEFAULT_SORT),
                "page": Page.from_request(request, total=len(rows) if total is None else total, size=web.PAGE_SIZE)}

    return page("opendata", None, context, url=url)


def test_opendata_home_is_public_and_links_each_buyer_to_its_page():
    html = opendata_home([_decp_row("2026000001"), _decp_row("2026000002", buyer_name=None)])
    assert_themed(html, "opendata")
    assert "<h1>Données ouvertes</h1>" in html
    assert "s’affichent une fois connecté" not in html, "open data needs no login"
    assert '<a href="/acheteurs/20000001600010">Région Démo-Alpes</a>' in html
    assert '<a href="/acheteurs/20000001600010">SIRET 20000001600010</a>' in html, "a record without a name shows the SIRET"
    assert "Travaux &lt;école&gt;" in html
    assert re.search(r'href="/api/decp"[^>]*>Télécharger les données essentielles', html)


def test_opendata_home_sorts_and_paginates():
    html = opendata_home([_decp_row(f"2026{n:06d}") for n in range(25)], url="/?tri=montant&page=2", total=60)
    assert 'aria-sort="ascending"' in html
    assert 'href="/?tri=-montant"' in html, "the active column's header reverses it"
    assert 'href="/?tri=objet"' in html
    assert "Page 2 sur 3 — 60 résultats" in html
    assert 'class="table-responsive unefois-table position-relative" id="decp-table" tabindex="0"' in html
    assert 'href="/?tri=montant&amp;page=3" rel="next"' in html


def test_opendata_home_without_records_says_when_they_come():
    html = opendata_home([])
    assert "<table" not in html
    assert "Aucune donnée essentielle publiée pour le moment." in html and 'href="/docs"' in html


def _buyer_page(rows, name: str | None) -> str:
    from unefois_opendata.records import domain, views, web

    def context(request):
        label = domain.buyer_label(REGION, name)
        return {"title": label, "breadcrumbs": [(label, None)], "buyer_brand": buyer_brand(REGION, name),
                "siret": REGION, "buyer_name": label, "contracts": len(rows), "amount": "98 765,43 €",
                "columns": views.BUYER_COLUMNS, "rows": [views.record_row(row, with_buyer=False) for row in rows],
                "sort": Sort.from_request(request, web.SORT_COLUMNS, default=web.DEFAULT_SORT),
                "page": Page.from_request(request, total=len(rows), size=web.PAGE_SIZE)}

    return page("opendata", None, context, template="records/buyer.html", url=f"/acheteurs/{REGION}")


def test_buyer_page_shows_the_buyer_name_logo_and_contracts():
    html = _buyer_page([_decp_row("2026000001")], "Région Démo-Alpes")
    assert_themed(html, "opendata", "Région Démo-Alpes")
    assert '<strong class="unefois-buyer__name">Région Démo-Alpes</strong>' in html
    assert f'src="/static/acheteurs/{REGION}.svg"' in html
    assert "<h1>Marchés publiés par Région Démo-Alpes</h1>" in html
    assert 'aria-current="page">Région Démo-Alpes</li>' in html
    assert f'href="/api/decp?acheteur={REGION}"' in html
    assert "2026000001" in html and ">Acheteur</" not in html, "no buyer column on the buyer's own page"


def test_buyer_page_without_a_name_or_contracts():
    html = _buyer_page([], None)
    assert f"<h1>Marchés publiés par SIRET {REGION}</h1>" in html
    assert "Aucun marché publié par cet acheteur pour le moment." in html
    assert "/api/decp?acheteur=" not in html
