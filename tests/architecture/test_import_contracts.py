"""The architecture's boundaries hold (issue 8): import-linter's contracts (.importlinter) run in
the test run, and they cover every domain/service/api/web/handlers module of the tree."""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint(config: Path, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--config", str(config), "--no-cache"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold():
    result = lint(REPO / ".importlinter", REPO)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Contracts: 8 kept, 0 broken." in result.stdout


def _source_modules(contract: str) -> list[str]:
    config = configparser.ConfigParser()
    config.read(REPO / ".importlinter")
    return config[f"importlinter:contract:{contract}"]["source_modules"].split()


def _covered(module: str, patterns: list[str]) -> bool:
    for pattern in patterns:
        regex = re.escape(pattern).replace(r"\*\*", r"[a-z_.]+").replace(r"\*", r"[a-z_]+")
        if re.fullmatch(regex, module):
            return True
    return False


def test_every_domain_and_adapter_module_is_under_a_contract():
    modules = {}
    for path in REPO.glob("services/*/unefois_*/**/*.py"):
        package_root = path.parents[len(path.relative_to(REPO / "services").parts) - 2]
        dotted = ".".join(path.relative_to(package_root).with_suffix("").parts)
        modules[dotted] = path.stem
    domain, adapters = _source_modules("domain-is-pure"), _source_modules("adapters-no-sql-driver")
    use_cases = _source_modules("use-cases-know-no-transport")
    missing = [m for m, stem in modules.items() if stem == "domain" and not _covered(m, domain)]
    missing += [m for m, stem in modules.items() if stem in ("api", "web", "handlers") and not _covered(m, adapters)]
    missing += [m for m, stem in modules.items() if stem == "service" and not _covered(m, use_cases)]
    assert missing == []


def test_a_domain_module_importing_an_io_library_breaks_the_build(tmp_path):
    # The same kind of contract on a made-up service whose domain imports asyncpg.
    package = tmp_path / "unefois_demo"
    (package / "needs").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "needs" / "__init__.py").write_text("")
    (package / "needs" / "domain.py").write_text("import asyncpg\n")
    config = tmp_path / ".importlinter"
    config.write_text(
        "[importlinter]\nroot_packages =\n    unefois_demo\ninclude_external_packages = True\n\n"
        "[importlinter:contract:pure]\nname = pure domain\ntype = forbidden\n"
        "source_modules =\n    unefois_demo.**.domain\nforbidden_modules =\n    asyncpg\n"
    )
    result = lint(config, tmp_path, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert "unefois_demo.needs.domain is not allowed to import asyncpg" in result.stdout
