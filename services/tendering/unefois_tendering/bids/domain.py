"""Sealed bids: the sealing format (pure computation, no I/O).

A bid is encrypted by its author (the supplier's browser with WebCrypto,
static/js/sealed-bid.js, or an API client with `cryptography`) for the consultation's public
key, so that the service never holds its plaintext before the bid deadline. Only the opening,
after the deadline by the service clock, unwraps the consultation's private key (service.py).

Sealing format, version 1 (suite 1)
-----------------------------------
Keys. Each consultation has an elliptic-curve key pair on P-256 (secp256r1), created at its
publication (`generate_consultation_keypair`); its public key is published with the consultation
(PEM SubjectPublicKeyInfo, and as a JWK for WebCrypto). Each sealed bid (each file) has a
fresh random 256-bit content key.

Key wrapping (ECIES-like). The sealer draws an ephemeral P-256 key pair, computes the ECDH
shared secret Z (32 bytes, the x coordinate) with the consultation's public key, and derives a
key-encryption key KEK = HKDF-SHA256(IKM = Z, salt = E || R, info = "unefois sealed bid v1:
content key wrapping", 32 bytes), where E and R are the ephemeral and the consultation's public
keys as uncompressed SEC1 points (65 bytes each). The content key is wrapped with AES-256 key
wrap (RFC 3394, 40 bytes).

Header (122 bytes, big-endian):

    offset  size  field
         0     4  magic "UFSB"
         4     1  version = 1
         5     1  suite = 1 (P-256 ECDH, HKDF-SHA256, AES-256-KW, AES-256-GCM STREAM)
         6     4  chunk size C in bytes (65 536 by default; 1 KiB to 1 MiB accepted)
        10    65  ephemeral public key E (uncompressed SEC1 point)
        75    40  wrapped content key
       115     7  nonce prefix P (random)

Body (the STREAM construction, Hoang-Reyhanitabar-Rogaway-Vizár 2015). The plaintext is cut
into chunks of C bytes, the last one shorter or equal (an empty plaintext is one empty last
chunk). Chunk i (from 0) is encrypted with AES-256-GCM under the content key, nonce
P || i (4 bytes) || f (1 byte: 1 for the last chunk, 0 otherwise), associated data = the whole
header. Each sealed chunk is its ciphertext followed by its 16-byte tag: C + 16 bytes, the last
one 16 to C + 16. The counter detects reordering and chunk swapping, the last-chunk flag
truncation at a chunk boundary and appended data, the header as associated data any change of
the header (key, chunk size, prefix); a chunk of another sealed bid fails (other content key).

Streaming: `seal` and `open_sealed` take any iterable of byte pieces (any sizes) and yield
sealed (or opened) pieces, holding at most two chunks in memory; `seal_async` and
`open_sealed_async` do the same over async iterables. `open_sealed` yields a chunk only once
its tag is checked; a failure raises SealBroken (the plaintext yielded before it must then be
discarded by the caller: a stored bid is opened to a temporary place, and kept only whole).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import re
import struct
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap,
    aes_key_unwrap,
    aes_key_wrap,
)
from pydantic import BaseModel, ConfigDict, Field, model_validator
from unefois_events.values import IdentifierType  # the DECP list: one enum for the bid form and the award event
from unefois_kernel.clock import PLATFORM_TZ
from unefois_kernel.domain_errors import DomainError

MAGIC = b"UFSB"
VERSION = 1
SUITE = 1  # P-256 ECDH + HKDF-SHA256 -> AES-256-KW; content AES-256-GCM STREAM
CHUNK_SIZE = 64 * 1024
MIN_CHUNK_SIZE = 1024
MAX_CHUNK_SIZE = 1024 * 1024
TAG_SIZE = 16
POINT_SIZE = 65
WRAPPED_KEY_SIZE = 40
NONCE_PREFIX_SIZE = 7
HKDF_INFO = b"unefois sealed bid v1: content key wrapping"
HEADER = struct.Struct(f">4sBBI{POINT_SIZE}s{WRAPPED_KEY_SIZE}s{NONCE_PREFIX_SIZE}s")
HEADER_SIZE = HEADER.size  # 122
MAX_CHUNKS = 2**32  # the 4-byte counter


class SealBroken(DomainError):
    """A sealed bid that cannot be opened: altered, truncated, reordered, or another key's."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="sealed_bid", status=422)


