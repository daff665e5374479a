"""RFC 9457 problem+json errors: every 4xx names the field and the reason, never a bare 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from unefois_kernel.errors import is_transient

log = logging.getLogger("unefois.http")

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    """A request the domain refuses: 409/422 with the field concerned."""

    status = 422

    def __init__(self, detail: str, *, field: str | None = None, status: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        if status is not None:
            self.status = status


class NotFound(DomainError):
    status = 404


class InvalidFields(DomainError):
    """Several fields refused at once (422), each with its reason, like a validation error."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['reason']}" for e in errors), field=errors[0]["field"])
        self.errors = errors


def problem(status: int, title: str, detail: str, errors: list[dict] | None = None) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _field_of(location: tuple) -> str:
    # ("body", "purchase", "buyer", "siret") -> "purchase.buyer.siret"
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation_failed(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field_of(tuple(e["loc"])), "reason": e["msg"]} for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        return problem(422, "Données invalides", detail, errors)

    @app.exception_handler(DomainError)
    async def domain_refused(_request: Request, exc: DomainError) -> JSONResponse:
        errors = getattr(exc, "errors", None) or ([{"field": exc.field, "reason": exc.detail}] if exc.field else None)
        title = "Introuvable" if exc.status == 404 else "Demande refusée"
        return problem(exc.status, title, exc.detail, errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        if is_transient(exc):
            response = problem(503, "Service momentanément indisponible", "Réessayez dans quelques secondes.")
            response.headers["Retry-After"] = "5"
            return response
        log.exception("unexpected error")
        return problem(500, "Erreur interne", "Une erreur inattendue est survenue ; elle a été journalisée.")
