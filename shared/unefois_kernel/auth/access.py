"""Who may call a route: every route declares it, and the app refuses to start otherwise.

    @router.get("/api/needs", dependencies=[allow(Role.BUYER, Role.BUYER_APPROVER)])
    async def list_needs(principal: Principal = Depends(current_principal)): ...

or, more often, take the principal from the access dependency itself:

    async def approve(..., principal: Principal = allow(Role.BUYER_APPROVER)): ...

Answers: 401 without a valid token (bearer header or session cookie), 403 with a valid
token but not the role. Foreign-tenant resources answer 404 (their existence must not
leak); that is the database's row-level security plus the handlers' NotFound.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute

from unefois_kernel.auth.principal import Principal, Role
from unefois_kernel.auth.tokens import InvalidToken
from unefois_kernel.domain_errors import DomainError

SESSION_COOKIE = "unefois_session"
PUBLIC = "public"
AUTHENTICATED = "authenticated"


class Unauthenticated(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


def _token_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(SESSION_COOKIE)


def _sent_bearer(request: Request) -> bool:
    return request.headers.get("authorization", "").lower().startswith("bearer ")


async def optional_principal(request: Request) -> Principal | None:
    """The verified caller, or None when no credentials were sent."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    token = _token_of(request)
    if token is None:
        return None
    verifier = request.app.state.runtime.token_verifier
    try:
        principal = await verifier.verify(token)
    except InvalidToken as exc:
        raise Unauthenticated("jeton d'accès invalide ou expiré", field="authorization") from exc
    request.state.principal = principal
    return principal


def _access_dependency(required: frozenset[Role] | str, rate_limit: str | None = None):
    async def check(request: Request) -> Principal | None:
        if required == PUBLIC:
            # Every public route spends the caller's budget here, before the token is looked
            # at, wherever it is declared (unefois_kernel.web.security.RateLimits).
            limits = getattr(request.app.state, "rate_limits", None)
            if limits is not None:
                await limits.spend_public(request, rate_limit)
            try:
                return await optional_principal(request)
            except Unauthenticated:
                if _sent_bearer(request):
                    raise  # an API client sent a bad token: say so
                # A stale session cookie (expired, key rotated, another profile's) must not
                # lock a browser out of public pages and of /auth/login itself.
                return None
        principal = await optional_principal(request)
        if principal is None:
            raise Unauthenticated("authentification requise", field="authorization")
        if required != AUTHENTICATED and not principal.has_any(required):
            raise Forbidden("votre rôle ne permet pas cette action", field="role")
        return principal

    check.__unefois_access__ = required  # read by the route audit below and by the tests
    return check


def allow(*roles: Role):
    """Only callers holding one of these roles."""
    if not roles:
        raise ValueError("allow() needs at least one role; use public() or authenticated()")
    return Depends(_access_dependency(frozenset(roles)))


def authenticated():
    return Depends(_access_dependency(AUTHENTICATED))


def public(rate_limit: str | None = None):
    """Anyone, anonymous included (the principal is passed when there is one). Rate-limited
    per client address: the service's public budget, or the route's own (`rate_limit`,
    e.g. "30/minute")."""
    return Depends(_access_dependency(PUBLIC, rate_limit))


def declared_access(route: APIRoute) -> frozenset[Role] | str | None:
    for dependency in _walk(route.dependant.dependencies):
        access = getattr(dependency.call, "__unefois_access__", None)
        if access is not None:
            return access
    return None


def _walk(dependencies: Iterable) -> Iterable:
    for dependency in dependencies:
        yield dependency
        yield from _walk(dependency.dependencies)


def api_routes(routes: Iterable) -> Iterable[APIRoute]:
    """Every APIRoute, including those of included routers (FastAPI keeps those behind an
    _IncludedRouter instead of copying them into app.routes)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from api_routes(nested.routes)


def routes_without_access(app: FastAPI, exempt: Iterable[str] = ()) -> list[str]:
    exempt = set(exempt)
    return [
        f"{sorted(route.methods)} {route.path}"
        for route in api_routes(app.routes)
        if route.path not in exempt and declared_access(route) is None
    ]


def document_access(app: FastAPI) -> None:
    """Publish each operation's access rule in OpenAPI as `x-unefois-access`: integrators
    read who may call what, and the route x role x tenant test derives its expectations
    from it, so a new route is covered the day it is written."""
    for route in api_routes(app.routes):
        access = declared_access(route)
        rule = sorted(access) if isinstance(access, frozenset) else access
        route.openapi_extra = {**(route.openapi_extra or {}), "x-unefois-access": rule}
