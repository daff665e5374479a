"""DCE use cases: the buyer adds or replaces a file (an amendment once published, notified to
every registered downloader in its transaction); anyone reads a published consultation's DCE and
downloads its files; a signed-in supplier's download is recorded in the registry of withdrawals."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable
from dataclasses import dataclass

from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_kernel.notifications import notify
from unefois_kernel.storage import StoredDocument
from unefois_kernel.uow import UnitOfWork

from unefois_tendering.consultations.domain import Consultation
from unefois_tendering.documents import domain
from unefois_tendering.documents.domain import Amendment, DceDocument, Download
from unefois_tendering.repositories import Repositories


@dataclass(frozen=True)
class Dce:
    consultation: Consultation
    documents: list[DceDocument]  # every version, oldest first
    amendments: list[Amendment]
    downloads: list[Download]  # the buyer's registry of withdrawals (empty on the public side)

    @property
    def current(self) -> list[DceDocument]:
        return [d for d in self.documents if d.current]


def _missing() -> NotFound:
    return NotFound("consultation introuvable", field="consultation_id")


async def _buyer_consultation(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID, *,
                              for_update: bool = False) -> Consultation:
    consultation = await uow.repos.consultations.get(consultation_id, for_update=for_update)
    if consultation is None:
        raise _missing()
    return consultation


async def public_consultation(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID) -> Consultation:
    """A published consultation, for anyone: its buyer is found by its published key (a row
    exists only once published), then the unit of work goes on in that buyer's scope (a
    supplier's own scope kept) to read it. 404 for a consultation not public."""
    key = await uow.repos.consultation_keys.public_key_of(consultation_id)
    if key is None:
        raise _missing()
    await uow.act_for_buyer(key.tenant)
    consultation = await uow.repos.consultations.get(consultation_id)
    if consultation is None or not domain.is_public(consultation):
        raise _missing()
    return consultation


def _context(consultation: Consultation) -> dict:
    return {"consultation_reference": consultation.reference, "consultation_title": consultation.purchase.object,
            "buyer_name": consultation.purchase.buyer.name}


async def registered_downloaders(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID) -> list[Download]:
    """One row per person who withdrew the DCE signed in (their latest withdrawal)."""
    seen: dict[tuple[str, str], Download] = {}
    for download in await uow.repos.dce.downloads(consultation_id):
        seen.setdefault((download.supplier_siret, download.person), download)
    return list(seen.values())


async def check_upload(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID) -> None:
    """Before reading an upload's body: the consultation is the buyer's (404) and its DCE may
    still change (409), so nothing is streamed in for a refusal known in advance."""
    async with uow:
        domain.check_changeable(await _buyer_consultation(uow, consultation_id), uow.clock.now())


async def add_document(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID, chunks: AsyncIterable[bytes], *,
                       filename: str, title: str | None, description: str | None = None,
                       replaces: uuid.UUID | None = None, link: str | None = None) -> DceDocument:
    """Add a file to the DCE (or a new version of one, `replaces`). Once the consultation is
    published this is an amendment: `description` required, every registered downloader told
    (mail and in-app message, template dce_changed) in this transaction."""
    async with uow:
        consultation = await _buyer_consultation(uow, consultation_id, for_update=True)
        now = uow.clock.now()
        domain.check_changeable(consultation, now)
        clean_title = domain.clean_title(title)
        description = domain.amendment_description(consultation, description)
        await uow.repos.dce.lock(consultation.id)
        documents = await uow.repos.dce.documents(consultation.id)
        replaced = domain.replaced_target(documents, replaces)
        stored: StoredDocument = await uow.repos.documents.put(
            chunks, tenant=consultation.tenant, kind=domain.KIND, filename=filename, max_bytes=domain.MAX_FILE_BYTES,
            allowed_types=domain.ALLOWED_TYPES, field="fichier")
        domain.check_total([d for d in documents if d.current], stored.size, replaced)
        amendment = None
        if description is not None:
            amendment = Amendment(id=uuid.uuid4(), tenant=consultation.tenant, consultation_id=consultation.id,
                                  description=description, created_at=now, created_by=uow.actor)
            await uow.repos.dce.add_amendment(amendment)
        new_id = uuid.uuid4()
        document = DceDocument(
            id=new_id, tenant=consultation.tenant, consultation_id=consultation.id, document_id=stored.id,
            title=clean_title, filename=stored.filename, size=stored.size, sha256=stored.sha256,
            media_type=stored.media_type, lineage=replaced.lineage if replaced else new_id,
            version=replaced.version + 1 if replaced else 1, added_at=now,
            amendment_id=amendment.id if amendment else None)
        await uow.repos.dce.add_document(document)
        if replaced is not None:
            await uow.repos.dce.mark_replaced(replaced.id, by=document.id, at=now)
        change = {"document": str(document.id), "title": clean_title, "filename": stored.filename,
                  "size": stored.size, "sha256": stored.sha256, "version": document.version}
        if replaced is not None:
            change["replaces"] = str(replaced.id)
        uow.audit("consultation", consultation.id, "dce.document_added", change, tenant=consultation.tenant)
        if amendment is not None:
            downloaders = await registered_downloaders(uow, consultation.id)
            uow.audit("consultation", consultation.id, "dce.amended",
                      {"amendment": str(amendment.id), "description": description,
                       "notified": len(downloaders)}, tenant=consultation.tenant)
            context = _context(consultation) | {"changed_at": now, "changes": [domain.change_sentence(clean_title, replaced),
                                                                              description]}
            if consultation.bid_deadline is not None:
                context["bid_deadline"] = consultation.bid_deadline
            if link:
                context["link"] = link
            for downloader in downloaders:
                await notify(uow, to_email=downloader.email, to_org_siret=downloader.supplier_siret,
                             to_person=downloader.person, template="dce_changed", context=context,
                             tenant=consultation.tenant)
    return document


