"""Kernel migration 0008 (due_transitions): recorded as version 8, under FORCEd row-level
security (a tenant policy and the worker's flag), unique per (service, kind, aggregate, key)."""

from __future__ import annotations

import pytest
from unefois_kernel import db, migrations

pytestmark = pytest.mark.integration


async def test_version_8_creates_the_tenant_scoped_due_transitions_table(scratch_database) -> None:
    conn = await db.connect(await scratch_database())
    try:
        applied = await migrations.apply(conn, migrations.kernel_migrations())
        assert ("kernel", 8, "due_transitions") in [(m.component, m.version, m.name) for m in applied]
        assert await conn.fetchval(
            "SELECT name FROM schema_migrations WHERE component = 'kernel' AND version = 8") == "due_transitions"
        row = await conn.fetchrow("SELECT relrowsecurity, relforcerowsecurity FROM pg_class "
                                  "WHERE relname = 'due_transitions'")
        assert tuple(row) == (True, True)
        policies = {r["policyname"]: r for r in await conn.fetch(
            "SELECT policyname, qual, with_check FROM pg_policies WHERE tablename = 'due_transitions'")}
        assert set(policies) == {"due_transitions_of_tenant", "due_transitions_of_worker"}
        assert "unefois_tenant()" in policies["due_transitions_of_tenant"]["qual"]
        assert "unefois.due_worker" in policies["due_transitions_of_worker"]["with_check"]
        unique = await conn.fetchval("""SELECT pg_get_constraintdef(oid) FROM pg_constraint
                                        WHERE conrelid = 'due_transitions'::regclass AND contype = 'u'""")
        assert unique == "UNIQUE (service, kind, aggregate_id, key)"
        # Applied again: nothing to do, the checksum unchanged.
        assert await migrations.apply(conn, migrations.kernel_migrations()) == []
    finally:
        await conn.close()
