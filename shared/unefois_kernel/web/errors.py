"""Themed French error pages for browsers; APIs keep their problem+json.

A request whose Accept header asks for text/html (a browser navigating or submitting a
form) never sees raw JSON: every refusal, whatever raised it (an HTTP or domain error, a
request that fails validation, an unexpected exception, or a middleware's refusal: CSRF,
rate limit, body too large), is answered with the layout's error page: what happened in
French, what to do, and a way back. htmx requests and API clients get problem+json.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import Scope

from unefois_kernel.auth.access import optional_principal
from unefois_kernel.problems import STATUS_TITLES, DomainError, field_errors, problem
from unefois_kernel.web.templating import render

# status -> (title, explanation, what to do). {retry} is the Retry-After delay in seconds.
_PAGES: dict[int, tuple[str, str]] = {
    400: ("Demande incorrecte", "Le service n’a pas pu comprendre la demande envoyée par votre navigateur."),
    401: ("Connexion requise", "Cette page est réservée aux personnes connectées. Connectez-vous pour continuer."),
    403: ("Accès refusé", "Votre rôle ne vous permet pas d’accéder à cette page. Si vous pensez qu’il s’agit d’une erreur, contactez l’administrateur de votre organisation."),
    404: ("Page introuvable", "La page que vous cherchez n’existe pas, a été déplacée, ou vous n’y avez pas accès. Vérifiez l’adresse saisie."),
    405: ("Action impossible à cette adresse", "Cette page ne permet pas l’action demandée. Revenez à la page précédente et utilisez ses boutons."),
    409: ("Action impossible dans l’état actuel", "Le dossier a changé depuis l’ouverture de la page, ou l’action n’est plus possible à ce stade."),
    413: ("Envoi trop volumineux", "Ce que vous avez envoyé dépasse la taille autorisée. Réduisez la taille du fichier ou du texte, puis recommencez."),
    415: ("Type de fichier non accepté", "Le type de ce que vous avez envoyé n’est pas accepté ici."),
    422: ("Données refusées", "Certaines informations envoyées ne sont pas valables. Revenez au formulaire, corrigez-les et recommencez."),
    429: ("Trop de demandes", "Vous avez fait beaucoup de demandes en peu de temps."),
    500: ("Erreur inattendue", "Une erreur inattendue est survenue de notre côté. Elle a été enregistrée et sera examinée ; vos données déjà enregistrées ne sont pas perdues."),
    503: ("Service momentanément indisponible", "Le service est momentanément indisponible. Vos données déjà enregistrées ne sont pas perdues."),
}
CSRF_PAGE = ("Formulaire expiré", "Par sécurité, ce formulaire n’est plus valable : il a été ouvert avant votre dernière connexion ou depuis trop longtemps. Revenez à la page, rechargez-la et recommencez ; rien n’a été enregistré.")


def wants_html(request_or_scope: Request | Scope) -> bool:
    """A browser navigation (Accept names text/html), not an htmx fragment request."""
    headers = request_or_scope.headers if isinstance(request_or_scope, Request) else Request(request_or_scope).headers
    return "text/html" in headers.get("accept", "").lower() and headers.get("hx-request") != "true"


def _back_url(request: Request) -> str | None:
    """The page the person came from, when it is on this service (never another site)."""
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    if not referer or parts.netloc != request.url.netloc:
        return None
    back = parts.path + (f"?{parts.query}" if parts.query else "")
    return back if back != request.url.path else None


async def _identify(request: Request) -> None:
    """The header shows who is signed in on error pages too: an unknown path ran no access
    check, so the session is read here (quietly: a bad or stale one reads as anonymous)."""
    if getattr(request.state, "principal", None) is not None:
        return
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None or getattr(runtime, "token_verifier", None) is None:
        return
    try:
        await optional_principal(request)
    except Exception:  # noqa: BLE001 - an error page must render whatever the credentials
        return


def error_page(request: Request, status: int, *, detail: str | None = None, errors: list[dict] | None = None,
               headers: Mapping[str, str] | None = None, page: tuple[str, str] | None = None) -> Response:
    title, explanation = page or _PAGES.get(status, (STATUS_TITLES.get(status, "Erreur"), "La demande n’a pas abouti."))
    retry_after = next((v for k, v in (headers or {}).items() if k.lower() == "retry-after"), None)
    response = render(request, "error.html", {
        "title": title,
        "status": status,
        "message": explanation,
        "detail": detail if detail and detail != explanation else None,
        "errors": errors or [],
        "retry_after": int(retry_after) if retry_after and str(retry_after).isdigit() else None,
        "back_url": _back_url(request),
    }, status_code=status)
    for name, value in (headers or {}).items():
        response.headers.setdefault(name, value)
    return response


def refusal(scope: Scope, status: int, title: str, detail: str, errors: list[dict] | None = None, *,
            headers: Mapping[str, str] | None = None, page: tuple[str, str] | None = None) -> Response:
    """What a middleware answers when it refuses a request: the themed page for a browser,
    problem+json otherwise (and wherever the web layer is not installed)."""
    app = scope.get("app")
    if getattr(getattr(app, "state", None), "web", None) is not None and wants_html(scope):
        return error_page(Request(scope), status, detail=detail, errors=errors, headers=headers, page=page)
    return problem(status, title, detail, errors, headers=dict(headers or {}))


def install_html_errors(app: FastAPI) -> None:
    """Wrap the installed handlers (problems.py) so that browsers get the page; call after
    install_problem_handlers."""
    for exc_class in (StarletteHTTPException, DomainError, RequestValidationError, Exception):
        fallback = app.exception_handlers.get(exc_class)
        if fallback is None:
            continue

        def make_handler(fallback=fallback, exc_class=exc_class):
            async def handler(request: Request, exc: Exception):
                response = await fallback(request, exc)
                if not wants_html(request) or response.status_code < 400:
                    return response
                await _identify(request)
                detail = None
                if isinstance(exc, DomainError):
                    detail = exc.detail
                elif isinstance(exc, StarletteHTTPException) and exc.status_code in (409, 422):
                    detail = str(exc.detail)
                page = error_page(request, response.status_code, detail=detail, errors=field_errors(exc),
                                  headers={k: v for k, v in response.headers.items()
                                           if k.lower() in ("retry-after", "www-authenticate", "allow")})
                return page

            return handler

        app.add_exception_handler(exc_class, make_handler())
