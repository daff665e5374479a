"""The unit of work on a real database, as a service's (non-superuser) role: one transaction
with the row-level-security scope set, events in the outbox and audit entries in the trail
at commit, nothing at all on failure; yearly sequences per tenant."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
import pytest

from unefois_kernel import db, migrations, sequences
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.clock import SettableClock
from unefois_kernel.testing import BUYER, OTHER_BUYER, contract_notified
from unefois_kernel.uow import UnitsOfWork

pytestmark = pytest.mark.integration

CAMILLE = Principal(subject="u-1", name="Camille Martin", roles=frozenset({Role.BUYER}), org_siret=BUYER.siret,
                    org_name=BUYER.name, org_kind=OrgKind.BUYER)


class Notes:
    """A repository of one table, for the test: the only SQL of its 'area'."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, text: str) -> None:
        await self.conn.execute("INSERT INTO notes (tenant, text) VALUES (unefois_tenant(), $1)", text)

    async def all(self) -> list[str]:
        return [row["text"] for row in await self.conn.fetch("SELECT text FROM notes ORDER BY text")]


@pytest.fixture
async def uows(scratch_database):
    dsn = await scratch_database()
    conn = await db.connect(dsn)
    await migrations.apply(conn, migrations.kernel_migrations())
    await conn.execute("""CREATE TABLE notes (tenant text NOT NULL, text text NOT NULL);
                          ALTER TABLE notes ENABLE ROW LEVEL SECURITY; ALTER TABLE notes FORCE ROW LEVEL SECURITY;
                          CREATE POLICY notes_of_tenant ON notes USING (tenant = unefois_tenant())
                              WITH CHECK (tenant = unefois_tenant())""")
    await conn.close()
    pool = await db.create_pool(dsn)
    try:
        yield UnitsOfWork(service="contracts", clock=SettableClock(datetime(2026, 12, 1, 9, 30, tzinfo=UTC)), repositories=Notes, pool=pool)
    finally:
        await pool.close()


async def test_commit_writes_state_outbox_and_audit_in_one_transaction(uows) -> None:
    event = contract_notified()
    async with uows(CAMILLE) as uow:
        await uow.repos.add("visible to Camille's buyer only")
        uow.emit(event)
        uow.audit("contract", event.contract_id, "contract.notified", {"n": 1})
    async with uows.pool.acquire() as conn:
        outbox = await conn.fetch("SELECT event_type, key, tenant, headers FROM outbox")
        trail = await conn.fetch("SELECT tenant, actor, action FROM audit_trail")
    assert [(row["event_type"], row["key"], row["tenant"]) for row in outbox] == [(event.ce_type, event.subject, BUYER.siret)]
    # The envelope names the service and is timed by the service's clock, not the wall clock.
    assert outbox[0]["headers"]["ce_source"].endswith("contracts")
    assert outbox[0]["headers"]["ce_time"].startswith(uows.clock.now().date().isoformat())
    assert [tuple(row) for row in trail] == [(BUYER.siret, "Camille Martin <u-1>", "contract.notified")]
    # Row-level security: another buyer's unit of work does not see the row.
    other = Principal(subject="u-2", name="Léa", roles=frozenset({Role.BUYER}), org_siret=OTHER_BUYER.siret,
                      org_name=OTHER_BUYER.name, org_kind=OrgKind.BUYER)
    async with uows(other) as uow:
        assert await uow.repos.all() == []
    async with uows(CAMILLE) as uow:
        assert await uow.repos.all() == ["visible to Camille's buyer only"]


async def test_a_failure_leaves_no_state_no_event_no_audit(uows) -> None:
    with pytest.raises(RuntimeError):
        async with uows(CAMILLE) as uow:
            await uow.repos.add("never stored")
            uow.emit(contract_notified())
            uow.audit("contract", "c-1", "contract.notified")
            raise RuntimeError("the domain refused after the write")
    async with uows(CAMILLE) as uow:
        assert await uow.repos.all() == []
    async with uows.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 0
        assert await conn.fetchval("SELECT count(*) FROM audit_trail") == 0
    assert uows.pool.get_idle_size() == uows.pool.get_size()  # the connection went back


async def test_a_joined_unit_of_work_writes_inside_its_owners_transaction(uows) -> None:
    async with uows.pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute("SELECT set_config('unefois.tenant', $1, true)", BUYER.siret)
        async with uows.joined(conn, BUYER.siret) as uow:
            await uow.repos.add("from an event")
            uow.audit("contract", "c-9", "contract.created")
        await transaction.rollback()  # the owner (the inbox consumer) decides
        assert await conn.fetchval("SELECT count(*) FROM audit_trail") == 0
    async with uows.system(BUYER.siret) as uow:
        await uow.repos.add("from a scheduler")
        uow.audit("contract", "c-9", "contract.reminded")
    async with uows.pool.acquire() as conn:
        actors = await conn.fetch("SELECT actor, action FROM audit_trail")
    assert [tuple(row) for row in actors] == [("system:contracts", "contract.reminded")]


async def test_yearly_sequences_count_per_tenant_and_year_without_duplicates(uows) -> None:
    async def draw(tenant: str, year: int) -> int:
        async with uows.system(tenant) as uow:
            return await sequences.next_in_year(uow.connection, name="consultation", tenant=tenant, year=year)

    drawn = await asyncio.gather(*(draw(BUYER.siret, 2026) for _ in range(20)))
    assert sorted(drawn) == list(range(1, 21))
    assert await draw(OTHER_BUYER.siret, 2026) == 1  # another buyer has its own numbering
    assert await draw(BUYER.siret, 2027) == 1  # and a new year starts again
    with pytest.raises(asyncpg.PostgresError):  # the policy: a tenant cannot draw another's numbers
        async with uows.system(BUYER.siret) as uow:
            await sequences.next_in_year(uow.connection, name="consultation", tenant=OTHER_BUYER.siret, year=2026)


async def test_a_supplier_acts_for_a_buyer_only_once_the_use_case_says_so(uows) -> None:
    async with uows(CAMILLE) as uow:
        await uow.repos.add("the buyer's ledger")
    holder = Principal(subject="u-3", name="Jean", roles=frozenset({Role.SUPPLIER}), org_siret="80000004400019",
                       org_name="TP Rhodaniens", org_kind=OrgKind.SUPPLIER)
    async with uows(holder) as uow:
        assert await uow.repos.all() == []  # a supplier's own scope sees no buyer's rows
        await uow.act_for_buyer(BUYER.siret)
        assert await uow.repos.all() == ["the buyer's ledger"]
        scope = await uow.connection.fetchrow(
            "SELECT current_setting('unefois.tenant') AS tenant, current_setting('unefois.supplier') AS supplier")
        assert dict(scope) == {"tenant": BUYER.siret, "supplier": "80000004400019"}  # the supplier's kept
        uow.audit("commitment", "c-1", "invoice.received")  # now defaults to the buyer's trail
    async with uows.pool.acquire() as conn:
        assert await conn.fetchval("SELECT tenant FROM audit_trail WHERE action = 'invoice.received'") == BUYER.siret
