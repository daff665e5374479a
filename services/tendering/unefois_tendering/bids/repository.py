"""The consultations' key pairs' SQL: consultation_keys (tenant-scoped: the wrapped private key)
and consultation_public_keys (readable by anyone: a key exists only once its consultation is
published, as publication creates it)."""

from __future__ import annotations

import uuid

import asyncpg

from unefois_tendering.bids.domain import (
    ConsultationKey,
    Deposit,
    DepositPart,
    DepositStatus,
    PartRole,
    PublishedKey,
)


def _published(row: asyncpg.Record) -> PublishedKey:
    return PublishedKey(consultation_id=row["consultation_id"], tenant=row["tenant"],
                        public_key_pem=row["public_key_pem"], public_key_jwk=dict(row["public_key_jwk"]),
                        fingerprint=row["fingerprint"], created_at=row["created_at"])


class ConsultationKeyRepository:
    """Row-level security: consultation_keys shows the unit of work's tenant's rows only;
    consultation_public_keys shows every row to every reader (the anonymous public included)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, key: ConsultationKey) -> None:
        published = key.published
        await self.conn.execute(
            """INSERT INTO consultation_keys (consultation_id, tenant, public_key_pem, public_key_jwk, fingerprint,
                                              custody, wrapped_private_key, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
            published.consultation_id, published.tenant, published.public_key_pem, published.public_key_jwk,
            published.fingerprint, key.custody, key.wrapped_private_key, published.created_at,
        )
        await self.conn.execute(
            """INSERT INTO consultation_public_keys (consultation_id, tenant, public_key_pem, public_key_jwk,
                                                     fingerprint, created_at)
               VALUES ($1, $2, $3, $4, $5, $6)""",
            published.consultation_id, published.tenant, published.public_key_pem, published.public_key_jwk,
            published.fingerprint, published.created_at,
        )

    async def get(self, consultation_id: uuid.UUID) -> ConsultationKey | None:
        row = await self.conn.fetchrow(
            """SELECT consultation_id, tenant, public_key_pem, public_key_jwk, fingerprint, custody,
                      wrapped_private_key, created_at
               FROM consultation_keys WHERE consultation_id = $1""",
            consultation_id,
        )
        if row is None:
            return None
        return ConsultationKey(published=_published(row), custody=row["custody"],
                               wrapped_private_key=bytes(row["wrapped_private_key"]))

    async def public_key_of(self, consultation_id: uuid.UUID) -> PublishedKey | None:
        row = await self.conn.fetchrow(
            """SELECT consultation_id, tenant, public_key_pem, public_key_jwk, fingerprint, created_at
               FROM consultation_public_keys WHERE consultation_id = $1""",
            consultation_id,
        )
        return None if row is None else _published(row)


# --- Deposits ------------------------------------------------------------------------------

_DEPOSIT_COLUMNS = """id, tenant, consultation_id, lot_number, lot_title, consultation_reference, consultation_title,
                      buyer_name, supplier_siret, supplier_name, depositor, depositor_email, backup, begun_at,
                      completed_at, status, receipt_hash, receipt, receipt_document_id"""


def _part(row: asyncpg.Record) -> DepositPart:
    return DepositPart(role=PartRole(row["role"]), filename=row["filename"], document_id=row["document_id"],
                       sha256=row["sha256"], size=row["size"], added_at=row["added_at"])


