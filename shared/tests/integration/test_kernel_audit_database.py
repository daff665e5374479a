"""Audit trail on a real database: recording, append-only enforcement, tamper evidence
through the operator command, and concurrent appends to one aggregate."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

import asyncpg
import pytest

from unefois_kernel import audit, db, migrations

pytestmark = pytest.mark.integration

TENANT = "21750001600019"


async def read_chain(conn: asyncpg.Connection, aggregate_type: str, aggregate_id: str) -> list[audit.AuditEntry]:
    """One aggregate's entries in sequence order, read as the operator command reads them."""
    async with conn.transaction(readonly=True):
        return [entry async for entry in audit.stream_entries(conn, aggregate_type=aggregate_type, aggregate_id=aggregate_id)]


def verify_chain(entries) -> audit.BrokenLink | None:
    verifier = audit.ChainVerifier()
    for entry in entries:
        verifier.feed(entry)
    return verifier.broken


@dataclass
class AuditDatabase:
    dsn: str  # the owning (non-superuser) role, as a service connects
    superuser_dsn: str  # same database, as the cluster's superuser


@pytest.fixture
async def audit_db(scratch_database, admin_dsn) -> AuditDatabase:
    dsn = await scratch_database()
    conn = await db.connect(dsn)
    try:
        await migrations.apply(conn, migrations.kernel_migrations())
    finally:
        await conn.close()
    database = urlsplit(dsn).path.lstrip("/")
    return AuditDatabase(dsn, admin_dsn.rsplit("/", 1)[0] + f"/{database}")


async def _record(conn, aggregate_type, aggregate_id, action, change, actor="alice@mairie.fr"):
    async with conn.transaction():
        return await audit.record(conn, tenant=TENANT, aggregate_type=aggregate_type, aggregate_id=aggregate_id,
                                  actor=actor, action=action, change=change)


async def _record_two_aggregates(dsn: str) -> None:
    conn = await db.connect(dsn)
    try:
        await _record(conn, "need", "N-1", "need.submitted", {"amount": Decimal("1200.50"), "cpv": "30192000"})
        await _record(conn, "need", "N-1", "need.approved", {"by": "chef de service"})
        await _record(conn, "need", "N-1", "need.published", {})
        await _record(conn, "contract", "C-9", "contract.notified", {"holder": "12345678901234"},
                      actor="system:contracts-award")
        await _record(conn, "contract", "C-9", "contract.amended", {"delta": Decimal("-50.00")})
    finally:
        await conn.close()


async def _run_cli(*arguments: str, dsn: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "unefois_kernel.audit_cli", *arguments,
        env={**os.environ, "UNEFOIS_AUDIT_DSN": dsn},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    text = output.decode()
    assert urlsplit(dsn).password not in text, "the command printed the database password"
    return process.returncode, text


async def test_recorded_chains_are_intact(audit_db):
    await _record_two_aggregates(audit_db.dsn)
    conn = await db.connect(audit_db.dsn)
    try:
        need = await read_chain(conn, "need", "N-1")
        contract = await read_chain(conn, "contract", "C-9")
        summary = await audit.verify_database(conn)
    finally:
        await conn.close()
    assert [e.sequence for e in need] == [1, 2, 3] and [e.sequence for e in contract] == [1, 2]
    assert need[0].previous_hash == audit.GENESIS_HASH and need[1].previous_hash == need[0].entry_hash
    assert need[0].occurred_at < need[1].occurred_at < need[2].occurred_at
    assert need[0].change == {"amount": "1200.50", "cpv": "30192000"}
    assert contract[0].actor == "system:contracts-award"
    assert verify_chain(need) is None and verify_chain(contract) is None
    assert (summary.chains, summary.entries, summary.intact) == (2, 5, True)

    code, output = await _run_cli("verify", dsn=audit_db.dsn)
    assert code == 0, output
    assert "2 chains, 5 entries" in output and "all intact" in output


async def test_record_returns_what_was_stored(audit_db):
    conn = await db.connect(audit_db.dsn)
    try:
        entry = await _record(conn, "invoice", "F-1", "invoice.rejected", {"reason": "SIRET inconnu", "n": 3})
        [stored] = await read_chain(conn, "invoice", "F-1")
    finally:
        await conn.close()
    assert entry == stored and entry.id is not None


async def test_record_outside_a_transaction_is_refused(audit_db):
    conn = await db.connect(audit_db.dsn)
    try:
        with pytest.raises(audit.AuditError, match="inside the transaction"):
            await audit.record(conn, tenant=TENANT, aggregate_type="need", aggregate_id="N-1", actor="alice",
                               action="need.approved", change={})
    finally:
        await conn.close()


async def test_a_change_jsonb_would_alter_fails_the_business_transaction(audit_db):
    conn = await db.connect(audit_db.dsn)
    try:
        with pytest.raises(audit.AuditError, match="does not read back identically"):
            await _record(conn, "need", "N-1", "need.submitted", {"estimate": 1e16})
        assert await conn.fetchval("SELECT count(*) FROM audit_trail") == 0
    finally:
        await conn.close()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_trail SET actor = 'mallory'", "DELETE FROM audit_trail", "TRUNCATE audit_trail"],
)
async def test_the_trail_is_append_only(audit_db, statement):
    await _record_two_aggregates(audit_db.dsn)
    owner = await asyncpg.connect(audit_db.dsn)
    superuser = await asyncpg.connect(audit_db.superuser_dsn)
    try:
        # The owning service role lost the privilege in the migration...
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
            await owner.execute(statement)
        # ...and a superuser, who bypasses privileges, meets the trigger.
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="audit_trail is append-only"):
            await superuser.execute(statement)
        assert await superuser.fetchval("SELECT count(*) FROM audit_trail WHERE actor <> 'mallory'") == 5
    finally:
        await owner.close()
        await superuser.close()


