"""The document storage port's pure parts and its fake: limits while streaming, the type read
from the content, the hash checked at read, tenant scope, the upload/download helpers."""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
import zipfile
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from unefois_kernel.clock import SettableClock
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_kernel.storage import (
    CSV,
    DCE_TYPES,
    DOCX,
    IMAGE_TYPES,
    ODT,
    OPAQUE,
    PDF,
    TEXT,
    XLSX,
    XML,
    DocumentIntegrityError,
    DocumentStore,
    DocumentTooLarge,
    DocumentTypeRefused,
    FakeDocumentStore,
    KiB,
    MiB,
    checked_type,
    chunks_of,
    clean_filename,
)
from unefois_kernel.web.uploads import (
    content_disposition,
    document_response,
    store_upload,
    upload_filename,
)

BUYER = "21350238800019"
OTHER = "21750001600019"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def pdf(size: int = 1000) -> bytes:
    return b"%PDF-1.7\n" + b"0" * max(0, size - 9)


def office(part: str, entries: int = 3) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for n in range(entries):
            archive.writestr(f"{part}/part{n}.xml", "<x/>" * 50)
    return buffer.getvalue()


def odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODT)  # stored, first, as ODF requires
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 50


@pytest.fixture
def store() -> FakeDocumentStore:
    return FakeDocumentStore(SettableClock(NOW))


async def put(store, data: bytes, filename: str, *, kind: str = "dce", max_bytes: int = 10 * MiB,
              allowed=DCE_TYPES, tenant: str = BUYER):
    return await store.put(chunks_of(data, 7000), tenant=tenant, kind=kind, filename=filename, max_bytes=max_bytes,
                           allowed_types=allowed, field="fichier")


async def read(store, document_id, tenant: str = BUYER) -> bytes:
    return b"".join([chunk async for chunk in store.open(document_id, tenant=tenant)])


def test_the_fake_is_a_document_store(store) -> None:
    assert isinstance(store, DocumentStore)


@pytest.mark.parametrize(("filename", "data", "media_type"), [
    ("Règlement de consultation.pdf", pdf(), PDF),
    ("CCTP.docx", office("word"), DOCX),
    ("BPU.xlsx", office("xl"), XLSX),
    ("Mémoire.odt", odt(), ODT),
    ("plan.png", PNG_BYTES, "image/png"),
    ("photo.JPG", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40, "image/jpeg"),
    ("facture.xml", b'\xef\xbb\xbf<?xml version="1.0"?><Invoice/>', XML),
    ("lisez-moi.txt", "Pièces à fournir : Kbis, attestations.\n".encode(), TEXT),
    ("prix.csv", "désignation;prix\nlot 1;12,50\n".encode("cp1252"), CSV),
    ("Plan de masse.dwg", b"AC1032\x00\x00\x00\x00\x00\x00\x07" + b"\x00" * 60, "image/vnd.dwg"),
    ("Réseaux.dxf", b"  0\r\nSECTION\r\n  2\r\nHEADER\r\n  9\r\n$ACADVER\r\n  1\r\nAC1027\r\n", "image/vnd.dxf"),
])
async def test_a_round_trip_keeps_bytes_name_hash_and_sniffed_type(store, filename, data, media_type) -> None:
    document = await put(store, data, filename)
    assert (document.tenant, document.kind, document.filename, document.size) == (BUYER, "dce", filename, len(data))
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.media_type == media_type
    assert document.created_at == NOW  # the injected clock, not the wall clock
    assert await read(store, document.id) == data
    assert await store.stat(document.id, tenant=BUYER) == document


async def test_a_file_over_the_limit_is_refused_while_streaming_naming_the_field(store) -> None:
    consumed = []

    async def endless():
        for n in range(10_000):
            consumed.append(n)
            yield (b"%PDF-1.7\n" if n == 0 else b"") + b"x" * KiB

    with pytest.raises(DocumentTooLarge) as refused:
        await store.put(endless(), tenant=BUYER, kind="dce", filename="gros.pdf", max_bytes=100 * KiB,
                        allowed_types=DCE_TYPES, field="fichier")
    assert refused.value.status == 413 and refused.value.field == "fichier"
    assert "100 Kio" in refused.value.detail
    assert len(consumed) <= 101  # stopped reading at the limit
    assert store.documents == {}


@pytest.mark.parametrize(("filename", "data", "status", "words"), [
    ("offre.pdf", b"MZ\x90\x00 executable", 422, "ne correspond pas"),
    ("offre.pdf", office("word"), 422, "PDF attendu"),
    ("CCTP.docx", office("xl"), 422, "ne correspond pas"),  # an xlsx renamed .docx
    ("CCTP.docx", pdf(), 422, "ne correspond pas"),
    ("notes.txt", pdf(), 422, "ne correspond pas"),  # a PDF named .txt
    ("notes.txt", b"\x00\x01\x02binary", 422, "ne correspond pas"),
    ("plan.dwg", pdf(), 422, "plan AutoCAD"),  # a PDF named .dwg
    ("plan.dxf", b"MZ\x90\x00 executable", 422, "plan DXF"),
    ("virus.exe", b"MZ\x90\x00", 415, "« .exe »"),
    ("sans-extension", pdf(), 415, "sans extension"),
])
async def test_the_type_is_read_from_the_content_and_must_match_the_name(store, filename, data, status, words) -> None:
    with pytest.raises(DocumentTypeRefused) as refused:
        await put(store, data, filename)
    assert refused.value.status == status and refused.value.field == "fichier"
    assert words in refused.value.detail
    assert store.documents == {}


