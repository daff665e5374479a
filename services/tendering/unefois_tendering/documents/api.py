"""DCE API: the buyer adds and replaces files (multipart: `fichier`, `titre`, `description`,
`remplace`); anyone lists and downloads a published consultation's files (a signed-in supplier's
download is recorded in the registry of withdrawals), or all current files in one ZIP."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import StreamingResponse
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow, public
from unefois_kernel.auth.principal import BUYER_ROLES, Principal
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.storage import CHUNK_SIZE, KiB, StoredDocument
from unefois_kernel.web.security import body_limit
from unefois_kernel.web.uploads import (
    content_disposition,
    document_response,
    upload_body_limit,
)

from unefois_tendering.documents import domain, service
from unefois_tendering.documents.service import Dce
from unefois_tendering.documents.views import DceDocumentView, DceView

router = APIRouter(prefix="/api/consultations", tags=["dossier de consultation"])
public_router = APIRouter(prefix="/api/public/consultations", tags=["dossier de consultation"])

# The file plus the form's few short fields and the multipart framing.
UPLOAD_LIMIT = upload_body_limit(domain.MAX_FILE_BYTES) + 64 * KiB


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while piece := await upload.read(CHUNK_SIZE):
        yield piece


async def read_upload(request: Request) -> tuple[UploadFile, dict[str, str]]:
    """The multipart request's file (`fichier`) and short fields. Starlette spools the file part
    to a temporary file while parsing (never held whole in memory); the store then streams it."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise DomainError("Envoyez le fichier en multipart/form-data (champ « fichier »).", field="fichier",
                          status=415)
    form = await request.form(max_files=1, max_fields=10, max_part_size=16 * KiB)
    upload = form.get("fichier")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise DomainError("Choisissez le fichier à déposer.", field="fichier")
    fields = {name: str(value) for name, value in form.items() if isinstance(value, str)}
    return upload, fields


def parse_replaces(value: str | None) -> uuid.UUID | None:
    if not (value or "").strip():
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise DomainError("Identifiant du document remplacé illisible.", field="remplace") from None


def public_link(request: Request, consultation_id: uuid.UUID, page: str = "dce") -> str | None:
    settings = getattr(runtime_of(request), "settings", None)
    base = (getattr(settings, "public_url", "") or "").rstrip("/")
    return f"{base}/consultations-publiques/{consultation_id}/{page}" if base else None


async def upload(request: Request, principal: Principal, consultation_id: uuid.UUID):
    await service.check_upload(runtime_of(request).uow(principal), consultation_id)
    file, fields = await read_upload(request)
    try:
        return await service.add_document(
            runtime_of(request).uow(principal), consultation_id, _chunks(file), filename=file.filename,
            title=fields.get("titre"), description=fields.get("description"),
            replaces=parse_replaces(fields.get("remplace")), link=public_link(request, consultation_id))
    finally:
        await file.close()


@router.post("/{consultation_id}/documents", response_model=DceDocumentView, status_code=201,
             dependencies=[body_limit(UPLOAD_LIMIT)],
             summary="Ajouter ou remplacer un fichier du dossier de consultation (DCE)",
             description="multipart/form-data : `fichier` (200 Mio au plus ; PDF, Word, Excel, PowerPoint, "
                         "OpenDocument, ZIP, images, XML, texte, CSV, type vérifié sur le contenu), `titre`, "
                         "`remplace` (l’identifiant de la version remplacée, facultatif) et, une fois la "
                         "consultation publiée, `description` de la modification du DCE (obligatoire : elle est "
                         "envoyée aux entreprises qui ont retiré le dossier). 1 Gio au plus de fichiers en vigueur "
                         "par consultation. 409 après la date limite de remise des offres (champ `bid_deadline`).")
async def post_document(consultation_id: uuid.UUID, request: Request,
                        principal: Principal = allow(*BUYER_ROLES)) -> DceDocumentView:
    return DceDocumentView.of(await upload(request, principal, consultation_id))