async def buyer_dce(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID) -> Dce:
    async with uow:
        consultation = await _buyer_consultation(uow, consultation_id)
        return Dce(consultation, await uow.repos.dce.documents(consultation.id),
                   await uow.repos.dce.amendments(consultation.id), await uow.repos.dce.downloads(consultation.id))


async def public_dce(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID) -> Dce:
    """The DCE of a published consultation as everyone sees it (no registry of withdrawals)."""
    async with uow:
        consultation = await public_consultation(uow, consultation_id)
        return Dce(consultation, await uow.repos.dce.documents(consultation.id),
                   await uow.repos.dce.amendments(consultation.id), [])


async def my_downloads(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID) -> list[Download]:
    """A supplier's own withdrawals of a consultation's DCE (its scope only)."""
    principal = uow.principal
    if principal is None or principal.supplier_siret is None:
        return []
    async with uow:
        return await uow.repos.dce.downloads(consultation_id, supplier_siret=principal.supplier_siret)


async def _record_download(uow: UnitOfWork[Repositories], consultation: Consultation,
                           document: DceDocument | None) -> None:
    principal = uow.principal
    if principal is None or principal.supplier_siret is None:
        return  # anonymous (or not a supplier): nothing recorded, nothing will be notified
    download = Download(id=uuid.uuid4(), tenant=consultation.tenant, consultation_id=consultation.id,
                        dce_document_id=document.id if document else None, supplier_siret=principal.supplier_siret,
                        supplier_name=principal.org_name or principal.supplier_siret, person=principal.subject,
                        person_name=principal.name, email=principal.email, downloaded_at=uow.clock.now())
    await uow.repos.dce.add_download(download)
    uow.audit("consultation", consultation.id, "dce.downloaded",
              {"document": str(document.id) if document else "zip", "supplier_siret": principal.supplier_siret},
              tenant=consultation.tenant)


async def public_download(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID,
                          dce_document_id: uuid.UUID) -> tuple[DceDocument, StoredDocument]:
    """A current (or replaced) file of a published DCE, its withdrawal recorded for a signed-in
    supplier. The content is then read by the caller (`open_content`) in its own unit of work."""
    async with uow:
        consultation = await public_consultation(uow, consultation_id)
        documents = await uow.repos.dce.documents(consultation.id)
        document = next((d for d in documents if d.id == dce_document_id), None)
        if document is None:
            raise NotFound("Ce document n'appartient pas au dossier de cette consultation.", field="document_id")
        stored = await uow.repos.documents.stat(document.document_id, tenant=consultation.tenant)
        await _record_download(uow, consultation, document)
    return document, stored


async def public_archive(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID) -> Dce:
    """Every current file of a published DCE (for one ZIP), its withdrawal recorded as above."""
    async with uow:
        consultation = await public_consultation(uow, consultation_id)
        documents = await uow.repos.dce.documents(consultation.id)
        if not any(d.current for d in documents):
            raise DomainError("Le dossier de consultation ne contient encore aucun fichier.", field="document_id",
                              status=404)
        await _record_download(uow, consultation, None)
        return Dce(consultation, documents, [], [])


async def buyer_document(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID,
                         dce_document_id: uuid.UUID) -> tuple[DceDocument, StoredDocument]:
    async with uow:
        consultation = await _buyer_consultation(uow, consultation_id)
        document = next((d for d in await uow.repos.dce.documents(consultation.id) if d.id == dce_document_id), None)
        if document is None:
            raise NotFound("Ce document n'appartient pas au dossier de cette consultation.", field="document_id")
        return document, await uow.repos.documents.stat(document.document_id, tenant=consultation.tenant)
