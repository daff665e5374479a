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
        ("bootstrap/dist/css", "bootstrap.min.css", "/* bootstrap */"),
        ("swagger-ui-dist", "swagger-ui-bundle.js", "/* swagger */"),
    ):
        directory = tmp_path / relative
        directory.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(body)
    return tmp_path


def classes(attrs: dict) -> set[str]:
    return set((attrs.get("class") or "").split())


def with_class(page: Page, tag: str, name: str) -> list[dict]:
    return [a for a in page.find(tag) if name in classes(a)]


def test_layout_is_french_with_one_h1_skip_links_and_the_page_title(monkeypatch, fake_node_modules):
    client = TestClient(make_app(monkeypatch, node_modules=fake_node_modules))
    response = client.get("/", headers=HTML)
    assert response.status_code == 200
    page = Page(response.text)
    assert page.find("html")[0]["lang"] == "fr"
    assert page.title == "Accueil — Besoins — unefois"
    assert len(page.find("h1")) == 1
    skip_targets = [a["href"] for a in with_class(page, "a", "unefois-skiplink")]
    assert skip_targets == ["#contenu", "#navigation-principale", "#pied-de-page"]
    assert {"contenu", "navigation-principale", "pied-de-page"} <= page.ids()
    # The operator's brand (the neutral demo theme), never the State's identity block.
    assert "République" not in page.all_text
    assert "unefois — plateforme mutualisée d’achat public" in page.all_text
    assert "Achats publics, saisis une seule fois" in page.all_text
    styles = [a["href"] for a in page.find("link", rel="stylesheet")]
    assert styles[0] == "/static/bootstrap/css/bootstrap.min.css"
    assert styles[1].startswith("/static/theme/theme.css?v=") and styles[2] == "/static/unefois/css/unefois.css"


def test_navigation_links_the_five_stages_and_marks_the_current_one(monkeypatch):
    client = TestClient(make_app(monkeypatch, stage="contracts"))
    page = Page(client.get("/").text)
    links = with_class(page, "a", "unefois-nav__link")
    assert [a["href"] for a in links] == [
        "http://127.0.0.1:8001/", "http://127.0.0.1:8002/", "/", "http://127.0.0.1:8004/", "http://127.0.0.1:8005/",
    ]
    current = [a for a in links if a.get("aria-current") == "page"]
    assert len(current) == 1 and current[0]["href"] == "/" and "active" in classes(current[0])
    assert "Besoins" in page.all_text and "Données ouvertes" in page.all_text


def test_navigation_without_service_urls_shows_the_current_stage_only(monkeypatch):
    client = TestClient(make_app(monkeypatch, stage="invoicing", urls=None))
    links = with_class(Page(client.get("/").text), "a", "unefois-nav__link")
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


def test_footer_links_the_mandatory_pages_and_the_operator_links(monkeypatch):
    client = TestClient(make_app(monkeypatch))
    page = Page(client.get("/").text)
    hrefs = {a["href"] for a in page.find("a")}
    assert {"/accessibilite", "/mentions-legales", "/donnees-personnelles", "/docs"} <= hrefs
    assert "mailto:assistance@unefois.example" in hrefs  # the theme's contact
    assert "Accessibilité : partiellement conforme" in page.all_text
    assert "Code de la commande publique" in page.all_text  # a link of the theme
    for path, title in (("/accessibilite", "Déclaration d’accessibilité"), ("/mentions-legales", "Mentions légales"),
                        ("/donnees-personnelles", "Données personnelles")):
        response = client.get(path)
        assert response.status_code == 200
        legal = Page(response.text)
        assert legal.title == f"{title} — Besoins — unefois"
        assert len(legal.find("h1")) == 1
        assert "unefois — plateforme mutualisée d’achat public" in legal.all_text


def test_no_inline_script_or_style_for_the_content_security_policy(monkeypatch):
    html = TestClient(make_app(monkeypatch, principal=BUYER)).get("/").text
    page = Page(html)
    assert not [a for _, a in page.tags if "style" in a], "style= attributes are refused by the CSP"
    assert not page.find("style")
    assert all(a.get("src") for a in page.find("script")), "every script is a static file"
    assert not re.search(r"\son[a-z]+=", html), "no inline event handlers"
    sources = [a["src"] for a in page.find("script")]
    assert sources == ["/static/bootstrap/js/bootstrap.bundle.min.js", "/static/htmx/htmx.min.js",
                       "/static/unefois/js/unefois.js"]
    assert not re.search(r'class="(?:[^"]* )?fr-', html), "no markup of the State design system"


