"""The pages every stage UI links from its footer (placeholders until the texts are written)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from unefois_kernel.auth.access import public
from unefois_kernel.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)

# path -> (title, template)
LEGAL_PAGES = {
    "/accessibilite": ("Déclaration d’accessibilité", "legal/accessibilite.html"),
    "/mentions-legales": ("Mentions légales", "legal/mentions-legales.html"),
    "/donnees-personnelles": ("Données personnelles", "legal/donnees-personnelles.html"),
}


def _page(title: str, template: str):
    async def page(request: Request, _principal=public()) -> HTMLResponse:
        return render(request, template, {"title": title})

    return page


for _path, (_title, _template) in LEGAL_PAGES.items():
    router.add_api_route(_path, _page(_title, _template), methods=["GET"], response_class=HTMLResponse, name=_path.strip("/"))
