"""The sealing format (unefois_tendering.bids.domain): round trips at the chunk boundaries, and
every alteration of a sealed bid (a changed byte, truncation, reordering, a swapped chunk, an
appended chunk, another consultation's key) refused; a fixed test vector pins the format."""

from __future__ import annotations

import hashlib
import os

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from unefois_tendering.bids.domain import (
    CHUNK_SIZE,
    HEADER_SIZE,
    TAG_SIZE,
    SealBroken,
    Sealer,
    generate_consultation_keypair,
    load_private_key,
    load_public_key,
    open_sealed,
    open_sealed_async,
    open_sealed_bytes,
    private_key_bytes,
    public_key_jwk,
    public_key_pem,
    seal,
    seal_async,
    seal_bytes,
    sealed_size,
)

PAIR = generate_consultation_keypair()
SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 5 * 1024 * 1024]


def pieces(data: bytes, size: int) -> list[bytes]:
    return [data[index:index + size] for index in range(0, len(data), size)] or [b""]


@pytest.mark.parametrize("size", SIZES)
def test_a_sealed_plaintext_opens_to_itself(size: int) -> None:
    plaintext = os.urandom(size)
    sealed = seal_bytes(PAIR.public_key, plaintext)
    assert len(sealed) == sealed_size(size)
    assert plaintext[:64] not in sealed[HEADER_SIZE:] or size < 16
    assert open_sealed_bytes(PAIR.private_key, sealed) == plaintext


@pytest.mark.parametrize("piece_size", [1, 7, 1000, CHUNK_SIZE + 3])
def test_streaming_takes_pieces_of_any_size_both_ways(piece_size: int) -> None:
    plaintext = os.urandom(3 * CHUNK_SIZE + 11)
    sealed = b"".join(seal(PAIR.public_key, pieces(plaintext, piece_size)))
    opened = list(open_sealed(PAIR.private_key, pieces(sealed, piece_size)))
    assert b"".join(opened) == plaintext
    # Bounded memory: the opener yields plaintext chunk by chunk, never more than one chunk at once.
    assert max(len(chunk) for chunk in opened) <= CHUNK_SIZE


async def test_the_async_variants_round_trip() -> None:
    plaintext = os.urandom(2 * CHUNK_SIZE + 5)

    async def source(data: bytes, size: int):
        for piece in pieces(data, size):
            yield piece

    sealed = b"".join([piece async for piece in seal_async(PAIR.public_key, source(plaintext, 4096))])
    opened = b"".join([piece async for piece in open_sealed_async(PAIR.private_key, source(sealed, 5000))])
    assert opened == plaintext


def test_each_seal_draws_fresh_keys() -> None:
    first, second = seal_bytes(PAIR.public_key, b"prix: 98765,43"), seal_bytes(PAIR.public_key, b"prix: 98765,43")
    assert first != second
    assert first[10:HEADER_SIZE] != second[10:HEADER_SIZE]  # ephemeral key, wrapped key, prefix


def chunks_of(sealed: bytes) -> tuple[bytes, list[bytes]]:
    body = sealed[HEADER_SIZE:]
    step = CHUNK_SIZE + TAG_SIZE
    return sealed[:HEADER_SIZE], [body[index:index + step] for index in range(0, len(body), step)]


PLAINTEXT = os.urandom(3 * CHUNK_SIZE + 100)
SEALED = seal_bytes(PAIR.public_key, PLAINTEXT)


def refused(sealed: bytes, private_key: ec.EllipticCurvePrivateKey = PAIR.private_key) -> str:
    with pytest.raises(SealBroken) as caught:
        open_sealed_bytes(private_key, sealed)
    assert caught.value.field == "sealed_bid"
    return caught.value.detail


@pytest.mark.parametrize("offset", [0, 5, 8, 20, 80, 118, HEADER_SIZE, HEADER_SIZE + CHUNK_SIZE + 3, len(SEALED) - 1])
def test_any_changed_byte_is_detected(offset: int) -> None:
    altered = bytearray(SEALED)
    altered[offset] ^= 0x01
    refused(bytes(altered))


