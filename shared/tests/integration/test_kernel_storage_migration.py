"""Kernel migration 0007 (documents): recorded as version 7, both tables under FORCEd
row-level security with a tenant policy, the chunks deleted with their document."""

from __future__ import annotations

import pytest
from unefois_kernel import db, migrations

pytestmark = pytest.mark.integration


async def test_version_7_creates_the_tenant_scoped_document_tables(scratch_database) -> None:
    conn = await db.connect(await scratch_database())
    try:
        applied = await migrations.apply(conn, migrations.kernel_migrations())
        assert ("kernel", 7, "documents") in [(m.component, m.version, m.name) for m in applied]
        assert await conn.fetchval(
            "SELECT name FROM schema_migrations WHERE component = 'kernel' AND version = 7") == "documents"
        rows = await conn.fetch("""SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
                                   WHERE relname IN ('documents', 'document_chunks') ORDER BY relname""")
        assert [tuple(row) for row in rows] == [("document_chunks", True, True), ("documents", True, True)]
        policies = await conn.fetch("SELECT tablename, qual, with_check FROM pg_policies "
                                    "WHERE tablename IN ('documents', 'document_chunks') ORDER BY tablename")
        assert [row["tablename"] for row in policies] == ["document_chunks", "documents"]
        assert all("unefois_tenant()" in row["qual"] and "unefois_tenant()" in row["with_check"] for row in policies)
        cascade = await conn.fetchval("""SELECT confdeltype FROM pg_constraint
                                         WHERE conrelid = 'document_chunks'::regclass AND contype = 'f'""")
        assert cascade == b"c"
    finally:
        await conn.close()
