"""Unit of work: one transaction per use case, with its events and audit entries.

    async with runtime.uow(principal) as uow:        # a route: the principal's scope
        need = await uow.repos.needs.get(need_id)
        ...
        uow.emit(event)                               # to the outbox, at commit
        uow.audit("need", need.id, "need.approved", {...})   # to the audit trail, at commit

On a clean exit the collected events are written to the outbox (envelope timed by the
service's clock, source = the service's name) and the audit entries to the hash-chained
trail, in the transaction that made the change; then it commits. On an exception nothing
is written and the transaction rolls back. The service name and the actor come from the
ServiceDefinition and the principal, never from string literals in the use cases.

Three ways in (`UnitsOfWork`, built by the service runtime once its pool exists):
- `uows(principal)`: a new transaction scoped by row-level security to the principal's
  tenant/supplier (None: an anonymous reader, who sees no tenant's rows);
- `uows.system(tenant)`: a new transaction acting as the service itself (schedulers);
- `uows.joined(conn, tenant)`: inside a transaction someone else owns, the inbox consumer's
  for an event handler (the consumer has set the scope and commits with the inbox row).

`FakeUnitOfWork` is the same object for unit tests, over in-memory repositories: it records
what would have been committed, so a use case is tested with no broker and no database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import asyncpg

from unefois_events.catalogue import Event
from unefois_kernel import audit
from unefois_kernel.auth.principal import Principal
from unefois_kernel.clock import Clock, SettableClock
from unefois_kernel.outbox import publish
from unefois_kernel.tenancy import set_scope

R = TypeVar("R")
# A fake's clock when the test gives none: a fixed Monday morning, Paris time in winter.
FAKE_DEFAULT_INSTANT = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
RepositoryFactory = Callable[[asyncpg.Connection], R]


@dataclass(frozen=True)
class AuditNote:
    """An audit entry waiting for the commit."""

    tenant: str
    aggregate_type: str
    aggregate_id: str
    action: str
    change: Mapping[str, Any]
    actor: str


def system_actor(service: str) -> str:
    """The audit actor of a service acting on its own (an event handler, a scheduler)."""
    return f"system:{service}"


class UnitOfWork(Generic[R]):
    """What a use case sees: repositories, the actor, and the events and audit entries to write."""

    def __init__(self, *, service: str, actor: str, tenant: str | None, principal: Principal | None, clock: Clock) -> None:
        self.service = service
        self.actor = actor
        self.tenant = tenant
        self.principal = principal
        self.clock = clock
        self.repos: R
        self._events: list[Event] = []
        self._audits: list[AuditNote] = []
        self.acted_for: list[str] = []

    async def act_for_buyer(self, tenant: str) -> None:
        """Go on in `tenant`'s row-level-security scope (a supplier's own scope kept), once the
        use case has checked that this supplier may act on that buyer's record: a holder
        depositing an invoice into its commitment's ledger, a bidder its bid. Audit entries
        then default to that buyer's trail."""
        self.tenant = tenant
        self.acted_for.append(tenant)
        await self._apply_scope()

    async def _apply_scope(self) -> None:
        """Nothing to scope in memory; the PostgreSQL unit of work sets the transaction's."""

    def emit(self, *events: Event) -> None:
        """Publish these events if, and only if, the unit of work commits."""
        self._events.extend(events)

    def audit(self, aggregate_type: str, aggregate_id: str | uuid.UUID, action: str,
              change: Mapping[str, Any] | None = None, *, tenant: str | None = None) -> None:
        """Record who did what to which aggregate, if and only if the change commits.
        `tenant`: whose trail (default: the unit of work's tenant; a supplier acting on a
        buyer's consultation names the buyer)."""
        owner = tenant or self.tenant
        if not owner:
            raise ValueError("an audit entry belongs to a tenant: this unit of work has none, name it")
        self._audits.append(AuditNote(owner, aggregate_type, str(aggregate_id), action, dict(change or {}), self.actor))

    async def __aenter__(self) -> UnitOfWork[R]:
        raise NotImplementedError

    async def __aexit__(self, exc_type, exc, tb) -> None:
        raise NotImplementedError


class PostgresUnitOfWork(UnitOfWork[R]):
    def __init__(self, *, pool: asyncpg.Pool | None, repositories: RepositoryFactory[R],
                 joined: asyncpg.Connection | None = None, supplier: str | None = None, **identity: Any) -> None:
        super().__init__(**identity)
        self._pool = pool
        self._repositories = repositories
        self._joined = joined
        self._supplier = supplier
        self._conn: asyncpg.Connection | None = None
        self._transaction = None

    async def _apply_scope(self) -> None:
        await set_scope(self.connection, tenant=self.tenant, supplier=self._supplier)

    @property
    def connection(self) -> asyncpg.Connection:
        """For kernel code that takes a connection (audit reads, inbox); use cases use repos."""
        if self._conn is None:
            raise RuntimeError("the unit of work is not open")
        return self._conn

    async def __aenter__(self) -> PostgresUnitOfWork[R]:
        if self._joined is not None:
            self._conn = self._joined
        else:
            if self._pool is None:
                raise RuntimeError("the service's database pool is not open")
            self._conn = await self._pool.acquire()
            try:
                self._transaction = self._conn.transaction()
                await self._transaction.start()
                # Row-level security: every query of this transaction sees one tenant's rows.
                await set_scope(self._conn, tenant=self.tenant, supplier=self._supplier)
            except BaseException:
                await self._pool.release(self._conn)
                raise
        self.repos = self._repositories(self._conn)
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        conn = self.connection
        committed = False
        try:
            if exc_type is None:
                await self._flush(conn)
                if self._transaction is not None:
                    await self._transaction.commit()
                committed = True
        finally:
            # A joined unit of work leaves its transaction to its owner (the inbox consumer).
            if self._transaction is not None and not committed and conn.is_in_transaction():
                await self._transaction.rollback()
            self._events.clear()
            self._audits.clear()
            if self._joined is None and self._pool is not None:
                await self._pool.release(conn)
            self._conn = None

    async def _flush(self, conn: asyncpg.Connection) -> None:
        if self._events:
            await publish(conn, self.service, *self._events, at=self.clock.now())
        for note in self._audits:
            await audit.record(conn, tenant=note.tenant, aggregate_type=note.aggregate_type,
                               aggregate_id=note.aggregate_id, actor=note.actor, action=note.action,
                               change=note.change)


