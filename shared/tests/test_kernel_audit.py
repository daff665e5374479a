"""Audit trail, pure functions: canonical JSON, hashes, and the breaks ChainVerifier names."""

import dataclasses
import hashlib
import json
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum

import pytest

from unefois_kernel import audit
from unefois_kernel.audit import GENESIS_HASH, BreakKind, ChainVerifier, canonical_json, change_digest, entry_hash

TENANT = "21750001600019"
T0 = datetime(2025, 3, 1, 9, 15, 0, 123456, tzinfo=timezone.utc)


def _chain(length: int, aggregate_id: str = "need-1") -> list[audit.AuditEntry]:
    entries: list[audit.AuditEntry] = []
    for n in range(length):
        entries.append(
            audit.next_entry(
                entries[-1] if entries else None,
                tenant=TENANT,
                aggregate_type="need",
                aggregate_id=aggregate_id,
                occurred_at=T0 + timedelta(seconds=n),
                actor="alice@buyer.fr",
                action=f"need.step{n + 1}",
                change={"step": n + 1, "amount": Decimal("1200.50")},
            )
        )
    return entries


def _hash_fields(**overrides):
    fields = dict(
        tenant=TENANT,
        aggregate_type="need",
        aggregate_id="need-1",
        sequence=1,
        occurred_at=T0,
        actor="alice",
        action="need.approved",
        change_digest="a" * 64,
        previous_hash=GENESIS_HASH,
    )
    return fields | overrides


# --- canonical JSON ------------------------------------------------------------------------


def test_canonical_json_sorts_keys_without_whitespace_in_utf8():
    assert canonical_json({"b": 1, "a": [1, {"d": None, "c": True}], "é": "Père"}) == (
        '{"a":[1,{"c":true,"d":null}],"b":1,"é":"Père"}'.encode("utf-8")
    )


def test_canonical_json_renders_decimal_uuid_date_datetime_enum_as_strings():
    class Nature(Enum):
        WORKS = "works"

    value = {
        "amount": Decimal("12.50"),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "day": date(2025, 3, 1),
        "at": datetime(2025, 3, 1, 9, 15, tzinfo=timezone.utc),
        "nature": Nature.WORKS,
        "nested": {"z": [Decimal("0.1"), (1, 2)]},
    }
    assert json.loads(canonical_json(value)) == {
        "amount": "12.50",
        "id": "12345678-1234-5678-1234-567812345678",
        "day": "2025-03-01",
        "at": "2025-03-01T09:15:00+00:00",
        "nature": "works",
        "nested": {"z": ["0.1", [1, 2]]},
    }


def test_key_order_does_not_change_the_digest_but_a_value_does():
    assert change_digest({"a": 1, "b": {"x": 1, "y": 2}}) == change_digest({"b": {"y": 2, "x": 1}, "a": 1})
    assert change_digest({"a": 1}) != change_digest({"a": 2})
    # The decimal's exponent is part of its rendering: 12.5 and 12.50 are not the same text.
    assert change_digest({"a": Decimal("12.5")}) != change_digest({"a": Decimal("12.50")})


def test_change_digest_is_sha256_of_the_canonical_bytes():
    change = {"montant": Decimal("1000.00"), "objet": "Fournitures"}
    assert change_digest(change) == hashlib.sha256(b'{"montant":"1000.00","objet":"Fournitures"}').hexdigest()


@pytest.mark.parametrize("value", [{1, 2}, object(), float("nan"), b"bytes"])
def test_values_without_a_canonical_form_are_refused(value):
    with pytest.raises((TypeError, ValueError)):
        canonical_json({"v": value})


# --- entry hash ----------------------------------------------------------------------------


def test_entry_hash_is_deterministic_and_documented():
    assert entry_hash(**_hash_fields()) == entry_hash(**_hash_fields())
    encoded = json.dumps(
        ["unefois.audit.v1", TENANT, "need", "need-1", 1, "2025-03-01T09:15:00.123456Z", "alice", "need.approved",
         "a" * 64, GENESIS_HASH],
        separators=(",", ":"),
    ).encode()
    assert entry_hash(**_hash_fields()) == hashlib.sha256(encoded).hexdigest()


@pytest.mark.parametrize(
    "field, other",
    [("tenant", "13000000000000"), ("aggregate_type", "contract"), ("aggregate_id", "need-2"), ("sequence", 2),
     ("occurred_at", T0 + timedelta(microseconds=1)), ("actor", "bob"), ("action", "need.rejected"),
     ("change_digest", "b" * 64), ("previous_hash", "c" * 64)],
)
def test_every_field_is_covered_by_the_entry_hash(field, other):
    assert entry_hash(**_hash_fields(**{field: other})) != entry_hash(**_hash_fields())


def test_field_boundaries_are_unambiguous():
    # Moving a character from one field to the next must change the hash.
    assert entry_hash(**_hash_fields(aggregate_type="need:", aggregate_id="1")) != entry_hash(
        **_hash_fields(aggregate_type="need", aggregate_id=":1")
    )


def test_the_instant_is_hashed_in_utc_whatever_its_zone():
    paris = timezone(timedelta(hours=1))
    assert entry_hash(**_hash_fields(occurred_at=T0.astimezone(paris))) == entry_hash(**_hash_fields())
    assert audit.format_instant(datetime(2025, 1, 1, tzinfo=timezone.utc)) == "2025-01-01T00:00:00.000000Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        entry_hash(**_hash_fields(occurred_at=datetime(2025, 1, 1)))


# --- next_entry ------------------------------------------------------------------------------


def test_next_entry_chains_from_genesis():
    first, second, third = _chain(3)
    assert [e.sequence for e in (first, second, third)] == [1, 2, 3]
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.entry_hash and third.previous_hash == second.entry_hash
    assert first.change == {"step": 1, "amount": "1200.50"}  # as it will be read back from the database
    assert first.entry_hash == first.computed_hash()