async def test_a_type_outside_the_allowed_ones_is_refused_with_the_accepted_list(store) -> None:
    with pytest.raises(DocumentTypeRefused) as refused:
        await put(store, pdf(), "plan.pdf", allowed=IMAGE_TYPES)
    assert refused.value.status == 415
    assert "Types acceptés" in refused.value.detail and "image PNG" in refused.value.detail


async def test_the_sniff_window_spans_many_small_chunks(store) -> None:
    data = office("word", entries=400)  # larger than the sniffing window, sent 100 bytes at a time
    document = await store.put(chunks_of(data, 100), tenant=BUYER, kind="dce", filename="a.docx",
                               max_bytes=MiB, allowed_types=None)
    assert document.media_type == DOCX and await read(store, document.id) == data


async def test_sealed_kinds_are_opaque_but_not_plaintext(store) -> None:
    blob = bytes(range(256)) * 100
    document = await put(store, blob, "offre.bin", kind="sealed_bid", allowed=None)
    assert document.media_type == OPAQUE and await read(store, document.id) == blob
    with pytest.raises(DocumentTypeRefused) as refused:
        await put(store, pdf(), "offre.bin", kind="sealed_bid", allowed=None)
    assert refused.value.status == 422 and "en clair" in refused.value.detail


async def test_an_empty_document_is_refused(store) -> None:
    with pytest.raises(DocumentTypeRefused, match="vide"):
        await put(store, b"", "vide.pdf")


async def test_a_flipped_byte_is_detected_at_read_before_the_last_chunk(store) -> None:
    data = pdf(300 * KiB)
    document = await put(store, data, "rc.pdf")
    store.corrupt(document.id, at=len(data) - 1)
    received = []
    with pytest.raises(DocumentIntegrityError) as altered:
        async for chunk in store.open(document.id, tenant=BUYER):
            received.append(chunk)
    assert "altéré" in altered.value.detail
    assert sum(map(len, received)) < len(data)  # the reader never got the whole (altered) file


async def test_another_tenant_can_neither_open_stat_nor_delete(store) -> None:
    document = await put(store, pdf(), "rc.pdf")
    with pytest.raises(NotFound):
        await store.stat(document.id, tenant=OTHER)
    with pytest.raises(NotFound):
        await read(store, document.id, tenant=OTHER)
    with pytest.raises(NotFound):
        await store.delete(document.id, tenant=OTHER)
    await store.delete(document.id, tenant=BUYER)
    with pytest.raises(NotFound):
        await store.stat(document.id, tenant=BUYER)


def test_filenames_lose_their_folders_and_control_characters() -> None:
    assert clean_filename("C:\\Users\\x\\RC.pdf") == "RC.pdf"
    assert clean_filename("../../etc/x.pdf") == "x.pdf"
    assert clean_filename("a\x00b\n.pdf") == "ab.pdf"
    with pytest.raises(DomainError):
        clean_filename("   ")


def test_checked_type_needs_the_whole_head_for_ooxml() -> None:
    with pytest.raises(DocumentTypeRefused):
        checked_type("a.docx", "dce", b"PK\x03\x04" + b"\x00" * 100, None, complete=True, field="f")


def test_content_disposition_carries_the_french_name() -> None:
    header = content_disposition("Règlement « RC ».pdf")
    assert header.startswith('attachment; filename="R_glement _ RC _.pdf"')
    assert "filename*=UTF-8''R%C3%A8glement%20%C2%AB%20RC%20%C2%BB.pdf" in header


def _app(store: FakeDocumentStore) -> FastAPI:
    app = FastAPI()

    @app.put("/upload")
    async def upload(request: Request):
        try:
            document = await store_upload(request, store, tenant=BUYER, kind="dce", max_bytes=200 * KiB,
                                          allowed_types=DCE_TYPES, field="fichier")
        except DomainError as exc:
            return {"status": exc.status, "field": exc.field, "detail": exc.detail}
        return {"id": str(document.id), "filename": document.filename}

    @app.get("/documents/{document_id}")
    async def download(document_id: uuid.UUID):
        document = await store.stat(document_id, tenant=BUYER)
        return document_response(document, store.open(document_id, tenant=BUYER))

    return app


def test_the_upload_and_download_helpers_stream_through_fastapi(store) -> None:
    client = TestClient(_app(store))
    data = pdf(150 * KiB)
    answer = client.put("/upload", content=data,
                        headers={"Content-Disposition": "attachment; filename*=UTF-8''R%C3%A8glement.pdf"})
    assert answer.json()["filename"] == "Règlement.pdf"
    got = client.get(f"/documents/{answer.json()['id']}")
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-type"] == PDF
    assert got.headers["content-length"] == str(len(data))
    assert "filename*=UTF-8''R%C3%A8glement.pdf" in got.headers["content-disposition"]
    assert got.headers["repr-digest"] == f"sha-256=:{base64.b64encode(hashlib.sha256(data).digest()).decode()}:"

    too_big = client.put("/upload", content=pdf(300 * KiB), headers={"X-Filename": "gros.pdf"})
    assert too_big.json() == {"status": 413, "field": "fichier",
                              "detail": "Le fichier dépasse la taille autorisée (200 Kio)."}
    wrong = client.put("/upload", content=b"plain text", headers={"X-Filename": "faux.pdf"})
    assert wrong.json()["status"] == 422


def test_an_upload_without_a_name_is_refused_naming_the_field() -> None:
    request = Request({"type": "http", "headers": [], "method": "PUT", "path": "/"})
    with pytest.raises(DomainError) as refused:
        upload_filename(request)
    assert refused.value.field == "fichier"
