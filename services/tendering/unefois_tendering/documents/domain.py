"""The DCE (dossier de consultation des entreprises): what files a consultation offers, their
versions, the amendments (« modifications du DCE ») made after publication, and the registry of
signed-in withdrawals. Pure: the content itself is in the kernel's document store.

The documents of the consultation are everything the buyer provides to define the need and the
procedure (art. R2132-1 du code de la commande publique). Rules coded here:
- the buyer adds or replaces files while the consultation is being prepared or is published,
  and not once the bid deadline has passed (nothing may change what bidders answered);
- once published, an added or replaced file is an amendment, with a short description saying
  what changed; replaced versions are kept, marked replaced, and no longer offered;
- per file at most MAX_FILE_BYTES, per consultation at most MAX_DCE_BYTES of current files.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from unefois_kernel.domain_errors import DomainError
from unefois_kernel.storage import DCE_TYPES, MiB

from unefois_tendering.consultations.domain import Consultation, ConsultationStatus

KIND = "dce"
# Per file: large enough for a works DCE's plans in one archive; the total bounds a consultation.
MAX_FILE_BYTES = 200 * MiB
MAX_DCE_BYTES = 1024 * MiB
# The kernel's checked types for a DCE: PDF, office documents, ZIP, images, XML, text, CSV and
# the works plans (DWG, DXF).
ALLOWED_TYPES = DCE_TYPES
TITLE_MAX = 300
DESCRIPTION_MAX = 2000

CHANGEABLE = frozenset({ConsultationStatus.DRAFT, ConsultationStatus.AWAITING_PROCEDURE, ConsultationStatus.PUBLISHED})


@dataclass(frozen=True)
class DceDocument:
    id: uuid.UUID
    tenant: str
    consultation_id: uuid.UUID
    document_id: uuid.UUID
    title: str
    filename: str
    size: int
    sha256: str
    media_type: str
    lineage: uuid.UUID  # the first version's id
    version: int
    added_at: datetime
    amendment_id: uuid.UUID | None = None
    replaced_by: uuid.UUID | None = None
    replaced_at: datetime | None = None

    @property
    def current(self) -> bool:
        return self.replaced_by is None


@dataclass(frozen=True)
class Amendment:
    id: uuid.UUID
    tenant: str
    consultation_id: uuid.UUID
    description: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class Download:
    id: uuid.UUID
    tenant: str
    consultation_id: uuid.UUID
    dce_document_id: uuid.UUID | None  # None: the ZIP of all current files
    supplier_siret: str
    supplier_name: str
    person: str
    person_name: str
    email: str | None
    downloaded_at: datetime


def clean_title(title: str | None, *, field: str = "titre") -> str:
    text = " ".join((title or "").split())
    if not text:
        raise DomainError("Donnez un titre au document (p. ex. « Règlement de la consultation »).", field=field)
    if len(text) > TITLE_MAX:
        raise DomainError(f"Le titre est trop long ({TITLE_MAX} caractères au plus).", field=field)
    return text


def clean_description(description: str | None) -> str:
    text = (description or "").strip()
    if len(text) > DESCRIPTION_MAX:
        raise DomainError(f"La description est trop longue ({DESCRIPTION_MAX} caractères au plus).",
                          field="description")
    return text


def check_changeable(consultation: Consultation, now: datetime) -> None:
    """The DCE may change while the consultation is prepared or published, until the bid deadline."""
    if consultation.status not in CHANGEABLE:
        raise DomainError("Le dossier de consultation ne peut plus être modifié : la consultation est attribuée.",
                          field="status", status=409)
    if consultation.bid_deadline is not None and now >= consultation.bid_deadline:
        raise DomainError("La date limite de remise des offres est passée : le dossier de consultation ne peut "
                          "plus être modifié.", field="bid_deadline", status=409)


def is_amendment(consultation: Consultation) -> bool:
    """A change of the DCE once public is an amendment (« modification du DCE »)."""
    return consultation.status is ConsultationStatus.PUBLISHED


def amendment_description(consultation: Consultation, description: str | None) -> str | None:
    """The amendment's description, required once published (None before: no amendment)."""
    text = clean_description(description)
    if not is_amendment(consultation):
        return None
    if not text:
        raise DomainError("La consultation est publiée : décrivez brièvement la modification du dossier "
                          "(elle est communiquée aux entreprises qui l'ont retiré).", field="description")
    return text


def check_total(current: list[DceDocument], added: int, replaced: DceDocument | None) -> None:
    total = sum(d.size for d in current) + added - (replaced.size if replaced else 0)
    if total > MAX_DCE_BYTES:
        raise DomainError(f"Le dossier de consultation dépasserait {MAX_DCE_BYTES // (1024 * MiB)} Gio au total : "
                          "retirez ou regroupez des fichiers.", field="fichier", status=413)


def replaced_target(documents: list[DceDocument], replaces: uuid.UUID | None) -> DceDocument | None:
    if replaces is None:
        return None
    for document in documents:
        if document.id == replaces:
            if not document.current:
                raise DomainError("Ce document a déjà été remplacé : remplacez sa version en vigueur.",
                                  field="remplace", status=409)
            return document
    raise DomainError("Le document à remplacer n'appartient pas à ce dossier.", field="remplace")


def change_sentence(title: str, replaced: DceDocument | None) -> str:
    if replaced is None:
        return f"Document ajouté : « {title} »."
    return f"Document remplacé : « {replaced.title} » (version {replaced.version}) par « {title} » " \
           f"(version {replaced.version + 1})."


_NOT_YET_PUBLISHED = (ConsultationStatus.DRAFT, ConsultationStatus.AWAITING_PROCEDURE)


def is_public(consultation: Consultation) -> bool:
    """The DCE is offered to everyone once the consultation is published, and stays readable
    after its deadline, its opening, its award or its abandonment: the public consultation page,
    which lists it in every one of those states, links to it (changes stop at the deadline)."""
    return consultation.status not in _NOT_YET_PUBLISHED
