"""The sealed bids' response models (a consultation's public key, deposits, the register) and the
deposit receipt's rendering (HTML, and PDF with weasyprint)."""

from __future__ import annotations

import uuid
from datetime import datetime

from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, Field
from unefois_kernel.clock import PLATFORM_TZ

from unefois_tendering.bids.domain import (
    CHUNK_SIZE,
    DEPOSIT_STATUS_LABELS,
    PART_ROLE_LABELS,
    SUITE,
    VERSION,
    Deposit,
    DepositPart,
    DepositStatus,
    PartRole,
    PublishedKey,
)


class PublicKeyView(BaseModel):
    consultation_id: uuid.UUID
    algorithm: str = Field(description="Courbe et usage de la clé : ECDH sur P-256")
    format_version: int = Field(description="Version du format de pli chiffré attendu (en-tête, octet 4)")
    suite: int = Field(description="Suite cryptographique du format (en-tête, octet 5)")
    chunk_size: int = Field(description="Taille des blocs de texte clair, en octets")
    public_key_pem: str = Field(description="Clé publique (SubjectPublicKeyInfo, PEM)")
    public_key_jwk: dict[str, str] = Field(description="La même clé en JWK, pour WebCrypto")
    fingerprint: str = Field(description="Empreinte SHA-256 de la clé publique (hexadécimal)")
    created_at: datetime

    @classmethod
    def of(cls, key: PublishedKey) -> PublicKeyView:
        return cls(consultation_id=key.consultation_id, algorithm="ECDH-P256", format_version=VERSION, suite=SUITE,
                   chunk_size=CHUNK_SIZE, public_key_pem=key.public_key_pem, public_key_jwk=key.public_key_jwk,
                   fingerprint=key.fingerprint, created_at=key.created_at)


class DepositPartView(BaseModel):
    role: PartRole = Field(description="bid_form (le formulaire d’offre chiffré), price_schedule (BPU/DQE/DPGF), "
                                        "candidate_document, bid_document")
    role_label: str
    filename: str
    size: int = Field(description="Taille de la pièce chiffrée, en octets")
    sha256: str = Field(description="Empreinte SHA-256 de la pièce chiffrée telle que reçue (hexadécimal)")
    added_at: datetime

    @classmethod
    def of(cls, part: DepositPart) -> DepositPartView:
        return cls(role=part.role, role_label=PART_ROLE_LABELS[part.role], filename=part.filename, size=part.size,
                   sha256=part.sha256, added_at=part.added_at)


class DepositView(BaseModel):
    """A deposit as its supplier sees it, and as the buyer's register lists it: who, when, lot,
    sizes and hashes; never a content (every part is sealed until the opening)."""

    id: uuid.UUID
    consultation_id: uuid.UUID
    consultation_reference: str
    consultation_title: str
    buyer_name: str
    lot_number: int | None
    lot_label: str
    backup: bool = Field(description="Copie de sauvegarde (déposée à part, ouverte seulement dans les cas prévus)")
    supplier_siret: str
    supplier_name: str
    depositor: str
    begun_at: datetime = Field(description="Horodatage serveur du début du dépôt")
    completed_at: datetime | None = Field(description="Horodatage serveur de la fin du dépôt")
    status: DepositStatus = Field(description="in_progress, received, late (hors délai), replaced")
    status_label: str
    receipt_hash: str | None = Field(description="Empreinte SHA-256 de l’accusé de réception (contenu canonique)")
    parts: list[DepositPartView]

    @classmethod
    def of(cls, deposit: Deposit) -> DepositView:
        return cls(id=deposit.id, consultation_id=deposit.consultation_id,
                   consultation_reference=deposit.consultation_reference,
                   consultation_title=deposit.consultation_title, buyer_name=deposit.buyer_name,
                   lot_number=deposit.lot_number, lot_label=deposit.lot_label, backup=deposit.backup,
                   supplier_siret=deposit.supplier_siret, supplier_name=deposit.supplier_name,
                   depositor=deposit.depositor, begun_at=deposit.begun_at, completed_at=deposit.completed_at,
                   status=deposit.status, status_label=DEPOSIT_STATUS_LABELS[deposit.status],
                   receipt_hash=deposit.receipt_hash, parts=[DepositPartView.of(part) for part in deposit.parts])


class ReceiptView(BaseModel):
    """The receipt (accusé de réception) as JSON: `content` is what `receipt_hash` covers
    (SHA-256 of its canonical JSON: keys sorted, no spaces, UTF-8)."""

    deposit_id: uuid.UUID
    receipt_hash: str
    content: dict
    pdf: str = Field(description="Chemin de l’accusé de réception en PDF")


class BeginDeposit(BaseModel):
    lot_number: int | None = Field(default=None, description="Le lot (null : consultation non allotie)")
    backup: bool = Field(default=False, description="true : une copie de sauvegarde, déposée à part")


# --- The receipt's rendering ----------------------------------------------------------------

_receipts = Environment(loader=PackageLoader("unefois_tendering", "templates"), autoescape=select_autoescape(["html"]))


def _moment(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(PLATFORM_TZ).strftime("%d/%m/%Y à %H:%M:%S")


def _size(size: int) -> str:
    return f"{size:,}".replace(",", "\u202f") + " octets"


def receipt_context(deposit: Deposit) -> dict:
    return {"deposit": deposit, "status_label": DEPOSIT_STATUS_LABELS[deposit.status],
            "begun_at": _moment(deposit.begun_at), "completed_at": _moment(deposit.completed_at),
            "parts": [{"label": PART_ROLE_LABELS[part.role], "filename": part.filename, "size": _size(part.size),
                       "sha256": part.sha256} for part in deposit.parts],
            "late": deposit.status is DepositStatus.LATE}


def receipt_html(deposit: Deposit) -> str:
    return _receipts.get_template("bids/receipt_pdf.html").render(receipt_context(deposit))


def receipt_pdf(deposit: Deposit) -> bytes:
    """The receipt as a PDF (weasyprint, imported here only: the rest of the service needs no Pango)."""
    from weasyprint import HTML

    return HTML(string=receipt_html(deposit)).write_pdf()
