"""The sealed bids' response models: a consultation's public key."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from unefois_tendering.bids.domain import CHUNK_SIZE, SUITE, VERSION, PublishedKey


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