@router.get("/{consultation_id}/documents", response_model=DceView,
            summary="Le dossier de consultation, ses modifications et le registre des retraits")
async def get_documents(consultation_id: uuid.UUID, request: Request,
                        principal: Principal = allow(*BUYER_ROLES)) -> DceView:
    return DceView.of(await service.buyer_dce(runtime_of(request).uow(principal), consultation_id), public=False)


def content_of(request: Request, stored: StoredDocument) -> AsyncIterator[bytes]:
    """The stored content, read in a unit of work of its own once the checks are done (the
    route's has ended when the body is sent); the port checks the hash before the last chunk."""
    async def content() -> AsyncIterator[bytes]:
        async with runtime_of(request).uow.system(stored.tenant) as uow:
            async for chunk in uow.repos.documents.open(stored.id, tenant=stored.tenant):
                yield chunk
    return content()


@public_router.get("/{consultation_id}/documents", response_model=DceView,
                   summary="Le dossier de consultation publié (fichiers en vigueur, modifications)")
async def get_public_documents(consultation_id: uuid.UUID, request: Request,
                               principal: Principal | None = public()) -> DceView:
    return DceView.of(await service.public_dce(runtime_of(request).uow(principal), consultation_id), public=True)


@public_router.get("/{consultation_id}/documents/{document_id}/content", response_class=StreamingResponse,
                   summary="Télécharger un fichier du DCE",
                   description="Sans compte : permis. Connecté avec un compte d’entreprise, le retrait est "
                               "enregistré et l’entreprise est prévenue des modifications du dossier et des "
                               "réponses publiées. En-têtes Repr-Digest (SHA-256) et ETag.")
async def get_public_content(consultation_id: uuid.UUID, document_id: uuid.UUID, request: Request,
                             principal: Principal | None = public()):
    _document, stored = await service.public_download(runtime_of(request).uow(principal), consultation_id, document_id)
    return document_response(stored, content_of(request, stored))


class _Sink(io.RawIOBase):
    """An unseekable file zipfile writes into (it then writes data descriptors): drained as it goes."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def zip_of(request: Request, dce: Dce) -> AsyncIterator[bytes]:
    """The current files in one ZIP (stdlib zipfile on an unseekable sink), streamed file by file,
    each file's hash checked by the port as it is read."""
    async def content() -> AsyncIterator[bytes]:
        sink = _Sink()
        tenant = dce.consultation.tenant
        with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            async with runtime_of(request).uow.system(tenant) as uow:
                for index, document in enumerate(dce.current, start=1):
                    name = f"{index:02d} - {document.filename}"
                    with archive.open(zipfile.ZipInfo(name, date_time=_zip_time(document)), "w",
                                      force_zip64=document.size > 2**31) as member:
                        async for chunk in uow.repos.documents.open(document.document_id, tenant=tenant):
                            member.write(chunk)
                            if data := sink.drain():
                                yield data
                    if data := sink.drain():
                        yield data
        if data := sink.drain():
            yield data
    return content()


def _zip_time(document) -> tuple[int, int, int, int, int, int]:
    from unefois_kernel.clock import PLATFORM_TZ

    at = document.added_at.astimezone(PLATFORM_TZ)
    return (max(at.year, 1980), at.month, at.day, at.hour, at.minute, at.second)


def zip_response(request: Request, dce: Dce) -> StreamingResponse:
    name = f"DCE {dce.consultation.reference}.zip"
    return StreamingResponse(zip_of(request, dce), media_type="application/zip",
                             headers={"Content-Disposition": content_disposition(name),
                                      "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


@public_router.get("/{consultation_id}/documents.zip", response_class=StreamingResponse,
                   summary="Télécharger tout le DCE en une archive ZIP",
                   description="Les fichiers en vigueur ; retrait enregistré pour une entreprise connectée.")
async def get_public_zip(consultation_id: uuid.UUID, request: Request, principal: Principal | None = public()):
    dce = await service.public_archive(runtime_of(request).uow(principal), consultation_id)
    return zip_response(request, dce)
