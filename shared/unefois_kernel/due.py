"""Time-driven transitions: rows of `due_transitions`, worked exactly once across replicas.

A use case that sets a deadline schedules its transition in its own unit of work, so the
state change and the schedule commit (or roll back) together:

    await due.schedule(uow, "consultation.deadline_reached", consultation.id, consultation.deadline)
    await due.schedule(uow, "consultation.deadline_reached", consultation.id, moved_deadline)  # rescheduled
    await due.cancel(uow, "consultation.deadline_reached", consultation.id)                   # withdrawn

A helper taking the unit of work, like `notifications.notify()`, rather than a repository:
the table is the kernel's, the same for every service, and a use case must not need SQL for
it. A PostgreSQL unit of work writes the row on its connection at once (so it is rolled back
with it); a FakeUnitOfWork records it in `uow.due_scheduled` / `uow.due_cancelled`, and
`FakeDueRunner` runs, by the fakes' clock, what the committed ones scheduled (unit tests).

`(service, kind, aggregate_id, key)` is unique: scheduling again moves `due_at` (a deadline
moved) and re-arms a failed row; a transition already done stays done. `key` tells apart two
transitions of one kind on one aggregate (a justification request per bid, say).

The service's `DueWorker` (started by the runtime when the ServiceDefinition names
`due_handlers`) takes one row at a time whose `due_at` is past by the SERVICE'S clock (the
settable clock in tests, the shifted clock of the test profile), with `FOR UPDATE SKIP
LOCKED`: another replica skips it. In that transaction it runs the handler of the row's kind
through `uows.joined(conn, tenant)` (in the row's tenant scope) and marks the row done, so
the transition, its outbox events, its audit entries and the done mark commit together. A
worker killed in between commits nothing: the row is taken again by whoever comes next.

A handler that raises is rolled back (a savepoint), its row kept pending with `attempts`,
`last_error` and a later `next_attempt_at` (exponential back-off); after `max_attempts` the
row is `failed`, logged at ERROR, counted in `unefois_due_transitions_total{outcome="failed"}`,
and listed by `failed()` for operators. Handlers must still be idempotent: check the
aggregate's state first (a consultation already closed is left as it is), so that an operator
re-arming a row, or a transition also done by a person, does no harm.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from prometheus_client import Counter

from unefois_kernel.clock import Clock
from unefois_kernel.tenancy import set_scope
from unefois_kernel.uow import PostgresUnitOfWork

log = logging.getLogger("unefois.due")

DUE_TRANSITIONS = Counter(
    "unefois_due_transitions_total",
    "Due transitions taken by the worker, by outcome (done, retried, failed)",
    ["service", "kind", "outcome"],
)

_KIND = re.compile(r"^[a-z][a-z0-9_.]{0,63}$")


@dataclass(frozen=True)
class Due:
    """A scheduled transition, as a handler receives it."""

    kind: str
    aggregate_id: str
    tenant: str
    due_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)
    key: str = ""
    attempts: int = 0  # failed attempts before this one


# A handler: given the joined unit of work (the row's tenant scope) and the row.
DueHandler = Callable[[Any, Due], Awaitable[None]]


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("due_at must be timezone-aware (the service's clock gives aware instants)")
    return at


def _check(kind: str, aggregate_id: str, key: str) -> None:
    if not _KIND.match(kind):
        raise ValueError(f"a due kind is lowercase dotted words: {kind!r}")
    if not 1 <= len(aggregate_id) <= 128 or len(key) > 128:
        raise ValueError("aggregate_id: 1 to 128 characters; key: at most 128")


def _connection_of(uow) -> asyncpg.Connection | None:
    return uow.connection if isinstance(uow, PostgresUnitOfWork) else None


def _record(uow, what: str, item) -> None:
    """A fake unit of work's record: the list named `what`, and `due_ops` in call order."""
    if not hasattr(uow, what):
        setattr(uow, what, [])
    getattr(uow, what).append(item)
    if not hasattr(uow, "due_ops"):
        uow.due_ops = []
    uow.due_ops.append((what, item))


_SCHEDULE = """
INSERT INTO due_transitions (service, kind, aggregate_id, key, tenant, due_at, payload, next_attempt_at, scheduled_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $8)
ON CONFLICT (service, kind, aggregate_id, key) DO UPDATE
   SET due_at = EXCLUDED.due_at, payload = EXCLUDED.payload, next_attempt_at = EXCLUDED.due_at,
       status = 'pending', attempts = 0, last_error = NULL, scheduled_at = EXCLUDED.scheduled_at
 WHERE due_transitions.status <> 'done'
RETURNING id"""


