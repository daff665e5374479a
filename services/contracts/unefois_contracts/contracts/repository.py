"""The contracts table (and the buyer's yearly contract numbering): the only SQL of this area.

Row-level security scopes every query to the unit of work's buyer (its tenant) or, for a
supplier, to the contracts it holds (migration 0002)."""

from __future__ import annotations

import uuid

import asyncpg

from unefois_kernel.sequences import next_in_year
from unefois_contracts.contracts.domain import Contract, ContractStatus, stored_award

# The kernel's yearly per-tenant sequence the contract numbers are drawn from.
SEQUENCE = "contract"
_COLUMNS = "id, tenant, award, status, contract_number, legal_commitment_number, notified_on, notified_at, created_at"


def _contract(row: asyncpg.Record) -> Contract:
    return Contract(
        id=row["id"],
        tenant=row["tenant"],
        award=stored_award(row["award"]),
        status=ContractStatus(row["status"]),
        created_at=row["created_at"],
        contract_number=row["contract_number"],
        legal_commitment_number=row["legal_commitment_number"],
        notified_on=row["notified_on"],
        notified_at=row["notified_at"],
    )


class ContractRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, contract: Contract) -> bool:
        """Store a new contract; False (nothing stored) when its award already has one."""
        stored = await self._conn.fetchval(
            """INSERT INTO contracts (id, tenant, award_id, status, award, contract_number, legal_commitment_number,
                                      notified_on, notified_at, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
               ON CONFLICT (award_id) DO NOTHING RETURNING id""",
            contract.id,
            contract.tenant,
            contract.award_id,
            contract.status.value,
            contract.award.model_dump(mode="json"),
            contract.contract_number,
            contract.legal_commitment_number,
            contract.notified_on,
            contract.notified_at,
            contract.created_at,
        )
        return stored is not None

    async def get(self, contract_id: uuid.UUID, *, for_update: bool = False) -> Contract | None:
        """The contract, if this scope sees it; `for_update` locks it until the transaction ends."""
        lock = " FOR UPDATE" if for_update else ""
        row = await self._conn.fetchrow(f"SELECT {_COLUMNS} FROM contracts WHERE id = $1{lock}", contract_id)
        return _contract(row) if row is not None else None

    async def latest(self, *, award_id: uuid.UUID | None = None, tenant: str | None = None,
                     limit: int = 100) -> list[Contract]:
        """The newest first, optionally of one award and/or of one buyer."""
        rows = await self._conn.fetch(
            f"""SELECT {_COLUMNS} FROM contracts
                WHERE ($1::uuid IS NULL OR award_id = $1) AND ($2::text IS NULL OR tenant = $2)
                ORDER BY created_at DESC LIMIT $3""",
            award_id,
            tenant,
            limit,
        )
        return [_contract(row) for row in rows]

    async def next_sequence(self, *, tenant: str, year: int) -> int:
        """The buyer's next contract number of `year` (1, 2, ...); locked until the transaction ends."""
        return await next_in_year(self._conn, name=SEQUENCE, tenant=tenant, year=year)

    async def record_notification(self, contract: Contract) -> None:
        """Store what the notification gave the contract: status, numbers, date and instant."""
        result = await self._conn.execute(
            """UPDATE contracts SET status = $2, contract_number = $3, legal_commitment_number = $4,
                      notified_on = $5, notified_at = $6
               WHERE id = $1""",
            contract.id,
            contract.status.value,
            contract.contract_number,
            contract.legal_commitment_number,
            contract.notified_on,
            contract.notified_at,
        )
        if result != "UPDATE 1":
            raise LookupError(f"contract {contract.id} is not in this scope")