def test_next_entry_refuses_empty_fields_a_foreign_head_and_a_non_object_change():
    with pytest.raises(ValueError, match="actor"):
        audit.next_entry(None, tenant=TENANT, aggregate_type="need", aggregate_id="1", occurred_at=T0,
                         actor=" ", action="need.approved", change={})
    with pytest.raises(ValueError, match="not the head"):
        audit.next_entry(_chain(1)[0], tenant=TENANT, aggregate_type="need", aggregate_id="other", occurred_at=T0,
                         actor="alice", action="need.approved", change={})
    with pytest.raises(TypeError):
        audit.next_entry(None, tenant=TENANT, aggregate_type="need", aggregate_id="1", occurred_at=T0,
                         actor="alice", action="need.approved", change=[1, 2])


# --- ChainVerifier, fed a whole chain --------------------------------------------------------


def verify_chain(entries):
    """The first broken link of one chain, as the operator command finds it (entry by entry)."""
    verifier = ChainVerifier()
    for entry in entries:
        verifier.feed(entry)
    return verifier.broken


def test_an_intact_chain_verifies():
    assert verify_chain(_chain(5)) is None
    assert verify_chain([]) is None


def _assert_break(link, sequence, kind):
    assert link is not None, "the break was not detected"
    assert (link.aggregate_type, link.aggregate_id, link.sequence, link.kind) == ("need", "need-1", sequence, kind)
    assert f"need/need-1 sequence {sequence}: {kind.value}" in str(link)


def test_a_tampered_field_is_an_entry_hash_mismatch():
    chain = _chain(3)
    chain[1] = dataclasses.replace(chain[1], actor="mallory")
    _assert_break(verify_chain(chain), 2, BreakKind.ENTRY_HASH_MISMATCH)


def test_a_tampered_change_is_a_digest_mismatch():
    chain = _chain(3)
    chain[2] = dataclasses.replace(chain[2], change={"step": 3, "amount": "1.00"})
    _assert_break(verify_chain(chain), 3, BreakKind.DIGEST_MISMATCH)


def test_a_change_and_digest_rewritten_together_is_an_entry_hash_mismatch():
    chain = _chain(3)
    forged = {"step": 2, "amount": "1.00"}
    chain[1] = dataclasses.replace(chain[1], change=forged, change_digest=change_digest(forged))
    _assert_break(verify_chain(chain), 2, BreakKind.ENTRY_HASH_MISMATCH)


def test_a_rehashed_entry_breaks_the_next_link():
    chain = _chain(3)
    forged = dataclasses.replace(chain[1], actor="mallory")
    chain[1] = dataclasses.replace(forged, entry_hash=forged.computed_hash())
    _assert_break(verify_chain(chain), 3, BreakKind.PREVIOUS_HASH_MISMATCH)


def test_a_first_entry_not_chained_to_genesis_is_a_previous_hash_mismatch():
    chain = _chain(2)
    forged = dataclasses.replace(chain[0], previous_hash="f" * 64)
    chain[0] = dataclasses.replace(forged, entry_hash=forged.computed_hash())
    _assert_break(verify_chain(chain), 1, BreakKind.PREVIOUS_HASH_MISMATCH)


def test_a_removed_entry_is_a_sequence_gap():
    chain = _chain(4)
    del chain[2]
    link = verify_chain(chain)
    _assert_break(link, 4, BreakKind.SEQUENCE_GAP)
    assert "expected sequence 3, found 4" in link.detail


def test_a_chain_missing_its_start_is_a_sequence_gap():
    _assert_break(verify_chain(_chain(3)[1:]), 2, BreakKind.SEQUENCE_GAP)


def test_only_the_first_break_is_named():
    chain = _chain(4)
    chain[1] = dataclasses.replace(chain[1], actor="mallory")
    chain[3] = dataclasses.replace(chain[3], actor="mallory")
    _assert_break(verify_chain(chain), 2, BreakKind.ENTRY_HASH_MISMATCH)


def test_entries_of_two_aggregates_in_one_chain_are_a_caller_error():
    with pytest.raises(ValueError, match="fed to the verifier"):
        verify_chain(_chain(1, "need-1") + _chain(1, "need-2"))


async def test_verify_entries_reports_the_first_break_of_each_chain():
    tampered = _chain(3, "need-2")
    tampered[2] = dataclasses.replace(tampered[2], action="need.cancelled")

    async def stream():
        for entry in _chain(2, "need-1") + tampered + _chain(1, "need-3"):
            yield entry

    seen = []
    summary = await audit.verify_entries(stream(), on_broken=seen.append)
    assert (summary.chains, summary.entries, summary.intact) == (3, 6, False)
    assert [(b.aggregate_id, b.sequence, b.kind) for b in summary.broken] == [
        ("need-2", 3, BreakKind.ENTRY_HASH_MISMATCH)]
    assert seen == summary.broken


# --- CLI helpers ---------------------------------------------------------------------------


def test_the_cli_never_echoes_the_dsn_or_its_password():
    from unefois_kernel.audit_cli import _redact

    dsn = "postgresql://svc:s%40cret@db:5432/svc"
    assert _redact(f"bad {dsn} and s@cret and s%40cret", dsn) == "bad <dsn> and *** and ***"


def test_the_cli_needs_a_dsn(monkeypatch, capsys):
    from unefois_kernel.audit_cli import EXIT_ERROR, main

    monkeypatch.delenv("UNEFOIS_AUDIT_DSN", raising=False)
    assert main(["verify"]) == EXIT_ERROR
    assert "UNEFOIS_AUDIT_DSN" in capsys.readouterr().err