async def schedule(uow, kind: str, aggregate_id: str | uuid.UUID, due_at: datetime, *, tenant: str | None = None,
                   payload: Mapping[str, Any] | None = None, key: str = "") -> bool:
    """Schedule (or move) a transition in the unit of work's transaction.

    `tenant`: whose aggregate (default: the unit of work's). Returns False when that
    transition was already done (it is not run twice), True otherwise."""
    aggregate_id = str(aggregate_id)
    _check(kind, aggregate_id, key)
    owner = tenant or uow.tenant
    if not owner:
        raise ValueError("a due transition belongs to a tenant: this unit of work has none, name it")
    due = Due(kind=kind, aggregate_id=aggregate_id, tenant=owner, due_at=_aware(due_at),
              payload=dict(payload or {}), key=key)
    conn = _connection_of(uow)
    if conn is None:
        _record(uow, "due_scheduled", due)
        return True
    row_id = await conn.fetchval(_SCHEDULE, uow.service, kind, aggregate_id, key, owner, due.due_at,
                                 due.payload, uow.clock.now())
    return row_id is not None


async def cancel(uow, kind: str, aggregate_id: str | uuid.UUID, *, key: str = "") -> bool:
    """Withdraw a transition not yet done (a consultation declared sans suite before its
    deadline); True when there was one. A transition done stays recorded."""
    aggregate_id = str(aggregate_id)
    _check(kind, aggregate_id, key)
    conn = _connection_of(uow)
    if conn is None:
        _record(uow, "due_cancelled", (kind, aggregate_id, key))
        return True
    deleted = await conn.fetchval(
        """WITH gone AS (DELETE FROM due_transitions WHERE service = $1 AND kind = $2 AND aggregate_id = $3
                         AND key = $4 AND status <> 'done' RETURNING 1) SELECT count(*) FROM gone""",
        uow.service, kind, aggregate_id, key)
    return deleted > 0


# ---------------------------------------------------------------- the worker

_TAKE_ONE = """
SELECT id, kind, aggregate_id, key, tenant, due_at, payload, attempts
  FROM due_transitions
 WHERE service = $1 AND status = 'pending' AND next_attempt_at <= $2 AND kind = ANY($3::text[])
 ORDER BY next_attempt_at, id
 LIMIT 1
   FOR UPDATE SKIP LOCKED"""


def retry_delay(attempts: int, *, initial_s: float, max_s: float) -> timedelta:
    """The wait after the `attempts`-th failure: initial, 2x, 4x ... capped at max_s."""
    return timedelta(seconds=min(initial_s * 2 ** max(attempts - 1, 0), max_s))


class DueWorker:
    """Runs this service's due transitions; any number of replicas may run one at once."""

    def __init__(self, *, service: str, pool: asyncpg.Pool, uows, handlers: Mapping[str, DueHandler], clock: Clock,
                 poll_interval_s: float = 1.0, max_attempts: int = 5, initial_backoff_s: float = 5.0,
                 max_backoff_s: float = 600.0) -> None:
        for kind in handlers:
            if not _KIND.match(kind):
                raise ValueError(f"a due kind is lowercase dotted words: {kind!r}")
        self.service = service
        self.pool = pool
        self.uows = uows
        self.handlers = dict(handlers)
        self.clock = clock
        self.poll_interval_s = poll_interval_s
        self.max_attempts = max_attempts
        self.initial_backoff_s = initial_backoff_s
        self.max_backoff_s = max_backoff_s
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look for due rows now rather than at the next poll (a test that moved its clock)."""
        self._wake.set()

    async def run_one(self) -> bool:
        """Take one due row, run it, mark it; False when none is due."""
        async with self.pool.acquire() as conn, conn.transaction():
            now = self.clock.now()
            await conn.execute("SELECT set_config('unefois.due_worker', 'on', true)")
            row = await conn.fetchrow(_TAKE_ONE, self.service, now, list(self.handlers))
            # From here on, the row's tenant scope only: the handler sees that buyer's rows.
            await conn.execute("SELECT set_config('unefois.due_worker', '', true)")
            if row is None:
                return False
            await set_scope(conn, tenant=row["tenant"])
            due = Due(kind=row["kind"], aggregate_id=row["aggregate_id"], tenant=row["tenant"], due_at=row["due_at"],
                      payload=row["payload"] or {}, key=row["key"], attempts=row["attempts"])
            try:
                # A savepoint: a failing handler leaves nothing behind (its writes, events, audits).
                async with conn.transaction(), self.uows.joined(conn, due.tenant) as uow:
                    await self.handlers[due.kind](uow, due)
            except Exception as exc:  # recorded on the row, retried later
                if conn.is_closed():
                    raise
                await self._failed(conn, row["id"], due, exc, now)
                return True
            await conn.execute("UPDATE due_transitions SET status = 'done', done_at = $2, attempts = attempts + 1, "
                               "last_error = NULL WHERE id = $1", row["id"], now)
            DUE_TRANSITIONS.labels(self.service, due.kind, "done").inc()
            log.info("due transition %s of %s done", due.kind, due.aggregate_id)
            return True

    async def _failed(self, conn: asyncpg.Connection, row_id: int, due: Due, exc: Exception, now: datetime) -> None:
        attempts = due.attempts + 1
        error = f"{type(exc).__name__}: {exc}"[:500]
        gave_up = attempts >= self.max_attempts
        await conn.execute(
            "UPDATE due_transitions SET attempts = $2, last_error = $3, next_attempt_at = $4, status = $5 WHERE id = $1",
            row_id, attempts, error, now + retry_delay(attempts, initial_s=self.initial_backoff_s,
                                                       max_s=self.max_backoff_s),
            "failed" if gave_up else "pending")
        DUE_TRANSITIONS.labels(self.service, due.kind, "failed" if gave_up else "retried").inc()
        if gave_up:
            log.error("due transition %s of %s FAILED after %d attempts (left for an operator): %s",
                      due.kind, due.aggregate_id, attempts, error)
        else:
            log.warning("due transition %s of %s failed, attempt %d of %d: %s",
                        due.kind, due.aggregate_id, attempts, self.max_attempts, type(exc).__name__)

    async def run_pending(self, limit: int = 1000) -> int:
        """Run what is due now (tests, and each loop turn); returns how many rows were taken."""
        taken = 0
        while taken < limit and await self.run_one():
            taken += 1
        return taken

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_pending()
            except Exception as exc:  # noqa: BLE001 - the loop outlives a database outage
                log.warning("due worker paused: %s", type(exc).__name__)
            self._wake.clear()
            stopping = asyncio.ensure_future(stop.wait())
            waking = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait([stopping, waking], timeout=self.poll_interval_s,
                                   return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopping.cancel()
                waking.cancel()


async def failed(pool: asyncpg.Pool, service: str) -> list[dict[str, Any]]:
    """The rows the worker gave up on (operators: `make status`, then fix and reschedule)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('unefois.due_worker', 'on', true)")
        rows = await conn.fetch("""SELECT kind, aggregate_id, key, tenant, due_at, attempts, last_error
                                     FROM due_transitions WHERE service = $1 AND status = 'failed'
                                    ORDER BY due_at""", service)
    return [dict(row) for row in rows]


