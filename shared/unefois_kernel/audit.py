"""Audit trail: an append-only, hash-chained list of entries per aggregate.

Every service records who did what to which aggregate with `record(conn, ...)`, inside the
transaction that makes the change, so that the entry exists if and only if the change does.
The table (`audit_trail`, kernel migration 0002) refuses UPDATE, DELETE and TRUNCATE; the
hash chain makes any edit that bypasses that refusal (a superuser disabling the trigger,
a restored doctored backup) evident to `python -m unefois_kernel.audit_cli verify`.

How to recompute the hashes (for an external auditor; SHA-256, lowercase hex everywhere):

1. Canonical JSON of a value: ``json.dumps(value, sort_keys=True, separators=(",", ":"),
   ensure_ascii=False, allow_nan=False)`` encoded as UTF-8. That is: object keys sorted by
   code point, no whitespace at all, non-ASCII characters written as themselves (not
   ``\\uXXXX``), no NaN/Infinity. Values JSON has no type for are written as strings:
   a decimal as ``str(d)`` (``Decimal("12.50")`` -> ``"12.50"``, its exponent kept), a UUID
   in its hyphenated lowercase form, a date/time/datetime as ``isoformat()``, an enum member
   as its value. Tuples are arrays. Anything else is refused rather than guessed.

2. change_digest = SHA-256 of the canonical JSON of the change payload. The payload stored
   in the ``change`` column is the canonical JSON parsed back, so recomputing the digest
   from that column must give the stored ``change_digest``; `record` checks this before
   committing, so every stored entry can be checked this way.

3. entry_hash = SHA-256 of the canonical JSON of this array, in this order::

       ["unefois.audit.v1", tenant, aggregate_type, aggregate_id, sequence,
        occurred_at, actor, action, change_digest, previous_hash]

   where ``sequence`` is a JSON integer and ``occurred_at`` is the UTC instant written
   ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always six fractional digits). A JSON array of strings
   is unambiguous: no choice of field values can make two different entries encode alike.

4. previous_hash = entry_hash of the entry with sequence - 1 of the same aggregate, or
   GENESIS_HASH (64 zeros) for sequence 1. Sequences start at 1 and have no gaps.

What the chain cannot show on its own: a rewrite of a whole chain from some entry to its
end with every hash recomputed, or the removal of its last entries. Recording the chain
heads somewhere the database's administrators cannot write closes that gap.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Any

import asyncpg

HASH_SCHEME = "unefois.audit.v1"
GENESIS_HASH = "0" * 64

# How many times `record` reads the head again after another transaction appended to the
# same chain first; each retry means someone else's entry was committed in between.
_MAX_APPEND_ATTEMPTS = 50


class AuditError(RuntimeError):
    """An entry that cannot be recorded as asked."""


# --- Pure functions: the hashing rules ------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} has no canonical JSON form; convert it before auditing")


def canonical_json(value: Any) -> bytes:
    """The canonical JSON bytes of a value (rules in the module docstring, point 1)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_json_default
    ).encode("utf-8")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def change_digest(change: Mapping[str, Any]) -> str:
    return _sha256(canonical_json(change))


def format_instant(occurred_at: datetime) -> str:
    """The UTC instant as hashed: 2025-03-01T09:15:00.000000Z (six fractional digits)."""
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        # A naive datetime has no instant; guessing its zone would make hashes depend on the host.
        raise ValueError("occurred_at must be timezone-aware")
    return occurred_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    *,
    tenant: str,
    aggregate_type: str,
    aggregate_id: str,
    sequence: int,
    occurred_at: datetime,
    actor: str,
    action: str,
    change_digest: str,
    previous_hash: str,
) -> str:
    fields = [
        HASH_SCHEME,
        tenant,
        aggregate_type,
        aggregate_id,
        sequence,
        format_instant(occurred_at),
        actor,
        action,
        change_digest,
        previous_hash,
    ]
    return _sha256(canonical_json(fields))


