"""Front-end assets from npm (node_modules at the repository root), served from the same origin.

    /static/dsfr     -> node_modules/@gouvfr/dsfr/dist   (the State design system, DSFR)
    /static/htmx     -> node_modules/htmx.org/dist
    /static/unefois  -> unefois_kernel/web/static        (the kernel's own small css/js)

`deploy/bootstrap.sh` installs node_modules (`npm ci`). The kernel is installed editable, so
the repository is found from this file; UNEFOIS_ASSETS_DIR names another node_modules
directory. A missing package is logged once at start-up and its mount skipped: pages still
render (unstyled), nothing answers 500.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

log = logging.getLogger("unefois.web")

ASSETS_DIR_ENV = "UNEFOIS_ASSETS_DIR"
KERNEL_STATIC = Path(__file__).parent / "static"

# mount path -> directory inside node_modules
NPM_MOUNTS: dict[str, str] = {
    "/static/dsfr": "@gouvfr/dsfr/dist",
    "/static/htmx": "htmx.org/dist",
}


def node_modules_dir() -> Path:
    """UNEFOIS_ASSETS_DIR if set, else <repo>/node_modules (this file is <repo>/shared/unefois_kernel/web/assets.py)."""
    override = os.environ.get(ASSETS_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path(__file__).resolve().parents[3] / "node_modules"


@dataclass(frozen=True)
class MountReport:
    mounted: dict[str, Path]
    missing: dict[str, Path]


def mount_assets(app: FastAPI, node_modules: Path | None = None) -> MountReport:
    node_modules = node_modules or node_modules_dir()
    mounted: dict[str, Path] = {}
    missing: dict[str, Path] = {}
    for path, relative in NPM_MOUNTS.items():
        directory = node_modules / relative
        if directory.is_dir():
            mounted[path] = directory
        else:
            missing[path] = directory
    mounted["/static/unefois"] = KERNEL_STATIC
    for path, directory in mounted.items():
        app.mount(path, StaticFiles(directory=directory), name=path.strip("/").replace("/", "-"))
    unexplained = dict(missing)
    if "/static/dsfr" in unexplained and "/static/htmx" not in unexplained:
        log.error(
            "the DSFR is not installed (%s not found): pages render without its styles. npm installs "
            "@gouvfr/dsfr only once the project has accepted its terms of use (README, 'Web interface').",
            unexplained.pop("/static/dsfr"),
        )
    if unexplained:
        log.error(
            "front-end assets missing: %s; pages render without them. Run `make bootstrap` (npm ci) "
            "or set %s to a node_modules directory that has them.",
            ", ".join(f"{path} ({directory} not found)" for path, directory in unexplained.items()),
            ASSETS_DIR_ENV,
        )
    return MountReport(mounted, missing)
