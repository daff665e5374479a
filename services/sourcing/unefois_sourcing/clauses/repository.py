"""SQL of the clause library (table clauses, migration 0005). Row-level security shows a buyer
the platform's shared clauses and its own, and lets it write only its own."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

import asyncpg

from unefois_sourcing.clauses.domain import Clause, ClauseKind

_COLUMNS = "id, tenant, kind, consideration, title, body"


def _clause(row: asyncpg.Record) -> Clause:
    return Clause(id=row["id"], tenant=row["tenant"], kind=ClauseKind(row["kind"]), consideration=row["consideration"],
                  title=row["title"], body=row["body"])


class ClausesRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def library(self, kind: ClauseKind | None = None) -> list[Clause]:
        """The platform's clauses first, then the buyer's own; by kind and title."""
        rows = await self._conn.fetch(
            f"SELECT {_COLUMNS} FROM clauses WHERE ($1::text IS NULL OR kind = $1) ORDER BY tenant NULLS FIRST, kind, title",
            kind.value if kind else None,
        )
        return [_clause(row) for row in rows]

    async def with_ids(self, ids: Collection[uuid.UUID]) -> list[Clause]:
        """Those of `ids` the buyer may pick (an unknown id is simply not returned), by kind and title."""
        if not ids:
            return []
        rows = await self._conn.fetch(
            f"SELECT {_COLUMNS} FROM clauses WHERE id = ANY($1::uuid[]) ORDER BY kind, title", list(ids))
        return [_clause(row) for row in rows]

    async def add(self, clause: Clause, *, at: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO clauses (id, tenant, kind, consideration, title, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            clause.id, clause.tenant, clause.kind.value, clause.consideration, clause.title, clause.body, at,
        )