async def counts(conn: asyncpg.Connection, service: str) -> dict[str, int]:
    """Rows per status of one service (`make status`): pending, done, failed, zeros included."""
    async with conn.transaction():
        await conn.execute("SELECT set_config('unefois.due_worker', 'on', true)")
        rows = await conn.fetch("SELECT status, count(*) AS n FROM due_transitions WHERE service = $1 "
                                "GROUP BY status", service)
    return {"pending": 0, "done": 0, "failed": 0} | {row["status"]: row["n"] for row in rows}


class FakeDueRunner:
    """The worker's stand-in for service unit tests (over FakeUnitsOfWork): it gathers what the
    committed fake units of work scheduled and cancelled, and `run_due()` runs, in `due_at`
    order, the transitions due by the fakes' clock, each in a system unit of work of its
    tenant, once (a handler's exception propagates, for the test to see)."""

    def __init__(self, uows, handlers: Mapping[str, DueHandler]) -> None:
        self.uows = uows
        self.handlers = dict(handlers)
        self.pending: dict[tuple[str, str, str], Due] = {}
        self.done: list[Due] = []
        self._done_keys: set[tuple[str, str, str]] = set()
        self._read: dict[int, int] = {}

    def _gather(self) -> None:
        for uow in list(self.uows.handed_out):
            if not uow.commits:  # a rolled-back use case scheduled nothing
                continue
            ops = getattr(uow, "due_ops", [])
            for what, item in ops[self._read.get(id(uow), 0):]:
                ident = (item.kind, item.aggregate_id, item.key) if what == "due_scheduled" else item
                if ident in self._done_keys:
                    continue  # done stays done
                if what == "due_scheduled":
                    self.pending[ident] = item
                else:
                    self.pending.pop(ident, None)
            self._read[id(uow)] = len(ops)

    async def run_due(self) -> list[Due]:
        """Run what is due now; returns those transitions."""
        ran: list[Due] = []
        while True:
            self._gather()
            now = self.uows.clock.now()
            ready = sorted((d for d in self.pending.values() if d.due_at <= now and d.kind in self.handlers),
                           key=lambda d: d.due_at)
            if not ready:
                return ran
            item = ready[0]
            ident = (item.kind, item.aggregate_id, item.key)
            del self.pending[ident]
            async with self.uows.system(item.tenant) as uow:
                await self.handlers[item.kind](uow, item)
            self._done_keys.add(ident)
            self.done.append(item)
            ran.append(item)


def start_due_worker(runtime, stop: asyncio.Event) -> asyncio.Task | None:
    """The due worker of a service runtime (unefois_kernel.app), or None without due handlers."""
    factory = runtime.definition.due_handlers
    if factory is None:
        return None
    handlers = factory(runtime.uow) if callable(factory) else factory
    if not handlers:
        return None
    worker = DueWorker(service=runtime.definition.name, pool=runtime.pool, uows=runtime.uow, handlers=handlers,
                       clock=runtime.clock)
    runtime.due_worker = worker
    return asyncio.create_task(worker.run(stop), name="due-worker")
