"""DCE response models (API) and the pages' rows."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field
from unefois_kernel.storage import KiB, MiB

from unefois_tendering.documents.domain import Amendment, DceDocument, Download
from unefois_tendering.documents.service import Dce


class DceDocumentView(BaseModel):
    id: uuid.UUID
    title: str
    filename: str
    size: int = Field(description="taille en octets")
    sha256: str = Field(description="empreinte SHA-256 du contenu (hexadécimal), vérifiée à chaque lecture")
    media_type: str
    version: int
    lineage: uuid.UUID = Field(description="identifiant de la première version du fichier")
    added_at: datetime
    amendment_id: uuid.UUID | None = None
    replaced_by: uuid.UUID | None = None
    replaced_at: datetime | None = None
    current: bool

    @classmethod
    def of(cls, d: DceDocument) -> DceDocumentView:
        return cls(id=d.id, title=d.title, filename=d.filename, size=d.size, sha256=d.sha256, media_type=d.media_type,
                   version=d.version, lineage=d.lineage, added_at=d.added_at, amendment_id=d.amendment_id,
                   replaced_by=d.replaced_by, replaced_at=d.replaced_at, current=d.current)


class AmendmentView(BaseModel):
    id: uuid.UUID
    description: str
    created_at: datetime

    @classmethod
    def of(cls, a: Amendment) -> AmendmentView:
        return cls(id=a.id, description=a.description, created_at=a.created_at)


class DownloadView(BaseModel):
    supplier_siret: str
    supplier_name: str
    person_name: str
    email: str | None
    document_id: uuid.UUID | None = Field(description="le fichier retiré ; vide : l'archive ZIP du dossier")
    downloaded_at: datetime

    @classmethod
    def of(cls, d: Download) -> DownloadView:
        return cls(supplier_siret=d.supplier_siret, supplier_name=d.supplier_name, person_name=d.person_name,
                   email=d.email, document_id=d.dce_document_id, downloaded_at=d.downloaded_at)


class DceView(BaseModel):
    consultation_id: uuid.UUID
    documents: list[DceDocumentView] = Field(description="les fichiers en vigueur puis les versions remplacées")
    amendments: list[AmendmentView]
    downloads: list[DownloadView] | None = Field(default=None, description="registre des retraits (acheteur)")

    @classmethod
    def of(cls, dce: Dce, *, public: bool) -> DceView:
        documents = dce.current if public else sorted(dce.documents, key=lambda d: (not d.current, d.added_at))
        return cls(consultation_id=dce.consultation.id, documents=[DceDocumentView.of(d) for d in documents],
                   amendments=[AmendmentView.of(a) for a in dce.amendments],
                   downloads=None if public else [DownloadView.of(d) for d in dce.downloads])


def size_label(size: int) -> str:
    if size >= MiB:
        return f"{size / MiB:.1f} Mio".replace(".", ",")
    if size >= KiB:
        return f"{size / KiB:.0f} Kio"
    return f"{size} octets"
