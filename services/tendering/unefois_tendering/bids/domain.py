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
import hashlib
import os
import struct
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

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
