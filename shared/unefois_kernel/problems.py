"""RFC 9457 problem+json errors: every 4xx names the field and the reason, never a bare 500.

A refused field is `{"field": "facts.main_cpv", "message": "<French text for a person>"}` in
the body's `errors[]` (plus pydantic's error `type` for request validation errors). Browsers
never see these bodies: web/errors.py answers them with a themed French page.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from unefois_kernel.domain_errors import DomainError, InvalidFields, NotFound  # noqa: F401 - re-exported for adapters
from unefois_kernel.errors import is_transient
from unefois_kernel.validation_messages import field_path, french_message

log = logging.getLogger("unefois.http")

PROBLEM_JSON = "application/problem+json"


def field_errors(exc: Exception) -> list[dict[str, str]]:
    """The refused fields of an exception, as problem+json `errors[]` entries (field, message)."""
    if isinstance(exc, RequestValidationError):
        return [{"field": field_path(e["loc"]), "message": french_message(e), "type": e["type"]} for e in exc.errors()]
    if isinstance(exc, DomainError):
        listed = getattr(exc, "errors", None)
        if listed:
            return [{"field": e["field"], "message": e.get("message") or e["reason"]} for e in listed]
        return [{"field": exc.field, "message": exc.detail}] if exc.field else []
    return []


def problem(status: int, title: str, detail: str, errors: list[dict] | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


# The title of a problem by status, in French (a StarletteHTTPException's own detail is English
# for the statuses Starlette raises itself: 404 Not Found, 405 Method Not Allowed, ...).
STATUS_TITLES = {
    400: "Requête incorrecte",
    401: "Connexion requise",
    403: "Accès refusé",
    404: "Introuvable",
    405: "Méthode non autorisée",
    409: "Conflit",
    413: "Requête trop volumineuse",
    415: "Type de contenu non pris en charge",
    422: "Données invalides",
    429: "Trop de requêtes",
    500: "Erreur interne",
    503: "Service momentanément indisponible",
}
_STARLETTE_DEFAULT_DETAILS = {"Not Found", "Method Not Allowed", "Unauthorized", "Forbidden", "Bad Request",
                              "Request Entity Too Large", "Unsupported Media Type", "Internal Server Error"}


# FastAPI's 400 for a body it cannot decode (not UTF-8, a broken form): said in French, naming the body.
UNREADABLE_BODY = "There was an error parsing the body"
UNREADABLE_BODY_FR = "Le corps de la requête est illisible : JSON encodé en UTF-8 attendu."


def http_problem_text(exc: StarletteHTTPException) -> tuple[str, str]:
    """(title, detail) in French for an HTTPException, keeping our own French details."""
    title = STATUS_TITLES.get(exc.status_code, "Erreur")
    detail = str(exc.detail)
    if detail == UNREADABLE_BODY:
        return title, UNREADABLE_BODY_FR
    if detail in _STARLETTE_DEFAULT_DETAILS or not detail:
        detail = {404: "Aucune ressource à cette adresse.",
                  405: "Cette adresse n’accepte pas cette méthode HTTP."}.get(exc.status_code, title)
    return title, detail


def allowed_methods(routes, path: str) -> list[str]:
    """The methods of every route (included routers' too) whose path matches `path`."""
    methods: set[str] = set()
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            methods.update(allowed_methods(nested.routes, path))
        regex, route_methods = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is not None and route_methods and regex.match(path):
            methods.update(route_methods)
    return sorted(methods)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation_failed(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = field_errors(exc)
        detail = "; ".join(f"{e['field']} : {e['message']}" for e in errors)
        return problem(422, STATUS_TITLES[422], detail, errors)

    @app.exception_handler(DomainError)
    async def domain_refused(_request: Request, exc: DomainError) -> JSONResponse:
        title = "Introuvable" if exc.status == 404 else "Demande refusée"
        return problem(exc.status, title, exc.detail, field_errors(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title, detail = http_problem_text(exc)
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            # Starlette's Allow names the methods of the first route matching the path only
            # (GET /auth/logout hides POST /auth/logout): name those of every route of the path.
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request.app.routes, request.url.path))}
        errors = [{"field": "body", "message": detail}] if str(exc.detail) == UNREADABLE_BODY else None
        return problem(exc.status_code, title, detail, errors, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        if is_transient(exc):
            response = problem(503, "Service momentanément indisponible", "Réessayez dans quelques secondes.")
            response.headers["Retry-After"] = "5"
            return response
        log.exception("unexpected error")
        return problem(500, "Erreur interne", "Une erreur inattendue est survenue ; elle a été journalisée.")
