"""The upload and download helpers inside the kernel's real web stack (problem handlers, body
limits, access check): a streamed upload refused past its limit or for its type answers
problem+json naming the field; a download carries the name, the type and the hash; an altered
file is cut short, never sent whole."""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.clock import SettableClock
from unefois_kernel.problems import install_problem_handlers
from unefois_kernel.settings import ServiceSettings
from unefois_kernel.storage import (
    DCE_TYPES,
    PDF,
    DocumentIntegrityError,
    FakeDocumentStore,
    KiB,
)
from unefois_kernel.web.security import body_limit, install_web_security
from unefois_kernel.web.uploads import (
    document_response,
    store_upload,
    upload_body_limit,
)

SECRET = "a-test-session-secret-of-at-least-32-characters"
TENANT = "21690123100011"
LIMIT = 200 * KiB
BUYER = {"Authorization": "Bearer buyer"}


class FakeVerifier:
    async def verify(self, token: str) -> Principal:
        from unefois_kernel.auth.tokens import InvalidToken

        if token != "buyer":
            raise InvalidToken("unknown")
        return Principal(subject=token, name=token, roles=frozenset({Role.BUYER}), org_siret=TENANT,
                         org_name="Métropole", org_kind=OrgKind.BUYER)


def make_app(store: FakeDocumentStore) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    install_web_security(app, ServiceSettings(service_name="demo", database_url="postgresql://unused",
                                              session_secret=SECRET, body_limit_json=1024))

    class Runtime:
        token_verifier = FakeVerifier()
        pool = None

    app.state.runtime = Runtime()
    router = APIRouter(prefix="/api")

    @router.put("/dce", dependencies=[allow(Role.BUYER), body_limit(upload_body_limit(LIMIT))])
    async def upload(request: Request) -> dict:
        document = await store_upload(request, store, tenant=TENANT, kind="dce", max_bytes=LIMIT,
                                      allowed_types=DCE_TYPES, field="fichier")
        return {"id": str(document.id), "sha256": document.sha256}

    @router.get("/dce/{document_id}", dependencies=[allow(Role.BUYER)])
    async def download(document_id: uuid.UUID):
        document = await store.stat(document_id, tenant=TENANT)
        return document_response(document, store.open(document_id, tenant=TENANT))

    app.include_router(router)
    return app


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("203.0.113.7", 4242)),
                             base_url="http://service.test")


def pdf(size: int) -> bytes:
    return b"%PDF-1.7\n" + b"1" * (size - 9)


async def chunked(data: bytes):
    for start in range(0, len(data), 16 * KiB):
        yield data[start:start + 16 * KiB]


async def test_an_upload_round_trips_with_its_name_type_and_hash() -> None:
    store = FakeDocumentStore(SettableClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)))
    data = pdf(150 * KiB)
    async with client(make_app(store)) as http:
        stored = await http.put("/api/dce", content=chunked(data),
                                headers={**BUYER, "Content-Disposition": "attachment; filename*=UTF-8''R%C3%A8glement.pdf"})
        assert stored.status_code == 200, stored.text
        got = await http.get(f"/api/dce/{stored.json()['id']}", headers=BUYER)
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-type"] == PDF and got.headers["content-length"] == str(len(data))
    assert "filename*=UTF-8''R%C3%A8glement.pdf" in got.headers["content-disposition"]
    assert got.headers["repr-digest"] == f"sha-256=:{base64.b64encode(hashlib.sha256(data).digest()).decode()}:"


async def test_a_chunked_upload_over_the_limit_is_a_413_naming_the_field() -> None:
    store = FakeDocumentStore(SettableClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)))
    async with client(make_app(store)) as http:
        refused = await http.put("/api/dce", content=chunked(pdf(LIMIT + 20 * KiB)),
                                 headers={**BUYER, "X-Filename": "gros.pdf"})
        announced = await http.put("/api/dce", content=pdf(LIMIT + 1), headers={**BUYER, "X-Filename": "gros.pdf"})
    for answer in (refused, announced):
        assert answer.status_code == 413
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["errors"][0]["field"] == "fichier", answer.json()
        assert "200 Kio" in answer.json()["detail"]
    assert store.documents == {}


async def test_a_content_not_matching_its_name_is_a_422_naming_the_field() -> None:
    store = FakeDocumentStore(SettableClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)))
    async with client(make_app(store)) as http:
        refused = await http.put("/api/dce", content=b"MZ\x90\x00" + b"\x00" * 1000,
                                 headers={**BUYER, "X-Filename": "rc.pdf"})
        not_accepted = await http.put("/api/dce", content=b"MZ\x90\x00", headers={**BUYER, "X-Filename": "outil.exe"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "fichier"
    assert "ne correspond pas" in refused.json()["detail"]
    assert not_accepted.status_code == 415 and "n'est pas accepté" in not_accepted.json()["detail"]


async def test_an_altered_file_is_never_sent_whole() -> None:
    store = FakeDocumentStore(SettableClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)))
    data = pdf(150 * KiB)
    async with client(make_app(store)) as http:
        stored = await http.put("/api/dce", content=data, headers={**BUYER, "X-Filename": "rc.pdf"})
        document_id = uuid.UUID(stored.json()["id"])
        store.corrupt(document_id, at=len(data) - 1)
        received = b""
        # Starlette cannot answer an error once the response has started: it cuts the body short.
        with pytest.raises((DocumentIntegrityError, RuntimeError)) as cut:
            async with http.stream("GET", f"/api/dce/{document_id}", headers=BUYER) as answer:
                async for chunk in answer.aiter_raw():
                    received += chunk
    assert len(received) < len(data)
    assert isinstance(cut.value, DocumentIntegrityError) or isinstance(cut.value.__context__, DocumentIntegrityError)
