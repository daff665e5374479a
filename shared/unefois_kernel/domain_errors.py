"""What the domain refuses, as exceptions naming the field and the reason (pure: no web import).

Domain modules raise these; the app factory (problems.py) answers them as problem+json, the
pages (web/errors.py) as a themed French page or a message next to the field.
"""

from __future__ import annotations


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
    """Several fields refused at once (422), each with its reason, like a validation error.
    `errors`: [{"field": ..., "reason": <French text>}] as the domain states them."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['reason']}" for e in errors), field=errors[0]["field"])
        self.errors = errors
