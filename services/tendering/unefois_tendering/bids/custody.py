"""Key custody: who holds the key-encryption key (KEK) that wraps the consultations' private keys.

The port (`KeyCustody`) wraps a consultation's private key for storage in the database and
unwraps it for the opening; the database alone (a dump) cannot decrypt a bid. The adapter here,
`FileKeyCustody`, reads a 256-bit KEK from a service secret file (never from the database):
the local runtime creates it once in its runtime directory, 0600 (deploy/unefois_deploy:
`<runtime>/tendering-key-encryption-key`, passed as UNEFOIS_TENDERING_KEY_ENCRYPTION_KEY_FILE);
a deployment mounts it as a secret. A KMS or an HSM would implement the same two methods.

Wrapped private key, custody "file-v1": b"\\x01" || nonce (12 bytes) || AES-256-GCM(KEK, nonce,
PKCS#8 DER of the private key, associated data = "unefois consultation key:" + the consultation
id), so a wrapped key moved to another consultation's row does not unwrap.
"""

from __future__ import annotations

import base64
import functools
import logging
import os
import uuid
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from unefois_tendering.bids.domain import load_private_key, private_key_bytes

log = logging.getLogger("unefois.tendering.custody")

FILE_CUSTODY = "file-v1"
KEY_FILE_ENVIRONMENT = "UNEFOIS_TENDERING_KEY_ENCRYPTION_KEY_FILE"
_VERSION = b"\x01"


class CustodyRefused(Exception):
    """The custody cannot unwrap this key (another KEK, an altered or moved row)."""


class KeyCustody(Protocol):
    """Wraps and unwraps the consultations' private keys (a file KEK, a KMS, an HSM)."""

    name: str

    def wrap_private_key(self, consultation_id: uuid.UUID, private_key: ec.EllipticCurvePrivateKey) -> bytes: ...

    def unwrap_private_key(self, consultation_id: uuid.UUID, wrapped: bytes) -> ec.EllipticCurvePrivateKey: ...


def _associated_data(consultation_id: uuid.UUID) -> bytes:
    return b"unefois consultation key:" + str(consultation_id).encode("ascii")


def new_key_file_content() -> str:
    """What a KEK file holds: 32 random bytes, base64url (the local runtime writes it once)."""
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode("ascii") + "\n"


class FileKeyCustody:
    """The KEK from a secret file (base64url of 32 bytes), read at construction."""

    name = FILE_CUSTODY

    def __init__(self, kek: bytes) -> None:
        if len(kek) != 32:
            raise ValueError("the key-encryption key is 32 bytes (AES-256)")
        self._aead = AESGCM(kek)

    @classmethod
    def from_file(cls, path: Path) -> FileKeyCustody:
        mode = path.stat().st_mode
        if mode & 0o077:
            log.warning("the key-encryption key file %s is readable by others (mode %o): make it 0600", path, mode & 0o777)
        text = path.read_text(encoding="ascii").strip()
        try:
            kek = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except ValueError as error:
            raise ValueError(f"{path} does not hold a base64url key-encryption key") from error
        return cls(kek)

    @classmethod
    def from_environment(cls) -> FileKeyCustody:
        path = os.environ.get(KEY_FILE_ENVIRONMENT)
        if not path:
            raise RuntimeError(f"{KEY_FILE_ENVIRONMENT} is not set: tendering cannot seal consultations' keys")
        return cls.from_file(Path(path))

    def wrap_private_key(self, consultation_id: uuid.UUID, private_key: ec.EllipticCurvePrivateKey) -> bytes:
        nonce = os.urandom(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, private_key_bytes(private_key),
                                                     _associated_data(consultation_id))

    def unwrap_private_key(self, consultation_id: uuid.UUID, wrapped: bytes) -> ec.EllipticCurvePrivateKey:
        if wrapped[:1] != _VERSION or len(wrapped) < 1 + 12 + 16:
            raise CustodyRefused("unknown wrapped-key format")
        try:
            der = self._aead.decrypt(wrapped[1:13], wrapped[13:], _associated_data(consultation_id))
        except InvalidTag as error:
            raise CustodyRefused("this key-encryption key does not unwrap that key (another KEK, or a moved row)") from error
        return load_private_key(der)


@functools.cache
def service_custody() -> KeyCustody:
    """The running service's custody: the file adapter on UNEFOIS_TENDERING_KEY_ENCRYPTION_KEY_FILE
    (read once). Routes pass it to the use cases (publication, opening); tests pass their own."""
    return FileKeyCustody.from_environment()
