"""The shared web layer of the stage UIs: DSFR layout, forms, static assets, HTML error pages.

    from unefois_kernel.web import render

    @router.get("/", response_class=HTMLResponse)
    async def home(request: Request, principal=public()):
        return render(request, "home.html", {"title": "Accueil"})

`install_web(app, stage=..., package=...)` is called by the app factory (app.py).
"""

from __future__ import annotations

from fastapi import FastAPI

from unefois_kernel.web.assets import mount_assets, node_modules_dir
from unefois_kernel.web.errors import install_html_errors, wants_html
from unefois_kernel.web.templating import STAGE_LABELS, Web, add_global, format_date, format_euros, render, web_of

__all__ = [
    "STAGE_LABELS", "Web", "add_global", "format_date", "format_euros", "install_web", "node_modules_dir", "render",
    "wants_html", "web_of",
]


def install_web(app: FastAPI, *, stage: str, package: str | None) -> Web:
    """Templates (the service package's templates/ first, then the kernel's), static mounts,
    footer pages, HTML error pages for browsers. Call after install_problem_handlers(app)."""
    from unefois_kernel.web.pages import router as pages_router

    web = Web(stage, package)
    app.state.web = web
    report = mount_assets(app)
    # The Marianne block ("République française") is the State's visual identity: shown
    # only where the operator accepted the DSFR's terms of use, which reserve it to State
    # services (README, "Web interface"). Otherwise the header carries the service name only.
    web.env.globals["state_identity"] = "/static/dsfr" in report.mounted
    app.include_router(pages_router)
    install_html_errors(app)
    return web
