"""The document store's metadata rows (table `documents`, on the caller's connection) and the
PostgreSQL adapter (content in `document_chunks`, one row per chunk, read with a cursor)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterable, AsyncIterator

import asyncpg

from unefois_kernel.clock import Clock
from unefois_kernel.domain_errors import NotFound
from unefois_kernel.storage import (
    OPAQUE,
    StoredDocument,
    check_names,
    clean_filename,
    rechunked,
    verified,
)

# ---------------------------------------------------------------- metadata (SQL of the port)


_INSERT = """INSERT INTO documents (id, tenant, kind, filename, size, sha256, media_type, backend, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"""
_SELECT = "SELECT id, tenant, kind, filename, size, sha256, media_type, created_at FROM documents WHERE id = $1"


def _row_document(row: asyncpg.Record) -> StoredDocument:
    return StoredDocument(**dict(row))


async def _stat(conn: asyncpg.Connection, document_id: uuid.UUID, tenant: str) -> StoredDocument:
    row = await conn.fetchrow(_SELECT + " AND tenant = $2", document_id, tenant)
    if row is None:
        raise NotFound("Ce document n'existe pas ou n'est pas accessible.", field="document")
    return _row_document(row)


class BoundDocumentStore:
    """What both adapters share: the metadata row on the caller's connection, inside a
    savepoint, so a refused write leaves nothing even if the caller goes on."""

    backend: str

    def __init__(self, conn: asyncpg.Connection, clock: Clock) -> None:
        self.conn = conn
        self.clock = clock

    async def stat(self, document_id: uuid.UUID, *, tenant: str) -> StoredDocument:
        return await _stat(self.conn, document_id, tenant)

    async def _record(self, document: StoredDocument) -> None:
        await self.conn.execute(_INSERT, document.id, document.tenant, document.kind, document.filename,
                                document.size, document.sha256, document.media_type, self.backend,
                                document.created_at)

    async def delete(self, document_id: uuid.UUID, *, tenant: str) -> None:
        await self.stat(document_id, tenant=tenant)
        await self.conn.execute("DELETE FROM documents WHERE id = $1 AND tenant = $2", document_id, tenant)


# ---------------------------------------------------------------- PostgreSQL adapter


class PostgresDocumentStore(BoundDocumentStore):
    """Content in `document_chunks`, one row per chunk, on the unit of work's connection."""

    backend = "postgres"

    async def put(self, chunks: AsyncIterable[bytes], *, tenant: str, kind: str, filename: str, max_bytes: int,
                  allowed_types: frozenset[str] | None, field: str = "fichier") -> StoredDocument:
        check_names(tenant, kind)
        filename = clean_filename(filename, field)
        document_id = uuid.uuid4()
        digest, size, media = hashlib.sha256(), 0, [OPAQUE]
        async with self.conn.transaction():  # a savepoint inside the caller's transaction
            seq = 0
            async for chunk in rechunked(chunks, filename=filename, kind=kind, max_bytes=max_bytes,
                                          allowed_types=allowed_types, field=field, typed=media.append):
                digest.update(chunk)
                size += len(chunk)
                await self.conn.execute(
                    "INSERT INTO document_chunks (document_id, seq, tenant, data) VALUES ($1, $2, $3, $4)",
                    document_id, seq, tenant, chunk)
                seq += 1
            document = StoredDocument(document_id, tenant, kind, filename, size, digest.hexdigest(), media[-1],
                                      self.clock.now())
            await self._record(document)
        return document

    async def _chunks(self, document_id: uuid.UUID, tenant: str) -> AsyncIterator[bytes]:
        query = "SELECT data FROM document_chunks WHERE document_id = $1 AND tenant = $2 ORDER BY seq"
        if self.conn.is_in_transaction():  # the unit of work's: a cursor lives in a transaction
            async for row in self.conn.cursor(query, document_id, tenant, prefetch=4):
                yield row["data"]
            return
        async with self.conn.transaction():
            async for row in self.conn.cursor(query, document_id, tenant, prefetch=4):
                yield row["data"]

    async def open(self, document_id: uuid.UUID, *, tenant: str) -> AsyncIterator[bytes]:
        document = await self.stat(document_id, tenant=tenant)
        async for chunk in verified(document, self._chunks(document_id, tenant)):
            yield chunk


class PostgresDocumentStorage:
    """The PostgreSQL adapter's factory: `bound(conn)` in a service's repositories."""

    backend = "postgres"

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def bound(self, conn: asyncpg.Connection) -> PostgresDocumentStore:
        return PostgresDocumentStore(conn, self.clock)