@dataclass(frozen=True)
class AuditEntry:
    tenant: str
    aggregate_type: str
    aggregate_id: str
    sequence: int
    occurred_at: datetime
    actor: str
    action: str
    change_digest: str
    change: dict[str, Any]
    previous_hash: str
    entry_hash: str
    id: int | None = None  # set once stored

    @property
    def aggregate(self) -> str:
        return f"{self.aggregate_type}/{self.aggregate_id}"

    def computed_hash(self) -> str:
        """The entry hash its fields call for, whatever is stored in `entry_hash`."""
        return entry_hash(
            tenant=self.tenant,
            aggregate_type=self.aggregate_type,
            aggregate_id=self.aggregate_id,
            sequence=self.sequence,
            occurred_at=self.occurred_at,
            actor=self.actor,
            action=self.action,
            change_digest=self.change_digest,
            previous_hash=self.previous_hash,
        )


def next_entry(
    head: AuditEntry | None,
    *,
    tenant: str,
    aggregate_type: str,
    aggregate_id: str,
    occurred_at: datetime,
    actor: str,
    action: str,
    change: Mapping[str, Any],
) -> AuditEntry:
    """The entry that follows `head` (None: the aggregate's first entry), hashes computed."""
    _require_text(tenant=tenant, aggregate_type=aggregate_type, aggregate_id=aggregate_id, actor=actor, action=action)
    if not isinstance(change, Mapping):
        raise TypeError("change must be a mapping (a JSON object)")
    if head is not None and (head.aggregate_type, head.aggregate_id) != (aggregate_type, aggregate_id):
        raise ValueError(f"head {head.aggregate} is not the head of {aggregate_type}/{aggregate_id}")
    encoded = canonical_json(change)
    sequence = 1 if head is None else head.sequence + 1
    previous = GENESIS_HASH if head is None else head.entry_hash
    digest = _sha256(encoded)
    return AuditEntry(
        tenant=tenant,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        sequence=sequence,
        occurred_at=occurred_at,
        actor=actor,
        action=action,
        change_digest=digest,
        # Stored as it will be read back, so the digest can be recomputed from it.
        change=json.loads(encoded),
        previous_hash=previous,
        entry_hash=entry_hash(
            tenant=tenant,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            sequence=sequence,
            occurred_at=occurred_at,
            actor=actor,
            action=action,
            change_digest=digest,
            previous_hash=previous,
        ),
    )


def _require_text(**fields: str) -> None:
    for name, value in fields.items():
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{name} must be a non-empty string")


# --- Pure functions: verification ------------------------------------------------------


class BreakKind(enum.Enum):
    SEQUENCE_GAP = "sequence gap"
    DIGEST_MISMATCH = "change digest mismatch"
    PREVIOUS_HASH_MISMATCH = "previous hash mismatch"
    ENTRY_HASH_MISMATCH = "entry hash mismatch"


@dataclass(frozen=True)
class BrokenLink:
    aggregate_type: str
    aggregate_id: str
    sequence: int
    kind: BreakKind
    detail: str

    def __str__(self) -> str:
        return f"{self.aggregate_type}/{self.aggregate_id} sequence {self.sequence}: {self.kind.value} ({self.detail})"


class ChainVerifier:
    """Checks one chain entry by entry, holding only the previous entry (bounded memory).

    Feed the entries in sequence order; `feed` returns the first broken link found, and
    the same one for every later entry, since what follows a break cannot be trusted.
    """

    def __init__(self) -> None:
        self._previous: AuditEntry | None = None
        self.broken: BrokenLink | None = None
        self.entries = 0

    def feed(self, entry: AuditEntry) -> BrokenLink | None:
        if self._previous is not None and (entry.aggregate_type, entry.aggregate_id) != (
            self._previous.aggregate_type,
            self._previous.aggregate_id,
        ):
            raise ValueError(f"{entry.aggregate} fed to the verifier of {self._previous.aggregate}")
        self.entries += 1
        if self.broken is None:
            self.broken = _check_link(self._previous, entry)
        self._previous = entry
        return self.broken