def test_static_assets_are_served_from_node_modules_and_the_kernel(monkeypatch, fake_node_modules):
    client = TestClient(make_app(monkeypatch, node_modules=fake_node_modules))
    assert client.get("/static/htmx/htmx.min.js").text == "/* htmx */"
    assert client.get("/static/bootstrap/css/bootstrap.min.css").text == "/* bootstrap */"
    assert client.get("/static/swagger-ui/swagger-ui-bundle.js").text == "/* swagger */"
    css = client.get("/static/unefois/css/unefois.css")
    assert css.status_code == 200 and "unefois-user" in css.text
    assert client.get("/static/unefois/js/unefois.js").status_code == 200


def test_the_theme_tokens_and_logo_are_served_with_long_caching(monkeypatch):
    client = TestClient(make_app(monkeypatch))
    css = client.get("/static/theme/theme.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "--bs-primary: #1f4e8c;" in css.text and "--unefois-focus: #c2410c;" in css.text
    assert css.headers["cache-control"] == "public, max-age=86400" and css.headers["etag"]
    logo = client.get("/static/theme/logo")
    assert logo.status_code == 200 and logo.headers["content-type"] == "image/svg+xml" and b"<svg" in logo.content
    assert client.get("/static/theme/autre").status_code == 404
    assert client.post("/static/theme/theme.css").status_code == 405


def test_missing_assets_are_logged_and_pages_still_render(monkeypatch, tmp_path, caplog):
    with caplog.at_level(logging.ERROR, logger="unefois.web"):
        client = TestClient(make_app(monkeypatch, node_modules=tmp_path / "nowhere"))
    messages = " ".join(record.getMessage() for record in caplog.records)
    assert "/static/bootstrap" in messages and "/static/htmx" in messages and "UNEFOIS_ASSETS_DIR" in messages
    assert client.get("/", headers=HTML).status_code == 200
    assert client.get("/static/bootstrap/css/bootstrap.min.css").status_code == 404


def test_the_buyer_brand_names_the_buyer_and_shows_its_logo_when_it_has_one(monkeypatch, tmp_path):
    from unefois_kernel.web import buyer_brand

    (tmp_path / "21380185500015.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    monkeypatch.setenv("UNEFOIS_BUYER_LOGOS_DIR", str(tmp_path))
    assert buyer_brand("21380185500015", "Commune de Démo") == {
        "name": "Commune de Démo", "logo_url": "/static/acheteurs/21380185500015.png"}
    assert buyer_brand("20000001600010", "Région Démo-Alpes") == {"name": "Région Démo-Alpes", "logo_url": None}
    assert buyer_brand("../../etc", "x")["logo_url"] is None
    app = make_app(monkeypatch)

    @app.get("/acheteur")
    async def buyer_page(request: Request, _principal=public()):
        return render(request, "error.html", {"title": "Acheteur", "status": 200, "message": "",
                                              "buyer_brand": buyer_brand("21380185500015", "Commune de Démo")})

    client = TestClient(app)
    page = Page(client.get("/acheteur").text)
    assert "Commune de Démo" in page.all_text
    assert page.find("img", src="/static/acheteurs/21380185500015.png")
    assert client.get("/static/acheteurs/21380185500015.png").content == b"\x89PNG\r\n\x1a\n"


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
    assert classes(page.find("div")[0]) == {"unefois-field", "unefois-field--error"}
    control = page.find("input", id="siret")[0]
    assert control["aria-describedby"] == "siret-messages"
    assert control["aria-invalid"] == "true"
    assert "required" in control and control["value"] == "123" and "is-invalid" in classes(control)
    assert page.find("label", for_="siret")
    assert with_class(page, "span", "unefois-hint") and "(obligatoire)" in page.all_text
    messages = page.find("div", id="siret-messages")[0]
    assert messages["aria-live"] == "polite"
    assert [a for a in page.find("p", id="siret-message-error") if "invalid-feedback" in classes(a)]
    assert "Le SIRET doit compter 14 chiffres." in page.all_text


def test_fields_without_error_have_no_error_markup(monkeypatch):
    page = _render_string(monkeypatch, '{% import "forms.html" as forms %}{{ forms.textarea("notes", "Remarques") }}')
    assert classes(page.find("div")[0]) == {"unefois-field"}
    textarea = page.find("textarea")[0]
    assert "aria-invalid" not in textarea and "is-invalid" not in classes(textarea)
    assert not page.find("p")


def test_select_keeps_the_selected_option_and_reports_its_error(monkeypatch):
    page = _render_string(
        monkeypatch,
        '{% import "forms.html" as forms %}'
        '{{ forms.select("nature", "Nature", [("works", "Travaux"), ("services", "Services")], selected="services", error="Choisissez une nature.") }}',
    )
    assert "unefois-field--error" in classes(page.find("div")[0])
    assert classes(page.find("select")[0]) == {"form-select", "is-invalid"}
    assert page.find("select", id="nature")[0]["aria-describedby"] == "nature-messages"
    selected = [a for a in page.find("option") if "selected" in a]
    assert [a["value"] for a in selected] == ["services"]


def test_checkbox_has_its_label_after_the_box(monkeypatch):
    page = _render_string(
        monkeypatch, '{% import "forms.html" as forms %}{{ forms.checkbox("innovative", "Achat innovant", checked=true, error="Obligatoire") }}'
    )
    assert {"form-check", "unefois-field--error"} <= classes(page.find("div")[0])
    box = page.find("input", type="checkbox")[0]
    assert "checked" in box and box["aria-describedby"] == "innovative-messages"
    assert [t for t, _ in page.tags][:3] == ["div", "input", "label"]


def test_the_error_summary_links_each_refused_field(monkeypatch):
    page = _render_string(
        monkeypatch,
        '{% import "forms.html" as forms %}{{ forms.error_summary(errors, labels) }}',
        errors={"siret": "Le SIRET doit compter 14 chiffres.", "_form": "Réessayez."},
        labels={"siret": "SIRET de l’acheteur"},
    )
    summary = page.find("div", id="erreurs")[0]
    assert summary["role"] == "alert" and summary["tabindex"] == "-1"
    assert [a["href"] for a in page.find("a")] == ["#siret"]
    assert "Le formulaire contient 2 erreurs à corriger" in page.all_text
    assert "SIRET de l’acheteur : Le SIRET doit compter 14 chiffres." in page.all_text
    empty = _render_string(monkeypatch, '{% import "forms.html" as forms %}{{ forms.error_summary({}) }}')
    assert not empty.find("div")


def test_a_fieldset_has_a_legend_and_its_group_message(monkeypatch):
    page = _render_string(
        monkeypatch,
        '{% import "forms.html" as forms %}{% call forms.fieldset("lots", "Lots", error="La somme diffère.") %}'
        '{{ forms.input("lot1", "Lot 1") }}{% endcall %}',
    )
    fieldset = page.find("fieldset", id="lots")[0]
    assert "unefois-fieldset--error" in classes(fieldset) and fieldset["aria-describedby"] == "lots-messages"
    assert page.find("legend") and page.find("h2") and "La somme diffère." in page.all_text
    assert page.find("input", id="lot1")


def test_csrf_field_is_empty_until_a_token_provider_is_registered(monkeypatch):
    source = '{% import "forms.html" as forms %}<form>{{ forms.csrf_field(request) }}</form>'
    assert not _render_string(monkeypatch, source).find("input")
    add_global("csrf_token", lambda request: "abc")
    assert _render_string(monkeypatch, source).find("input", type="hidden", name="csrf_token", value="abc")




def test_a_table_shows_its_status_column_as_badges_and_hides_a_caption_on_request(monkeypatch):
    page = _render_string(
        monkeypatch,
        '{% import "components.html" as ui %}{{ ui.table("t", "Marchés", ["Objet", "Statut"], rows, hide_caption=true,'
        ' badges={"column": 1, "kinds": {"Notifié": "success"}}) }}',
        rows=[["Voirie", "Notifié"], ["Cantine", "À notifier"]],
    )
    badges = with_class(page, "span", "unefois-badge")
    assert [classes(b) & {"unefois-badge--success", "unefois-badge--neutral"} for b in badges] == [
        {"unefois-badge--success"}, {"unefois-badge--neutral"}]
    assert "visually-hidden" in classes(page.find("caption")[0])
    wrapper = page.find("div", id="t-table")[0]
    assert wrapper["tabindex"] == "0" and wrapper["role"] == "region" and wrapper["aria-label"] == "Marchés"
