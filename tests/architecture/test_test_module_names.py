"""Every test module has a basename of its own.

pytest's default import mode imports a test file under its basename: two files named alike in
different folders pass alone and fail together with "import file mismatch" (a browser test and
a unit test once did, and only the full run on a clean clone showed it)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = {".venv", "node_modules", ".git", ".runtime"}


def _test_modules() -> list[Path]:
    return [path for path in ROOT.rglob("test_*.py") if not SKIPPED & set(path.relative_to(ROOT).parts)]


def test_no_two_test_modules_share_a_basename():
    by_name: dict[str, list[str]] = defaultdict(list)
    for path in _test_modules():
        by_name[path.name].append(str(path.relative_to(ROOT)))
    clashes = {name: sorted(paths) for name, paths in by_name.items() if len(paths) > 1}
    assert clashes == {}, f"rename one of each: {clashes}"


def test_the_scan_sees_the_test_modules():
    # The check above means nothing if the scan finds nothing: it sees this very file.
    assert Path(__file__).resolve() in {path.resolve() for path in _test_modules()}
