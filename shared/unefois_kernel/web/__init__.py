"""The shared web layer of the stage UIs: themed layout, forms, static assets, HTML error pages.

    from unefois_kernel.web import render

    @router.get("/", response_class=HTMLResponse)
    async def home(request: Request, principal=public()):
        return render(request, "home.html", {"title": "Accueil"})

`install_web(app, stage=..., package=...)` is called by the app factory (app.py). The look
is Bootstrap 5.3, themed by the operator's brand (theme.py: UNEFOIS_THEME).
"""

from __future__ import annotations

from fastapi import FastAPI

from unefois_kernel.web.assets import buyer_brand, mount_assets, node_modules_dir
from unefois_kernel.web.errors import install_html_errors, wants_html
from unefois_kernel.web.templating import STAGE_LABELS, Web, add_global, format_date, format_euros, render, web_of
from unefois_kernel.web.theme import Theme, ThemeError, load_theme

__all__ = [
    "STAGE_LABELS", "Theme", "buyer_brand", "ThemeError", "Web", "add_global", "format_date", "format_euros", "install_web",
    "load_theme", "node_modules_dir", "render", "wants_html", "web_of",
]


def install_web(app: FastAPI, *, stage: str, package: str | None, theme: Theme | None = None) -> Web:
    """Templates (the service package's templates/ first, then the kernel's), static mounts and
    the theme, footer pages, offline API docs, HTML error pages for browsers. Call after
    install_problem_handlers(app). Raises ThemeError when the deployment's theme is refused."""
    from unefois_kernel.web.docs import router as docs_router
    from unefois_kernel.web.pages import router as pages_router

    web = Web(stage, package, theme=theme)
    app.state.web = web
    mount_assets(app, web.theme)
    app.include_router(pages_router)
    app.include_router(docs_router)
    install_html_errors(app)
    return web
