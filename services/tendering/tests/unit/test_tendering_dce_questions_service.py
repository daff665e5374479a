"""DCE and questions use cases on FakeUnitOfWork: upload limits and types, amendments after
publication (described, versioned, notified to the registered downloaders), the registry of
withdrawals (signed-in suppliers only), the hash checked at read; questions before the questions
deadline only, answers published without the asker, notified to downloaders and the asker."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest
from unefois_events.catalogue import Organisation
from unefois_events.values import Procedure
from unefois_kernel.auth.principal import Role
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_kernel.storage import DocumentIntegrityError, FakeDocumentStore, chunks_of
from unefois_kernel.testing import BUYER, OTHER_BUYER, SUPPLIER, person
from unefois_tendering.consultations.domain import ConsultationStatus
from unefois_tendering.documents import domain as dce_domain
from unefois_tendering.documents import service as dce
from unefois_tendering.questions import service as questions

PDF = b"%PDF-1.7\n" + b"x" * 2000 + b"\n%%EOF\n"
CAMILLE = person(Role.BUYER)
JEAN = dataclasses.replace(person(Role.SUPPLIER, SUPPLIER), email="jean.moreau@tp-rhodaniens.fr")
OTHER = Organisation(siret="55210055400013", name="Bureau d'études Alpin")
LUCIE = dataclasses.replace(person(Role.SUPPLIER, OTHER, name="Lucie Bernard"), email="lucie@be-alpin.fr")


@pytest.fixture
def store(repos, clock):
    repos.documents = FakeDocumentStore(clock)
    return repos.documents


async def published(fakes, uow_for, clock):
    consultation, _uow = await fakes.open_and_publish(uow_for, fakes.a_need(approved_at=clock.now()))
    return consultation


async def draft(fakes, uow_for, clock):
    from unefois_tendering.consultations import service

    return await service.open_from_need(uow_for(tenant=BUYER.siret), fakes.a_need(approved_at=clock.now()))


async def upload(uow_for, consultation_id, *, name="RC.pdf", content=PDF, title="Règlement de la consultation",
                 **kwargs):
    return await dce.add_document(uow_for(CAMILLE), consultation_id, chunks_of(content), filename=name, title=title,
                                  **kwargs)


async def test_a_draft_takes_files_without_an_amendment(fakes, uow_for, clock, store, repos) -> None:
    consultation = await draft(fakes, uow_for, clock)
    document = await upload(uow_for, consultation.id)
    assert document.version == 1 and document.amendment_id is None and document.lineage == document.id
    assert document.sha256 == store.documents[document.document_id].sha256
    assert repos.dce.amendment_rows == []


async def test_a_draft_is_not_public(fakes, uow_for, clock, store) -> None:
    consultation = await draft(fakes, uow_for, clock)
    with pytest.raises(NotFound):
        await dce.public_dce(uow_for(None), consultation.id)


@pytest.mark.parametrize("status", ["closed", "opened", "abandoned", "awarded"])
async def test_the_dce_stays_public_after_the_deadline_whatever_came_next(fakes, uow_for, clock, store, repos,
                                                                          status) -> None:
    consultation = await published(fakes, uow_for, clock)
    await upload(uow_for, consultation.id, description="Version initiale")
    repos.consultations.rows[consultation.id] = dataclasses.replace(
        repos.consultations.rows[consultation.id], status=ConsultationStatus(status))
    view = await dce.public_dce(uow_for(None), consultation.id)
    assert [document.filename for document in view.current] == ["RC.pdf"]


async def test_once_published_a_change_needs_its_description(fakes, uow_for, clock, store) -> None:
    consultation = await published(fakes, uow_for, clock)
    with pytest.raises(DomainError) as refused:
        await upload(uow_for, consultation.id)
    assert refused.value.field == "description"
    assert store.documents == {}  # refused before the content was read


async def test_types_are_checked_on_the_content(fakes, uow_for, clock, store) -> None:
    consultation = await draft(fakes, uow_for, clock)
    with pytest.raises(DomainError) as refused:
        await upload(uow_for, consultation.id, name="setup.exe", content=b"MZ\x90\x00")
    assert (refused.value.status, refused.value.field) == (415, "fichier")
    with pytest.raises(DomainError) as mismatched:
        await upload(uow_for, consultation.id, name="CCTP.pdf", content=b"plain text, not a PDF")
    assert (mismatched.value.status, mismatched.value.field) == (422, "fichier")


async def test_a_title_is_required(fakes, uow_for, clock, store) -> None:
    consultation = await draft(fakes, uow_for, clock)
    with pytest.raises(DomainError) as refused:
        await upload(uow_for, consultation.id, title="  ")
    assert refused.value.field == "titre"


async def test_no_change_after_the_bid_deadline(fakes, uow_for, clock, store) -> None:
    consultation = await published(fakes, uow_for, clock)
    clock.set(consultation.bid_deadline + timedelta(seconds=1))
    with pytest.raises(DomainError) as refused:
        await upload(uow_for, consultation.id, description="Ajout tardif")
    assert (refused.value.status, refused.value.field) == (409, "bid_deadline")


async def test_downloads_are_recorded_for_signed_in_suppliers_only(fakes, uow_for, clock, store, repos) -> None:
    consultation = await draft(fakes, uow_for, clock)
    document = await upload(uow_for, consultation.id)
    consultation = await _publish(fakes, uow_for, consultation)
    await dce.public_download(uow_for(None), consultation.id, document.id)
    assert repos.dce.download_rows == []
    _doc, stored = await dce.public_download(uow_for(JEAN), consultation.id, document.id)
    assert stored.sha256 == document.sha256
    [download] = repos.dce.download_rows
    assert (download.supplier_siret, download.person, download.email) == (SUPPLIER.siret, JEAN.subject, JEAN.email)
    assert download.tenant == BUYER.siret
    assert await dce.my_downloads(uow_for(LUCIE), consultation.id) == []


async def _publish(fakes, uow_for, consultation):
    from unefois_tendering.consultations import service

    uow = uow_for(tenant=BUYER.siret)
    await service.prepare(uow, consultation.id, fakes.a_preparation(consultation, at=uow.clock.now()))
    return await service.publish(uow_for(tenant=BUYER.siret), consultation.id)


async def test_an_amendment_is_versioned_and_notified_to_every_downloader(fakes, uow_for, clock, store, repos) -> None:
    consultation = await draft(fakes, uow_for, clock)
    first = await upload(uow_for, consultation.id)
    consultation = await _publish(fakes, uow_for, consultation)
    await dce.public_download(uow_for(JEAN), consultation.id, first.id)
    await dce.public_download(uow_for(JEAN), consultation.id, first.id)  # once notified, however many downloads
    await dce.public_archive(uow_for(LUCIE), consultation.id)
    uow = uow_for(CAMILLE)
    second = await dce.add_document(uow, consultation.id, chunks_of(PDF + b"v2"), filename="RC-v2.pdf",
                                    title="Règlement de la consultation", replaces=first.id,
                                    description="Article 4 : visite de site ajoutée.", link="https://x/dce")
    assert (second.version, second.lineage) == (2, first.id)
    assert repos.dce.rows[first.id].replaced_by == second.id  # the old version kept, marked replaced
    view = await dce.public_dce(uow_for(None), consultation.id)
    assert [d.id for d in view.current] == [second.id]
    assert [a.description for a in view.amendments] == ["Article 4 : visite de site ajoutée."]
    notes = uow.notifications
    assert sorted(n.to_email for n in notes) == sorted([JEAN.email, LUCIE.email])
    assert {n.template for n in notes} == {"dce_changed"} and {n.to_org_siret for n in notes} == {SUPPLIER.siret,
                                                                                                 OTHER.siret}
    assert "visite de site" in notes[0].text
    assert "dce.amended" in uow.committed.actions()


async def test_a_replaced_version_cannot_be_replaced_again(fakes, uow_for, clock, store) -> None:
    consultation = await draft(fakes, uow_for, clock)
    first = await upload(uow_for, consultation.id)
    await upload(uow_for, consultation.id, replaces=first.id)
    with pytest.raises(DomainError) as refused:
        await upload(uow_for, consultation.id, replaces=first.id)
    assert (refused.value.status, refused.value.field) == (409, "remplace")


async def test_an_altered_file_is_not_handed_out_whole(fakes, uow_for, clock, store) -> None:
    consultation = await draft(fakes, uow_for, clock)
    document = await upload(uow_for, consultation.id)
    store.corrupt(document.document_id, at=100)
    with pytest.raises(DocumentIntegrityError):
        async for _chunk in store.open(document.document_id, tenant=BUYER.siret):
            pass


async def test_the_buyer_of_another_tenant_sees_nothing(fakes, uow_for, clock, store, repos) -> None:
    consultation = await draft(fakes, uow_for, clock)
    # The fakes do not model row-level security; the use case's own check is the consultation's
    # lookup, which the integration tests run on PostgreSQL. Here: an unknown consultation is a 404.
    with pytest.raises(NotFound):
        await dce.buyer_dce(uow_for(person(Role.BUYER, OTHER_BUYER)), uuid.uuid4())
    assert consultation.tenant == BUYER.siret


# ---------------------------------------------------------------- questions


async def test_a_supplier_asks_before_the_questions_deadline(fakes, uow_for, clock, store, repos) -> None:
    consultation = await published(fakes, uow_for, clock)
    uow = uow_for(JEAN)
    question = await questions.ask(uow, consultation.id, "  La visite de site est-elle obligatoire ?  ")
    assert question.question == "La visite de site est-elle obligatoire ?"
    assert (question.supplier_siret, question.tenant) == (SUPPLIER.siret, BUYER.siret)
    assert uow.committed.actions() == ["question.asked"]
    assert [q.id for q in await questions.mine(uow_for(JEAN), consultation.id)] == [question.id]
    assert await questions.mine(uow_for(LUCIE), consultation.id) == []


async def test_a_question_after_the_deadline_is_refused_naming_the_field(fakes, uow_for, clock, store) -> None:
    consultation = await published(fakes, uow_for, clock)
    clock.set(consultation.preparation.questions_deadline)
    with pytest.raises(DomainError) as refused:
        await questions.ask(uow_for(JEAN), consultation.id, "Trop tard ?")
    assert (refused.value.status, refused.value.field) == (409, "preparation.questions_deadline")
    assert "date limite des questions" in refused.value.detail


async def test_only_a_signed_in_supplier_asks(fakes, uow_for, clock, store) -> None:
    consultation = await published(fakes, uow_for, clock)
    with pytest.raises(DomainError) as refused:
        await questions.ask(uow_for(None), consultation.id, "Anonyme ?")
    assert refused.value.status == 403


async def test_a_published_answer_names_nobody_and_tells_downloaders_and_asker(fakes, uow_for, clock, store,
                                                                               repos) -> None:
    consultation = await draft(fakes, uow_for, clock)
    document = await upload(uow_for, consultation.id)
    consultation = await _publish(fakes, uow_for, consultation)
    await dce.public_download(uow_for(LUCIE), consultation.id, document.id)
    question = await questions.ask(uow_for(JEAN), consultation.id, "Nous, TP Rhodaniens, demandons : visite ?")
    uow = uow_for(CAMILLE)
    done = await questions.answer(uow, consultation.id, question.id, answer="Oui, le 12 à 10 h.", publish=True,
                                  published_question="La visite de site est-elle obligatoire ?")
    assert done.published.question == "La visite de site est-elle obligatoire ?"
    public = await questions.published(uow_for(None), consultation.id)
    [answer] = public.answers
    assert not any(value in str(dataclasses.asdict(answer)) for value in (SUPPLIER.siret, SUPPLIER.name, JEAN.name))
    notes = uow.notifications
    assert sorted(n.to_email for n in notes) == sorted([JEAN.email, LUCIE.email])
    assert {n.template for n in notes} == {"answer_published"}
    assert all("Rhodaniens" not in n.text for n in notes)
    assert uow.committed.actions() == ["question.answered", "answer.published"]
    with pytest.raises(DomainError) as again:
        await questions.answer(uow_for(CAMILLE), consultation.id, question.id, answer="Encore", publish=True)
    assert again.value.status == 409


async def test_an_answer_kept_unpublished_tells_nobody(fakes, uow_for, clock, store, repos) -> None:
    consultation = await published(fakes, uow_for, clock)
    question = await questions.ask(uow_for(JEAN), consultation.id, "Question ?")
    uow = uow_for(CAMILLE)
    done = await questions.answer(uow, consultation.id, question.id, answer="Réponse.", publish=False)
    assert done.published is None and getattr(uow, "notifications", []) == []
    assert (await questions.published(uow_for(None), consultation.id)).answers == []


async def test_a_late_answer_in_a_formal_procedure_is_told_not_refused(fakes, uow_for, clock, store) -> None:
    need = fakes.a_need(approved_at=clock.now(), procedure=Procedure.OPEN)  # no decision: the procedure's band
    consultation, _uow = await fakes.open_and_publish(uow_for, need)
    question = await questions.ask(uow_for(JEAN), consultation.id, "Question ?")
    clock.set(consultation.bid_deadline - timedelta(days=2))
    done = await questions.answer(uow_for(CAMILLE), consultation.id, question.id, answer="Réponse.", publish=True)
    assert done.published is not None and "R2132-6" in done.warning


async def test_a_late_answer_in_a_mapa_says_nothing(fakes, uow_for, clock, store) -> None:
    consultation = await published(fakes, uow_for, clock)  # a procédure adaptée
    question = await questions.ask(uow_for(JEAN), consultation.id, "Question ?")
    clock.set(consultation.bid_deadline - timedelta(days=2))
    done = await questions.answer(uow_for(CAMILLE), consultation.id, question.id, answer="Réponse.", publish=True)
    assert done.published is not None and done.warning is None


def test_the_limits_are_documented() -> None:
    assert dce_domain.MAX_FILE_BYTES == 200 * 1024 * 1024 and dce_domain.MAX_DCE_BYTES == 1024 * 1024 * 1024