def _check_link(previous: AuditEntry | None, entry: AuditEntry) -> BrokenLink | None:
    """What is wrong with `entry` as the successor of `previous` (None: as the first entry).

    The order of the checks names the most specific fault: a gap explains a previous-hash
    mismatch; a doctored change explains nothing else.
    """

    def broken(kind: BreakKind, detail: str) -> BrokenLink:
        return BrokenLink(entry.aggregate_type, entry.aggregate_id, entry.sequence, kind, detail)

    expected_sequence = 1 if previous is None else previous.sequence + 1
    if entry.sequence != expected_sequence:
        return broken(BreakKind.SEQUENCE_GAP, f"expected sequence {expected_sequence}, found {entry.sequence}")
    try:
        digest = change_digest(entry.change)
    except (TypeError, ValueError) as exc:
        return broken(BreakKind.DIGEST_MISMATCH, f"stored change cannot be digested: {exc}")
    if digest != entry.change_digest:
        return broken(BreakKind.DIGEST_MISMATCH, f"stored change digests to {digest}, entry says {entry.change_digest}")
    expected_previous = GENESIS_HASH if previous is None else previous.entry_hash
    if entry.previous_hash != expected_previous:
        return broken(
            BreakKind.PREVIOUS_HASH_MISMATCH,
            f"previous_hash is {entry.previous_hash}, expected {expected_previous}",
        )
    computed = entry.computed_hash()
    if entry.entry_hash != computed:
        return broken(BreakKind.ENTRY_HASH_MISMATCH, f"stored {entry.entry_hash}, computed {computed}")
    return None


# --- Database ----------------------------------------------------------------------------

_COLUMNS = """id, tenant, aggregate_type, aggregate_id, sequence, occurred_at, actor, action,
              change_digest, change::text AS change, previous_hash, entry_hash"""

# One round trip for the head (if any) and the clock. clock_timestamp(), not now(): read once
# the head is the latest committed entry, occurred_at follows the chain's order even when the
# transactions started in the opposite one (the head's own clock was read before it committed).
_HEAD_AND_CLOCK = f"""SELECT clock_timestamp() AS clock, head.*
                       FROM (VALUES (1)) AS one (x)
                       LEFT JOIN LATERAL (SELECT {_COLUMNS} FROM audit_trail
                                           WHERE aggregate_type = $1 AND aggregate_id = $2
                                           ORDER BY sequence DESC LIMIT 1) AS head ON true"""

# The change goes in as text and comes back as text: the entry must not depend on the
# JSON codecs a caller's connection may or may not have.
_INSERT = """INSERT INTO audit_trail (tenant, aggregate_type, aggregate_id, sequence, occurred_at, actor,
                                       action, change_digest, change, previous_hash, entry_hash)
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::jsonb, $10, $11)
              ON CONFLICT ON CONSTRAINT audit_trail_chain DO NOTHING
              RETURNING id, change::text AS change"""


def _entry_from_row(row: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        tenant=row["tenant"],
        aggregate_type=row["aggregate_type"],
        aggregate_id=row["aggregate_id"],
        sequence=row["sequence"],
        occurred_at=row["occurred_at"],
        actor=row["actor"],
        action=row["action"],
        change_digest=row["change_digest"],
        change=json.loads(row["change"]),
        previous_hash=row["previous_hash"],
        entry_hash=row["entry_hash"],
    )


