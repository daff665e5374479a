"""Sorting and pagination of long lists in pages: read from the query string, links that keep it.

    sort = Sort.from_request(request, {"date": "created_at", "objet": "object"}, default="-date")
    page = Page.from_request(request, total=count, size=25)
    rows = await repository.list(order_by=sort.column, descending=not sort.ascending,
                                 limit=page.size, offset=page.offset)
    render(request, "list.html", {"sort": sort, "page": page, ...})

and in the template `{{ ui.table(..., sort=sort) }}` and `{{ ui.pagination(page) }}`. A
value the list does not know (an unknown sort key, page=abc or page=-3) falls back to the
default rather than failing: a person who edits the URL gets the list, not an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query
from starlette.requests import Request

MAX_PAGE_SIZE = 200
# The deepest an API list is read (issue 9): past it a client narrows its query rather than
# paging on; it also keeps every offset far inside PostgreSQL's bigint.
MAX_OFFSET = 1_000_000

# An API list's query parameters, bounded: `offset: Offset = 0`, `limit: Limit = 100`.
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description=f"Rang du premier élément (0 à {MAX_OFFSET})")]


def limit_query(maximum: int, *, description: str = "Nombre d'éléments au plus") -> object:
    """`limit: Annotated[int, limit_query(1000)] = 100`: a page size from 1 to `maximum`."""
    return Query(ge=1, le=maximum, description=f"{description} (1 à {maximum})")


def _query_with(request: Request, **changes: str | int | None) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += [(k, str(v)) for k, v in changes.items() if v is not None]
    return f"{request.url.path}?{urlencode(params)}" if params else request.url.path


@dataclass(frozen=True)
class Sort:
    key: str
    ascending: bool
    columns: Mapping[str, str]
    request: Request | None = None

    @classmethod
    def from_request(cls, request: Request, columns: Mapping[str, str], *, default: str) -> Sort:
        """`?tri=date` ascending, `?tri=-date` descending; `columns` maps public keys to SQL columns."""
        raw = request.query_params.get("tri") or default
        ascending = not raw.startswith("-")
        key = raw.lstrip("-")
        if key not in columns:
            ascending, key = not default.startswith("-"), default.lstrip("-")
        return cls(key, ascending, columns, request)

    @property
    def column(self) -> str:
        """The SQL column: one of the mapping's values, never text from the request."""
        return self.columns[self.key]

    def url(self, key: str) -> str:
        """The link of a column header: this column ascending, or reversed when it is the current one."""
        value = f"-{key}" if key == self.key and self.ascending else key
        return _query_with(self.request, tri=value, page=None) if self.request else f"?tri={value}"


@dataclass(frozen=True)
class Page:
    number: int
    size: int
    total: int
    request: Request | None = None

    @classmethod
    def from_request(cls, request: Request, *, total: int, size: int = 25) -> Page:
        size = max(1, min(size, MAX_PAGE_SIZE))
        raw = request.query_params.get("page", "1")
        try:
            number = int(raw) if len(raw) <= 9 else 1  # a longer number is no page of ours
        except ValueError:
            number = 1
        count = max(1, -(-total // size))
        return cls(min(max(number, 1), count), size, total, request)

    @property
    def count(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def url(self, number: int) -> str:
        return _query_with(self.request, page=number) if self.request else f"?page={number}"

    def window(self, radius: int = 2) -> list[int | None]:
        """Page numbers to show: the first, the last, and `radius` around the current one;
        None stands for a gap ("…")."""
        shown = {1, self.count, *range(self.number - radius, self.number + radius + 1)}
        numbers = sorted(n for n in shown if 1 <= n <= self.count)
        window: list[int | None] = []
        for n in numbers:
            if window and n - window[-1] > 1:  # type: ignore[operator]
                window.append(None)
            window.append(n)
        return window
