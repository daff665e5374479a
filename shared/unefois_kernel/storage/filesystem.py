"""The filesystem adapter: a file per document under root/<tenant>/<id[:2]>/<id[2:4]>/<id>,
written atomically (temp file, fsync, rename, fsync of the folder) before its metadata row;
`sweep()` removes the files left without a row (rolled-back writes, deleted documents)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path

import asyncpg

from unefois_kernel.clock import Clock
from unefois_kernel.storage import (
    CHUNK_SIZE,
    OPAQUE,
    TENANT_PATTERN,
    DocumentIntegrityError,
    StoredDocument,
    check_names,
    clean_filename,
    rechunked,
    verified,
)
from unefois_kernel.storage.database import BoundDocumentStore
from unefois_kernel.tenancy import scoped

log = logging.getLogger("unefois.storage")

# ---------------------------------------------------------------- filesystem adapter


def _write_all(handle, data: bytes) -> None:
    handle.write(data)


def _fsync_close(handle) -> None:
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _publish(temporary: Path, final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(temporary, final)
    _fsync_folder(final.parent)


class FilesystemDocumentStore(BoundDocumentStore):
    backend = "filesystem"

    def __init__(self, conn: asyncpg.Connection, clock: Clock, root: Path) -> None:
        super().__init__(conn, clock)
        self.root = root

    def path_of(self, document_id: uuid.UUID, tenant: str) -> Path:
        check_names(tenant, "document")
        text = document_id.hex
        return self.root / tenant / text[:2] / text[2:4] / str(document_id)

    async def put(self, chunks: AsyncIterable[bytes], *, tenant: str, kind: str, filename: str, max_bytes: int,
                  allowed_types: frozenset[str] | None, field: str = "fichier") -> StoredDocument:
        check_names(tenant, kind)
        filename = clean_filename(filename, field)
        document_id = uuid.uuid4()
        final = self.path_of(document_id, tenant)
        pending = self.root / tenant / ".pending"
        await asyncio.to_thread(pending.mkdir, parents=True, exist_ok=True)
        temporary = pending / f"{document_id}.part"
        digest, size, media = hashlib.sha256(), 0, [OPAQUE]
        handle = await asyncio.to_thread(open, temporary, "xb")
        published = False
        try:
            async for chunk in rechunked(chunks, filename=filename, kind=kind, max_bytes=max_bytes,
                                          allowed_types=allowed_types, field=field, typed=media.append):
                digest.update(chunk)
                size += len(chunk)
                await asyncio.to_thread(_write_all, handle, chunk)
            await asyncio.to_thread(_fsync_close, handle)
            await asyncio.to_thread(_publish, temporary, final)
            published = True
            document = StoredDocument(document_id, tenant, kind, filename, size, digest.hexdigest(), media[-1],
                                      self.clock.now())
            async with self.conn.transaction():
                await self._record(document)
        except BaseException:
            handle.close()
            await asyncio.to_thread(temporary.unlink, missing_ok=True)
            if published:
                await asyncio.to_thread(final.unlink, missing_ok=True)
            raise
        return document

    async def open(self, document_id: uuid.UUID, *, tenant: str) -> AsyncIterator[bytes]:
        document = await self.stat(document_id, tenant=tenant)
        path = self.path_of(document_id, tenant)
        try:
            handle = await asyncio.to_thread(open, path, "rb")
        except FileNotFoundError:
            raise DocumentIntegrityError(
                f"Le contenu du document « {document.filename} » est introuvable dans le stockage : "
                "l'exploitation de la plateforme doit le restaurer.") from None

        async def chunks() -> AsyncIterator[bytes]:
            try:
                while chunk := await asyncio.to_thread(handle.read, CHUNK_SIZE):
                    yield chunk
            finally:
                handle.close()

        async for chunk in verified(document, chunks()):
            yield chunk


class FilesystemDocumentStorage:
    """The filesystem adapter's factory: `bound(conn)` in a service's repositories, `sweep()`
    from a scheduler (files of rolled-back writes and deleted documents)."""

    backend = "filesystem"

    def __init__(self, root: Path, clock: Clock) -> None:
        self.root = Path(root)
        self.clock = clock
        self._orphans_seen: set[Path] = set()

    def bound(self, conn: asyncpg.Connection) -> FilesystemDocumentStore:
        return FilesystemDocumentStore(conn, self.clock, self.root)

    def _files(self) -> dict[str, list[Path]]:
        found: dict[str, list[Path]] = {}
        if not self.root.is_dir():
            return found
        for tenant_dir in self.root.iterdir():
            if tenant_dir.is_dir() and TENANT_PATTERN.match(tenant_dir.name):
                found[tenant_dir.name] = [p for p in tenant_dir.glob("*/*/*") if p.is_file()]
                found[tenant_dir.name] += [p for p in (tenant_dir / ".pending").glob("*.part") if p.is_file()]
        return found

    async def sweep(self, pool: asyncpg.Pool) -> list[Path]:
        """Remove the files that had no metadata row on this pass and the previous one (a
        rolled-back write, a deleted document, an interrupted upload). Returns what it removed."""
        orphans: set[Path] = set()
        for tenant, paths in (await asyncio.to_thread(self._files)).items():
            ids = {}
            for path in paths:
                try:
                    ids[uuid.UUID(path.name.removesuffix(".part"))] = path
                except ValueError:
                    continue
            async with scoped(pool, tenant=tenant) as conn:
                known = {row["id"] for row in await conn.fetch(
                    "SELECT id FROM documents WHERE id = ANY($1::uuid[])", list(ids))}
            orphans |= {path for document_id, path in ids.items()
                        if document_id not in known or path.name.endswith(".part")}
        removed = sorted(orphans & self._orphans_seen)
        for path in removed:
            await asyncio.to_thread(path.unlink, missing_ok=True)
        self._orphans_seen = orphans - set(removed)
        return removed



async def sweep_every(storage: FilesystemDocumentStorage, pool: asyncpg.Pool, stop: asyncio.Event, *,
                      interval_s: float) -> None:
    """The sweeper loop a service runs with the filesystem adapter (ServiceRuntime.run_in_background):
    a pass every `interval_s` (longer than any transaction: a file written by a transaction still
    open has no row yet, and only a file seen orphaned twice is removed) until `stop` is set. A
    failed pass is logged and the next one tries again."""
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
            return
        except TimeoutError:
            pass
        try:
            removed = await storage.sweep(pool)
        except Exception:  # a sweep must not stop the service: the next pass tries again
            log.exception("document sweep failed")
            continue
        if removed:
            log.info("document sweep removed %d file(s) without a document row", len(removed))
