"""The API documentation, offline: Swagger UI from npm (/static/swagger-ui), same origin.

FastAPI's own /docs and /redoc load their code from a CDN and start with an inline script;
this page loads everything from the service itself and starts Swagger UI from a file
(/static/unefois/js/api-docs.js), so it works with no network and under a strict CSP.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from unefois_kernel.auth.access import public

DOCS_PATH = "/docs"

router = APIRouter(include_in_schema=False)


@router.get(DOCS_PATH, response_class=HTMLResponse, dependencies=[public()])
async def api_docs(request: Request) -> HTMLResponse:
    title = f"{request.app.title} — documentation de l’API"
    openapi_url = request.app.openapi_url or "/openapi.json"
    web = getattr(request.app.state, "web", None)
    icon = f"/static/theme/logo?v={web.theme.digest}" if web is not None and web.theme.logo_path else "data:,"
    html = f"""<!doctype html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{_escape(title)}</title>
  <link rel="icon" href="{icon}">
  <link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
  <link rel="stylesheet" href="/static/unefois/css/api-docs.css">
</head>
<body>
  <header class="api-docs__header">
    <h1>{_escape(title)}</h1>
    <p><a href="/">Retour au service</a> — document OpenAPI : <a href="{openapi_url}">{openapi_url}</a>,
       canaux Kafka : <a href="/asyncapi.json">/asyncapi.json</a></p>
  </header>
  <div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
  <script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
  <script src="/static/unefois/js/api-docs.js"></script>
</body>
</html>"""
    return HTMLResponse(html)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
