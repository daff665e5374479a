"""People never see raw JSON: every refusal a browser gets is the themed French page, APIs keep
problem+json with French `errors[].message` (issue 7, item 5)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Query, Request
from pydantic import BaseModel, Field

from unefois_kernel.auth.access import SESSION_COOKIE, Forbidden, Unauthenticated, public
from unefois_kernel.problems import DomainError, install_problem_handlers
from unefois_kernel.settings import ServiceSettings
from unefois_kernel.web import install_web
from unefois_kernel.web.security import install_web_security

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
API = {"accept": "application/json"}
SECRET = "a-test-session-secret-of-at-least-32-characters"


class Amount(BaseModel):
    amount: int = Field(ge=1)
    label: str = Field(min_length=1, max_length=10)


def make_app(**overrides) -> FastAPI:
    values = {"service_name": "demo", "database_url": "postgresql://unused", "oidc_issuer": "https://idp.example",
              "session_secret": SECRET, "rate_limit_public": "2/minute", **overrides}
    app = FastAPI()
    install_problem_handlers(app)
    install_web_security(app, ServiceSettings(**values))
    install_web(app, stage="contracts", package=None)

    @app.get("/forbidden", dependencies=[public()])
    async def forbidden():
        raise Forbidden("votre rôle ne permet pas cette action", field="role")

    @app.get("/unauthenticated", dependencies=[public()])
    async def unauthenticated():
        raise Unauthenticated("authentification requise", field="authorization")

    @app.get("/conflict", dependencies=[public()])
    async def conflict():
        raise DomainError("le marché est déjà notifié", field="status", status=409)

    @app.get("/refused", dependencies=[public()])
    async def refused():
        raise DomainError("montant invalide", field="amount")

    @app.post("/amounts", dependencies=[public()])
    async def amounts(body: Amount):
        return body

    @app.get("/records/{record_id}", dependencies=[public()])
    async def record(record_id: int, limit: int = Query(default=10, le=100)):
        return {"id": record_id}

    @app.get("/boom", dependencies=[public()])
    async def boom():
        raise RuntimeError("a bug")

    @app.post("/form", dependencies=[public()])
    async def form(request: Request):
        return {"ok": True}

    @app.get("/public", dependencies=[public()])
    async def public_page():
        return {"ok": True}

    return app


def client(app: FastAPI, **kwargs) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("203.0.113.9", 4242), raise_app_exceptions=False),
                             base_url="http://service.test", **kwargs)


def assert_themed_page(response: httpx.Response, status: int, title: str) -> str:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert f"<title>{title} — Marchés — unefois</title>" in html
    assert f"Erreur {status}" in html
    assert "/static/bootstrap/css/bootstrap.min.css" in html and "Retour à l’accueil" in html
    assert '{"type"' not in html
    return html


@pytest.mark.parametrize(("method", "path", "status", "title"), [
    ("GET", "/nulle-part", 404, "Page introuvable"),
    ("GET", "/forbidden", 403, "Accès refusé"),
    ("GET", "/unauthenticated", 401, "Connexion requise"),
    ("GET", "/conflict", 409, "Action impossible dans l’état actuel"),
    ("GET", "/refused", 422, "Données refusées"),
    ("DELETE", "/forbidden", 405, "Action impossible à cette adresse"),
    ("GET", "/records/pas-un-nombre", 422, "Données refusées"),
    ("GET", "/boom", 500, "Erreur inattendue"),
])
async def test_browsers_get_the_themed_page_for_every_refusal(method, path, status, title):
    async with client(make_app()) as http:
        response = await http.request(method, path, headers=BROWSER)
    html = assert_themed_page(response, status, title)
    if status == 401:
        assert 'href="/auth/login?next=/unauthenticated"' in html
    if status == 409:
        assert "le marché est déjà notifié" in html  # the domain's reason is shown to the person
    if status == 422 and path.startswith("/records"):
        assert "record_id" in html and "doit être un nombre entier" in html
    if status == 500:
        assert "a bug" not in html and "vos données déjà enregistrées ne sont pas perdues" in html


@pytest.mark.parametrize("path", ["/nulle-part", "/forbidden", "/unauthenticated", "/refused", "/conflict", "/boom"])
async def test_apis_and_htmx_keep_problem_json(path):
    async with client(make_app()) as http:
        for headers in (API, {**BROWSER, "hx-request": "true"}):
            response = await http.get(path, headers=headers)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["status"] == response.status_code


async def test_a_405_says_so_in_french_with_its_allow_header():
    async with client(make_app()) as http:
        response = await http.delete("/forbidden", headers=API)
    assert response.status_code == 405 and response.headers["allow"] == "GET"
    assert response.json()["title"] == "Méthode non autorisée"


async def test_validation_errors_name_the_field_in_french():
    async with client(make_app()) as http:
        response = await http.post("/amounts", json={"amount": 0, "label": "beaucoup trop long"}, headers=API)
    assert response.status_code == 422
    body = response.json()
    assert body["title"] == "Données invalides"
    assert {(e["field"], e["message"]) for e in body["errors"]} == {
        ("amount", "doit être supérieur ou égal à 1"),
        ("label", "ne doit pas dépasser 10 caractères"),
    }
    assert all(e["type"] for e in body["errors"])
    missing = (await client(make_app()).post("/amounts", json={}, headers=API)).json()
    assert {e["message"] for e in missing["errors"]} == {"ce champ est obligatoire"}


async def test_a_domain_refusal_carries_a_french_message_per_field():
    async with client(make_app()) as http:
        body = (await http.get("/refused", headers=API)).json()
    assert body["errors"] == [{"field": "amount", "message": "montant invalide"}]


async def test_a_stale_csrf_form_gets_the_expired_form_page():
    async with client(make_app()) as http:
        response = await http.post("/form", data={"csrf_token": "ancien"},
                                   headers={**BROWSER, "Cookie": f"{SESSION_COOKIE}=une-session",
                                            "Referer": "http://service.test/marches/1"})
    html = assert_themed_page(response, 403, "Formulaire expiré")
    assert 'href="/marches/1"' in html and "Revenir à la page précédente" in html
    async with client(make_app()) as http:
        api = await http.post("/form", data={"csrf_token": "ancien"}, headers={**API, "Cookie": f"{SESSION_COOKIE}=x"})
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["errors"][0]["field"] == "csrf_token" and api.json()["errors"][0]["message"]


async def test_a_rate_limited_browser_is_told_when_to_retry():
    app = make_app()
    async with client(app) as http:
        for _ in range(2):
            assert (await http.get("/public", headers=BROWSER)).status_code == 200
        response = await http.get("/public", headers=BROWSER)
    html = assert_themed_page(response, 429, "Trop de demandes")
    retry = int(response.headers["retry-after"])
    assert retry >= 1 and f"Réessayez dans {retry} seconde" in html


async def test_a_referer_from_another_site_is_never_offered_as_the_way_back():
    async with client(make_app()) as http:
        response = await http.get("/forbidden", headers={**BROWSER, "Referer": "https://evil.example/phish"})
    assert "evil.example" not in response.text


async def test_an_error_page_shows_who_is_signed_in_even_on_an_unknown_path():
    from types import SimpleNamespace

    from unefois_kernel.auth.principal import OrgKind, Principal, Role

    buyer = Principal(subject="u-1", name="Camille Martin", roles=frozenset({Role.BUYER}), org_siret="20000001600010",
                      org_name="Région Démo-Alpes", org_kind=OrgKind.BUYER)

    class Verifier:
        async def verify(self, token):
            if token != "bonne-session":
                from unefois_kernel.auth.tokens import InvalidToken
                raise InvalidToken("expired")
            return buyer

    app = make_app()
    app.state.runtime = SimpleNamespace(token_verifier=Verifier())
    async with client(app) as http:
        signed_in = await http.get("/nulle-part", headers={**BROWSER, "Cookie": f"{SESSION_COOKIE}=bonne-session"})
        stale = await http.get("/nulle-part", headers={**BROWSER, "Cookie": f"{SESSION_COOKIE}=perimee"})
    assert signed_in.status_code == 404 and "Camille Martin" in signed_in.text and "Se déconnecter" in signed_in.text
    assert stale.status_code == 404 and "Se connecter" in stale.text and "Camille Martin" not in stale.text
