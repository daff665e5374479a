"""The DCE and questions on the real PostgreSQL (migrations 0013, 0014), row-level security
applying (the service's non-superuser role): a published consultation's files through the
PostgreSQL document store, the hash checked at read; downloads logged for a signed-in supplier
only; an amendment notifying the downloaders (outgoing_mail and messages rows, in its
transaction); supplier A cannot read supplier B's questions; anonymous reads published answers
only, never the askers."""

from __future__ import annotations

import dataclasses
from functools import partial

import pytest
from unefois_events.catalogue import Organisation
from unefois_kernel.auth.principal import Role
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.notifications import list_messages
from unefois_kernel.storage import DocumentIntegrityError, chunks_of
from unefois_kernel.storage.database import PostgresDocumentStorage
from unefois_kernel.testing import BUYER, SUPPLIER, load_beside, person
from unefois_kernel.uow import UnitsOfWork
from unefois_tendering.consultations import service as consultations
from unefois_tendering.documents import service as dce
from unefois_tendering.questions import service as questions
from unefois_tendering.repositories import Repositories

fakes = load_beside(__file__.replace("/integration/", "/unit/"), name="unefois_tendering_unit_fakes")

PDF = b"%PDF-1.7\n" + b"r" * 150_000 + b"\n%%EOF\n"  # three chunks
CAMILLE = person(Role.BUYER)
JEAN = dataclasses.replace(person(Role.SUPPLIER, SUPPLIER), email="jean.moreau@tp-rhodaniens.fr")
OTHER = Organisation(siret="55210055400013", name="Bureau d'études Alpin")
LUCIE = dataclasses.replace(person(Role.SUPPLIER, OTHER, name="Lucie Bernard"), email="lucie@be-alpin.fr")


@pytest.fixture
async def service_uows(uows) -> UnitsOfWork[Repositories]:
    """The service's units of work with the PostgreSQL document store bound, as main.py does."""
    return UnitsOfWork(service="tendering", clock=uows.clock, pool=uows.pool,
                       repositories=partial(Repositories.on, storage=PostgresDocumentStorage(uows.clock)))


async def a_draft(uows):
    return await consultations.open_from_need(uows.system(BUYER.siret), fakes.a_need(approved_at=uows.clock.now()))


async def publish(uows, draft):
    uow = uows.system(BUYER.siret)
    await consultations.prepare(uow, draft.id, fakes.a_preparation(draft, at=uows.clock.now()))
    return await consultations.publish(uows.system(BUYER.siret), draft.id)


async def read_all(uows, stored) -> bytes:
    content = bytearray()
    async with uows.system(stored.tenant) as uow:
        async for chunk in uow.repos.documents.open(stored.id, tenant=stored.tenant):
            content += chunk
    return bytes(content)


async def rows(uows, sql: str, *args):
    async with uows.pool.acquire() as conn, conn.transaction():  # tables without row-level security
        return await conn.fetch(sql, *args)


async def test_the_dce_downloads_and_amendment_notifications(service_uows) -> None:
    uows = service_uows
    draft = await a_draft(uows)
    first = await dce.add_document(uows(CAMILLE), draft.id, chunks_of(PDF), filename="RC.pdf",
                                   title="Règlement de la consultation")
    consultation = await publish(uows, draft)

    # Anonymous: allowed, not recorded. A supplier signed in: recorded in the buyer's registry.
    _doc, stored = await dce.public_download(uows(None), consultation.id, first.id)
    assert await read_all(uows, stored) == PDF
    assert (await dce.buyer_dce(uows(CAMILLE), consultation.id)).downloads == []
    await dce.public_download(uows(JEAN), consultation.id, first.id)
    await dce.public_archive(uows(LUCIE), consultation.id)
    registry = (await dce.buyer_dce(uows(CAMILLE), consultation.id)).downloads
    assert {d.supplier_siret for d in registry} == {SUPPLIER.siret, OTHER.siret}
    # Each supplier reads its own withdrawals only (row-level security, no filter in the query).
    async with uows(JEAN) as uow:
        mine = await uow.repos.dce.downloads(consultation.id)
    assert {d.supplier_siret for d in mine} == {SUPPLIER.siret}
    async with uows(None) as uow:
        assert await uow.repos.dce.downloads(consultation.id) == []

    # The amendment: a new version, the old one kept and marked; each downloader told in its transaction.
    second = await dce.add_document(uows(CAMILLE), consultation.id, chunks_of(PDF + b"v2"), filename="RC-v2.pdf",
                                    title="Règlement de la consultation", replaces=first.id,
                                    description="Article 4 : une visite de site est ajoutée.")
    view = await dce.public_dce(uows(None), consultation.id)
    assert [d.id for d in view.current] == [second.id]
    assert [d.replaced_by for d in view.documents if d.id == first.id] == [second.id]
    mails = await rows(uows, "SELECT to_email, template, body_text FROM outgoing_mail ORDER BY to_email")
    assert [(m["to_email"], m["template"]) for m in mails] == [("jean.moreau@tp-rhodaniens.fr", "dce_changed"),
                                                               ("lucie@be-alpin.fr", "dce_changed")]
    assert "visite de site" in mails[0]["body_text"]
    page = await list_messages(uows.pool, JEAN)  # the in-app message, as its recipient reads it
    assert [m.template for m in page.items] == ["dce_changed"]


