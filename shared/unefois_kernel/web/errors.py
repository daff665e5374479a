"""HTML error pages for browsers; APIs keep their problem+json.

A request whose Accept header asks for text/html (a browser navigating) and that ends in
401, 403 or 404 gets a French DSFR page with the layout; every other request, and every
other status, is answered by the handlers already installed (problems.py), unchanged.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException

from unefois_kernel.problems import DomainError
from unefois_kernel.web.templating import render

HTML_STATUSES = (401, 403, 404)

_PAGES = {
    401: ("Connexion requise", "Cette page est réservée aux personnes connectées. Connectez-vous pour continuer."),
    403: ("Accès refusé", "Votre rôle ne vous permet pas d’accéder à cette page. Si vous pensez qu’il s’agit d’une erreur, contactez l’administrateur de votre organisation."),
    404: ("Page introuvable", "La page que vous cherchez n’existe pas, a été déplacée, ou vous n’y avez pas accès. Vérifiez l’adresse saisie."),
}


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "").lower()


def error_page(request: Request, status: int):
    title, message = _PAGES[status]
    return render(request, "error.html", {"title": title, "status": status, "message": message}, status_code=status)


def install_html_errors(app: FastAPI) -> None:
    """Wrap the installed handlers of HTTP and domain errors; call after install_problem_handlers."""
    for exc_class in (StarletteHTTPException, DomainError):
        fallback = app.exception_handlers.get(exc_class)
        if fallback is None:
            continue

        def make_handler(fallback=fallback):
            async def handler(request: Request, exc: Exception):
                status = getattr(exc, "status_code", None) or getattr(exc, "status", None)
                if status in HTML_STATUSES and wants_html(request):
                    response = error_page(request, status)
                    for name, value in (getattr(exc, "headers", None) or {}).items():
                        response.headers.setdefault(name, value)
                    return response
                return await fallback(request, exc)

            return handler

        app.add_exception_handler(exc_class, make_handler())
