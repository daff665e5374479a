"""Migrations: applied once, in order, recorded; an edited migration stops the service."""

import pytest

from unefois_kernel import db, migrations
from unefois_kernel.migrations import Migration, MigrationError

pytestmark = pytest.mark.integration


async def test_migrations_apply_once_and_are_recorded(scratch_database):
    conn = await db.connect(await scratch_database())
    try:
        own = [Migration("svc", 1, "things", "CREATE TABLE things (id int)"),
               Migration("svc", 2, "more", "ALTER TABLE things ADD COLUMN name text")]
        first = await migrations.apply(conn, migrations.kernel_migrations() + own)
        second = await migrations.apply(conn, migrations.kernel_migrations() + own)
        # The kernel's own, in order (issue 11 adds 0007 to 0009, one per part, landing in any order).
        kernel = [(m.component, m.version, m.name) for m in migrations.kernel_migrations()]
        assert [version for _, version, _ in kernel] == sorted({version for _, version, _ in kernel})
        assert ("kernel", 9, "notifications") in kernel
        assert [(m.component, m.version) for m in first] == [(c, v) for c, v, _ in kernel] + [("svc", 1), ("svc", 2)]
        assert second == []
        rows = await conn.fetch("SELECT component, version, name FROM schema_migrations ORDER BY component, version")
        assert [(r["component"], r["version"], r["name"]) for r in rows][:6] == [
            ("kernel", 1, "outbox_inbox"), ("kernel", 2, "audit_trail"), ("kernel", 3, "tenancy_functions"),
            ("kernel", 4, "yearly_sequences"), ("kernel", 5, "rate_limit_counters"), ("kernel", 6, "revoked_sessions")]
        assert [(r["component"], r["version"], r["name"]) for r in rows] == kernel + [("svc", 1, "things"),
                                                                                      ("svc", 2, "more")]
        assert await conn.fetchval("SELECT count(*) FROM information_schema.columns WHERE table_name = 'things'") == 2
    finally:
        await conn.close()


async def test_an_edited_migration_is_refused(scratch_database):
    conn = await db.connect(await scratch_database())
    try:
        await migrations.apply(conn, [Migration("svc", 1, "things", "CREATE TABLE things (id int)")])
        with pytest.raises(MigrationError, match="changed after it was applied"):
            await migrations.apply(conn, [Migration("svc", 1, "things", "CREATE TABLE things (id bigint)")])
    finally:
        await conn.close()


async def test_a_failing_migration_leaves_nothing_half_applied(scratch_database):
    conn = await db.connect(await scratch_database())
    try:
        broken = [Migration("svc", 1, "broken", "CREATE TABLE a (id int); CREATE TABLE a (id int)")]
        with pytest.raises(Exception):
            await migrations.apply(conn, broken)
        assert await conn.fetchval("SELECT to_regclass('a')") is None
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations") == 0
    finally:
        await conn.close()
