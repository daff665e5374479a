"""The consultations' key pairs' SQL: consultation_keys (tenant-scoped: the wrapped private key)
and consultation_public_keys (readable by anyone: a key exists only once its consultation is
published, as publication creates it)."""

from __future__ import annotations

import uuid

import asyncpg

from unefois_tendering.bids.domain import ConsultationKey, PublishedKey


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
