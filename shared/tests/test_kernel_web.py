"""The shared web layer in-process: layout, forms macros, static assets, HTML error pages."""

from __future__ import annotations

import json
import logging
import re
from html.parser import HTMLParser

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from unefois_kernel.auth.access import Forbidden, Unauthenticated, public
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.problems import DomainError, install_problem_handlers
from unefois_kernel.web import add_global, install_web, render, web_of
from unefois_kernel.web import templating

URLS = {
    "sourcing": "http://127.0.0.1:8001",
    "tendering": "http://127.0.0.1:8002",
    "contracts": "http://127.0.0.1:8003",
    "invoicing": "http://127.0.0.1:8004",
    "opendata": "http://127.0.0.1:8005",
}
HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}

BUYER = Principal(
    subject="u-1",
    name="Camille Martin",
    roles=frozenset({Role.BUYER}),
    org_siret="20000001600010",
    org_name="Région Démo-Alpes",
    org_kind=OrgKind.BUYER,
)


class Page(HTMLParser):
    """What the tests look at in a page: tags with their attributes, and the text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.title = ""
        self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        self.text.append(data)

    def find(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if a.get("id")}

    @property
    def all_text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.text))


class _SetPrincipal:
    """ASGI middleware standing in for a verified session: request.state.principal."""

    def __init__(self, app, principal: Principal | None) -> None:
        self.app = app
        self.principal = principal

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and self.principal is not None:
            scope.setdefault("state", {})["principal"] = self.principal
        await self.app(scope, receive, send)


def make_app(monkeypatch, *, stage="sourcing", principal: Principal | None = None, node_modules=None, urls=URLS) -> FastAPI:
    if urls is None:
        monkeypatch.delenv("UNEFOIS_SERVICE_URLS", raising=False)
    else:
        monkeypatch.setenv("UNEFOIS_SERVICE_URLS", json.dumps(urls))
    if node_modules is not None:
        monkeypatch.setenv("UNEFOIS_ASSETS_DIR", str(node_modules))
    app = FastAPI()
    install_problem_handlers(app)
    install_web(app, stage=stage, package=None)
    app.add_middleware(_SetPrincipal, principal=principal)

    @app.get("/")
    async def home(request: Request, _principal=public()):
        return render(request, "error.html", {"title": "Accueil", "status": 200, "message": "Bonjour"})

    @app.get("/forbidden")
    async def forbidden(_principal=public()):
        raise Forbidden("votre rôle ne permet pas cette action", field="role")

    @app.get("/unauthenticated")
    async def unauthenticated(_principal=public()):
        raise Unauthenticated("authentification requise", field="authorization")

    @app.get("/refused")
    async def refused(_principal=public()):
        raise DomainError("montant invalide", field="amount")

    return app


@pytest.fixture(autouse=True)
def template_globals():
    """Each test starts without csrf_token and leaves the globals as it found them."""
    saved = dict(templating._GLOBALS)
    templating._GLOBALS.pop("csrf_token", None)
    yield
    templating._GLOBALS.clear()
    templating._GLOBALS.update(saved)


@pytest.fixture
def fake_node_modules(tmp_path):
    for relative, name, body in (
        ("htmx.org/dist", "htmx.min.js", "/* htmx */"),
        ("@gouvfr/dsfr/dist", "dsfr.min.css", "/* dsfr */"),
    ):
        directory = tmp_path / relative
        directory.mkdir(parents=True)
        (directory / name).write_text(body)
    return tmp_path


def test_layout_is_french_with_one_h1_skip_links_and_the_page_title(monkeypatch, fake_node_modules):
    client = TestClient(make_app(monkeypatch, node_modules=fake_node_modules))
    response = client.get("/", headers=HTML)
    assert response.status_code == 200
    page = Page(response.text)
    assert page.find("html")[0]["lang"] == "fr"
    assert page.title == "Accueil — Besoins — unefois"
    assert len(page.find("h1")) == 1
    skip_targets = [a["href"] for a in page.find("a", class_="fr-link")][:3]
    assert skip_targets == ["#contenu", "#navigation-principale", "#pied-de-page"]
    assert {"contenu", "navigation-principale", "pied-de-page"} <= page.ids()
    assert "République française" in page.all_text.replace(" ", " ")
    assert "unefois" in page.all_text and "Achats publics, saisis une seule fois" in page.all_text


def test_navigation_links_the_five_stages_and_marks_the_current_one(monkeypatch):
    client = TestClient(make_app(monkeypatch, stage="contracts"))
    page = Page(client.get("/").text)
    links = page.find("a", class_="fr-nav__link")
    assert [a["href"] for a in links] == [
        "http://127.0.0.1:8001/", "http://127.0.0.1:8002/", "/", "http://127.0.0.1:8004/", "http://127.0.0.1:8005/",
    ]
    current = [a for a in links if a.get("aria-current") == "page"]
    assert len(current) == 1 and current[0]["href"] == "/"
    assert "Besoins Consultations Marchés Facturation Données ouvertes" in page.all_text


def test_navigation_without_service_urls_shows_the_current_stage_only(monkeypatch):
    client = TestClient(make_app(monkeypatch, stage="invoicing", urls=None))
    links = Page(client.get("/").text).find("a", class_="fr-nav__link")
    assert [(a["href"], a.get("aria-current")) for a in links] == [("/", "page")]


def test_header_offers_login_to_anonymous_visitors(monkeypatch):
    page = Page(TestClient(make_app(monkeypatch)).get("/").text)
    login = [a for a in page.find("a") if a.get("href", "").startswith("/auth/login")]
    assert login and "Se connecter" in page.all_text
    assert not page.find("form", action="/auth/logout")


def test_header_shows_the_user_organisation_and_role(monkeypatch):
    add_global("csrf_token", lambda request: "jeton-123")
    page = Page(TestClient(make_app(monkeypatch, principal=BUYER)).get("/").text)
    assert "Camille Martin" in page.all_text
    assert "Région Démo-Alpes" in page.all_text
    assert "Acheteur" in page.all_text
    assert page.find("form", action="/auth/logout", method="post")
    assert page.find("input", type="hidden", name="csrf_token", value="jeton-123")
    assert "Se connecter" not in page.all_text


def test_footer_links_the_mandatory_pages_which_render(monkeypatch):
    client = TestClient(make_app(monkeypatch))
    page = Page(client.get("/").text)
    footer_links = {a["href"] for a in page.find("a", class_="fr-footer__bottom-link")}
    assert footer_links == {"/accessibilite", "/mentions-legales", "/donnees-personnelles"}
    assert "Accessibilité : non conforme" in page.all_text
    for path, title in (("/accessibilite", "Déclaration d’accessibilité"), ("/mentions-legales", "Mentions légales"),
                        ("/donnees-personnelles", "Données personnelles")):
        response = client.get(path)
        assert response.status_code == 200
        legal = Page(response.text)
        assert legal.title == f"{title} — Besoins — unefois"
        assert len(legal.find("h1")) == 1


def test_no_inline_script_or_style_for_the_content_security_policy(monkeypatch):
    html = TestClient(make_app(monkeypatch, principal=BUYER)).get("/").text
    page = Page(html)
    assert not [a for _, a in page.tags if "style" in a], "style= attributes are refused by the CSP"
    assert not page.find("style")
    assert all(a.get("src") for a in page.find("script")), "every script is a static file"
    assert not re.search(r"\son[a-z]+=", html), "no inline event handlers"
    sources = [a["src"] for a in page.find("script")]
    assert "/static/htmx/htmx.min.js" in sources
    assert page.find("script", type="module", src="/static/dsfr/dsfr.module.min.js")
    assert [a for a in page.find("script") if "nomodule" in a and a["src"] == "/static/dsfr/dsfr.nomodule.min.js"]


def test_static_assets_are_served_from_node_modules_and_the_kernel(monkeypatch, fake_node_modules):
    client = TestClient(make_app(monkeypatch, node_modules=fake_node_modules))
    assert client.get("/static/htmx/htmx.min.js").text == "/* htmx */"
    assert client.get("/static/dsfr/dsfr.min.css").text == "/* dsfr */"
    css = client.get("/static/unefois/css/unefois.css")
    assert css.status_code == 200 and "unefois-user" in css.text
    assert client.get("/static/unefois/js/unefois.js").status_code == 200


def test_missing_assets_are_logged_and_pages_still_render(monkeypatch, tmp_path, caplog):
    with caplog.at_level(logging.ERROR, logger="unefois.web"):
        client = TestClient(make_app(monkeypatch, node_modules=tmp_path / "nowhere"))
    messages = " ".join(record.getMessage() for record in caplog.records)
    assert "/static/dsfr" in messages and "/static/htmx" in messages and "UNEFOIS_ASSETS_DIR" in messages
    assert client.get("/", headers=HTML).status_code == 200
    assert client.get("/static/dsfr/dsfr.min.css").status_code == 404


@pytest.mark.parametrize(
    ("path", "status", "title"),
    [("/nulle-part", 404, "Page introuvable"), ("/forbidden", 403, "Accès refusé"), ("/unauthenticated", 401, "Connexion requise")],
)
def test_browsers_get_an_html_error_page(monkeypatch, path, status, title):
    client = TestClient(make_app(monkeypatch))
    response = client.get(path, headers=HTML)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    page = Page(response.text)
    assert page.title == f"{title} — Besoins — unefois"
    assert [a for a in page.find("h1")] and title in page.all_text
    if status == 401:
        assert [a for a in page.find("a", class_="fr-btn") if a["href"].startswith("/auth/login?next=")]


@pytest.mark.parametrize("path", ["/nulle-part", "/forbidden", "/unauthenticated", "/refused"])
def test_apis_keep_problem_json(monkeypatch, path):
    client = TestClient(make_app(monkeypatch))
    response = client.get(path, headers={"accept": "application/json"})
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == response.status_code


def test_other_statuses_stay_problem_json_even_for_browsers(monkeypatch):
    response = TestClient(make_app(monkeypatch)).get("/refused", headers=HTML)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


# ---------------------------------------------------------------- forms.html


def _render_string(monkeypatch, source: str, **context) -> Page:
    app = make_app(monkeypatch)

    @app.get("/form")
    async def form(request: Request, _principal=public()):
        template = web_of(request).env.from_string(source)
        from fastapi.responses import HTMLResponse

        return HTMLResponse(template.render(request=request, **context))

    return Page(TestClient(app).get("/form").text)


def test_input_with_hint_and_error_is_described_and_flagged(monkeypatch):
    page = _render_string(
        monkeypatch,
        '{% import "forms.html" as forms %}'
        '{{ forms.input("siret", "SIRET de l’acheteur", value="123", hint="14 chiffres", error="Le SIRET doit compter 14 chiffres.", required=true) }}',
    )
    group = page.find("div")[0]
    assert group["class"] == "fr-input-group fr-input-group--error"
    control = page.find("input", id="siret")[0]
    assert control["aria-describedby"] == "siret-messages"
    assert control["aria-invalid"] == "true"
    assert "required" in control and control["value"] == "123"
    assert page.find("label", for_="siret")
    assert page.find("span", class_="fr-hint-text")
    messages = page.find("div", id="siret-messages")[0]
    assert messages["aria-live"] == "polite"
    assert page.find("p", class_="fr-message fr-message--error", id="siret-message-error")
    assert "Le SIRET doit compter 14 chiffres." in page.all_text


def test_fields_without_error_have_no_error_markup(monkeypatch):
    page = _render_string(monkeypatch, '{% import "forms.html" as forms %}{{ forms.textarea("notes", "Remarques") }}')
    assert page.find("div")[0]["class"] == "fr-input-group"
    assert "aria-invalid" not in page.find("textarea")[0]
    assert not page.find("p")


def test_select_keeps_the_selected_option_and_reports_its_error(monkeypatch):
    page = _render_string(
        monkeypatch,
        '{% import "forms.html" as forms %}'
        '{{ forms.select("nature", "Nature", [("works", "Travaux"), ("services", "Services")], selected="services", error="Choisissez une nature.") }}',
    )
    assert page.find("div")[0]["class"] == "fr-select-group fr-select-group--error"
    assert page.find("select", id="nature")[0]["aria-describedby"] == "nature-messages"
    selected = [a for a in page.find("option") if "selected" in a]
    assert [a["value"] for a in selected] == ["services"]


def test_checkbox_has_its_label_after_the_box(monkeypatch):
    page = _render_string(
        monkeypatch, '{% import "forms.html" as forms %}{{ forms.checkbox("innovative", "Achat innovant", checked=true, error="Obligatoire") }}'
    )
    assert page.find("div")[0]["class"] == "fr-checkbox-group fr-checkbox-group--error"
    box = page.find("input", type="checkbox")[0]
    assert "checked" in box and box["aria-describedby"] == "innovative-messages"
    assert [t for t, _ in page.tags][:3] == ["div", "input", "label"]


def test_csrf_field_is_empty_until_a_token_provider_is_registered(monkeypatch):
    source = '{% import "forms.html" as forms %}<form>{{ forms.csrf_field(request) }}</form>'
    assert not _render_string(monkeypatch, source).find("input")
    add_global("csrf_token", lambda request: "abc")
    assert _render_string(monkeypatch, source).find("input", type="hidden", name="csrf_token", value="abc")


def test_a_missing_dsfr_alone_points_to_its_terms_of_use(monkeypatch, tmp_path, caplog):
    (tmp_path / "htmx.org" / "dist").mkdir(parents=True)
    with caplog.at_level(logging.ERROR, logger="unefois.web"):
        client = TestClient(make_app(monkeypatch, node_modules=tmp_path))
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1 and "terms of use" in messages[0] and "@gouvfr/dsfr" in messages[0]
    assert client.get("/").status_code == 200


def test_without_the_dsfr_the_state_identity_block_is_not_shown(monkeypatch, tmp_path):
    # No accepted DSFR terms of use: no "République française" Marianne block in header or footer.
    client = TestClient(make_app(monkeypatch, node_modules=tmp_path))
    page = Page(client.get("/", headers=HTML).text)
    assert "République" not in page.all_text
    assert "unefois" in page.all_text
