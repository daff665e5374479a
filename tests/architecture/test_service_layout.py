"""One service shape (issue 8, ARCHITECTURE.md "Inside a service"): every service is composed in
main.py from feature areas whose inner modules have fixed names, and tests in two tiers.

    unefois_<stage>/
      main.py repositories.py        composition; the areas' repositories on one connection
      <area>/ domain.py service.py repository.py [views.py] [api.py web.py handlers.py]
      migrations/ templates/ reference/ ...   data
    tests/unit/ tests/integration/

A module with another name inside an area is listed below with the reason it exists, so a new
one is a decision, not a drift."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVICES = sorted(path.parent for path in (REPO / "services").glob("*/pyproject.toml"))

TOP_LEVEL_MODULES = {"__init__.py", "main.py", "repositories.py", "settings.py"}
AREA_MODULES = {"__init__.py", "domain.py", "service.py", "repository.py", "views.py", "api.py", "web.py", "handlers.py"}
REQUIRED_IN_AREA = {"domain.py", "service.py", "repository.py"}
ADAPTERS = {"api.py", "web.py", "handlers.py"}
# Folders of a service package that hold data, not code.
DATA_FOLDERS = {"migrations", "templates", "reference", "static", "__pycache__"}

EXTRA_AREA_MODULES = {
    "sourcing/needs/form.py": "the need form's fields to the API's draft and refusals back to its controls (pure)",
    "sourcing/suppliers/import_sirene.py": "the operator command loading the SIRENE stock file (bulk COPY)",
    "sourcing/suppliers/synthetic.py": "made-up SIRENE files for the import's tests and benchmark",
    "tendering/bids/custody.py": "the key-custody port and its file adapter (the KEK from a service secret file)",
    "opendata/records/decp.py": "the DECP 2.0.3 record and its check against the official schema (pure)",
}


def package_of(service: Path) -> Path:
    (package,) = [path for path in service.glob("unefois_*") if path.is_dir() and not path.name.endswith(".egg-info")]
    return package


def areas_of(package: Path) -> list[Path]:
    return sorted(path for path in package.iterdir() if path.is_dir() and path.name not in DATA_FOLDERS)


@pytest.mark.parametrize("service", SERVICES, ids=lambda path: path.name)
def test_the_service_is_composed_of_areas(service: Path) -> None:
    package = package_of(service)
    top_level = {path.name for path in package.glob("*.py")}
    assert top_level - TOP_LEVEL_MODULES == set(), "top-level modules belong in an area"
    assert {"main.py", "repositories.py"} <= top_level
    assert "repositories=Repositories.on" in (package / "main.py").read_text(encoding="utf-8")
    assert areas_of(package), "a service has at least one area"


@pytest.mark.parametrize("service", SERVICES, ids=lambda path: path.name)
def test_every_area_has_the_fixed_inner_names(service: Path) -> None:
    problems = []
    for area in areas_of(package_of(service)):
        names = {path.name for path in area.glob("*.py")}
        label = f"{service.name}/{area.name}"
        if missing := REQUIRED_IN_AREA - names:
            problems.append(f"{label}: no {', '.join(sorted(missing))}")
        if not names & ADAPTERS:
            problems.append(f"{label}: nothing reaches it (no api.py, web.py or handlers.py)")
        for extra in sorted(names - AREA_MODULES):
            if f"{label}/{extra}" not in EXTRA_AREA_MODULES:
                problems.append(f"{label}/{extra}: not one of the area's names, nor a listed exception")
        if any(path.is_dir() and path.name != "__pycache__" for path in area.iterdir()):
            problems.append(f"{label}: an area has no sub-folders (split it into two areas)")
    assert problems == []


def test_the_listed_exceptions_exist() -> None:
    stale = [name for name in EXTRA_AREA_MODULES if not (REPO / "services" / name.split("/")[0]
                                                          / f"unefois_{name.split('/')[0]}" / name.split("/", 1)[1]).is_file()]
    assert stale == []


@pytest.mark.parametrize("service", SERVICES, ids=lambda path: path.name)
def test_tests_come_in_two_tiers(service: Path) -> None:
    tests = service / "tests"
    loose = sorted(path.name for path in tests.glob("test_*.py"))
    assert loose == [], "a test is a unit test (fake unit of work) or an integration test (real database)"
    for tier in ("unit", "integration"):
        assert list((tests / tier).glob("test_*.py")), f"{service.name} has no {tier} test"
