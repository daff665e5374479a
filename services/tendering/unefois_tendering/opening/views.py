"""What the opening's API answers and its pages show."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field
from unefois_kernel.clock import PLATFORM_TZ

from unefois_tendering.bids.domain import PART_ROLE_LABELS, BackupOpeningCase
from unefois_tendering.opening.domain import (
    ADMISSIBILITY_LABELS,
    Admissibility,
    OpenedBidRecord,
)


def moment(value: datetime | None) -> str:
    return "—" if value is None else value.astimezone(PLATFORM_TZ).strftime("%d/%m/%Y à %H:%M:%S")


def euros(value) -> str:
    if value is None:
        return "—"
    whole, cents = f"{value:.2f}".split(".")
    groups = f"{int(whole):,}".replace(",", "\u202f")
    return f"{groups},{cents} € HT"


class OpenedFileView(BaseModel):
    role: str
    filename: str
    document_id: uuid.UUID | None
    sha256: str | None
    size: int
    refused: str | None = None


class OpenedBidView(BaseModel):
    bid_id: uuid.UUID = Field(description="L’identifiant du dépôt ouvert")
    lot_number: int | None
    supplier_siret: str
    supplier_name: str
    state: str = Field(description="opened (lisible) ou unreadable (illisible)")
    problem: str | None
    price_excl_tax: str | None = Field(description="Prix HT déchiffré, chaîne décimale à point")
    bid_form: dict | None
    files: list[OpenedFileView]
    receipt_hash: str | None
    opened_at: datetime
    backup: bool
    backup_case: BackupOpeningCase | None
    backup_reason: str | None
    replaces_bid_id: uuid.UUID | None
    admissibility: Admissibility
    admissibility_reason: str | None

    @classmethod
    def of(cls, record: OpenedBidRecord) -> OpenedBidView:
        return cls(bid_id=record.bid_id, lot_number=record.lot_number, supplier_siret=record.supplier_siret,
                   supplier_name=record.supplier_name, state=record.state.value, problem=record.problem,
                   price_excl_tax=None if record.price is None else f"{record.price:.2f}",
                   bid_form=None if record.bid_form is None else record.bid_form.model_dump(mode="json"),
                   files=[OpenedFileView(role=f.role.value, filename=f.filename, document_id=f.document_id,
                                         sha256=f.sha256, size=f.size, refused=f.refused) for f in record.files],
                   receipt_hash=record.receipt_hash, opened_at=record.opened_at, backup=record.backup,
                   backup_case=record.backup_case, backup_reason=record.backup_reason,
                   replaces_bid_id=record.replaces_bid_id, admissibility=record.admissibility,
                   admissibility_reason=record.admissibility_reason)


class OpeningView(BaseModel):
    consultation_id: uuid.UUID
    opened_by: str
    opened_at: datetime
    record: dict = Field(description="Le procès-verbal d’ouverture des plis (JSON enregistré)")
    bids: list[OpenedBidView]


class BackupRequest(BaseModel):
    backup_id: uuid.UUID = Field(description="Le dépôt de la copie de sauvegarde")
    case: str = Field(description="Un cas de BackupOpeningCase (arrêté du 22 mars 2019, art. 2)")
    reason: str = Field(description="Pourquoi elle est ouverte")


class AdmissibilityRequest(BaseModel):
    admissibility: str = Field(description="admissible, irregular, unacceptable ou inappropriate")
    reason: str | None = Field(default=None, description="Motif, obligatoire pour écarter l’offre")


def bid_card(record: OpenedBidRecord, consultation_id: uuid.UUID) -> dict:
    form = record.bid_form
    members = [] if form is None else [
        f"{m.name} ({m.identifier_type.value} {m.identifier}){' — mandataire' if m.mandataire else ''}"
        for m in form.members]
    return {
        "id": str(record.bid_id), "supplier": f"{record.supplier_name} ({record.supplier_siret})",
        "lot": "Lot unique" if record.lot_number is None else f"Lot {record.lot_number}",
        "lot_number": record.lot_number,
        "readable": form is not None, "problem": record.problem, "price": euros(record.price),
        "grouping": None if form is None else {"none": "Candidat seul", "conjoint": "Groupement conjoint",
                                               "solidaire": "Groupement solidaire"}[form.grouping.value],
        "members": members,
        "subcontracting": None if form is None else (
            f"Oui, {euros(Decimal(form.subcontracted_amount or '0'))}"
            if form.subcontracting else "Non"),
        "variant": form is not None and form.variant,
        "files": [{"label": PART_ROLE_LABELS[f.role], "filename": f.filename, "size": f.size, "sha256": f.sha256,
                   "refused": f.refused,
                   "url": None if f.document_id is None else
                   f"/api/consultations/{consultation_id}/opening/bids/{record.bid_id}/files/{f.document_id}"}
                  for f in record.files],
        "receipt_hash": record.receipt_hash, "backup": record.backup, "backup_reason": record.backup_reason,
        "admissibility": record.admissibility.value, "admissibility_label": ADMISSIBILITY_LABELS[record.admissibility],
        "admissibility_reason": record.admissibility_reason or "",
    }


class DocumentRequestBody(BaseModel):
    documents: list[str] = Field(description="Codes des pièces de candidature demandées par la consultation")
    deadline: datetime = Field(description="Date limite de complément, identique pour tous les candidats (R2144-2)")
    message: str | None = Field(default=None, description="Précisions pour le candidat")


class DocumentRequestView(BaseModel):
    id: uuid.UUID
    consultation_id: uuid.UUID
    bid_id: uuid.UUID
    supplier_siret: str
    documents: list[str]
    message: str
    deadline: datetime
    requested_at: datetime
    status: str = Field(description="pending, answered ou unanswered (délai de complément passé)")
    answers: list[dict]

    @classmethod
    def of(cls, request) -> DocumentRequestView:
        return cls(id=request.id, consultation_id=request.consultation_id, bid_id=request.bid_id,
                   supplier_siret=request.supplier_siret, documents=list(request.documents), message=request.message,
                   deadline=request.deadline, requested_at=request.requested_at, status=request.status.value,
                   answers=[{"code": a.code, "filename": a.filename, "document_id": str(a.document_id),
                             "sha256": a.sha256, "size": a.size, "at": a.at.isoformat()} for a in request.answers])
