"""Front-end assets, all served from the service's own origin (nothing loads from elsewhere).

    /static/bootstrap   -> node_modules/bootstrap/dist        (the design system, Bootstrap 5.3)
    /static/htmx        -> node_modules/htmx.org/dist
    /static/swagger-ui  -> node_modules/swagger-ui-dist       (the offline API docs, /docs)
    /static/unefois     -> unefois_kernel/web/static          (the kernel's own small css/js)
    /static/theme       -> the operator's theme: theme.css (tokens) and logo (theme.py)
    /static/acheteurs   -> the buyers' own logos, <SIRET>.svg or .png (UNEFOIS_BUYER_LOGOS_DIR)

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
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from unefois_kernel.web.theme import Theme, logo_media_type

log = logging.getLogger("unefois.web")

ASSETS_DIR_ENV = "UNEFOIS_ASSETS_DIR"
BUYER_LOGOS_ENV = "UNEFOIS_BUYER_LOGOS_DIR"
DEMO_BUYER_LOGOS = Path(__file__).parent / "themes" / "acheteurs"
KERNEL_STATIC = Path(__file__).parent / "static"

# mount path -> directory inside node_modules
NPM_MOUNTS: dict[str, str] = {
    "/static/bootstrap": "bootstrap/dist",
    "/static/htmx": "htmx.org/dist",
    "/static/swagger-ui": "swagger-ui-dist",
}


def node_modules_dir() -> Path:
    """UNEFOIS_ASSETS_DIR if set, else <repo>/node_modules (this file is <repo>/shared/unefois_kernel/web/assets.py)."""
    override = os.environ.get(ASSETS_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path(__file__).resolve().parents[3] / "node_modules"


def buyer_logos_dir() -> Path:
    """Where the buyers' logos are: one file per buyer organisation, named by its SIRET
    (<SIRET>.svg or <SIRET>.png), set by the operator for the members that sent one. The
    demo ships one, for the demo région."""
    override = os.environ.get(BUYER_LOGOS_ENV)
    return Path(override).expanduser() if override else DEMO_BUYER_LOGOS


def buyer_brand(siret: str | None, name: str | None) -> dict | None:
    """For a buyer's public page: {"name", "logo_url"} (logo_url None without a logo file)."""
    if not siret and not name:
        return None
    logo_url = None
    if siret and siret.isdigit():
        directory = buyer_logos_dir()
        for suffix in (".svg", ".png"):
            if (directory / f"{siret}{suffix}").is_file():
                logo_url = f"/static/acheteurs/{siret}{suffix}"
                break
    return {"name": name or f"SIRET {siret}", "logo_url": logo_url}


@dataclass(frozen=True)
class MountReport:
    mounted: dict[str, Path]
    missing: dict[str, Path]


class ThemeAssets:
    """/static/theme/theme.css and /static/theme/logo: a mounted ASGI app rather than routes, so
    that, like the other static files, they are neither access-declared API routes nor rate-limited
    page views. The URLs carry ?v=<digest>, so browsers may keep them a day."""

    def __init__(self, theme: Theme) -> None:
        self.css = theme.css().encode("utf-8")
        self.logo = theme.logo_path.read_bytes() if theme.logo_path else None
        self.logo_type = logo_media_type(theme) if theme.logo_path else ""
        self.etag = f'"{theme.digest}"'

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "").rsplit("/", 1)[-1]
        headers = {"Cache-Control": "public, max-age=86400", "ETag": self.etag}
        if scope.get("method") not in ("GET", "HEAD"):
            response: Response = PlainTextResponse("Méthode non autorisée", status_code=405, headers={"Allow": "GET, HEAD"})
        elif path == "theme.css":
            response = Response(self.css, media_type="text/css; charset=utf-8", headers=headers)
        elif path == "logo" and self.logo is not None:
            response = Response(self.logo, media_type=self.logo_type, headers=headers)
        else:
            response = PlainTextResponse("Introuvable", status_code=404)
        await response(scope, receive, send)


def mount_assets(app: FastAPI, theme: Theme, node_modules: Path | None = None) -> MountReport:
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
    app.mount("/static/theme", ThemeAssets(theme), name="static-theme")
    app.mount("/static/acheteurs", StaticFiles(directory=buyer_logos_dir(), check_dir=False), name="static-acheteurs")
    if missing:
        log.error(
            "front-end assets missing: %s; pages render without them. Run `make bootstrap` (npm ci) "
            "or set %s to a node_modules directory that has them.",
            ", ".join(f"{path} ({directory} not found)" for path, directory in missing.items()),
            ASSETS_DIR_ENV,
        )
    return MountReport(mounted, missing)
