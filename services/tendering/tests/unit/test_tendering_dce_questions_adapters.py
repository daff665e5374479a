"""The DCE and questions adapters in process, over the fakes: the multipart API, the page upload
through htmx (HX-Redirect, or the page with the message next to the field), the public pages,
and refusals as pages in French naming the field, never raw JSON."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from unefois_kernel.auth.principal import Role
from unefois_kernel.storage import FakeDocumentStore
from unefois_kernel.testing import SUPPLIER, adapter_client, person
from unefois_kernel.uow import FakeUnitsOfWork
from unefois_tendering.documents import api as documents_api
from unefois_tendering.documents import web as documents_web
from unefois_tendering.questions import api as questions_api
from unefois_tendering.questions import web as questions_web

PDF = b"%PDF-1.7\n" + b"x" * 3000 + b"\n%%EOF\n"
CAMILLE = person(Role.BUYER)
JEAN = dataclasses.replace(person(Role.SUPPLIER, SUPPLIER), email="jean.moreau@tp-rhodaniens.fr")
ROUTERS = [documents_api.router, documents_api.public_router, documents_web.router, questions_api.router,
           questions_api.public_router, questions_web.router]


@pytest.fixture
def client_as(repos, clock):
    repos.documents = FakeDocumentStore(clock)

    def make(principal):
        return adapter_client(ROUTERS, FakeUnitsOfWork(repos, clock=clock, service="tendering"), stage="tendering",
                              principal=principal)
    return make


async def test_upload_download_and_pages(client_as, uow_for, fakes, clock) -> None:
    consultation, _ = await fakes.open_and_publish(uow_for, fakes.a_need(approved_at=clock.now()))
    buyer = client_as(CAMILLE)
    missing = buyer.post(f"/api/consultations/{consultation.id}/documents", data={"titre": "RC"},
                         files={"fichier": ("RC.pdf", PDF, "application/pdf")})
    assert (missing.status_code, missing.json()["errors"][0]["field"]) == (422, "description")
    created = buyer.post(f"/api/consultations/{consultation.id}/documents",
                         data={"titre": "RC", "description": "Ajout du règlement."},
                         files={"fichier": ("RC.pdf", PDF, "application/pdf")})
    assert created.status_code == 201, created.text
    document = created.json()
    assert document["amendment_id"] is not None and document["version"] == 1

    # The page, through htmx: a refusal is the page (200 to htmx) with the message next to the field.
    refused = buyer.post(f"/consultations/{consultation.id}/dce", headers={"HX-Request": "true"},
                         data={"titre": "Plan", "description": "Plans"},
                         files={"fichier": ("plan.exe", b"MZ\x90\x00", "application/octet-stream")})
    assert refused.status_code == 200 and "text/html" in refused.headers["content-type"]
    assert 'id="fichier-message-error"' in refused.text and "n&#39;est pas accepté" in refused.text
    done = buyer.post(f"/consultations/{consultation.id}/dce", headers={"HX-Request": "true"},
                      data={"titre": "CCTP", "description": "Ajout du CCTP."},
                      files={"fichier": ("CCTP.pdf", PDF, "application/pdf")})
    assert done.headers["HX-Redirect"] == f"/consultations/{consultation.id}/dce?message=modifie"

    anonymous = client_as(None)
    page = anonymous.get(f"/consultations-publiques/{consultation.id}/dce")
    assert page.status_code == 200 and document["sha256"] in page.text
    assert f'href="/consultations-publiques/{consultation.id}"' in page.text
    file = anonymous.get(f"/consultations-publiques/{consultation.id}/dce/{document['id']}")
    assert file.content == PDF and file.headers["etag"] == f'"{document["sha256"]}"'
    archive = anonymous.get(f"/api/public/consultations/{consultation.id}/documents.zip")
    assert archive.status_code == 200 and archive.content[:4] == b"PK\x03\x04"


async def test_a_late_question_on_the_page_is_said_next_to_its_field(client_as, uow_for, fakes, clock) -> None:
    consultation, _ = await fakes.open_and_publish(uow_for, fakes.a_need(approved_at=clock.now()))
    supplier = client_as(JEAN)
    asked = supplier.post(f"/consultations-publiques/{consultation.id}/questions", data={"question": "Visite ?"},
                          follow_redirects=False)
    assert asked.status_code == 303
    clock.set(consultation.preparation.questions_deadline + timedelta(minutes=1))
    late = supplier.post(f"/consultations-publiques/{consultation.id}/questions", data={"question": "Encore ?"})
    assert late.status_code == 409 and "text/html" in late.headers["content-type"]
    assert "La date limite des questions (preparation.questions_deadline) est passée" in late.text
    api = supplier.post(f"/api/public/consultations/{consultation.id}/questions", json={"question": "Encore ?"})
    assert (api.status_code, api.json()["errors"][0]["field"]) == (409, "preparation.questions_deadline")
    buyer_page = client_as(CAMILLE).get(f"/consultations/{consultation.id}/questions")
    assert buyer_page.status_code == 200 and SUPPLIER.name in buyer_page.text
