"""Migration 0003 on a database that numbered contracts with the old contract_counters table:
every buyer's count of every year continues in the kernel's yearly sequence 'contract'."""

from __future__ import annotations

from unefois_kernel import db, migrations, sequences
from unefois_kernel.tenancy import set_scope
from unefois_kernel.testing import BUYER, OTHER_BUYER


async def test_the_counters_move_to_the_kernels_yearly_sequences(scratch_database) -> None:
    dsn = await scratch_database()
    conn = await db.connect(dsn)  # the owning, non-superuser role: forced policies apply to it
    try:
        every = migrations.kernel_migrations() + migrations.discover("contracts", "unefois_contracts")
        before = [m for m in every if not (m.component == "contracts" and m.version >= 3)]
        await migrations.apply(conn, before)
        counts = {(BUYER.siret, 2025): 41, (BUYER.siret, 2026): 7, (OTHER_BUYER.siret, 2026): 2}
        for (tenant, year), last in counts.items():
            async with conn.transaction():
                await set_scope(conn, tenant=tenant)
                await conn.execute("INSERT INTO contract_counters (tenant, year, last) VALUES ($1, $2, $3)", tenant, year, last)
        async with conn.transaction():  # a sequence of another name is left alone
            await set_scope(conn, tenant=BUYER.siret)
            await sequences.next_in_year(conn, name="consultation", tenant=BUYER.siret, year=2026)

        applied = await migrations.apply(conn, every)
        # 0003 moves the counters; 0010 (the holders' policy reading AwardDecided.v2) follows it.
        assert [(m.component, m.version) for m in applied] == [("contracts", 3), ("contracts", 10)]

        assert await conn.fetchval("SELECT to_regclass('contract_counters')") is None
        forced = await conn.fetchrow(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'yearly_sequences'")
        assert tuple(forced) == (True, True), "row-level security is forced again"
        assert await conn.fetchval("SELECT count(*) FROM yearly_sequences") == 0, "no scope, no rows: forced"
        seen = {}
        for tenant in (BUYER.siret, OTHER_BUYER.siret):
            async with conn.transaction():
                await set_scope(conn, tenant=tenant)
                for row in await conn.fetch("SELECT name, year, last FROM yearly_sequences"):
                    seen[(tenant, row["name"], row["year"])] = row["last"]
        assert seen == {(BUYER.siret, "contract", 2025): 41, (BUYER.siret, "contract", 2026): 7,
                        (OTHER_BUYER.siret, "contract", 2026): 2, (BUYER.siret, "consultation", 2026): 1}
        async with conn.transaction():  # the numbering goes on where it was
            await set_scope(conn, tenant=BUYER.siret)
            assert await sequences.next_in_year(conn, name="contract", tenant=BUYER.siret, year=2026) == 8
    finally:
        await conn.close()