@dataclass
class UnitsOfWork(Generic[R]):
    """The unit-of-work factory of one service (its name, clock, pool and repositories)."""

    service: str
    clock: Clock
    repositories: RepositoryFactory[R]
    pool: asyncpg.Pool | None = None

    def __call__(self, principal: Principal | None) -> PostgresUnitOfWork[R]:
        return PostgresUnitOfWork(
            pool=self.pool, repositories=self.repositories, service=self.service, clock=self.clock,
            actor=principal.actor if principal else "anonymous", principal=principal,
            tenant=principal.tenant if principal else None,
            supplier=principal.supplier_siret if principal else None,
        )

    def system(self, tenant: str | None) -> PostgresUnitOfWork[R]:
        return PostgresUnitOfWork(pool=self.pool, repositories=self.repositories, service=self.service,
                                  clock=self.clock, actor=system_actor(self.service), principal=None, tenant=tenant)

    def joined(self, conn: asyncpg.Connection, tenant: str | None) -> PostgresUnitOfWork[R]:
        return PostgresUnitOfWork(pool=None, joined=conn, repositories=self.repositories, service=self.service,
                                  clock=self.clock, actor=system_actor(self.service), principal=None, tenant=tenant)


@dataclass
class Committed:
    """What a FakeUnitOfWork committed: events (in order) and audit entries."""

    events: list[Event] = field(default_factory=list)
    audits: list[AuditNote] = field(default_factory=list)

    def actions(self) -> list[str]:
        return [note.action for note in self.audits]


class FakeUnitOfWork(UnitOfWork[R]):
    """A unit of work over in-memory repositories, for use-case unit tests.

    Entering it any number of times is allowed (a use case that opens two units of work);
    each clean exit adds to `committed`, each failure to `rollbacks`. In-memory repositories
    apply writes at once, so a fake cannot undo them: a test of a refusal asserts on
    `committed` (no event, no audit), and that the repository was not written before the
    domain refused (the use case's order: decide, then persist).
    """

    def __init__(self, repos: R, *, tenant: str | None = "21350238800019", principal: Principal | None = None,
                 actor: str | None = None, clock: Clock | None = None, service: str = "test") -> None:
        super().__init__(service=service, actor=actor or (principal.actor if principal else system_actor(service)),
                         tenant=principal.tenant if principal else tenant, principal=principal,
                         clock=clock or SettableClock(FAKE_DEFAULT_INSTANT))
        self.repos = repos
        self.committed = Committed()
        self.commits = 0
        self.rollbacks = 0

    async def __aenter__(self) -> FakeUnitOfWork[R]:
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.committed.events.extend(self._events)
            self.committed.audits.extend(self._audits)
            self.commits += 1
        else:
            self.rollbacks += 1
        self._events.clear()
        self._audits.clear()


class FakeUnitsOfWork(Generic[R]):
    """UnitsOfWork's stand-in for unit tests: every unit of work it hands out is a FakeUnitOfWork
    over the same in-memory repositories and clock, named like the real one's (the principal's
    actor and scope; `system:<service>` for system and joined ones). `handed_out` keeps them, so
    a test can look at what each committed; `committed_events()` gathers them all."""

    def __init__(self, repos: R, *, clock: Clock, service: str) -> None:
        self.repos = repos
        self.clock = clock
        self.service = service
        self.handed_out: list[FakeUnitOfWork[R]] = []

    def _hand_out(self, uow: FakeUnitOfWork[R]) -> FakeUnitOfWork[R]:
        self.handed_out.append(uow)
        return uow

    def __call__(self, principal: Principal | None) -> FakeUnitOfWork[R]:
        if principal is None:
            return self._hand_out(FakeUnitOfWork(self.repos, tenant=None, actor="anonymous", clock=self.clock,
                                                 service=self.service))
        return self._hand_out(FakeUnitOfWork(self.repos, principal=principal, clock=self.clock, service=self.service))

    def system(self, tenant: str | None) -> FakeUnitOfWork[R]:
        return self._hand_out(FakeUnitOfWork(self.repos, tenant=tenant, clock=self.clock, service=self.service))

    def joined(self, _conn: Any, tenant: str | None) -> FakeUnitOfWork[R]:
        return self.system(tenant)

    def committed_events(self) -> list[Event]:
        return [event for uow in self.handed_out for event in uow.committed.events]