def test_truncation_is_detected_at_a_chunk_boundary_and_inside_a_chunk() -> None:
    header, chunks = chunks_of(SEALED)
    assert "altéré, tronqué" in refused(header + b"".join(chunks[:-1]))  # the last chunk dropped
    refused(header + b"".join(chunks[:2]))
    refused(SEALED[:-1])
    refused(SEALED[: HEADER_SIZE + 5])
    assert "tronqué" in refused(SEALED[: HEADER_SIZE - 1])
    assert "tronqué" in refused(header)


def test_reordered_swapped_or_appended_chunks_are_detected() -> None:
    header, chunks = chunks_of(SEALED)
    refused(header + chunks[1] + chunks[0] + b"".join(chunks[2:]))
    refused(header + chunks[0] + chunks[0] + b"".join(chunks[2:]))
    refused(SEALED + chunks[0])
    refused(SEALED + b"\x00")
    # A chunk of another sealed bid, even in its own position, does not belong to this one.
    _, other = chunks_of(seal_bytes(PAIR.public_key, PLAINTEXT))
    refused(header + other[0] + b"".join(chunks[1:]))
    # Another bid's header on this body: the header is associated data of every chunk.
    refused(seal_bytes(PAIR.public_key, PLAINTEXT)[:HEADER_SIZE] + SEALED[HEADER_SIZE:])


def test_another_consultations_key_cannot_open_it() -> None:
    assert "pas été chiffré pour la clé" in refused(SEALED, generate_consultation_keypair().private_key)


def test_a_file_that_is_not_a_sealed_bid_is_refused() -> None:
    assert "n’est pas un pli chiffré" in refused(b"%PDF-1.7" + bytes(200))


def test_the_public_key_encodings_load_back_to_the_same_key() -> None:
    public = PAIR.public_key
    assert public_key_pem(load_public_key(public_key_jwk(public))) == public_key_pem(public)
    assert public_key_pem(load_public_key(public_key_pem(public))) == public_key_pem(public)
    restored = load_private_key(private_key_bytes(PAIR.private_key))
    assert open_sealed_bytes(restored, seal_bytes(public, b"x")) == b"x"


# A fixed test vector: fixed keys and random values give fixed bytes (the JS module and any
# other implementation must produce these; a change of the format changes this digest).
VECTOR_RECIPIENT = ec.derive_private_key(0x1F2E3D4C5B6A79881F2E3D4C5B6A79881F2E3D4C5B6A79881F2E3D4C5B6A7988, ec.SECP256R1())
VECTOR_EPHEMERAL = ec.derive_private_key(0x0102030405060708090A0B0C0D0E0F100102030405060708090A0B0C0D0E0F10, ec.SECP256R1())
VECTOR_CONTENT_KEY = bytes(range(32))
VECTOR_PREFIX = bytes.fromhex("a1a2a3a4a5a6a7")
VECTOR_PLAINTEXT = bytes(index % 251 for index in range(CHUNK_SIZE + 1000))
VECTOR_SHA256 = "e7f876c307deb4c7bd5559bcfa37c6efec1b77eca56b0d2962aa99b4bc95f97f"


def vector_sealed() -> bytes:
    sealer = Sealer(VECTOR_RECIPIENT.public_key(), _content_key=VECTOR_CONTENT_KEY, _ephemeral=VECTOR_EPHEMERAL,
                    _prefix=VECTOR_PREFIX)
    return sealer.header + b"".join(sealer.push(VECTOR_PLAINTEXT)) + sealer.finish()


def test_the_fixed_vector() -> None:
    sealed = vector_sealed()
    assert sealed[:10].hex() == "55465342" + "01" + "01" + "00010000"
    assert hashlib.sha256(sealed).hexdigest() == VECTOR_SHA256
    assert open_sealed_bytes(VECTOR_RECIPIENT, sealed) == VECTOR_PLAINTEXT
