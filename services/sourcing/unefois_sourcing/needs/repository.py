"""SQL of needs (table needs, migrations 0001 and 0004) and of the buyer's profile
(tenant_profiles, migrations 0007 and 0008): the only module that reads or writes them; it
also reads a need's entries of the kernel's audit trail (its history). Row-level
security keeps each query to the unit of work's tenant; the list queries filter by it too."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from unefois_events.catalogue import PurchaseFacts
from unefois_events.values import PurchaseNature
from unefois_kernel.db import like_pattern
from unefois_rules import BuyerKind
from unefois_sourcing.needs.domain import DEFAULT_PROFILE, BuyerProfile, HistoryEntry, Need, NeedFilters, NeedListItem, NeedOrder, NeedStatus

_COLUMNS = "id, tenant, status, facts, created_at, submitted_at, returned_at, return_comment, approved_by, approved_at"
_LIST_COLUMNS = ("id, status, facts->>'object' AS object, facts->>'main_cpv' AS main_cpv, "
                 "(facts->>'estimated_value')::numeric AS estimated_value, facts->>'nature' AS nature, created_at, "
                 "(facts->>'planned_launch_date')::date AS planned_launch_date, "
                 "facts->>'works_operation' AS works_operation, facts->>'purchase_family' AS purchase_family")

# What each order of the list sorts by: these expressions are the only text that reaches
# ORDER BY, never anything from the request. Statuses sort in the order a need goes through them.
_STATUS_RANK = "CASE status " + " ".join(f"WHEN '{s.value}' THEN {n}" for n, s in enumerate(NeedStatus)) + \
    f" ELSE {len(NeedStatus)} END"
ORDER_BY: dict[NeedOrder, str] = {
    NeedOrder.OBJECT: "lower(facts->>'object')",
    NeedOrder.VALUE: "(facts->>'estimated_value')::numeric",
    NeedOrder.STATUS: _STATUS_RANK,
    NeedOrder.CREATED: "created_at",
}
_FILTER = """tenant = $1 AND ($2::text IS NULL OR status = $2)
             AND ($3::text IS NULL OR facts->>'object' ILIKE $3)
             AND ($4::text IS NULL OR left(facts->>'main_cpv', 2) = $4)"""


def needs_queries(order: NeedOrder, ascending: bool) -> tuple[str, str]:
    """(count query, page query) of the needs list, both taking (tenant, status, like, division);
    the page query also takes (limit, offset)."""
    direction = "ASC" if ascending else "DESC"
    count = f"SELECT count(*) FROM needs WHERE {_FILTER}"
    rows = (f"SELECT {_LIST_COLUMNS} FROM needs WHERE {_FILTER} "
            f"ORDER BY {ORDER_BY[order]} {direction} NULLS LAST, created_at DESC, id LIMIT $5 OFFSET $6")
    return count, rows


def _need(row: asyncpg.Record) -> Need:
    return Need(id=row["id"], tenant=row["tenant"], status=NeedStatus(row["status"]),
                facts=PurchaseFacts.model_validate(row["facts"]), created_at=row["created_at"],
                submitted_at=row["submitted_at"], returned_at=row["returned_at"], return_comment=row["return_comment"],
                approved_by=row["approved_by"], approved_at=row["approved_at"])


def _item(row: asyncpg.Record) -> NeedListItem:
    return NeedListItem(id=row["id"], status=NeedStatus(row["status"]), object=row["object"] or "",
                        main_cpv=row["main_cpv"] or "", estimated_value=row["estimated_value"],
                        nature=PurchaseNature(row["nature"]), created_at=row["created_at"],
                        planned_launch_date=row["planned_launch_date"], works_operation=row["works_operation"],
                        purchase_family=row["purchase_family"])


def _when(change: dict, recorded: datetime) -> datetime:
    """When it happened on the service's clock (the use case writes it as "at"), else the trail's
    own timestamp (the database's clock, which a test profile's shifted clock does not move)."""
    try:
        return datetime.fromisoformat(change["at"])
    except (KeyError, TypeError, ValueError):
        return recorded


class NeedsRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, need: Need) -> None:
        await self._conn.execute(
            "INSERT INTO needs (id, tenant, status, facts, created_at) VALUES ($1, $2, $3, $4, $5)",
            need.id, need.tenant, need.status.value, need.facts.model_dump(mode="json"), need.created_at,
        )

    async def get(self, need_id: uuid.UUID, *, lock: bool = False) -> Need | None:
        """The need, or None; `lock`: held until the transaction ends (a use case about to change it)."""
        row = await self._conn.fetchrow(
            f"SELECT {_COLUMNS} FROM needs WHERE id = $1" + (" FOR UPDATE" if lock else ""), need_id)
        return _need(row) if row else None

    async def status(self, need_id: uuid.UUID, *, lock: bool = False) -> NeedStatus | None:
        """Where the need stands, or None when there is no such need (for the areas that follow it)."""
        status = await self._conn.fetchval(
            "SELECT status FROM needs WHERE id = $1" + (" FOR UPDATE" if lock else ""), need_id)
        return NeedStatus(status) if status else None

    async def save_facts(self, need: Need) -> None:
        """Write the facts of an edited draft (the domain allows it of a draft only)."""
        await self._conn.execute("UPDATE needs SET facts = $2 WHERE id = $1 AND status = 'draft'",
                                 need.id, need.facts.model_dump(mode="json"))

    async def history(self, need_id: uuid.UUID) -> list[HistoryEntry]:
        """The need's audit trail, oldest first (the kernel's audit_trail, this tenant's)."""
        rows = await self._conn.fetch(
            """SELECT occurred_at, actor, action, change FROM audit_trail
               WHERE tenant = unefois_tenant() AND aggregate_type = 'need' AND aggregate_id = $1
               ORDER BY sequence""", str(need_id))
        return [HistoryEntry(occurred_at=_when(row["change"], row["occurred_at"]),
                             actor=str(row["change"].get("by") or row["actor"]), action=row["action"],
                             change=row["change"]) for row in rows]

    async def save(self, need: Need) -> None:
        """Write where the need stands, and its facts (the approval adds the decision taken)."""
        await self._conn.execute(
            """UPDATE needs SET status = $2, submitted_at = $3, returned_at = $4, return_comment = $5,
                                approved_by = $6, approved_at = $7, facts = $8
               WHERE id = $1""",
            need.id, need.status.value, need.submitted_at, need.returned_at, need.return_comment, need.approved_by,
            need.approved_at, need.facts.model_dump(mode="json"),
        )

    async def count(self, tenant: str, filters: NeedFilters = NeedFilters()) -> int:
        count, _rows = needs_queries(NeedOrder.CREATED, False)
        return await self._conn.fetchval(count, *self._filter_args(tenant, filters))

    async def page(self, tenant: str, filters: NeedFilters = NeedFilters(), *, order: NeedOrder = NeedOrder.CREATED,
                   ascending: bool = False, limit: int, offset: int = 0) -> list[NeedListItem]:
        _count, rows = needs_queries(order, ascending)
        return [_item(row) for row in await self._conn.fetch(rows, *self._filter_args(tenant, filters), limit, offset)]

    @staticmethod
    def _filter_args(tenant: str, filters: NeedFilters) -> tuple:
        status = filters.status.value if filters.status else None
        return tenant, status, like_pattern(filters.text) if filters.text else None, filters.division

    async def related_since(self, division: str, since: datetime, *, operation: str | None = None,
                            family: str | None = None, exclude: uuid.UUID | None = None) -> list[NeedListItem]:
        """The tenant's needs created after `since` whose main CPV code is in `division`, or of
        the same works operation or purchase family (`exclude`: the need itself, when stored)."""
        rows = await self._conn.fetch(
            f"""SELECT {_LIST_COLUMNS} FROM needs
                WHERE created_at > $1
                  AND (facts->>'main_cpv' LIKE $2 || '%' OR facts->>'works_operation' = $4
                       OR facts->>'purchase_family' = $5)
                  AND ($3::uuid IS NULL OR id <> $3::uuid)""",
            since, division, exclude, operation, family,
        )
        return [_item(row) for row in rows]

    async def buyer_profile(self) -> BuyerProfile:
        """The tenant's kind of buyer and R2131-12 status, from its profile, in one round trip;
        one without a profile is a local authority (most of them), a public body."""
        row = await self._conn.fetchrow(
            "SELECT buyer_kind, public_body FROM tenant_profiles WHERE tenant = unefois_tenant()")
        if row is None:
            return DEFAULT_PROFILE
        return BuyerProfile(BuyerKind(row["buyer_kind"]) if row["buyer_kind"] else BuyerKind.LOCAL, row["public_body"])

    async def buyer_kind(self) -> BuyerKind:
        return (await self.buyer_profile()).kind

    async def public_body(self) -> bool | None:
        """Whether the tenant is a personne publique (art. R2131-12); None when its profile does not say."""
        return (await self.buyer_profile()).public_body