class DepositRepository:
    """bid_deposits and bid_deposit_parts (migration 0016). Row-level security: a buyer's scope
    sees its tenant's rows (read only); a supplier's scope its own rows, written in the tenant it
    acts for (`act_for_buyer`)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, deposit: Deposit) -> None:
        await self.conn.execute(
            f"""INSERT INTO bid_deposits ({_DEPOSIT_COLUMNS})
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)""",
            deposit.id, deposit.tenant, deposit.consultation_id, deposit.lot_number, deposit.lot_title,
            deposit.consultation_reference, deposit.consultation_title, deposit.buyer_name, deposit.supplier_siret,
            deposit.supplier_name, deposit.depositor, deposit.depositor_email, deposit.backup, deposit.begun_at,
            deposit.completed_at, deposit.status.value, deposit.receipt_hash, deposit.receipt,
            deposit.receipt_document_id)

    async def add_part(self, deposit: Deposit, part: DepositPart) -> None:
        await self.conn.execute(
            """INSERT INTO bid_deposit_parts (deposit_id, position, tenant, supplier_siret, role, filename,
                                              document_id, sha256, size, added_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
            deposit.id, len(deposit.parts), deposit.tenant, deposit.supplier_siret, part.role.value, part.filename,
            part.document_id, part.sha256, part.size, part.added_at)

    async def get(self, deposit_id: uuid.UUID, *, for_update: bool = False) -> Deposit | None:
        row = await self.conn.fetchrow(
            f"SELECT {_DEPOSIT_COLUMNS} FROM bid_deposits WHERE id = $1" + (" FOR UPDATE" if for_update else ""),
            deposit_id)
        if row is None:
            return None
        return (await self._with_parts([row]))[0]

    async def _with_parts(self, rows: list[asyncpg.Record]) -> list[Deposit]:
        ids = [row["id"] for row in rows]
        parts: dict[uuid.UUID, list[DepositPart]] = {deposit_id: [] for deposit_id in ids}
        for part in await self.conn.fetch(
                """SELECT deposit_id, role, filename, document_id, sha256, size, added_at FROM bid_deposit_parts
                   WHERE deposit_id = ANY($1::uuid[]) ORDER BY deposit_id, position""", ids):
            parts[part["deposit_id"]].append(_part(part))
        return [Deposit(id=row["id"], tenant=row["tenant"], consultation_id=row["consultation_id"],
                        lot_number=row["lot_number"], supplier_siret=row["supplier_siret"],
                        supplier_name=row["supplier_name"], depositor=row["depositor"],
                        depositor_email=row["depositor_email"], backup=row["backup"], begun_at=row["begun_at"],
                        completed_at=row["completed_at"], status=DepositStatus(row["status"]),
                        receipt_hash=row["receipt_hash"], receipt_document_id=row["receipt_document_id"],
                        parts=tuple(parts[row["id"]]), consultation_reference=row["consultation_reference"],
                        consultation_title=row["consultation_title"], buyer_name=row["buyer_name"],
                        lot_title=row["lot_title"], receipt=None if row["receipt"] is None else dict(row["receipt"]))
                for row in rows]

    async def complete(self, deposit: Deposit) -> None:
        await self.conn.execute(
            """UPDATE bid_deposits SET completed_at = $2, status = $3, receipt_hash = $4, receipt = $5,
                                      receipt_document_id = $6 WHERE id = $1""",
            deposit.id, deposit.completed_at, deposit.status.value, deposit.receipt_hash, deposit.receipt,
            deposit.receipt_document_id)

    async def mark_replaced(self, deposit_ids: list[uuid.UUID]) -> None:
        await self.conn.execute("UPDATE bid_deposits SET status = 'replaced' WHERE id = ANY($1::uuid[])",
                                list(deposit_ids))

    async def of_consultation(self, consultation_id: uuid.UUID, *, lot_number: int | None = None,
                              all_lots: bool = True, for_update: bool = False) -> list[Deposit]:
        """`for_update`: the rows locked in id order (two completions of one lot run one after
        the other, and the second sees the first received: no deadlock, no two received)."""
        if for_update:
            await self.conn.execute(
                """SELECT id FROM bid_deposits WHERE consultation_id = $1
                   AND ($2 OR lot_number IS NOT DISTINCT FROM $3) ORDER BY id FOR UPDATE""",
                consultation_id, all_lots, lot_number)
        rows = await self.conn.fetch(
            f"""SELECT {_DEPOSIT_COLUMNS} FROM bid_deposits WHERE consultation_id = $1
                AND ($2 OR lot_number IS NOT DISTINCT FROM $3) ORDER BY begun_at, id""",
            consultation_id, all_lots, lot_number)
        return await self._with_parts(list(rows))

    async def mine(self, *, limit: int = 200) -> list[Deposit]:
        """The supplier scope's own deposits, newest first (row-level security does the filter)."""
        rows = await self.conn.fetch(f"SELECT {_DEPOSIT_COLUMNS} FROM bid_deposits ORDER BY begun_at DESC, id LIMIT $1",
                                     limit)
        return await self._with_parts(list(rows))
