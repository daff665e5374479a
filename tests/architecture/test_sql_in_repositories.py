"""SQL lives in repositories (issue 8): in a service, only `<area>/repository.py` modules (and
migrations) hold SQL text or call the database driver; routes, pages, handlers, use cases
and domain modules go through a unit of work's repositories.

import-linter (`.importlinter`) can only see imports, and a route needs no `import asyncpg`
to run `conn.fetch(...)`; this test reads the code itself: every string that starts like a
SQL statement and every call of a driver method (fetch, fetchrow, fetchval, execute,
executemany, copy_*), outside repository modules, is named with its file and line."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SQL_START = re.compile(r"^\s*(SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|WITH\s+\w+\s+AS|CREATE|ALTER|DROP)\b", re.I)
DRIVER_METHODS = {"fetch", "fetchrow", "fetchval", "execute", "executemany", "copy_records_to_table", "copy_to_table",
                  "copy_from_query", "cursor"}

# Modules that are not part of a running service's request or event path.
NOT_SERVICE_CODE = {
    # the SIRENE bulk loader is an operator command (COPY into a staging table), not a use case
    Path("services/sourcing/unefois_sourcing/suppliers/import_sirene.py"),
}


def service_modules() -> list[Path]:
    modules = []
    for package in sorted((REPO / "services").glob("*/unefois_*")):
        for path in sorted(package.rglob("*.py")):
            relative = path.relative_to(REPO)
            if path.name == "repository.py" or "migrations" in relative.parts or relative in NOT_SERVICE_CODE:
                continue
            modules.append(relative)
    return modules


def sql_in(path: Path) -> list[str]:
    tree = ast.parse((REPO / path).read_text(encoding="utf-8"), filename=str(path))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if SQL_START.match(node.value):
                found.append(f"{path}:{node.lineno}: SQL text {node.value.strip()[:50]!r}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in DRIVER_METHODS:
            if isinstance(node.func.value, ast.Name) and node.func.value.id in {"conn", "connection", "pool", "db", "tx"}:
                found.append(f"{path}:{node.lineno}: database call {node.func.value.id}.{node.func.attr}()")
    return found


@pytest.mark.parametrize("module", service_modules(), ids=str)
def test_no_sql_outside_repositories(module: Path) -> None:
    assert sql_in(module) == [], "move this SQL into the area's repository.py"


def test_the_scan_sees_sql_where_it_is() -> None:
    """The detector itself: a repository's SQL is found when scanned, so a pass above means something."""
    repositories = [p.relative_to(REPO) for p in (REPO / "services").glob("*/unefois_*/**/repository.py")]
    assert repositories, "no repository module found"
    assert any(sql_in(path) for path in repositories)
