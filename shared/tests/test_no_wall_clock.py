"""One clock: business dates and instants come from `unefois_kernel.clock`, never from the wall clock.

Walks every module of the running services (services/*/unefois_*) and of the kernel (shared/unefois_kernel),
tests excluded, and fails naming file:line for a call to `datetime.now`, `datetime.utcnow`, `datetime.today`,
`date.today` (however `datetime` is imported) or `time.time` outside the clock and the short allow-list below.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLOCK = Path("shared/unefois_kernel/clock.py")

# Files that may still read the wall clock, and why: none of them makes a business date.
ALLOWED: dict[Path, str] = {
    CLOCK: "the system clock itself",
    Path("shared/unefois_kernel/auth/tokens.py"): "time.time(): a verified token's cache entry expires with its JWT exp (epoch seconds)",
    Path("shared/unefois_kernel/auth/login.py"): "time.time(): the session cookie lives as long as the access token's JWT exp",
    Path("shared/unefois_kernel/web/security.py"): "time.time(): signed form/flash tokens' exp and the rate limiter's epoch windows",
}

FORBIDDEN = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
}


def scanned_files() -> list[Path]:
    roots = [*sorted((REPO / "services").glob("*/unefois_*")), REPO / "shared" / "unefois_kernel",
             REPO / "shared" / "events" / "unefois_events", REPO / "shared" / "rules" / "unefois_rules"]
    files = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            relative = path.relative_to(REPO)
            if "tests" not in relative.parts:
                files.append(relative)
    return files


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> 'datetime' | 'date' | 'time' | 'module:datetime' | 'module:time'."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in {"datetime", "time"}:
                    names[alias.asname or alias.name] = f"module:{alias.name}"
        elif isinstance(node, ast.ImportFrom) and node.module in {"datetime", "time"}:
            for alias in node.names:
                if (node.module, alias.name) in {("datetime", "datetime"), ("datetime", "date"), ("time", "time")}:
                    names[alias.asname or alias.name] = alias.name if node.module == "datetime" else "time()"
    return names


def wall_clock_calls(source: str, filename: str = "<source>") -> list[tuple[int, str]]:
    """(line, call) for every wall-clock read in a module."""
    tree = ast.parse(source, filename)
    aliases = _aliases(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        call = None
        if isinstance(func, ast.Name) and aliases.get(func.id) == "time()":
            call = "time.time"  # from time import time
        elif isinstance(func, ast.Attribute):
            owner = func.value
            if isinstance(owner, ast.Name):
                kind = aliases.get(owner.id)
                if kind in {"datetime", "date"}:
                    call = f"{kind}.{func.attr}"
                elif kind == "module:time":
                    call = f"time.{func.attr}"
            elif (isinstance(owner, ast.Attribute) and isinstance(owner.value, ast.Name)
                  and aliases.get(owner.value.id) == "module:datetime"):
                call = f"{owner.attr}.{func.attr}"  # datetime.datetime.now()
        if call is not None and tuple(call.split(".")) in FORBIDDEN:
            found.append((node.lineno, call))
    return sorted(found)


def offences() -> list[str]:
    found = []
    for relative in scanned_files():
        if relative in ALLOWED:
            continue
        for line, call in wall_clock_calls((REPO / relative).read_text(encoding="utf-8"), str(relative)):
            found.append(f"{relative}:{line}: {call}()")
    return found


def test_no_wall_clock_outside_the_kernel_clock() -> None:
    found = offences()
    assert not found, (
        "read the date and time from the service's clock (runtime_of(request).clock, or a clock/at=/today= "
        "argument), not the wall clock:\n" + "\n".join(found)
    )


def test_the_scan_covers_every_stage_and_the_kernel() -> None:
    files = {str(path) for path in scanned_files()}
    for stage in ("sourcing", "tendering", "contracts", "invoicing", "opendata"):
        assert f"services/{stage}/unefois_{stage}/main.py" in files
    assert "shared/unefois_kernel/app.py" in files
    assert not any("/tests/" in path for path in files)
    assert all((REPO / path).is_file() for path in ALLOWED), "an allowed file no longer exists: drop it from ALLOWED"


def test_the_detector_sees_every_spelling() -> None:
    source = """
import datetime
import datetime as dt
import time
from datetime import UTC, date, datetime as DT
from time import time as now_s

a = datetime.datetime.now(UTC)
b = dt.date.today()
c = DT.utcnow()
d = DT.today()
e = date.today()
f = time.time()
g = now_s()
ok = time.monotonic() + DT.fromisoformat("2026-01-01").timestamp()
"""
    assert [call for _line, call in wall_clock_calls(source)] == [
        "datetime.now", "date.today", "datetime.utcnow", "datetime.today", "date.today", "time.time", "time.time",
    ]
