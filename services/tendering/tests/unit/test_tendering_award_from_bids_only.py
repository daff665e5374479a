"""An award comes only from bids (issue 11): no route of the service takes a typed award.

The service's whole API, as its OpenAPI document says it: no POST /award any more, and no request
body of a route that awards (a proposal, a decision, an evaluation) has an amount, a winner or a
holder to type. AwardDecided.v2's amount is the opened bid's price: tested through the running
services in tests/e2e/test_e2e_tendering_award.py and, in the domain, by the evaluation's tests."""

from __future__ import annotations

import importlib
import pkgutil

import unefois_tendering
from fastapi import APIRouter, FastAPI

TYPED_FIELDS = {"amount", "winners", "holders", "offers_received", "montant"}


def _openapi() -> dict:
    """Every router of every area's api.py and web.py (main.py composes the same ones)."""
    app = FastAPI()
    for area in (module for module in pkgutil.iter_modules(unefois_tendering.__path__) if module.ispkg):
        for adapter in ("api", "web"):
            try:
                module = importlib.import_module(f"unefois_tendering.{area.name}.{adapter}")
            except ModuleNotFoundError:
                continue
            for value in vars(module).values():
                if isinstance(value, APIRouter):
                    app.include_router(value)
    return app.openapi()


def _properties(schema: dict, components: dict, seen: frozenset = frozenset()) -> set[str]:
    """Every property name a request body's schema accepts, through $ref, allOf/anyOf/oneOf."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return set() if name in seen else _properties(components[name], components, seen | {name})
    found = set(schema.get("properties", {}))
    for nested in schema.get("properties", {}).values():
        found |= _properties(nested, components, seen)
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key, []):
            found |= _properties(part, components, seen)
    if "items" in schema:
        found |= _properties(schema["items"], components, seen)
    return found


def test_no_route_accepts_a_typed_award():
    document = _openapi()
    components = document.get("components", {}).get("schemas", {})
    assert not [path for path in document["paths"] if path.endswith("/award")]
    award_routes = [path for path in document["paths"]
                    if any(word in path for word in ("award", "attribution", "evaluation", "proposal", "decision"))]
    assert any(path.endswith("/evaluation/proposal") for path in award_routes)
    typed = {}
    for path in award_routes:
        for method, operation in document["paths"][path].items():
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                fields = _properties(media.get("schema", {}), components) & TYPED_FIELDS
                if fields:
                    typed[f"{method.upper()} {path}"] = fields
    assert typed == {}