@dataclass(frozen=True)
class ConsultationKeyPair:
    """A consultation's key pair: the private key never leaves the service unwrapped."""

    private_key: ec.EllipticCurvePrivateKey

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self.private_key.public_key()


@dataclass(frozen=True)
class PublishedKey:
    """A consultation's public key as published with it (anyone may read it once published)."""

    consultation_id: uuid.UUID
    tenant: str
    public_key_pem: str
    public_key_jwk: dict[str, str]
    fingerprint: str
    created_at: datetime

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return load_public_key(self.public_key_pem)


@dataclass(frozen=True)
class ConsultationKey:
    """The stored key pair of a consultation: the private key wrapped by the key custody."""

    published: PublishedKey
    custody: str  # which custody wrapped it ("file-v1")
    wrapped_private_key: bytes

    @property
    def consultation_id(self) -> uuid.UUID:
        return self.published.consultation_id


def generate_consultation_keypair() -> ConsultationKeyPair:
    return ConsultationKeyPair(ec.generate_private_key(ec.SECP256R1()))


# --- Key encodings -------------------------------------------------------------------------

def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_pem(key: ec.EllipticCurvePublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def public_key_jwk(key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    """The JWK WebCrypto imports (`importKey("jwk", ..., {name: "ECDH", namedCurve: "P-256"})`)."""
    numbers = key.public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": _b64url(numbers.x.to_bytes(32, "big")),
            "y": _b64url(numbers.y.to_bytes(32, "big"))}


def public_key_fingerprint(key: ec.EllipticCurvePublicKey) -> str:
    """SHA-256 of the SubjectPublicKeyInfo, hex: names the key in receipts and pages."""
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def load_public_key(pem_or_jwk: str | dict) -> ec.EllipticCurvePublicKey:
    if isinstance(pem_or_jwk, dict):
        if pem_or_jwk.get("kty") != "EC" or pem_or_jwk.get("crv") != "P-256":
            raise ValueError("a consultation key is an EC P-256 JWK")
        x = int.from_bytes(_b64url_decode(pem_or_jwk["x"]), "big")
        y = int.from_bytes(_b64url_decode(pem_or_jwk["y"]), "big")
        return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    key = serialization.load_pem_public_key(pem_or_jwk.encode("ascii"))
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise TypeError("a consultation key is an EC P-256 key")
    return key


def private_key_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    """PKCS#8 DER, unencrypted: only ever handed to the key custody, which wraps it."""
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_private_key(der: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise TypeError("a consultation key is an EC P-256 key")
    return key


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def _wrapping_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=HKDF_INFO).derive(shared)


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    if counter >= MAX_CHUNKS:
        raise ValueError("a sealed bid holds at most 2**32 chunks")
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


# --- Sealing -------------------------------------------------------------------------------

class Sealer:
    """The sealing state machine: `header`, then `push(piece)` and `finish()` give sealed bytes."""

    def __init__(self, public_key: ec.EllipticCurvePublicKey, *, chunk_size: int = CHUNK_SIZE,
                 _content_key: bytes | None = None, _ephemeral: ec.EllipticCurvePrivateKey | None = None,
                 _prefix: bytes | None = None) -> None:
        # The underscored arguments fix the random values, for test vectors only.
        if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
            raise ValueError(f"chunk size {chunk_size} outside {MIN_CHUNK_SIZE}..{MAX_CHUNK_SIZE}")
        content_key = _content_key or AESGCM.generate_key(bit_length=256)
        ephemeral = _ephemeral or ec.generate_private_key(ec.SECP256R1())
        prefix = _prefix or os.urandom(NONCE_PREFIX_SIZE)
        ephemeral_point = _point(ephemeral.public_key())
        kek = _wrapping_key(ephemeral.exchange(ec.ECDH(), public_key), ephemeral_point, _point(public_key))
        self.header = HEADER.pack(MAGIC, VERSION, SUITE, chunk_size, ephemeral_point,
                                  aes_key_wrap(kek, content_key), prefix)
        self._aead = AESGCM(content_key)
        self._prefix = prefix
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._counter = 0

    def _seal(self, chunk: bytes, last: bool) -> bytes:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, last), chunk, self.header)
        self._counter += 1
        return sealed

    def push(self, piece: bytes) -> Iterator[bytes]:
        self._buffer += piece
        # Keep at least one byte back: the last chunk is only known at finish().
        while len(self._buffer) > self._chunk_size:
            chunk = bytes(self._buffer[: self._chunk_size])
            del self._buffer[: self._chunk_size]
            yield self._seal(chunk, last=False)

    def finish(self) -> bytes:
        chunk = bytes(self._buffer)
        self._buffer.clear()
        return self._seal(chunk, last=True)


