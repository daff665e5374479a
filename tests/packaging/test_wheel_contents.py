"""The wheel of each package (the shared kernel, event contracts and rules, the five services, the development issuer)
holds every file of its import package in the source tree: the templates (templates/fragments/
of sourcing too), migrations, reference files, static files and themes that package data
declares, and the modules. A file the globs of its pyproject.toml miss is absent from the
images (deploy/service.Dockerfile installs the wheels, not the tree) and fails here, named.

The wheels are built offline, as the image build would (`pip install ./shared ./services/<stage>`),
with the setuptools of the venv (deploy/bootstrap.sh pins one that has bdist_wheel):
`pip wheel --no-deps --no-build-isolation`. Each package is copied first without build/,
*.egg-info, tests and bytecode, as .dockerignore leaves them out of the image's context: a
stale build/lib of an earlier build would otherwise put a file in the wheel that the globs
no longer take."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Out of the copy, as out of the image's build context (.dockerignore).
_IGNORED = shutil.ignore_patterns(
    "build", "dist", "*.egg-info", "tests", "__pycache__", "*.py[cod]", ".pytest_cache", "node_modules",
)


@dataclass(frozen=True)
class Package:
    source: Path  # the folder of pyproject.toml
    name: str  # the import package, e.g. unefois_sourcing

    @property
    def label(self) -> str:
        return self.source.relative_to(ROOT).as_posix()


def _package(source: Path) -> Package:
    pyproject = tomllib.loads((source / "pyproject.toml").read_text())
    (include,) = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    return Package(source, include.rstrip("*"))


PACKAGES = [
    _package(ROOT / "shared"),
    _package(ROOT / "shared" / "events"),
    _package(ROOT / "shared" / "rules"),
    *(_package(pyproject.parent) for pyproject in sorted((ROOT / "services").glob("*/pyproject.toml"))),
    _package(ROOT / "deploy" / "dev_issuer"),
]


def source_files(package: Package) -> set[str]:
    """Every file of the import package in the source tree, as a wheel names it (bytecode aside)."""
    root = package.source / package.name
    return {
        path.relative_to(package.source).as_posix()
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in {".pyc", ".pyo"}
    }


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """package label -> the names in its wheel; every wheel from one pip run."""
    base = tmp_path_factory.mktemp("wheels")
    copies = []
    for package in PACKAGES:
        # Its pyproject.toml and its import package only: shared/ also holds the folders of
        # the events and rules packages, which are wheels of their own.
        copy = base / "src" / package.label
        copy.mkdir(parents=True)
        shutil.copy2(package.source / "pyproject.toml", copy / "pyproject.toml")
        shutil.copytree(package.source / package.name, copy / package.name, ignore=_IGNORED)
        copies.append(copy)
    out = base / "out"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "--disable-pip-version-check", "--quiet", "-w", str(out), *map(str, copies)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, f"pip wheel failed:\n{result.stdout}\n{result.stderr}"
    names = {}
    for package in PACKAGES:
        (wheel,) = out.glob(f"{package.name}-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            names[package.label] = set(archive.namelist())
    return names


def test_every_package_is_checked():
    labels = [package.label for package in PACKAGES]
    assert labels[0] == "shared" and labels[-1] == "deploy/dev_issuer"
    assert len(labels) == 9, labels  # the kernel, the event contracts, the rules, five services, the issuer
    assert len({package.name for package in PACKAGES}) == len(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES, ids=lambda package: package.label)
def test_wheel_holds_every_file_of_the_package(package: Package, wheels: dict[str, set[str]]):
    expected = source_files(package)
    # Something to compare: the modules, and data in every package that declares some (the
    # event contracts and the rules are code only).
    assert any(name.endswith(".py") for name in expected)
    declares_data = "package-data" in tomllib.loads((package.source / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert any(not name.endswith(".py") for name in expected) == declares_data
    missing = sorted(expected - wheels[package.label])
    assert missing == [], f"{package.label}: not in the wheel (see [tool.setuptools.package-data]): {missing}"
    # No bytecode of the tree in the wheel.
    assert [name for name in wheels[package.label] if name.endswith((".pyc", ".pyo"))] == []
