"""Streaming uploads into the document store, and streaming downloads out of it.

An upload route takes the raw request body (the file itself, not multipart) and declares a
body limit a little above the store's, so the store's own 413 (naming the field) answers first:

    @router.put("/consultations/{cid}/dce", dependencies=[body_limit(upload_body_limit(50 * MiB))])
    async def upload(request: Request, cid: UUID, principal = Depends(...)):
        async with runtime.uow(principal) as uow:
            doc = await store_upload(request, uow.repos.documents, tenant=uow.tenant, kind="dce",
                                     max_bytes=50 * MiB, allowed_types=DCE_TYPES, field="fichier")

The file name comes from the request's Content-Disposition header (`attachment; filename*=UTF-8''...`)
or an X-Filename header (percent-encoded UTF-8). A download streams the content from its own unit
of work, opened inside the body iterator (the route's returns before the body is sent):

    document = ...stat() in a unit of work...          # 404 before the response starts
    async def content():
        async with runtime.uow(principal) as uow:
            async for chunk in uow.repos.documents.open(document.id, tenant=document.tenant):
                yield chunk
    return document_response(document, content())

The response carries Content-Length, Content-Disposition with the filename, the stored media
type, and the hash as `Repr-Digest: sha-256=:<base64>:` (RFC 9530) and `Digest` (RFC 3230). If the
content turns out altered, the store raises before the last chunk: the connection is cut short
of Content-Length, so no client takes an altered file for a complete one.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from urllib.parse import quote, unquote

from fastapi import Request
from starlette.responses import StreamingResponse

from unefois_kernel.domain_errors import DomainError
from unefois_kernel.storage import CHUNK_SIZE, DocumentStore, StoredDocument, too_large

_FILENAME_STAR = re.compile(r"filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)")
_FILENAME = re.compile(r'filename\s*=\s*"((?:[^"\\]|\\.)*)"|filename\s*=\s*([^;\s]+)')


def upload_body_limit(max_bytes: int) -> int:
    """The route's body_limit() for a store limit of `max_bytes`: one chunk more, so the store
    (which names the field) refuses an oversized file before the middleware's generic 413."""
    return max_bytes + CHUNK_SIZE


def upload_filename(request: Request, field: str = "fichier") -> str:
    disposition = request.headers.get("content-disposition", "")
    if match := _FILENAME_STAR.search(disposition):
        return unquote(match[1].strip(), errors="strict")
    if match := _FILENAME.search(disposition):
        return match[1].replace('\\"', '"') if match[1] is not None else match[2]
    if name := request.headers.get("x-filename"):
        return unquote(name, errors="strict")
    raise DomainError("Le nom du fichier manque (en-tête Content-Disposition ou X-Filename).", field=field)


async def store_upload(request: Request, store: DocumentStore, *, tenant: str, kind: str, max_bytes: int,
                       allowed_types: frozenset[str] | None, field: str = "fichier",
                       filename: str | None = None) -> StoredDocument:
    """Stream the request body into `store` (refused with 413 at once if its announced length
    is over the limit, else as soon as the bytes read pass it)."""
    announced = request.headers.get("content-length")
    if announced is not None and announced.isdigit() and int(announced) > max_bytes:
        raise too_large(max_bytes, field)
    return await store.put(request.stream(), tenant=tenant, kind=kind,
                           filename=filename or upload_filename(request, field), max_bytes=max_bytes,
                           allowed_types=allowed_types, field=field)


def content_disposition(filename: str, *, inline: bool = False) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_").replace("\\", "_")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def digest_headers(document: StoredDocument) -> dict[str, str]:
    encoded = base64.b64encode(bytes.fromhex(document.sha256)).decode()
    return {"Repr-Digest": f"sha-256=:{encoded}:", "Digest": f"sha-256={encoded}", "ETag": f'"{document.sha256}"'}


def document_response(document: StoredDocument, content: AsyncIterator[bytes], *,
                      inline: bool = False) -> StreamingResponse:
    headers = {"Content-Length": str(document.size),
               "Content-Disposition": content_disposition(document.filename, inline=inline),
               "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
               **digest_headers(document)}
    return StreamingResponse(content, media_type=document.media_type, headers=headers)