async def record(
    conn: asyncpg.Connection,
    *,
    tenant: str,
    aggregate_type: str,
    aggregate_id: str,
    actor: str,
    action: str,
    change: Mapping[str, Any],
) -> AuditEntry:
    """Append an entry to the aggregate's chain. Call inside the business transaction.

    Two round trips: the head (with the clock), then the insert. Concurrent appends to one
    aggregate are serialised by the chain's unique (aggregate, sequence): an insert that meets
    another transaction's uncommitted entry of the same sequence waits for it to end (as a
    lock would); if that entry committed, ON CONFLICT DO NOTHING inserts nothing and the head
    is read again, then the next sequence is tried. Appends to different aggregates never
    wait on each other. (Before issue 12 a pg_advisory_xact_lock on the chain took a third
    round trip on every append, contended or not.)
    """
    if not conn.is_in_transaction():
        # Outside a transaction the entry could outlive a change that failed.
        raise AuditError("audit.record must be called inside the transaction that makes the change")
    encoded_change = canonical_json(change).decode("utf-8")
    for _attempt in range(_MAX_APPEND_ATTEMPTS):
        row = await conn.fetchrow(_HEAD_AND_CLOCK, aggregate_type, aggregate_id)
        entry = next_entry(
            _entry_from_row(row) if row["id"] is not None else None,
            tenant=tenant,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            occurred_at=row["clock"],
            actor=actor,
            action=action,
            change=change,
        )
        stored = await conn.fetchrow(
            _INSERT,
            entry.tenant,
            entry.aggregate_type,
            entry.aggregate_id,
            entry.sequence,
            entry.occurred_at,
            entry.actor,
            entry.action,
            entry.change_digest,
            encoded_change,
            entry.previous_hash,
            entry.entry_hash,
        )
        if stored is not None:
            break
        # Another transaction committed this sequence first: read its entry as the head.
    else:
        raise AuditError(f"the chain of {aggregate_type}/{aggregate_id} kept moving: "
                         f"{_MAX_APPEND_ATTEMPTS} appends lost to concurrent ones")
    stored_change = json.loads(stored["change"])
    if change_digest(stored_change) != entry.change_digest:
        # jsonb rewrites some numbers (a float like 1e16 comes back as an integer): such an
        # entry could never be verified, so the business transaction fails instead.
        raise AuditError(
            f"the change of {entry.aggregate} does not read back identically from jsonb; "
            "use Decimal or str for such numbers"
        )
    return dataclasses.replace(entry, id=stored["id"], change=stored_change)


async def stream_entries(
    conn: asyncpg.Connection,
    *,
    aggregate_type: str | None = None,
    aggregate_id: str | None = None,
    prefetch: int = 1000,
) -> AsyncIterator[AuditEntry]:
    """Entries ordered by aggregate then sequence, through a server-side cursor.

    Must run inside a transaction (cursors live in one); memory stays at `prefetch` rows
    whatever the table's size. Optionally limited to one aggregate type, or one aggregate.
    """
    conditions, arguments = [], []
    if aggregate_type is not None:
        arguments.append(aggregate_type)
        conditions.append(f"aggregate_type = ${len(arguments)}")
    if aggregate_id is not None:
        arguments.append(aggregate_id)
        conditions.append(f"aggregate_id = ${len(arguments)}")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    query = f"SELECT {_COLUMNS} FROM audit_trail {where} ORDER BY aggregate_type, aggregate_id, sequence"
    async for row in conn.cursor(query, *arguments, prefetch=prefetch):
        yield _entry_from_row(row)


@dataclass
class VerificationSummary:
    chains: int = 0
    entries: int = 0
    broken: list[BrokenLink] = field(default_factory=list)  # the first broken link of each broken chain

    @property
    def intact(self) -> bool:
        return not self.broken


OnBroken = Callable[[BrokenLink], None]


async def verify_entries(
    entries: AsyncIterator[AuditEntry], on_broken: OnBroken | None = None
) -> VerificationSummary:
    """Verify every chain in a stream ordered by aggregate then sequence.

    Reports the first broken link of each broken chain, to `on_broken` as soon as found
    (so an operator sees it during a long run) and in the summary.
    """
    summary = VerificationSummary()
    verifier: ChainVerifier | None = None
    current: tuple[str, str] | None = None

    def close_chain() -> None:
        if verifier is not None and verifier.broken is not None:
            summary.broken.append(verifier.broken)
            if on_broken is not None:
                on_broken(verifier.broken)

    async for entry in entries:
        key = (entry.aggregate_type, entry.aggregate_id)
        if key != current:
            close_chain()
            verifier, current = ChainVerifier(), key
            summary.chains += 1
        summary.entries += 1
        verifier.feed(entry)
    close_chain()
    return summary


async def verify_database(
    conn: asyncpg.Connection, *, on_broken: OnBroken | None = None, prefetch: int = 1000
) -> VerificationSummary:
    """Verify every chain of the database, in one consistent snapshot, read-only."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        return await verify_entries(stream_entries(conn, prefetch=prefetch), on_broken)
