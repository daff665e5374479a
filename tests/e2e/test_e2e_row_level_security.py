"""Tenant isolation is enforced by PostgreSQL itself, in every service database.

Each query below runs as the service's own role (the one the service uses), which owns
its tables: the policies are FORCEd, so even the owner sees nothing outside its scope.
"""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from unefois_kernel import db
from unefois_kernel.tenancy import set_scope
from unefois_kernel.testing import BUYER, OTHER_BUYER, SUPPLIER, purchase

pytestmark = pytest.mark.integration


async def _insert_need(conn, tenant: str) -> uuid.UUID:
    facts = purchase(buyer=BUYER if tenant == BUYER.siret else OTHER_BUYER)
    async with conn.transaction():
        await set_scope(conn, tenant=tenant)
        await conn.execute(
            "INSERT INTO needs (id, tenant, status, facts) VALUES ($1, $2, 'draft', $3)",
            facts.need_id, tenant, facts.model_dump(mode="json"),
        )
    return facts.need_id


async def test_a_query_that_forgets_its_tenant_filter_returns_nothing(platform, service_dsn):
    conn = await db.connect(service_dsn("sourcing"))
    try:
        mine = await _insert_need(conn, BUYER.siret)
        theirs = await _insert_need(conn, OTHER_BUYER.siret)
        # No scope at all: the "forgotten filter" case.
        assert await conn.fetchval("SELECT count(*) FROM needs") == 0
        async with conn.transaction():
            await set_scope(conn, tenant=BUYER.siret)
            visible = {row["id"] for row in await conn.fetch("SELECT id FROM needs")}
            # Even asking by id for the other tenant's row finds nothing.
            assert await conn.fetchval("SELECT count(*) FROM needs WHERE id = $1", theirs) == 0
        assert mine in visible and theirs not in visible
    finally:
        await conn.close()


async def test_a_tenant_cannot_write_a_row_for_another(platform, service_dsn):
    conn = await db.connect(service_dsn("sourcing"))
    try:
        facts = purchase(buyer=OTHER_BUYER)
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError, match="row-level security"):
            async with conn.transaction():
                await set_scope(conn, tenant=BUYER.siret)
                await conn.execute(
                    "INSERT INTO needs (id, tenant, status, facts) VALUES ($1, $2, 'draft', $3)",
                    facts.need_id, OTHER_BUYER.siret, facts.model_dump(mode="json"),
                )
    finally:
        await conn.close()


@pytest.mark.parametrize(
    ("stage", "tables"),
    [
        ("sourcing", ["needs"]),
        ("tendering", ["consultations", "lot_evaluations", "bid_deposits", "retired_typed_awards", "yearly_sequences"]),
        ("contracts", ["contracts", "yearly_sequences"]),
        ("invoicing", ["commitments", "invoices"]),
    ],
)
async def test_every_table_of_buyer_data_forces_row_level_security(platform, service_dsn, stage, tables):
    conn = await asyncpg.connect(service_dsn(stage))
    try:
        rows = await conn.fetch(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY($1::text[])", tables
        )
        assert {row["relname"]: (row["relrowsecurity"], row["relforcerowsecurity"]) for row in rows} == {
            table: (True, True) for table in tables
        }
    finally:
        await conn.close()


async def test_a_supplier_sees_only_the_invoices_it_deposited(platform, service_dsn):
    conn = await db.connect(service_dsn("invoicing"))
    try:
        commitment_id = uuid.uuid4()
        async with conn.transaction():
            await set_scope(conn, tenant=BUYER.siret)
            await conn.execute(
                """INSERT INTO commitments (id, tenant, contract_id, contract_number, legal_commitment_number, buyer, holders, ceiling)
                   VALUES ($1, $2, $3, 'RLS1', 'EJRLS1', $4, $5, 1000)""",
                commitment_id, BUYER.siret, uuid.uuid4(), BUYER.model_dump(mode="json"), [SUPPLIER.model_dump(mode="json")],
            )
            for number, siret in ((f"A{uuid.uuid4().hex[:8]}", SUPPLIER.siret), (f"B{uuid.uuid4().hex[:8]}", "81000005900016")):
                await conn.execute(
                    """INSERT INTO invoices (id, tenant, commitment_id, supplier_siret, invoice_number, amount_excl_vat,
                                             vat_amount, issued_on) VALUES ($1, $2, $3, $4, $5, 10, 2, current_date)""",
                    uuid.uuid4(), BUYER.siret, commitment_id, siret, number,
                )
        async with conn.transaction():
            await set_scope(conn, supplier=SUPPLIER.siret)
            assert await conn.fetchval("SELECT count(*) FROM commitments WHERE id = $1", commitment_id) == 1
            sirets = [r["supplier_siret"] for r in await conn.fetch("SELECT supplier_siret FROM invoices WHERE commitment_id = $1", commitment_id)]
            assert sirets == [SUPPLIER.siret]
        async with conn.transaction():
            await set_scope(conn, supplier="82000006500012")  # not a holder
            assert await conn.fetchval("SELECT count(*) FROM commitments WHERE id = $1", commitment_id) == 0
    finally:
        await conn.close()
