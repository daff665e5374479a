"""Each stage's home template, rendered in-process (no database): anonymous, a buyer with no
rows, a buyer with rows. The browser tests (tests/browser) check the live pages."""

from __future__ import annotations

import importlib.util
import re

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from unefois_kernel.auth.access import public
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.problems import install_problem_handlers
from unefois_kernel.web import STAGE_LABELS, install_web, render

BUYER = Principal(subject="u-1", name="Camille Martin", roles=frozenset({Role.BUYER}), org_siret="20000001600010",
                  org_name="Région Démo-Alpes", org_kind=OrgKind.BUYER)
STAGES = [stage for stage in STAGE_LABELS if importlib.util.find_spec(f"unefois_{stage}") is not None]


class _SetPrincipal:
    def __init__(self, app, principal):
        self.app, self.principal = app, principal

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and self.principal is not None:
            scope.setdefault("state", {})["principal"] = self.principal
        await self.app(scope, receive, send)


def client_for(stage: str, principal: Principal | None, rows) -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)
    install_web(app, stage=stage, package=f"unefois_{stage}")
    app.add_middleware(_SetPrincipal, principal=principal)

    @app.get("/")
    async def home(request: Request, _principal=public()):
        return render(request, "home.html", {"title": "Accueil", "columns": ["Colonne A", "Colonne B"], "rows": rows})

    return TestClient(app)


@pytest.mark.parametrize("stage", STAGES)
def test_anonymous_home_has_the_stage_title_and_no_data(stage):
    html = client_for(stage, None, None if stage != "opendata" else []).get("/").text
    assert f"<title>Accueil — {STAGE_LABELS[stage]} — unefois</title>" in html
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert f"<h1>{STAGE_LABELS[stage]}</h1>" in html
    assert "<table" not in html
    assert "Se connecter" in html


@pytest.mark.parametrize("stage", STAGES)
def test_buyer_home_shows_the_table_with_a_caption(stage):
    html = client_for(stage, BUYER, [["Travaux <école>", "12 000,00 €"]]).get("/").text
    assert '<div class="fr-table"' in html and "<caption>" in html
    assert '<th scope="col">Colonne A</th>' in html
    assert "Travaux &lt;école&gt;" in html, "cells are escaped"
    if stage != "opendata":
        assert "Région Démo-Alpes" in html.split("<caption>")[1].split("</caption>")[0]


@pytest.mark.parametrize("stage", STAGES)
def test_buyer_home_without_rows_says_so(stage):
    html = client_for(stage, BUYER, []).get("/").text
    assert "<table" not in html
    assert "fr-text--lg" in html
