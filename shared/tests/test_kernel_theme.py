"""The operator's theme: loaded from TOML, its colours checked for WCAG 2.2 AA contrast at
start-up, and what it changes in the rendered pages (issue 7, item 3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from unefois_kernel.auth.access import public
from unefois_kernel.problems import install_problem_handlers
from unefois_kernel.web import install_web, render
from unefois_kernel.web.theme import THEMES_DIR, ThemeError, contrast_ratio, contrast_failures, load_theme

NEUTRE = (THEMES_DIR / "neutre.toml").read_text(encoding="utf-8")


def test_contrast_ratio_follows_the_wcag_definition():
    # Reference values: black on white is 21:1, a colour on itself 1:1, #767676 on white is the
    # lightest grey that passes 4.5:1 (4.54), #777777 fails (4.48).
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#1f4e8c", "#1f4e8c") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_both_demo_themes_pass_every_pair():
    for name in ("neutre", "bocage"):
        theme = load_theme(name)
        assert contrast_failures(theme.colors) == []
        assert theme.logo_path is not None and theme.logo_path.is_file()


def write_theme(tmp_path: Path, text: str) -> Path:
    shutil.copy(THEMES_DIR / "neutre.svg", tmp_path / "neutre.svg")
    path = tmp_path / "operateur.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "pair", "ratio"), [
    ('text = "#1e1e1e"', 'text = "#8a8a8a"', "colors.text on colors.background", "3.45:1"),
    ('primary = "#1f4e8c"', 'primary = "#6fa0dc"', "colors.primary on colors.background", "2.71:1"),
    ('focus = "#c2410c"', 'focus = "#f5c6a5"', "colors.focus on colors.background", "1."),
    ('secondary = "#2b3440"', 'secondary = "#9aa5b4"', "colors.on_secondary on colors.secondary", "2."),
])
def test_a_theme_with_a_failing_pair_is_refused_naming_the_pair_and_its_ratio(tmp_path, old, new, pair, ratio):
    path = write_theme(tmp_path, NEUTRE.replace(old, new))
    with pytest.raises(ThemeError) as refused:
        load_theme(str(path))
    message = str(refused.value)
    assert pair in message and ratio in message and "WCAG 2.2 AA" in message


@pytest.mark.parametrize(("old", "new", "reason"), [
    ('primary = "#1f4e8c"', 'primary = "bleu"', "colors.primary must be a #rrggbb colour"),
    ('focus = "#c2410c"\n', "", "colors.focus is missing"),
    ('logo = "neutre.svg"', 'logo = "absent.svg"', "not found"),
    ('logo = "neutre.svg"', 'logo = "neutre.gif"', "SVG or PNG"),
    ('name = "unefois — plateforme mutualisée d’achat public"', 'name = ""', "name must be a non-empty string"),
    ('url = "/accessibilite#contact"', 'url = "javascript:alert(1)"', "contact.url must be an http(s) URL"),
])
def test_a_malformed_theme_is_refused_with_the_setting_named(tmp_path, old, new, reason):
    path = write_theme(tmp_path, NEUTRE.replace(old, new))
    with pytest.raises(ThemeError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        load_theme(str(path))


def test_a_png_logo_must_really_be_a_png(tmp_path):
    (tmp_path / "logo.png").write_text("<svg></svg>")
    path = write_theme(tmp_path, NEUTRE.replace('logo = "neutre.svg"', 'logo = "logo.png"'))
    with pytest.raises(ThemeError, match="is not the PNG file its name says"):
        load_theme(str(path))


def test_an_unknown_theme_name_lists_the_shipped_ones():
    with pytest.raises(ThemeError, match="shipped themes: bocage, neutre"):
        load_theme("inexistant")


def test_a_service_does_not_start_with_a_refused_theme(tmp_path, monkeypatch):
    import unefois_kernel.web.theme as theme_module

    path = write_theme(tmp_path, NEUTRE.replace('text = "#1e1e1e"', 'text = "#aaaaaa"'))
    monkeypatch.setenv("UNEFOIS_THEME", str(path))
    theme_module.deployment_theme.cache_clear()
    try:
        with pytest.raises(ThemeError, match="colors.text on colors.background"):
            install_web(FastAPI(), stage="sourcing", package=None)
    finally:
        theme_module.deployment_theme.cache_clear()


def client_with(theme_name: str) -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)
    install_web(app, stage="opendata", package=None, theme=load_theme(theme_name))

    @app.get("/")
    async def home(request: Request, _principal=public()):
        return render(request, "error.html", {"title": "Accueil", "status": 200, "message": ""})

    return TestClient(app)


def test_switching_the_theme_changes_the_rendered_tokens_brand_and_logo():
    neutre, bocage = client_with("neutre"), client_with("bocage")
    css_neutre = neutre.get("/static/theme/theme.css").text
    css_bocage = bocage.get("/static/theme/theme.css").text
    assert "--bs-primary: #1f4e8c;" in css_neutre and "--bs-primary: #1e6b3a;" in css_bocage
    assert "--bs-body-bg: #ffffff;" in css_neutre and "--bs-body-bg: #fbfaf5;" in css_bocage
    assert "--unefois-secondary: #2b3440;" in css_neutre and "--unefois-secondary: #4a2f1d;" in css_bocage
    page_neutre, page_bocage = neutre.get("/").text, bocage.get("/").text
    assert "<title>Accueil — Données ouvertes — unefois</title>" in page_neutre
    assert "<title>Accueil — Données ouvertes — Bocage Numérique</title>" in page_bocage
    assert "Bocage Numérique — syndicat mixte" in page_bocage and "Bocage Numérique" not in page_neutre
    assert "marches@bocage-numerique.example" in page_bocage
    # The stylesheet URL carries the theme's digest, so a browser never keeps another theme's tokens.
    digest = lambda html: html.split("/static/theme/theme.css?v=")[1].split('"')[0]  # noqa: E731
    assert digest(page_neutre) != digest(page_bocage)
    assert neutre.get("/static/theme/logo").content != bocage.get("/static/theme/logo").content