async def test_a_refused_amendment_sends_nothing_and_stores_nothing(service_uows) -> None:
    uows = service_uows
    draft = await a_draft(uows)
    first = await dce.add_document(uows(CAMILLE), draft.id, chunks_of(PDF), filename="RC.pdf", title="RC")
    consultation = await publish(uows, draft)
    await dce.public_download(uows(JEAN), consultation.id, first.id)
    with pytest.raises(DomainError):
        await dce.add_document(uows(CAMILLE), consultation.id, chunks_of(b"MZ\x90\x00"), filename="RC.pdf",
                               title="RC", replaces=first.id, description="Nouvelle version")
    assert await rows(uows, "SELECT 1 FROM outgoing_mail") == []
    async with uows(CAMILLE) as uow:
        assert await uow.connection.fetchval("SELECT count(*) FROM documents") == 1


async def test_an_altered_file_is_refused_at_read(service_uows) -> None:
    uows = service_uows
    draft = await a_draft(uows)
    document = await dce.add_document(uows(CAMILLE), draft.id, chunks_of(PDF), filename="RC.pdf", title="RC")
    async with uows.system(BUYER.siret) as uow:
        await uow.connection.execute(
            "UPDATE document_chunks SET data = overlay(data placing '\\x00'::bytea from 5 for 1) "
            "WHERE document_id = $1 AND seq = (SELECT min(seq) FROM document_chunks WHERE document_id = $1)",
            document.document_id)
    _doc, stored = await dce.buyer_document(uows(CAMILLE), draft.id, document.id)
    assert stored.sha256 == document.sha256
    with pytest.raises(DocumentIntegrityError):
        await read_all(uows, stored)


async def test_questions_are_read_by_their_buyer_and_asker_answers_by_everyone(service_uows) -> None:
    uows = service_uows
    draft = await a_draft(uows)
    first = await dce.add_document(uows(CAMILLE), draft.id, chunks_of(PDF), filename="RC.pdf", title="RC")
    consultation = await publish(uows, draft)
    await dce.public_download(uows(LUCIE), consultation.id, first.id)
    asked_a = await questions.ask(uows(JEAN), consultation.id, "TP Rhodaniens : la visite est-elle obligatoire ?")
    asked_b = await questions.ask(uows(LUCIE), consultation.id, "Quel format pour le mémoire technique ?")

    # Supplier A's scope: its own question only, even without the query's filter.
    async with uows(JEAN) as uow:
        seen = await uow.repos.questions.of_consultation(consultation.id)
    assert [q.id for q in seen] == [asked_a.id]
    async with uows(None) as uow:
        assert await uow.repos.questions.of_consultation(consultation.id) == []
    assert {q.id for q in (await questions.for_buyer(uows(CAMILLE), consultation.id)).questions} == {asked_a.id,
                                                                                                     asked_b.id}
    # A supplier's unit of work, in the buyer's scope to ask, cannot answer (UPDATE policy).
    async with uows(JEAN) as uow:
        await uow.act_for_buyer(BUYER.siret)
        status = await uow.connection.execute("UPDATE consultation_questions SET answer = 'x'")
    assert status == "UPDATE 0"

    done = await questions.answer(uows(CAMILLE), consultation.id, asked_a.id, answer="Oui, le 12 à 10 h.",
                                  publish=True, published_question="La visite de site est-elle obligatoire ?")
    assert done.published is not None
    public = await questions.published(uows(None), consultation.id)
    assert [(a.question, a.answer) for a in public.answers] == [("La visite de site est-elle obligatoire ?",
                                                                 "Oui, le 12 à 10 h.")]
    async with uows(None) as uow:  # anonymous: the published answers, nothing else
        answers = await uow.connection.fetch("SELECT * FROM published_answers")
        assert len(answers) == 1 and "supplier_siret" not in answers[0].keys()  # noqa: SIM118 - a Record's `in` reads values
        assert await uow.connection.fetch("SELECT * FROM consultation_questions") == []
    mails = await rows(uows, "SELECT to_email, template FROM outgoing_mail ORDER BY to_email")
    assert [(m["to_email"], m["template"]) for m in mails] == [("jean.moreau@tp-rhodaniens.fr", "answer_published"),
                                                               ("lucie@be-alpin.fr", "answer_published")]
    actions = await rows(uows, "SELECT action FROM audit_trail WHERE aggregate_id = $1 ORDER BY id",
                         str(consultation.id))
    assert {"question.asked", "question.answered", "answer.published", "dce.downloaded"} <= {a["action"]
                                                                                             for a in actions}