async def test_tampering_with_the_trigger_disabled_is_evident(audit_db):
    await _record_two_aggregates(audit_db.dsn)
    superuser = await asyncpg.connect(audit_db.superuser_dsn)
    try:
        await superuser.execute("ALTER TABLE audit_trail DISABLE TRIGGER audit_trail_append_only")
        await superuser.execute(
            "UPDATE audit_trail SET actor = 'mallory' WHERE aggregate_id = 'N-1' AND sequence = 2")
        await superuser.execute(
            """UPDATE audit_trail SET change = '{"delta": "-5000.00"}'
                WHERE aggregate_id = 'C-9' AND sequence = 2""")
        await superuser.execute("ALTER TABLE audit_trail ENABLE TRIGGER audit_trail_append_only")
    finally:
        await superuser.close()

    code, output = await _run_cli("verify", dsn=audit_db.dsn)
    assert code == 1, output
    assert "BROKEN need/N-1 sequence 2: entry hash mismatch" in output
    assert "BROKEN contract/C-9 sequence 2: change digest mismatch" in output
    assert "2 chains, 5 entries" in output and "2 broken" in output

    code, output = await _run_cli("show", "--aggregate-type", "need", "--aggregate-id", "N-1", dsn=audit_db.dsn)
    assert code == 1, output
    assert "mallory" in output and "BROKEN need/N-1 sequence 2: entry hash mismatch" in output


async def test_show_prints_one_intact_chain(audit_db):
    await _record_two_aggregates(audit_db.dsn)
    code, output = await _run_cli("show", "--aggregate-type", "contract", "--aggregate-id", "C-9", dsn=audit_db.dsn)
    assert code == 0, output
    assert "contract.notified" in output and "contract.amended" in output and "need." not in output
    assert "chain intact: 2 entries" in output

    code, output = await _run_cli("show", "--aggregate-type", "contract", "--aggregate-id", "nope", dsn=audit_db.dsn)
    assert code == 1 and "no audit entries for contract/nope" in output


async def test_an_unreachable_database_is_reported_without_the_password(audit_db):
    wrong = audit_db.dsn.replace(urlsplit(audit_db.dsn).path, "/no_such_database")
    code, output = await _run_cli("verify", dsn=wrong)
    assert code == 2 and "cannot connect to the database" in output


async def test_concurrent_appends_to_one_aggregate_serialise(audit_db):
    connections = [await db.connect(audit_db.dsn) for _ in range(20)]
    try:
        async def append(n: int, conn: asyncpg.Connection) -> audit.AuditEntry:
            async with conn.transaction():
                entry = await audit.record(conn, tenant=TENANT, aggregate_type="consultation", aggregate_id="K-7",
                                           actor=f"user-{n}", action="bids.opened", change={"n": n})
                await asyncio.sleep(0.01)  # hold the lock a little, so that the others really queue
                return entry

        entries = await asyncio.gather(*(append(n, conn) for n, conn in enumerate(connections)))
        chain = await read_chain(connections[0], "consultation", "K-7")
    finally:
        for conn in connections:
            await conn.close()
    assert sorted(e.sequence for e in entries) == list(range(1, 21))
    assert [e.sequence for e in chain] == list(range(1, 21))
    assert verify_chain(chain) is None
    # Each entry's clock was read once its predecessor was committed: the chain's order is time's.
    assert [e.occurred_at for e in chain] == sorted(e.occurred_at for e in chain)


async def test_an_append_that_loses_the_race_chains_onto_the_winner(audit_db):
    """The loser reads the head before the winner commits: its insert waits on the winner's
    uncommitted entry of the same sequence, finds it taken once committed, reads the head
    again and appends after it, in one call."""
    winner, loser, watcher = [await db.connect(audit_db.dsn) for _ in range(3)]
    try:
        winning, losing_tx = winner.transaction(), loser.transaction()
        await winning.start()
        first = await audit.record(winner, tenant=TENANT, aggregate_type="need", aggregate_id="race",
                                   actor="winner", action="need.created", change={})
        await losing_tx.start()
        losing = asyncio.create_task(audit.record(loser, tenant=TENANT, aggregate_type="need", aggregate_id="race",
                                                  actor="loser", action="need.edited", change={"n": 2}))
        # Wait (on its state, not for a time) until the loser's insert is stuck behind the winner's entry.
        while await watcher.fetchval("SELECT wait_event_type IS DISTINCT FROM 'Lock' FROM pg_stat_activity "
                                     "WHERE pid = $1", loser.get_server_pid()):
            assert not losing.done(), "the loser did not wait for the winner's uncommitted entry"
            await asyncio.sleep(0.01)
        await winning.commit()
        second = await losing
        await losing_tx.commit()
        chain = await read_chain(watcher, "need", "race")
    finally:
        for conn in (winner, loser, watcher):
            await conn.close()
    assert (first.sequence, second.sequence) == (1, 2)
    assert second.previous_hash == first.entry_hash
    assert [entry.actor for entry in chain] == ["winner", "loser"]
    assert verify_chain(chain) is None
