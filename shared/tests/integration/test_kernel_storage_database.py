"""The document store on the real PostgreSQL, as a service's (non-superuser) role, both adapters:
a 20 MiB round trip in bounded memory, the limit and the type refused mid-stream leaving
nothing, an altered byte detected at read, row-level security between tenants, and a rolled-back
use case leaving no metadata (and, for the filesystem, a file the sweep removes)."""

from __future__ import annotations

import hashlib
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest
from unefois_kernel import db, migrations
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.clock import SettableClock
from unefois_kernel.domain_errors import NotFound
from unefois_kernel.storage import (
    CHUNK_SIZE,
    DCE_TYPES,
    PDF,
    DocumentIntegrityError,
    DocumentTooLarge,
    DocumentTypeRefused,
    KiB,
    MiB,
    chunks_of,
)
from unefois_kernel.storage.database import PostgresDocumentStorage
from unefois_kernel.storage.filesystem import FilesystemDocumentStorage
from unefois_kernel.storage.settings import (
    DocumentStorageSettings,
    storage_from_settings,
)
from unefois_kernel.testing import BUYER, OTHER_BUYER, SUPPLIER
from unefois_kernel.uow import UnitsOfWork

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def person(org, subject: str) -> Principal:
    return Principal(subject=subject, name=subject, roles=frozenset({Role.BUYER}), org_siret=org.siret,
                     org_name=org.name, org_kind=OrgKind.BUYER)


def bidder(siret: str, subject: str) -> Principal:
    return Principal(subject=subject, name=subject, roles=frozenset({Role.SUPPLIER}), org_siret=siret,
                     org_name=subject, org_kind=OrgKind.SUPPLIER)


CAMILLE = person(BUYER, "camille")
LEA = person(OTHER_BUYER, "lea")
JEAN = bidder(SUPPLIER.siret, "jean")
NINA = bidder("81000005900016", "nina")


class Repos:
    def __init__(self, conn, storage) -> None:
        self.conn = conn
        self.documents = storage.bound(conn)


@pytest.fixture(params=["postgres", "filesystem"])
async def uows(request, scratch_database, tmp_path):
    dsn = await scratch_database()
    conn = await db.connect(dsn)
    await migrations.apply(conn, migrations.kernel_migrations())
    await conn.close()
    pool = await db.create_pool(dsn)
    clock = SettableClock(NOW)
    settings = DocumentStorageSettings(document_storage=request.param, document_root=tmp_path / "documents")
    storage = storage_from_settings(settings, clock)
    try:
        yield UnitsOfWork(service="tendering", clock=clock, repositories=lambda c: Repos(c, storage), pool=pool)
    finally:
        await pool.close()


def storage_of(uows):
    return uows.repositories(None).documents  # a store bound to nothing, to reach its adapter's paths


async def counts(uows) -> tuple[int, int]:
    async with uows.system(BUYER.siret) as uow:
        return (await uow.connection.fetchval("SELECT count(*) FROM documents"),
                await uow.connection.fetchval("SELECT count(*) FROM document_chunks"))


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def root_of(uows) -> Path | None:
    store = storage_of(uows)
    return getattr(store, "root", None)


