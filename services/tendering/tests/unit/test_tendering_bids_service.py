"""The consultations' key pairs on a FakeUnitOfWork: created once at publication, wrapped by the
key custody, published; unwrapped for the opening only after the bid deadline by the service
clock (whoever asks), and audited; the file custody's KEK stays out of the database."""

from __future__ import annotations

import os
import stat
import uuid
from datetime import timedelta

import pytest
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_kernel.testing import BUYER
from unefois_tendering.bids import service
from unefois_tendering.bids.custody import (
    CustodyRefused,
    FileKeyCustody,
    new_key_file_content,
)
from unefois_tendering.bids.domain import load_public_key, open_sealed_bytes, seal_bytes

# The platform's operator, acting in the buyer's scope: no role opens the bids early.
OPERATOR = Principal(subject="op-1", name="Opératrice Plateforme", roles=frozenset({Role.OPERATOR}),
                     org_siret=BUYER.siret, org_name=BUYER.name, org_kind=OrgKind.PLATFORM)


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "tendering-key-encryption-key"
    path.write_text(new_key_file_content(), encoding="ascii")
    path.chmod(0o600)
    return path


@pytest.fixture
def custody(key_file) -> FileKeyCustody:
    return FileKeyCustody.from_file(key_file)


async def test_publication_creates_one_key_pair_wrapped_and_audited(uow_for, repos, custody) -> None:
    consultation_id = uuid.uuid4()
    async with uow_for(tenant=BUYER.siret) as uow:
        published = await service.create_keys_for(uow, consultation_id, custody)
    assert uow.committed.actions() == [service.KEYS_CREATED]
    stored = repos.consultation_keys.rows[consultation_id]
    assert stored.custody == "file-v1" and stored.published.tenant == BUYER.siret
    assert b"PRIVATE" not in stored.wrapped_private_key
    # Idempotent: a second call gives the same key and creates nothing.
    async with uow_for(tenant=BUYER.siret) as again:
        assert (await service.create_keys_for(again, consultation_id, custody)) == published
    assert again.committed.actions() == []
    # The public key is what suppliers seal for, readable by an anonymous reader.
    key = await service.public_key_of(uow_for(None), consultation_id)
    assert load_public_key(key.public_key_jwk).public_numbers() == key.public_key().public_numbers()


async def test_an_unpublished_consultation_has_no_public_key(uow_for) -> None:
    with pytest.raises(NotFound):
        await service.public_key_of(uow_for(None), uuid.uuid4())


async def test_the_opening_before_the_deadline_is_refused_whoever_asks(uow_for, custody, clock, approver) -> None:
    consultation_id = uuid.uuid4()
    async with uow_for(tenant=BUYER.siret) as uow:
        await service.create_keys_for(uow, consultation_id, custody)
    deadline = clock.now() + timedelta(seconds=1)
    for uow in (uow_for(approver), uow_for(OPERATOR), uow_for(tenant=BUYER.siret)):  # buyer, operator, service
        with pytest.raises(DomainError) as refused:
            async with uow:
                await service.unwrap_for_opening(uow, consultation_id, custody, deadline)
        assert refused.value.status == 409 and refused.value.field == "bid_deadline"
        assert "avant la date limite de remise des offres" in refused.value.detail
        assert "02/11/2026 à 11:00" in refused.value.detail  # Paris time
        assert uow.committed.actions() == []


async def test_the_opening_after_the_deadline_unwraps_the_key_and_audits_it(uow_for, custody, clock, approver) -> None:
    consultation_id = uuid.uuid4()
    async with uow_for(tenant=BUYER.siret) as uow:
        published = await service.create_keys_for(uow, consultation_id, custody)
    sealed = seal_bytes(published.public_key(), b"Prix global et forfaitaire : 98 765,43 EUR HT")
    deadline = clock.now()
    clock.set(deadline)  # at the deadline exactly: allowed
    async with uow_for(approver) as opening:
        private_key = await service.unwrap_for_opening(opening, consultation_id, custody, deadline)
    assert open_sealed_bytes(private_key, sealed).startswith(b"Prix global")
    (note,) = opening.committed.audits
    assert note.action == service.PRIVATE_KEY_UNWRAPPED and note.actor == approver.actor
    assert note.tenant == BUYER.siret and note.change["fingerprint"] == published.fingerprint


async def test_another_kek_or_a_moved_row_does_not_unwrap(uow_for, repos, custody, clock, tmp_path) -> None:
    consultation_id, other_id = uuid.uuid4(), uuid.uuid4()
    async with uow_for(tenant=BUYER.siret) as uow:
        await service.create_keys_for(uow, consultation_id, custody)
    wrapped = repos.consultation_keys.rows[consultation_id].wrapped_private_key
    other_kek = tmp_path / "other"
    other_kek.write_text(new_key_file_content(), encoding="ascii")
    with pytest.raises(CustodyRefused):
        FileKeyCustody.from_file(other_kek).unwrap_private_key(consultation_id, wrapped)
    with pytest.raises(CustodyRefused):  # the consultation id is associated data
        custody.unwrap_private_key(other_id, wrapped)
    async with uow_for(tenant=BUYER.siret) as uow:
        with pytest.raises(DomainError) as refused:
            await service.unwrap_for_opening(uow, consultation_id, FileKeyCustody.from_file(other_kek), clock.now())
    assert refused.value.field == "consultation_key" and "garde des clés" in refused.value.detail


def test_the_kek_file_is_32_random_bytes(key_file) -> None:
    assert len(key_file.read_text(encoding="ascii").strip()) == 44
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    short = key_file.with_name("short")
    short.write_text("c2hvcnQ=", encoding="ascii")
    with pytest.raises(ValueError, match="32 bytes"):
        FileKeyCustody.from_file(short)
