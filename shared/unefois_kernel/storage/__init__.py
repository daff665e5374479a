"""Documents through a storage port: DCE files, sealed bids, receipts, letters, invoice files.

    store = uow.repos.documents                   # a DocumentStore bound to the unit of work's connection
    doc = await store.put(request.stream(), tenant=uow.tenant, kind="dce", filename="RC.pdf",
                          max_bytes=50 * MiB, allowed_types=DCE_TYPES, field="fichier")
    async for chunk in store.open(doc.id, tenant=uow.tenant): ...

- Streamed both ways: content moves in chunks of at most CHUNK_SIZE (64 KiB); nothing holds a
  whole file in memory. The size limit is counted while the content streams in: past it, the
  write stops, what was written is removed, and a 413 names the field.
- Type-checked after opening: the first SNIFF_BYTES of the content (not the declared name) are
  read with `puremagic` and a few structural checks (ZIP-based office formats, text); the
  filename's extension and the sniffed type must agree, and the type must be allowed (415/422
  naming the field, in French). Kinds named `sealed_*` (encrypted bids, backup copies) are
  opaque blobs: not sniffed, stored as application/octet-stream, but refused if they start like
  a plaintext document (a bid that was not encrypted in the browser).
- Hashed at write (SHA-256, recorded in the metadata row) and checked at read: `open()` holds
  the last chunk back until the hash of everything read matches, so a reader never receives a
  complete but altered file; a mismatch raises DocumentIntegrityError.

The metadata row (table `documents`, kernel migration 0007, tenant-scoped by row-level
security) is written on the caller's connection, in its unit of work's transaction: a use case
that fails leaves no metadata. Two adapters, chosen by settings (`storage_from_settings`):
- PostgresDocumentStorage: the content in `document_chunks`, one row per chunk, in the same
  transaction, so a rollback leaves nothing at all.
- FilesystemDocumentStorage(root): a file per document under root/<tenant>/<id[:2]>/<id[2:4]>/<id>,
  written atomically (temp file, fsync, rename, fsync of the folder) before the metadata row.
  A file whose transaction rolled back (or whose row was deleted) has no row: `sweep()` removes
  such files when it finds them orphaned on two consecutive passes (a scheduler calls it at an
  interval longer than any transaction), so a write still in flight is never swept.

FakeDocumentStore is the in-memory store for unit tests, with the same limits and checks.

Modules: this one is the port, its pure parts and the fake (no I/O library: a domain module may
import it); `storage.database` (metadata rows, the PostgreSQL adapter), `storage.filesystem`,
`storage.settings` (the adapter chosen by settings) are for repositories.py and main.py.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

import puremagic

from unefois_kernel.clock import Clock
from unefois_kernel.domain_errors import DomainError, NotFound

KiB = 1024
MiB = 1024 * KiB
CHUNK_SIZE = 64 * KiB
SNIFF_BYTES = 64 * KiB

OPAQUE = "application/octet-stream"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
ZIP = "application/zip"
PNG, JPEG, GIF, TIFF, WEBP = "image/png", "image/jpeg", "image/gif", "image/tiff", "image/webp"
XML = "application/xml"
TEXT, CSV = "text/plain", "text/csv"
# Works plans (the DCE of a works contract): AutoCAD drawings and their exchange format.
DWG, DXF = "image/vnd.dwg", "image/vnd.dxf"

# Extension -> media type: what a declared filename claims (the content must then agree).
EXTENSIONS: dict[str, str] = {
    ".pdf": PDF, ".docx": DOCX, ".xlsx": XLSX, ".pptx": PPTX, ".odt": ODT, ".ods": ODS, ".odp": ODP,
    ".zip": ZIP, ".png": PNG, ".jpg": JPEG, ".jpeg": JPEG, ".gif": GIF, ".tif": TIFF, ".tiff": TIFF,
    ".webp": WEBP, ".xml": XML, ".txt": TEXT, ".csv": CSV, ".dwg": DWG, ".dxf": DXF,
}
OFFICE_TYPES = frozenset({DOCX, XLSX, PPTX, ODT, ODS, ODP})
IMAGE_TYPES = frozenset({PNG, JPEG, GIF, TIFF, WEBP})
# What a consultation file (DCE), a candidate document or an invoice file may be.
DOCUMENT_TYPES = frozenset({PDF, ZIP, XML, TEXT, CSV}) | OFFICE_TYPES | IMAGE_TYPES
DCE_TYPES = DOCUMENT_TYPES | {DWG, DXF}
_LABELS = {PDF: "PDF", DOCX: "Word (.docx)", XLSX: "Excel (.xlsx)", PPTX: "PowerPoint (.pptx)",
           ODT: "OpenDocument texte (.odt)", ODS: "OpenDocument tableur (.ods)",
           ODP: "OpenDocument présentation (.odp)", ZIP: "archive ZIP", PNG: "image PNG", JPEG: "image JPEG",
           GIF: "image GIF", TIFF: "image TIFF", WEBP: "image WebP", XML: "XML", TEXT: "texte", CSV: "CSV",
           DWG: "plan AutoCAD (.dwg)", DXF: "plan DXF (.dxf)"}
# Extensions puremagic may name for the same content (its catalogue has several per signature).
_SNIFF_ALIASES = {".jpg": {".jpg", ".jpeg", ".jfif", ".jpe"}, ".jpeg": {".jpg", ".jpeg", ".jfif", ".jpe"},
                  ".tif": {".tif", ".tiff"}, ".tiff": {".tif", ".tiff"}}
_OOXML_PART = {DOCX: b"word/", XLSX: b"xl/", PPTX: b"ppt/"}
# Signatures that betray a plaintext document where an encrypted blob was expected.
_PLAINTEXT_SIGNATURES = (b"%PDF-", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"<?xml", b"II*\x00",
                         b"MM\x00*", b"\xd0\xcf\x11\xe0")

TENANT_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_KIND = re.compile(r"^[a-z][a-z0-9_.]{0,63}$")


def is_sealed_kind(kind: str) -> bool:
    """Encrypted content (a bid, its backup copy): an opaque blob, never sniffed as a document."""
    return kind.startswith("sealed_")


# ---------------------------------------------------------------- the port


@dataclass(frozen=True)
class StoredDocument:
    id: uuid.UUID
    tenant: str
    kind: str
    filename: str
    size: int
    sha256: str  # hex
    media_type: str
    created_at: datetime


class DocumentTooLarge(DomainError):
    status = 413


class DocumentTypeRefused(DomainError):
    """A type not accepted here (415), or content that does not match its name (422)."""

    status = 415


class DocumentIntegrityError(DomainError):
    """The content read back does not hash to what was recorded at write: altered storage."""

    status = 500


@runtime_checkable
class DocumentStore(Protocol):
    async def put(self, chunks: AsyncIterable[bytes], *, tenant: str, kind: str, filename: str, max_bytes: int,
                  allowed_types: frozenset[str] | None, field: str = "fichier") -> StoredDocument:
        """Stream `chunks` in; refuse past `max_bytes` (413) or a type not allowed/not matching (415/422)."""
        ...

    def open(self, document_id: uuid.UUID, *, tenant: str) -> AsyncIterator[bytes]:
        """Stream the content out; DocumentIntegrityError before the last chunk if the hash differs."""
        ...

    async def stat(self, document_id: uuid.UUID, *, tenant: str) -> StoredDocument:
        """The metadata (NotFound: no such document in this tenant's scope)."""
        ...

    async def delete(self, document_id: uuid.UUID, *, tenant: str) -> None:
        ...


# ---------------------------------------------------------------- pure parts: names, types, limits


def _size_label(size: int) -> str:
    return f"{size / MiB:g} Mio" if size >= MiB else f"{size / KiB:g} Kio"


def too_large(max_bytes: int, field: str) -> DocumentTooLarge:
    return DocumentTooLarge(f"Le fichier dépasse la taille autorisée ({_size_label(max_bytes)}).", field=field)


def clean_filename(filename: str, field: str = "fichier") -> str:
    """The name shown and offered at download: no folder part, no control character."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())
    if not name or name in {".", ".."}:
        raise DomainError("Le fichier doit avoir un nom.", field=field)
    if len(name) > 255:
        raise DomainError("Le nom du fichier est trop long (255 caractères au plus).", field=field)
    return name


def _accepted_list(types: frozenset[str]) -> str:
    return ", ".join(sorted({_LABELS.get(t, t) for t in types}))


def declared_type(filename: str, allowed_types: frozenset[str] | None, field: str) -> str:
    """The media type the filename's extension claims, if accepted here (else 415)."""
    suffix = Path(filename).suffix.lower()
    media_type = EXTENSIONS.get(suffix)
    accepted = allowed_types if allowed_types is not None else DOCUMENT_TYPES
    if media_type is None or media_type not in accepted:
        shown = f"« {suffix} »" if suffix else "sans extension"
        raise DocumentTypeRefused(
            f"Ce type de fichier ({shown}) n'est pas accepté ici. Types acceptés : {_accepted_list(accepted)}.",
            field=field)
    return media_type


def _looks_like_text(head: bytes, complete: bool) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sniffing window is not an error; anything else is
        # tolerated only as a single-byte encoding (Windows-1252 CSV exports) without controls.
        if not complete and exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return True
        controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f")
        return controls == 0
    return True


def _sniffed_extensions(head: bytes) -> set[str]:
    try:
        return {match.extension.lower() for match in puremagic.magic_string(head)}
    except puremagic.PureError:
        return set()


def content_matches(media_type: str, suffix: str, head: bytes, *, complete: bool) -> bool:
    """Whether the first bytes of the content are of `media_type` (named by `suffix`)."""
    if media_type in (TEXT, CSV):
        return _looks_like_text(head, complete) and not head.startswith(_PLAINTEXT_SIGNATURES)
    if media_type == XML:
        body = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        return body.startswith(b"<") and _looks_like_text(head, complete)
    if media_type in (DOCX, XLSX, PPTX):
        return (head.startswith(b"PK\x03\x04") and b"[Content_Types].xml" in head
                and _OOXML_PART[media_type] in head)
    if media_type in (ODT, ODS, ODP):
        # ODF: the first entry is `mimetype`, stored uncompressed, holding the media type.
        return head.startswith(b"PK\x03\x04") and head[30:38] == b"mimetype" and media_type.encode() in head[:200]
    if media_type == ZIP:
        return head.startswith((b"PK\x03\x04", b"PK\x05\x06"))
    if media_type == DWG:  # "AC10xx": the drawing's format version (AC1015 = AutoCAD 2000 ... AC1032 = 2018)
        return re.match(rb"AC10\d\d", head) is not None
    if media_type == DXF:  # ASCII DXF opens its first section ("0", "SECTION"); binary DXF has a sentinel
        return head.startswith(b"AutoCAD Binary DXF\r\n\x1a\x00") or (
            _looks_like_text(head, complete) and re.match(rb"\s*0\s*\r?\n\s*SECTION\b", head) is not None)
    return bool(_sniffed_extensions(head) & _SNIFF_ALIASES.get(suffix, {suffix}))


def checked_type(filename: str, kind: str, head: bytes, allowed_types: frozenset[str] | None, *,
                 complete: bool, field: str) -> str:
    """The stored media type, once the content's first bytes have been read (415/422 if refused)."""
    if is_sealed_kind(kind):
        if head.startswith(_PLAINTEXT_SIGNATURES):
            raise DocumentTypeRefused(
                "Ce dépôt devait être chiffré dans votre navigateur, mais il ressemble à un document en clair : "
                "il n'a pas été enregistré. Recommencez le dépôt depuis la page de la consultation.",
                field=field, status=422)
        return OPAQUE
    media_type = declared_type(filename, allowed_types, field)
    if not content_matches(media_type, Path(filename).suffix.lower(), head, complete=complete):
        raise DocumentTypeRefused(
            f"Le contenu du fichier « {filename} » ne correspond pas à son extension "
            f"({_LABELS.get(media_type, media_type)} attendu) : il n'a pas été enregistré.",
            field=field, status=422)
    return media_type


def check_names(tenant: str, kind: str) -> None:
    if not TENANT_PATTERN.match(tenant or ""):
        raise ValueError(f"not a tenant identifier: {tenant!r}")
    if not _KIND.match(kind or ""):
        raise ValueError(f"not a document kind: {kind!r} (lower case, e.g. 'dce', 'sealed_bid')")


async def rechunked(chunks: AsyncIterable[bytes], *, filename: str, kind: str, max_bytes: int,
                     allowed_types: frozenset[str] | None, field: str, typed: Callable[[str], None],
                     ) -> AsyncIterator[bytes]:
    """The incoming content in pieces of at most CHUNK_SIZE, counted against `max_bytes`,
    sniffed once its first SNIFF_BYTES (or all of it, if shorter) have arrived (`typed` is
    told the media type before any chunk is handed on)."""
    size = 0
    head = bytearray()
    pending = bytearray()
    sniffed = False
    async for piece in chunks:
        if not piece:
            continue
        size += len(piece)
        if size > max_bytes:
            raise too_large(max_bytes, field)
        pending += piece
        if not sniffed:
            if len(pending) < SNIFF_BYTES:
                continue
            typed(checked_type(filename, kind, bytes(pending[:SNIFF_BYTES]), allowed_types, complete=False,
                               field=field))
            sniffed = True
        while len(pending) >= CHUNK_SIZE:
            yield bytes(pending[:CHUNK_SIZE])
            del pending[:CHUNK_SIZE]
    if not sniffed:
        head = pending
        if not head and not is_sealed_kind(kind):
            raise DocumentTypeRefused("Le fichier est vide.", field=field, status=422)
        typed(checked_type(filename, kind, bytes(head), allowed_types, complete=True, field=field))
    while pending:
        yield bytes(pending[:CHUNK_SIZE])
        del pending[:CHUNK_SIZE]


async def verified(document: StoredDocument, chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    """`chunks` passed on, the last one only once size and SHA-256 match the recorded ones."""
    digest = hashlib.sha256()
    size = 0
    held: bytes | None = None
    async for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
        if held is not None:
            yield held
        held = chunk
    if size != document.size or digest.hexdigest() != document.sha256:
        raise DocumentIntegrityError(
            f"Le document « {document.filename} » est altéré : son contenu ne correspond plus à l'empreinte "
            "SHA-256 enregistrée à son dépôt. Il n'a pas été transmis ; l'exploitation de la plateforme "
            "doit le restaurer.")
    if held is not None:
        yield held


# ---------------------------------------------------------------- the fake, for unit tests


class FakeDocumentStore:
    """In memory, with the real stores' limits, type checks, tenant scope and hash check.
    `corrupt(id)` flips a byte of the stored content (a read then raises DocumentIntegrityError)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.documents: dict[uuid.UUID, StoredDocument] = {}
        self.contents: dict[uuid.UUID, bytes] = {}

    async def put(self, chunks: AsyncIterable[bytes], *, tenant: str, kind: str, filename: str, max_bytes: int,
                  allowed_types: frozenset[str] | None, field: str = "fichier") -> StoredDocument:
        check_names(tenant, kind)
        filename = clean_filename(filename, field)
        media = [OPAQUE]
        content = bytearray()
        async for chunk in rechunked(chunks, filename=filename, kind=kind, max_bytes=max_bytes,
                                      allowed_types=allowed_types, field=field, typed=media.append):
            content += chunk
        document = StoredDocument(uuid.uuid4(), tenant, kind, filename, len(content),
                                  hashlib.sha256(content).hexdigest(), media[-1], self.clock.now())
        self.documents[document.id] = document
        self.contents[document.id] = bytes(content)
        return document

    async def stat(self, document_id: uuid.UUID, *, tenant: str) -> StoredDocument:
        document = self.documents.get(document_id)
        if document is None or document.tenant != tenant:
            raise NotFound("Ce document n'existe pas ou n'est pas accessible.", field="document")
        return document

    async def open(self, document_id: uuid.UUID, *, tenant: str) -> AsyncIterator[bytes]:
        document = await self.stat(document_id, tenant=tenant)

        async def chunks() -> AsyncIterator[bytes]:
            content = self.contents[document_id]
            for start in range(0, len(content), CHUNK_SIZE):
                yield content[start:start + CHUNK_SIZE]

        async for chunk in verified(document, chunks()):
            yield chunk

    async def delete(self, document_id: uuid.UUID, *, tenant: str) -> None:
        await self.stat(document_id, tenant=tenant)
        del self.documents[document_id]
        del self.contents[document_id]

    def corrupt(self, document_id: uuid.UUID, at: int = 0) -> None:
        content = bytearray(self.contents[document_id])
        content[at] ^= 0x01
        self.contents[document_id] = bytes(content)


async def chunks_of(data: bytes, size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
    """An in-memory content as an async chunk stream (tests, generated documents)."""
    for start in range(0, len(data), size):
        yield data[start:start + size]

