"""The OpenAPI document tells the truth: every refusal a route can answer, with its body.

FastAPI documents a route's success and a 422 with its own `HTTPValidationError` body, which
the services never send. `install_openapi(app)` post-processes the generated document, once,
so that every operation also lists the 4xx it can answer, derived from what the kernel knows
of the route:

  400  the route takes a body: one that cannot be decoded (not UTF-8)
  401  always: a protected route without a valid token; a public one sent a bad bearer token
  403  the route allows some roles only (allow()), or its method is unsafe (CSRF of a session)
  404  the path names a resource (a path parameter): absent, or another tenant's
  409  an unsafe method on a named resource: a transition its current state refuses
  413  the route takes a body: over the size limit
  422  the route takes parameters or a body: a field refused (pydantic or the domain)
  429  a public route (or login): its rate limit is spent (with Retry-After)

each with the ONE problem+json body (RFC 9457, component `Problem`) under the media type
application/problem+json. A status the route already documents itself (`responses=` on the
decorator) keeps its own description. The field constraints (patterns, bounds, lengths) are
whatever pydantic emits for the request models and parameters: nothing here removes them.
Operations also carry their security requirement (bearer JWT; optional on public routes).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from unefois_kernel.auth.access import (
    AUTHENTICATED,
    PUBLIC,
    api_routes,
    declared_access,
)
from unefois_kernel.problems import PROBLEM_JSON

PROBLEM = "Problem"
PROBLEM_FIELD = "ProblemField"
BEARER = "bearer"
UNSAFE_METHODS = frozenset({"post", "put", "patch", "delete"})
# Probes are never throttled (web/security.py): no 429 for them.
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# The redirects of the kernel's browser login routes (auth/login.py) are part of their contract.
# (method, path) -> (status, description, whether the route never answers FastAPI's default 200).
REDIRECTS = {
    ("get", "/auth/login"): ("303", "Redirection vers la page de connexion du fournisseur d’identité", True),
    ("get", "/auth/logout"): ("303", "Pas de session : redirection vers l’accueil", False),
}

DESCRIPTIONS = {
    400: "Corps illisible : ce n’est pas du JSON encodé en UTF-8",
    401: "Connexion requise : jeton d’accès absent, invalide ou expiré",
    403: "Accès refusé : le rôle de l’appelant ne permet pas cette action, ou jeton anti-CSRF de la session absent",
    404: "Introuvable : la ressource n’existe pas ou n’est pas visible de l’appelant",
    409: "Conflit : l’état actuel de la ressource ne permet pas cette action",
    413: "Requête trop volumineuse : le corps dépasse la taille admise",
    422: "Données invalides : chaque champ refusé est nommé dans `errors`",
    429: "Trop de requêtes : réessayez après le délai indiqué par Retry-After",
}

PROBLEM_SCHEMAS: dict[str, dict[str, Any]] = {
    PROBLEM: {
        "title": PROBLEM,
        "description": "Un refus au format RFC 9457 (application/problem+json), en français.",
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "description": "URI du type de problème (about:blank)"},
            "title": {"type": "string", "description": "Intitulé court du refus"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599, "description": "Statut HTTP"},
            "detail": {"type": "string", "description": "Explication destinée à une personne"},
            "errors": {"type": "array", "items": {"$ref": f"#/components/schemas/{PROBLEM_FIELD}"},
                       "description": "Les champs refusés"},
        },
    },
    PROBLEM_FIELD: {
        "title": PROBLEM_FIELD,
        "type": "object",
        "required": ["field", "message"],
        "properties": {
            "field": {"type": "string", "description": "Chemin du champ (ex. facts.main_cpv)"},
            "message": {"type": "string", "description": "La raison du refus, en français"},
            "type": {"type": "string", "description": "Le code d’erreur de validation (pydantic)"},
        },
    },
}
# FastAPI's own error body, replaced by Problem everywhere (the services never send it).
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def install_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` (and so /openapi.json and /docs) return the completed document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete_document(generate(), app)
        return app.openapi_schema

    app.openapi = openapi


def refusals_of(route: APIRoute, method: str) -> list[int]:
    """The 4xx statuses an operation of `route` can answer, from its access rule and its shape."""
    method = method.lower()
    access = declared_access(route)
    path_params = bool(route.dependant.path_params)
    has_body = route.body_field is not None
    has_input = bool(has_body or route.dependant.query_params or route.dependant.path_params
                     or route.dependant.header_params or route.dependant.cookie_params
                     or any(d.query_params or d.header_params or d.cookie_params or d.body_params
                            for d in _all_dependencies(route.dependant)))
    statuses = [400, 401] if has_body else [401]
    if isinstance(access, frozenset) or method in UNSAFE_METHODS:
        statuses.append(403)
    if path_params:
        statuses.append(404)
        if method in UNSAFE_METHODS:
            statuses.append(409)
    if has_body:
        statuses.append(413)
    if has_input:
        statuses.append(422)
    if access == PUBLIC and route.path not in UNLIMITED_PATHS:
        statuses.append(429)
    return statuses


def _all_dependencies(dependant) -> list:
    found = []
    for dependency in dependant.dependencies:
        found.append(dependency)
        found.extend(_all_dependencies(dependency))
    return found


def problem_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": DESCRIPTIONS.get(status, "Refus"),
        "content": {PROBLEM_JSON: {"schema": {"$ref": f"#/components/schemas/{PROBLEM}"}}},
    }
    if status == 429:
        response["headers"] = {"Retry-After": {"description": "Secondes à attendre avant de réessayer",
                                               "required": True, "schema": {"type": "integer", "minimum": 0}}}
    return response


def complete_document(document: dict[str, Any], app: FastAPI) -> dict[str, Any]:
    routes = {(route.path_format, method.lower()): route
              for route in api_routes(app.routes) if route.include_in_schema for method in route.methods}
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(PROBLEM_SCHEMAS)
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "Jeton d’accès OpenID Connect de l’émetteur configuré (rôles : buyer, buyer-approver, "
                       "supplier, operator)",
    }
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            route = routes.get((path, method))
            if route is None or not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            for status in refusals_of(route, method):
                responses.setdefault(str(status), problem_response(status))
            for status, response in responses.items():
                # Every 4xx is answered by the kernel's handlers: the one problem+json body.
                if status.startswith("4") and isinstance(response, dict):
                    default = problem_response(int(status))
                    if _is_fastapi_validation(response) or not response.get("description"):
                        response["description"] = default["description"]
                    response["content"] = default["content"]
                    if "headers" in default:
                        response.setdefault("headers", default["headers"])
            for status, response in responses.items():
                # A redirect has no body: FastAPI's default JSON content would be a lie.
                if status.startswith("3") and isinstance(response, dict):
                    response.pop("content", None)
                    response.setdefault("headers", {}).setdefault(
                        "Location", {"required": True, "schema": {"type": "string"}})
            redirect = REDIRECTS.get((method, path))
            if redirect:
                status, description, replaces_200 = redirect
                if replaces_200:
                    responses.pop("200", None)
                responses.setdefault(status, {"description": description, "headers": {
                    "Location": {"required": True, "schema": {"type": "string"}}}})
            access = declared_access(route)
            operation["security"] = [{}, {BEARER: []}] if access == PUBLIC else [{BEARER: []}]
            if access not in (PUBLIC, AUTHENTICATED) and isinstance(access, frozenset):
                operation.setdefault("description", "")
                roles = ", ".join(sorted(access))
                note = f"Rôles admis : {roles}."
                if note not in operation["description"]:
                    operation["description"] = (operation["description"] + "\n\n" + note).strip()
    if not _references(document, FASTAPI_VALIDATION_SCHEMAS[0]):
        for name in FASTAPI_VALIDATION_SCHEMAS:
            schemas.pop(name, None)
    return document


def _is_fastapi_validation(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return schema.get("$ref", "").endswith(f"/{FASTAPI_VALIDATION_SCHEMAS[0]}")


def _references(node: Any, name: str) -> bool:
    if isinstance(node, dict):
        if node.get("$ref", "").endswith(f"/schemas/{name}"):
            return True
        return any(_references(value, name) for key, value in node.items() if key != "components")
    if isinstance(node, list):
        return any(_references(value, name) for value in node)
    return False