def seal(public_key: ec.EllipticCurvePublicKey, pieces: Iterable[bytes], *, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Seal a plaintext given as byte pieces for the consultation's public key (header first)."""
    sealer = Sealer(public_key, chunk_size=chunk_size)
    yield sealer.header
    for piece in pieces:
        yield from sealer.push(piece)
    yield sealer.finish()


async def seal_async(public_key: ec.EllipticCurvePublicKey, pieces: AsyncIterable[bytes], *,
                     chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
    sealer = Sealer(public_key, chunk_size=chunk_size)
    yield sealer.header
    async for piece in pieces:
        for sealed in sealer.push(piece):
            yield sealed
    yield sealer.finish()


def seal_bytes(public_key: ec.EllipticCurvePublicKey, plaintext: bytes, **options) -> bytes:
    return b"".join(seal(public_key, [plaintext], **options))


# --- Opening -------------------------------------------------------------------------------

class Opener:
    """The opening state machine: `push(piece)` and `finish()` give checked plaintext."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        self._private_key = private_key
        self._buffer = bytearray()
        self._aead: AESGCM | None = None
        self._header = b""
        self._prefix = b""
        self._sealed_chunk = 0
        self._counter = 0

    def _read_header(self) -> None:
        header = bytes(self._buffer[:HEADER_SIZE])
        del self._buffer[:HEADER_SIZE]
        magic, version, suite, chunk_size, ephemeral_point, wrapped, prefix = HEADER.unpack(header)
        if magic != MAGIC:
            raise SealBroken("Ce fichier n’est pas un pli chiffré de la plateforme (en-tête inconnu).")
        if version != VERSION or suite != SUITE:
            raise SealBroken(f"Version de pli chiffré non prise en charge ({version}.{suite}).")
        if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
            raise SealBroken("L’en-tête du pli chiffré est altéré (taille de bloc invalide).")
        try:
            ephemeral = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ephemeral_point)
            shared = self._private_key.exchange(ec.ECDH(), ephemeral)
        except ValueError as error:
            raise SealBroken("L’en-tête du pli chiffré est altéré (clé éphémère invalide).") from error
        kek = _wrapping_key(shared, ephemeral_point, _point(self._private_key.public_key()))
        try:
            content_key = aes_key_unwrap(kek, wrapped)
        except InvalidUnwrap as error:
            raise SealBroken("Ce pli n’a pas été chiffré pour la clé de cette consultation, "
                             "ou son en-tête est altéré.") from error
        self._aead = AESGCM(content_key)
        self._header = header
        self._prefix = prefix
        self._sealed_chunk = chunk_size + TAG_SIZE

    def _open(self, sealed: bytes, last: bool) -> bytes:
        assert self._aead is not None
        try:
            plain = self._aead.decrypt(_nonce(self._prefix, self._counter, last), sealed, self._header)
        except InvalidTag as error:
            raise SealBroken(f"Le pli chiffré est altéré, tronqué ou réordonné (bloc {self._counter + 1}).") from error
        self._counter += 1
        return plain

    def push(self, piece: bytes) -> Iterator[bytes]:
        self._buffer += piece
        if self._aead is None:
            if len(self._buffer) < HEADER_SIZE:
                return
            self._read_header()
        # A full sealed chunk is the last one only if nothing follows it: keep it until more comes.
        while len(self._buffer) > self._sealed_chunk:
            sealed = bytes(self._buffer[: self._sealed_chunk])
            del self._buffer[: self._sealed_chunk]
            yield self._open(sealed, last=False)

    def finish(self) -> bytes:
        if self._aead is None:
            raise SealBroken("Le pli chiffré est tronqué (en-tête incomplet).")
        if len(self._buffer) < TAG_SIZE:
            raise SealBroken("Le pli chiffré est tronqué (dernier bloc incomplet).")
        sealed = bytes(self._buffer)
        self._buffer.clear()
        return self._open(sealed, last=True)


def open_sealed(private_key: ec.EllipticCurvePrivateKey, sealed_pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Open a sealed bid given as byte pieces; raises SealBroken on any alteration."""
    opener = Opener(private_key)
    for piece in sealed_pieces:
        yield from opener.push(piece)
    yield opener.finish()


async def open_sealed_async(private_key: ec.EllipticCurvePrivateKey,
                            sealed_pieces: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    opener = Opener(private_key)
    async for piece in sealed_pieces:
        for plain in opener.push(piece):
            yield plain
    yield opener.finish()


def open_sealed_bytes(private_key: ec.EllipticCurvePrivateKey, sealed: bytes) -> bytes:
    return b"".join(open_sealed(private_key, [sealed]))


def sealed_size(plaintext_size: int, chunk_size: int = CHUNK_SIZE) -> int:
    """The size of a sealed bid from its plaintext's (the deposit checks what it receives)."""
    chunks = max(1, -(-plaintext_size // chunk_size))
    return HEADER_SIZE + plaintext_size + chunks * TAG_SIZE


# =============================================================================================
# Bid deposit (issue 11, item 4): what a supplier deposits per lot, before the bid deadline.
# =============================================================================================
#
# A deposit is begun (server timestamp), its sealed parts are streamed in (each a `sealed_*`
# document of the storage port, with its SHA-256 and size), then completed (server timestamp).
# Nothing in clear reaches the service: the bid form (the price) and every file are sealed by
# the supplier (browser: static/js/sealed-bid.js; API client: `seal` above) for the
# consultation's public key before they are sent. The rules below decide on the service clock.

KIB = 1024
MIB = 1024 * KIB
# Sealed sizes accepted per part (the sealed size: plaintext + 122-byte header + 16 per 64 KiB).
MAX_BID_FORM_BYTES = sealed_size(256 * KIB)
MAX_FILE_BYTES = sealed_size(200 * MIB)
MAX_PARTS = 40
SEALED_PREFIX = MAGIC + bytes([VERSION, SUITE])


class DepositStatus(StrEnum):
    IN_PROGRESS = "in_progress"  # begun, parts coming in
    RECEIVED = "received"  # completed before the deadline: the one that counts (until replaced)
    LATE = "late"  # « hors délai »: begun before the deadline, completed at or after it
    REPLACED = "replaced"  # a later received deposit of the same supplier for the same lot counts


DEPOSIT_STATUS_LABELS = {
    DepositStatus.IN_PROGRESS: "En cours de dépôt",
    DepositStatus.RECEIVED: "Reçu",
    DepositStatus.LATE: "Hors délai",
    DepositStatus.REPLACED: "Remplacé",
}


class PartRole(StrEnum):
    BID_FORM = "bid_form"  # the sealed BidForm (JSON): the price and the bidder
    PRICE_SCHEDULE = "price_schedule"  # BPU / DQE / DPGF
    CANDIDATE_DOCUMENT = "candidate_document"  # DC1, DC2, DUME, certificates...
    BID_DOCUMENT = "bid_document"  # mémoire technique, acte d'engagement...


PART_ROLE_LABELS = {
    PartRole.BID_FORM: "Formulaire d’offre (prix)",
    PartRole.PRICE_SCHEDULE: "Bordereau de prix (BPU / DQE / DPGF)",
    PartRole.CANDIDATE_DOCUMENT: "Pièce de candidature",
    PartRole.BID_DOCUMENT: "Pièce de l’offre",
}


def part_kind(role: PartRole, *, backup: bool) -> str:
    """The storage kind: `sealed_*`, so the port stores it opaque, never type-sniffed."""
    return f"sealed_backup.{role.value}" if backup else f"sealed_{role.value}"


class BackupOpeningCase(StrEnum):
    """The only cases in which a backup copy may be opened (for the opening use case).

    Article R2132-11 of the code de la commande publique lets a candidate send, besides the
    electronic bid, a backup copy (copie de sauvegarde) that is taken into account only if it
    reached the buyer within the time limit for bids; the arrêté of 22 March 2019 (annexe 6 of
    the code, art. 2) lists the cases in which it is opened: 1° a malicious program is detected
    in the electronic bid (its trace is kept); 2° the electronic bid is received incomplete,
    late, or could not be opened, provided its transmission began before the deadline. A
    malicious program detected in the backup copy itself sets it aside; a backup copy not
    opened is destroyed."""

    MALWARE_DETECTED = "malware_detected"
    RECEIVED_INCOMPLETE = "received_incomplete"
    RECEIVED_LATE = "received_late"
    COULD_NOT_BE_OPENED = "could_not_be_opened"


BACKUP_OPENING_CASE_LABELS = {
    BackupOpeningCase.MALWARE_DETECTED:
        "Un programme informatique malveillant a été détecté dans l’offre transmise par voie électronique "
        "(arrêté du 22 mars 2019, art. 2, 1° ; la trace de la malveillance est conservée)",
    BackupOpeningCase.RECEIVED_INCOMPLETE:
        "L’offre électronique a été reçue de façon incomplète, sa transmission ayant commencé avant la date "
        "limite (arrêté du 22 mars 2019, art. 2, 2°)",
    BackupOpeningCase.RECEIVED_LATE:
        "L’offre électronique a été reçue hors délai, sa transmission ayant commencé avant la date limite "
        "(arrêté du 22 mars 2019, art. 2, 2°)",
    BackupOpeningCase.COULD_NOT_BE_OPENED:
        "L’offre électronique n’a pas pu être ouverte, sa transmission ayant commencé avant la date limite "
        "(arrêté du 22 mars 2019, art. 2, 2°)",
}


# --- The bid form (sealed by the bidder; validated by the opening after decryption) ---------

BID_FORM_FORMAT = "unefois.bid-form.v1"
_AMOUNT = re.compile(r"^\d{1,13}(\.\d{1,2})?$")


class GroupingType(StrEnum):
    NONE = "none"  # a single bidder
    CONJOINT = "conjoint"  # groupement conjoint
    SOLIDAIRE = "solidaire"  # groupement solidaire


class BidMember(BaseModel):
    """The bidder, or one member of a grouping."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=300, description="Raison sociale")
    identifier_type: IdentifierType = Field(description="Type d’identifiant (DECP)")
    identifier: str = Field(min_length=1, max_length=40, description="Identifiant (SIRET : 14 chiffres)")
    mandataire: bool = Field(default=False, description="Mandataire du groupement (un seul)")

    @model_validator(mode="after")
    def _siret(self) -> BidMember:
        if self.identifier_type is IdentifierType.SIRET and not re.fullmatch(r"\d{14}", self.identifier):
            raise ValueError("un SIRET compte 14 chiffres")
        return self


class BidForm(BaseModel):
    """The price and the bidder of one deposit (one lot), as JSON, sealed before sending.

    Example (then sealed with `seal(public_key, [json.dumps(form).encode()])` and sent as the
    part `bid_form`): {"format": "unefois.bid-form.v1", "lot_number": 1,
    "price_excl_tax": "12345.67", "grouping": "none", "members": [{"name": "TP Rhodaniens",
    "identifier_type": "SIRET", "identifier": "80000004400019", "mandataire": true}],
    "subcontracting": false, "subcontracted_amount": null, "variant": false}"""

    model_config = ConfigDict(extra="forbid")
    format: Literal["unefois.bid-form.v1"] = BID_FORM_FORMAT
    lot_number: int | None = Field(description="Le lot (null : consultation non allotie)")
    price_excl_tax: str = Field(description="Prix HT en euros, chaîne décimale à point : \"12345.67\"")
    grouping: GroupingType = GroupingType.NONE
    members: list[BidMember] = Field(min_length=1, max_length=50,
                                     description="Le soumissionnaire, ou les membres du groupement")
    subcontracting: bool = Field(default=False, description="Sous-traitance déclarée")
    subcontracted_amount: str | None = Field(default=None, description="Montant HT sous-traité (chaîne décimale)")
    variant: bool = Field(default=False, description="L’offre est une variante")

    @model_validator(mode="after")
    def _coherent(self) -> BidForm:
        if not _AMOUNT.fullmatch(self.price_excl_tax):
            raise ValueError("price_excl_tax : un montant décimal à point, deux décimales au plus")
        if self.grouping is GroupingType.NONE and len(self.members) != 1:
            raise ValueError("members : un soumissionnaire seul est un seul membre")
        if self.grouping is not GroupingType.NONE:
            if len(self.members) < 2:
                raise ValueError("members : un groupement compte au moins deux membres")
            if sum(member.mandataire for member in self.members) != 1:
                raise ValueError("members : un groupement a un mandataire et un seul")
        if self.subcontracting:
            if self.subcontracted_amount is None or not _AMOUNT.fullmatch(self.subcontracted_amount):
                raise ValueError("subcontracted_amount : le montant sous-traité est demandé (décimal à point)")
        elif self.subcontracted_amount is not None:
            raise ValueError("subcontracted_amount : sans sous-traitance, pas de montant sous-traité")
        return self

    def price(self) -> Decimal:
        return Decimal(self.price_excl_tax)


def parse_french_amount(text: str) -> str:
    """"12 345,67" (or "12345.67") -> "12345.67"; ValueError otherwise. For clients: the service
    never sees the price (the browser does the same in JavaScript before sealing)."""
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text or "").replace("€", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(f"« {text} » n’est pas un montant") from error
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValueError(f"« {text} » n’est pas un montant positif à deux décimales au plus")
    return f"{value.quantize(Decimal('0.01'))}"


# --- Deposits ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DepositPart:
    role: PartRole
    filename: str
    document_id: uuid.UUID
    sha256: str
    size: int
    added_at: datetime


@dataclass(frozen=True)
class Deposit:
    id: uuid.UUID
    tenant: str  # the buyer's
    consultation_id: uuid.UUID
    lot_number: int | None
    supplier_siret: str
    supplier_name: str
    depositor: str  # the audit actor "Name <subject>"
    depositor_email: str | None
    backup: bool
    begun_at: datetime
    completed_at: datetime | None = None
    status: DepositStatus = DepositStatus.IN_PROGRESS
    receipt_hash: str | None = None
    receipt_document_id: uuid.UUID | None = None
    parts: tuple[DepositPart, ...] = ()
    consultation_reference: str = ""
    consultation_title: str = ""
    buyer_name: str = ""
    lot_title: str = ""
    receipt: dict | None = None

    @property
    def lot_label(self) -> str:
        if self.lot_number is None:
            return "Lot unique"
        return f"Lot {self.lot_number}" + (f" — {self.lot_title}" if self.lot_title else "")


@dataclass(frozen=True)
class DepositTarget:
    """What the deposit rules need of the consultation."""

    consultation_id: uuid.UUID
    tenant: str
    reference: str
    title: str
    buyer_name: str
    published: bool
    bid_deadline: datetime | None
    lots: dict[int, str]  # number -> title; empty: not allotted


def _paris_moment(at: datetime) -> str:
    return at.astimezone(PLATFORM_TZ).strftime("%d/%m/%Y à %H:%M:%S")


def begin_deposit(target: DepositTarget, *, lot_number: int | None, supplier_siret: str, supplier_name: str,
                  depositor: str, depositor_email: str | None, backup: bool, now: datetime,
                  deposit_id: uuid.UUID | None = None) -> Deposit:
    """A deposit begun at `now` (the service clock): refused at or after the deadline."""
    if not target.published or target.bid_deadline is None:
        raise DomainError("Cette consultation n’est pas ouverte aux dépôts : elle n’est pas publiée.",
                          field="status", status=409)
    if now >= target.bid_deadline:
        raise DomainError(
            f"La date limite de remise des offres (bid_deadline) est passée : le "
            f"{_paris_moment(target.bid_deadline)} (heure de Paris). Un dépôt commencé après elle est refusé "
            f"(il est {_paris_moment(now)}).", field="bid_deadline", status=409)
    if target.lots:
        if lot_number not in target.lots:
            raise DomainError(f"Le lot {lot_number} n’existe pas dans cette consultation "
                              f"(lots : {', '.join(str(n) for n in sorted(target.lots))}).",
                              field="lot_number", status=422)
    elif lot_number is not None:
        raise DomainError("Cette consultation n’est pas allotie : ne précisez pas de lot.", field="lot_number",
                          status=422)
    return Deposit(id=deposit_id or uuid.uuid4(), tenant=target.tenant, consultation_id=target.consultation_id,
                   lot_number=lot_number, supplier_siret=supplier_siret, supplier_name=supplier_name,
                   depositor=depositor, depositor_email=depositor_email, backup=backup, begun_at=now,
                   consultation_reference=target.reference, consultation_title=target.title,
                   buyer_name=target.buyer_name,
                   lot_title=target.lots.get(lot_number, "") if lot_number is not None else "")


def check_open(deposit: Deposit) -> None:
    if deposit.status is not DepositStatus.IN_PROGRESS:
        raise DomainError(f"Ce dépôt est terminé ({DEPOSIT_STATUS_LABELS[deposit.status].lower()}) : "
                          "commencez un nouveau dépôt pour le remplacer.", field="status", status=409)


def check_part(deposit: Deposit, role: PartRole) -> int:
    """The sealed size limit of a new part (refusals naming the field)."""
    check_open(deposit)
    if len(deposit.parts) >= MAX_PARTS:
        raise DomainError(f"Un dépôt compte au plus {MAX_PARTS} pièces.", field="parts", status=422)
    if role is PartRole.BID_FORM:
        if any(part.role is PartRole.BID_FORM for part in deposit.parts):
            raise DomainError("Ce dépôt a déjà son formulaire d’offre.", field="role", status=409)
        return MAX_BID_FORM_BYTES
    return MAX_FILE_BYTES


def check_sealed_head(head: bytes) -> None:
    """What the service can check without any key: the part starts with the sealing header."""
    if head[: len(SEALED_PREFIX)] != SEALED_PREFIX:
        raise DomainError("Cette pièce n’est pas chiffrée au format des plis de la plateforme : rien n’est "
                          "envoyé en clair (chiffrez-la avec sealed-bid.js ou unefois_tendering.bids.domain.seal).",
                          field="fichier", status=422)


def receipt_content(deposit: Deposit, *, completed_at: datetime, status: DepositStatus) -> dict:
    """What the receipt states (and its hash covers): the server's timestamps, the consultation,
    the lot, the depositor and each part's name, size and SHA-256 (of the sealed part)."""
    return {
        "format": "unefois.deposit-receipt.v1",
        "deposit_id": str(deposit.id),
        "consultation_id": str(deposit.consultation_id),
        "consultation_reference": deposit.consultation_reference,
        "consultation_title": deposit.consultation_title,
        "buyer_name": deposit.buyer_name,
        "lot_number": deposit.lot_number,
        "lot_label": deposit.lot_label,
        "backup": deposit.backup,
        "supplier_siret": deposit.supplier_siret,
        "supplier_name": deposit.supplier_name,
        "depositor": deposit.depositor,
        "begun_at": deposit.begun_at.isoformat(),
        "completed_at": completed_at.isoformat(),
        "status": status.value,
        "parts": [{"role": part.role.value, "filename": part.filename, "size": part.size, "sha256": part.sha256}
                  for part in deposit.parts],
    }


def receipt_hash(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Completion:
    deposit: Deposit
    receipt: dict
    replaced: tuple[uuid.UUID, ...]


def complete_deposit(deposit: Deposit, target: DepositTarget, *, now: datetime,
                     earlier: list[Deposit]) -> Completion:
    """Completed at `now`: received before the deadline, « hors délai » at or after it (kept
    sealed, never opened: the case where the backup copy may be). A received deposit replaces
    the earlier received ones of the same supplier, lot and kind (bid / backup copy)."""
    check_open(deposit)
    if not deposit.backup and not any(part.role is PartRole.BID_FORM for part in deposit.parts):
        raise DomainError("Le dépôt n’a pas de formulaire d’offre chiffré (prix) : ajoutez-le avant de terminer.",
                          field="bid_form", status=422)
    if not deposit.parts:
        raise DomainError("Le dépôt ne contient aucune pièce.", field="parts", status=422)
    assert target.bid_deadline is not None
    late = now >= target.bid_deadline
    status = DepositStatus.LATE if late else DepositStatus.RECEIVED
    receipt = receipt_content(deposit, completed_at=now, status=status)
    done = dataclasses.replace(deposit, completed_at=now, receipt_hash=receipt_hash(receipt), receipt=receipt,
                               status=status)
    replaced: tuple[uuid.UUID, ...] = ()
    if not late:
        replaced = tuple(other.id for other in earlier
                         if other.id != deposit.id and other.status is DepositStatus.RECEIVED
                         and other.supplier_siret == deposit.supplier_siret
                         and other.consultation_id == deposit.consultation_id
                         and other.lot_number == deposit.lot_number and other.backup == deposit.backup)
    return Completion(done, receipt, replaced)


def deposit_target(consultation) -> DepositTarget:
    """A consultation (consultations.domain.Consultation) as the deposit rules see it."""
    purchase = consultation.purchase
    return DepositTarget(consultation_id=consultation.id, tenant=consultation.tenant, reference=consultation.reference,
                         title=purchase.object, buyer_name=purchase.buyer.name,
                         # Published once: after the deadline (closed, opened, awarded) a start is refused
                         # naming bid_deadline; a draft or a consultation sans suite naming its status.
                         published=consultation.status in ("published", "closed", "opened", "awarded"),
                         bid_deadline=consultation.bid_deadline,
                         lots={lot.number: lot.title for lot in purchase.lots})