async def generated_pdf(size: int):
    """`size` bytes of a PDF made on the fly, a chunk at a time (never held whole)."""
    sent = 0
    block = bytes(range(256)) * (CHUNK_SIZE // 256)
    while sent < size:
        piece = (b"%PDF-1.7\n" + block[9:]) if sent == 0 else block
        piece = piece[:size - sent]
        sent += len(piece)
        yield piece


def expected_sha(size: int) -> str:
    digest = hashlib.sha256()
    block = bytes(range(256)) * (CHUNK_SIZE // 256)
    sent = 0
    while sent < size:
        piece = ((b"%PDF-1.7\n" + block[9:]) if sent == 0 else block)[:size - sent]
        digest.update(piece)
        sent += len(piece)
    return digest.hexdigest()


async def test_a_20_mib_round_trip_streams_in_bounded_memory(uows) -> None:
    size = 20 * MiB
    tracemalloc.start()
    try:
        async with uows(CAMILLE) as uow:
            document = await uow.repos.documents.put(generated_pdf(size), tenant=uow.tenant, kind="dce",
                                                     filename="DCE complet.pdf", max_bytes=25 * MiB,
                                                     allowed_types=DCE_TYPES, field="fichier")
        _, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        digest, read = hashlib.sha256(), 0
        async with uows(CAMILLE) as uow:
            async for chunk in uow.repos.documents.open(document.id, tenant=uow.tenant):
                assert len(chunk) <= CHUNK_SIZE
                digest.update(chunk)
                read += len(chunk)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (document.size, document.media_type, document.created_at) == (size, PDF, NOW)
    assert document.sha256 == expected_sha(size) == digest.hexdigest() and read == size
    assert write_peak < 4 * MiB and read_peak < 4 * MiB, (write_peak, read_peak)
    async with uows(CAMILLE) as uow:
        assert await uow.repos.documents.stat(document.id, tenant=uow.tenant) == document


async def test_over_the_limit_mid_stream_is_refused_and_leaves_nothing(uows) -> None:
    async with uows(CAMILLE) as uow:
        with pytest.raises(DocumentTooLarge) as refused:
            await uow.repos.documents.put(generated_pdf(3 * MiB), tenant=uow.tenant, kind="dce", filename="gros.pdf",
                                          max_bytes=MiB, allowed_types=DCE_TYPES, field="fichier")
        # The refusal rolled back to its savepoint: the caller's transaction goes on.
        assert await uow.connection.fetchval("SELECT count(*) FROM document_chunks") == 0
    assert refused.value.status == 413 and refused.value.field == "fichier"
    assert await counts(uows) == (0, 0)
    if (root := root_of(uows)) is not None:
        assert files_under(root) == []


async def test_a_wrong_type_found_after_opening_is_refused_and_leaves_nothing(uows) -> None:
    async with uows(CAMILLE) as uow:
        with pytest.raises(DocumentTypeRefused) as refused:
            await uow.repos.documents.put(chunks_of(b"MZ\x90\x00" + b"\x00" * 200 * KiB), tenant=uow.tenant,
                                          kind="dce", filename="rc.pdf", max_bytes=MiB, allowed_types=DCE_TYPES,
                                          field="fichier")
    assert refused.value.status == 422 and refused.value.field == "fichier"
    assert await counts(uows) == (0, 0)
    if (root := root_of(uows)) is not None:
        assert files_under(root) == []


async def test_a_byte_altered_in_storage_is_detected_at_read(uows) -> None:
    async with uows(CAMILLE) as uow:
        document = await uow.repos.documents.put(generated_pdf(300 * KiB), tenant=uow.tenant, kind="dce",
                                                 filename="rc.pdf", max_bytes=MiB, allowed_types=DCE_TYPES)
    if root_of(uows) is not None:
        path = storage_of(uows).path_of(document.id, BUYER.siret)
        content = bytearray(path.read_bytes())
        content[200 * KiB] ^= 0x01
        path.write_bytes(bytes(content))
    else:
        async with uows(CAMILLE) as uow:
            await uow.connection.execute(
                "UPDATE document_chunks SET data = set_byte(data, 10, get_byte(data, 10) # 1) "
                "WHERE document_id = $1 AND seq = 2", document.id)
    received = 0
    with pytest.raises(DocumentIntegrityError, match="altéré"):
        async with uows(CAMILLE) as uow:
            async for chunk in uow.repos.documents.open(document.id, tenant=uow.tenant):
                received += len(chunk)
    assert received < document.size  # the last chunk was held back: never the whole altered file


async def test_another_tenant_can_neither_open_nor_stat_nor_see_the_rows(uows) -> None:
    async with uows(CAMILLE) as uow:
        document = await uow.repos.documents.put(generated_pdf(100 * KiB), tenant=uow.tenant, kind="dce",
                                                 filename="rc.pdf", max_bytes=MiB, allowed_types=DCE_TYPES)
    async with uows(LEA) as uow:
        # Even naming Camille's tenant, Léa's transaction is scoped to hers by row-level security.
        with pytest.raises(NotFound):
            await uow.repos.documents.stat(document.id, tenant=BUYER.siret)
        with pytest.raises(NotFound):
            async for _ in uow.repos.documents.open(document.id, tenant=BUYER.siret):
                pass
        with pytest.raises(NotFound):
            await uow.repos.documents.delete(document.id, tenant=BUYER.siret)
        assert await uow.connection.fetchval("SELECT count(*) FROM documents") == 0
        assert await uow.connection.fetchval("SELECT count(*) FROM document_chunks") == 0
    async with uows(None) as uow:  # anonymous: no tenant, no rows
        assert await uow.connection.fetchval("SELECT count(*) FROM documents") == 0
    # Writing a row for another tenant than the scope's is refused by the policy's WITH CHECK.
    async with uows(LEA) as uow:
        with pytest.raises(Exception, match="row-level security"):
            await uow.repos.documents.put(generated_pdf(10 * KiB), tenant=BUYER.siret, kind="dce",
                                          filename="rc.pdf", max_bytes=MiB, allowed_types=DCE_TYPES)
    assert (await counts(uows))[0] == 1


async def test_a_supplier_in_the_buyers_scope_reads_its_own_documents_and_the_buyers_never_another_suppliers(
        uows) -> None:
    async with uows(CAMILLE) as uow:
        rules = await uow.repos.documents.put(generated_pdf(10 * KiB), tenant=uow.tenant, kind="dce",
                                              filename="rc.pdf", max_bytes=MiB, allowed_types=DCE_TYPES)
    async with uows(JEAN) as uow:  # a bidder depositing on Camille's consultation
        await uow.act_for_buyer(BUYER.siret)
        sealed = await uow.repos.documents.put(generated_pdf(10 * KiB), tenant=uow.tenant, kind="dce",
                                               filename="offre.pdf", max_bytes=MiB, allowed_types=DCE_TYPES)
    async with uows(NINA) as uow:  # another bidder on the same consultation
        await uow.act_for_buyer(BUYER.siret)
        assert (await uow.repos.documents.stat(rules.id, tenant=BUYER.siret)).filename == "rc.pdf"
        with pytest.raises(NotFound):
            await uow.repos.documents.stat(sealed.id, tenant=BUYER.siret)
        with pytest.raises(NotFound):
            async for _ in uow.repos.documents.open(sealed.id, tenant=BUYER.siret):
                pass
        assert await uow.connection.fetchval("SELECT count(*) FROM documents") == 1
        assert await uow.connection.fetchval(
            "SELECT count(*) FROM document_chunks WHERE document_id = $1", sealed.id) == 0
    async with uows(JEAN) as uow:
        await uow.act_for_buyer(BUYER.siret)
        assert (await uow.repos.documents.stat(sealed.id, tenant=BUYER.siret)).filename == "offre.pdf"
    async with uows(CAMILLE) as uow:  # the buyer's side (and the service acting for it) sees both
        assert (await uow.repos.documents.stat(sealed.id, tenant=uow.tenant)).filename == "offre.pdf"
        assert await uow.connection.fetchval("SELECT count(*) FROM documents") == 2


async def test_a_rolled_back_use_case_leaves_no_metadata_and_its_file_is_swept(uows) -> None:
    with pytest.raises(RuntimeError):
        async with uows(CAMILLE) as uow:
            await uow.repos.documents.put(generated_pdf(200 * KiB), tenant=uow.tenant, kind="dce",
                                          filename="rc.pdf", max_bytes=MiB, allowed_types=DCE_TYPES)
            raise RuntimeError("the use case failed after storing its file")
    assert await counts(uows) == (0, 0)
    root = root_of(uows)
    if root is None:
        return  # PostgreSQL: the content rolled back with the transaction
    storage = FilesystemDocumentStorage(root, uows.clock)
    async with uows(CAMILLE) as uow:
        kept = await uow.repos.documents.put(generated_pdf(10 * KiB), tenant=uow.tenant, kind="dce",
                                             filename="garde.pdf", max_bytes=MiB, allowed_types=DCE_TYPES)
    assert len(files_under(root)) == 2  # the orphan waits for the sweep
    assert await storage.sweep(uows.pool) == []  # first pass: only noted (a write may be in flight)
    removed = await storage.sweep(uows.pool)
    assert [p.name for p in removed] != [] and all(p.name != str(kept.id) for p in removed)
    assert [p.name for p in files_under(root)] == [str(kept.id)]
    # A deleted document's file goes the same way once the deletion committed.
    async with uows(CAMILLE) as uow:
        await uow.repos.documents.delete(kept.id, tenant=uow.tenant)
    await storage.sweep(uows.pool)
    await storage.sweep(uows.pool)
    assert files_under(root) == []


def test_settings_choose_the_adapter(tmp_path) -> None:
    clock = SettableClock(NOW)
    assert isinstance(storage_from_settings(DocumentStorageSettings(), clock), PostgresDocumentStorage)
    chosen = storage_from_settings(DocumentStorageSettings(document_storage="filesystem", document_root=tmp_path),
                                   clock)
    assert isinstance(chosen, FilesystemDocumentStorage) and chosen.root == tmp_path
    with pytest.raises(ValueError, match="document_root"):
        storage_from_settings(DocumentStorageSettings(document_storage="filesystem"), clock)


async def test_the_sweeper_loop_removes_an_orphan_on_its_own_and_stops_with_the_runtime(uows) -> None:
    """The loop a service runs with the filesystem adapter (storage.settings.start_document_sweeper)."""
    import asyncio

    from unefois_kernel.storage.filesystem import sweep_every

    root = root_of(uows)
    if root is None:
        return  # PostgreSQL: nothing to sweep
    with pytest.raises(RuntimeError):
        async with uows(CAMILLE) as uow:
            await uow.repos.documents.put(generated_pdf(10 * KiB), tenant=uow.tenant, kind="dce",
                                          filename="annule.pdf", max_bytes=MiB, allowed_types=DCE_TYPES)
            raise RuntimeError("rolled back")
    assert len(files_under(root)) == 1
    stop = asyncio.Event()
    loop = asyncio.create_task(sweep_every(FilesystemDocumentStorage(root, uows.clock), uows.pool, stop,
                                           interval_s=0.05))
    for _ in range(100):
        if not files_under(root):
            break
        await asyncio.sleep(0.05)
    assert files_under(root) == [], "two passes saw the orphan: removed without anyone calling sweep()"
    stop.set()
    await asyncio.wait_for(loop, timeout=2)


def test_only_the_filesystem_adapter_starts_a_sweeper(tmp_path) -> None:
    from unefois_kernel.storage.settings import start_document_sweeper

    class Runtime:
        settings = DocumentStorageSettings(document_sweep_interval_s=60)
        pool = None

        def __init__(self) -> None:
            self.started: list[str] = []

        def run_in_background(self, name, loop) -> None:
            self.started.append(name)

    runtime = Runtime()
    start_document_sweeper(runtime, PostgresDocumentStorage(SettableClock(NOW)))
    assert runtime.started == []
    start_document_sweeper(runtime, FilesystemDocumentStorage(tmp_path, SettableClock(NOW)))
    assert runtime.started == ["document-sweep"]
