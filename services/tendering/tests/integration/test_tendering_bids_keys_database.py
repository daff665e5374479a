"""The consultations' key pairs on the real PostgreSQL: created in the buyer's scope, the public key
readable by anyone (anonymous included), the wrapped private key by its buyer only (row-level
security); a dump of the database plus the application code, without the key-encryption key
file, cannot open a bid; the opening's unwrap refused before the deadline by the service clock
and audited after it."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.testing import BUYER, OTHER_BUYER
from unefois_tendering.bids import service
from unefois_tendering.bids.custody import (
    CustodyRefused,
    FileKeyCustody,
    new_key_file_content,
)
from unefois_tendering.bids.domain import (
    SealBroken,
    generate_consultation_keypair,
    load_private_key,
    open_sealed_bytes,
    seal_bytes,
)

BID = "Offre de prix : 187 450,00 EUR HT — bordereau des prix unitaires".encode()


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "tendering-key-encryption-key"
    path.write_text(new_key_file_content(), encoding="ascii")
    path.chmod(0o600)
    return path


@pytest.fixture
def custody(key_file) -> FileKeyCustody:
    return FileKeyCustody.from_file(key_file)


async def a_published_consultation(uows, tenant: str = BUYER.siret) -> uuid.UUID:
    """A consultation row to hang the key on (the key table references consultations)."""
    consultation_id = uuid.uuid4()
    async with uows.system(tenant) as uow:
        await uow.connection.execute(
            """INSERT INTO consultations (id, tenant, need_id, reference, status, purchase, received_at)
               VALUES ($1, $2, $3, $4, 'awaiting_procedure', '{}', now())""",
            consultation_id, tenant, uuid.uuid4(), f"2026-{uuid.uuid4().hex[:4]}")
    return consultation_id


async def test_the_public_key_is_public_the_wrapped_key_the_buyers_only(uows, custody):
    consultation_id = await a_published_consultation(uows)
    async with uows.system(BUYER.siret) as uow:
        published = await service.create_keys_for(uow, consultation_id, custody)
    for uow in (uows(None), uows.system(OTHER_BUYER.siret), uows.system(BUYER.siret)):
        assert (await service.public_key_of(uow, consultation_id)).public_key_jwk == published.public_key_jwk
    async with uows(None) as anonymous, uows.system(OTHER_BUYER.siret) as other:
        assert await anonymous.repos.consultation_keys.get(consultation_id) is None
        assert await other.repos.consultation_keys.get(consultation_id) is None
        assert await anonymous.connection.fetchval("SELECT count(*) FROM consultation_keys") == 0
    async with uows.system(BUYER.siret) as uow:
        stored = await uow.repos.consultation_keys.get(consultation_id)
        assert stored.published == published and stored.custody == "file-v1"
        # Twice is once.
        assert await service.create_keys_for(uow, consultation_id, custody) == published
        # A published key never changes: no update policy on the public table.
        await uow.connection.execute("UPDATE consultation_public_keys SET fingerprint = 'x' WHERE consultation_id = $1",
                                     consultation_id)
        assert (await uow.repos.consultation_keys.public_key_of(consultation_id)).fingerprint == published.fingerprint


async def dump(uows, tenant: str) -> bytes:
    """Every row of every table of the service's database, as the buyer's scope sees them (and
    the public ones): what a stolen dump holds."""
    parts = []
    async with uows.system(tenant) as uow:
        conn = uow.connection
        tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for table in tables:
            rows = await conn.fetch(f'SELECT * FROM "{table["tablename"]}"')
            for row in rows:
                for value in row.values():
                    parts.append(bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode())
    return b"\n".join(parts)


async def test_a_dump_and_the_code_without_the_kek_file_cannot_open_a_bid(uows, custody, key_file):
    consultation_id = await a_published_consultation(uows)
    async with uows.system(BUYER.siret) as uow:
        published = await service.create_keys_for(uow, consultation_id, custody)
    sealed = seal_bytes(published.public_key(), BID)

    # What the attacker holds: the dump and this code. The row's wrapped key is no private key ...
    async with uows.system(BUYER.siret) as uow:
        wrapped = (await uow.repos.consultation_keys.get(consultation_id)).wrapped_private_key
    with pytest.raises(ValueError):
        load_private_key(wrapped)
    with pytest.raises(ValueError):
        serialization.load_der_private_key(wrapped[13:], password=None)
    # ... another KEK (a fresh file, as a new install would create) does not unwrap it ...
    guess = key_file.with_name("guessed-key")
    guess.write_text(new_key_file_content(), encoding="ascii")
    with pytest.raises(CustodyRefused):
        FileKeyCustody.from_file(guess).unwrap_private_key(consultation_id, wrapped)
    # ... nor an all-zero KEK; and no private key in the dump opens the bid.
    with pytest.raises(CustodyRefused):
        FileKeyCustody(bytes(32)).unwrap_private_key(consultation_id, wrapped)

    # With the KEK file (the service itself): the key the dump must not reveal.
    private_key = custody.unwrap_private_key(consultation_id, wrapped)
    assert open_sealed_bytes(private_key, sealed) == BID
    scalar = private_key.private_numbers().private_value.to_bytes(32, "big")
    kek = base64.urlsafe_b64decode(key_file.read_text(encoding="ascii").strip())
    stolen = await dump(uows, BUYER.siret)
    assert wrapped in stolen  # the dump does hold the wrapped key
    for secret in (scalar, kek):
        for encoding in (secret, secret.hex().encode(), base64.b64encode(secret), base64.urlsafe_b64encode(secret)):
            assert encoding not in stolen
    assert BID not in stolen
    with pytest.raises(SealBroken):
        open_sealed_bytes(generate_consultation_keypair().private_key, sealed)


async def test_the_unwrap_is_refused_before_the_deadline_and_audited_after(uows, custody, principals):
    consultation_id = await a_published_consultation(uows)
    async with uows.system(BUYER.siret) as uow:
        await service.create_keys_for(uow, consultation_id, custody)
    clock = uows.clock
    deadline = clock.now() + timedelta(minutes=5)
    with pytest.raises(DomainError) as refused:
        async with uows(principals["buyer"]) as uow:
            await service.unwrap_for_opening(uow, consultation_id, custody, deadline)
    assert (refused.value.status, refused.value.field) == (409, "bid_deadline")

    async def unwraps() -> list:
        async with uows.system(BUYER.siret) as uow:
            return await uow.connection.fetch(
                "SELECT actor, change FROM audit_trail WHERE aggregate_id = $1 AND action = $2",
                str(consultation_id), service.PRIVATE_KEY_UNWRAPPED)

    assert await unwraps() == []
    clock.set(deadline + timedelta(seconds=1))
    async with uows(principals["buyer"]) as uow:
        private_key = await service.unwrap_for_opening(uow, consultation_id, custody, deadline)
    assert private_key is not None
    (entry,) = await unwraps()
    assert entry["actor"] == principals["buyer"].actor
    assert entry["change"]["bid_deadline"] == deadline.isoformat()
