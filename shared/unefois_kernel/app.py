"""One FastAPI app factory for every service.

The broker lives in the app's lifespan (FastStream's "other ASGI" pattern): uvicorn runs
HTTP for people and the Kafka consumers and outbox relay for other services, in one process.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import asyncpg
from fastapi import APIRouter, FastAPI, Request, Response
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from unefois_kernel import db, metrics, migrations
from unefois_kernel.auth.access import document_access, public, routes_without_access
from unefois_kernel.auth.sessions import SessionRevocations
from unefois_kernel.auth.tokens import TokenVerifier
from unefois_kernel.clock import Clock, FileClock, ShiftedClock, SystemClock
from unefois_kernel.consumer import EventHandler, InboxConsumer, subscribe
from unefois_kernel.dlq import DeadLetterGauge, DeadLetterProducer
from unefois_events.catalogue import Event
from unefois_kernel.logging import configure_logging
from unefois_kernel.openapi import install_openapi
from unefois_kernel.problems import install_problem_handlers
from unefois_kernel.relay import OutboxRelay
from unefois_kernel.relay_process import RelayChild, RelaySettings
from unefois_kernel.settings import ServiceSettings, load_settings
from unefois_kernel.telemetry import configure_tracing, shutdown_tracing
from unefois_events.topics import dlq_of
from unefois_kernel.uow import RepositoryFactory, UnitsOfWork

log = logging.getLogger("unefois.app")


@dataclass(frozen=True)
class ConsumerSpec:
    """An inbox consumer: its name is also its consumer group id and its inbox key."""

    name: str
    topics: tuple[str, ...]
    # A mapping, or a factory given the service's units of work (and through them its clock):
    # a handler opens `uows.joined(conn, tenant)` inside the inbox transaction.
    handlers: dict[str, EventHandler] | Callable[[UnitsOfWork], dict[str, EventHandler]]
    description: str = ""

    def handlers_for(self, uows: UnitsOfWork) -> dict[str, EventHandler]:
        return self.handlers(uows) if callable(self.handlers) else self.handlers


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    package: str  # holds migrations/ as package data
    title: str
    routers: Sequence[APIRouter] = ()
    consumers: Sequence[ConsumerSpec] = ()
    produces: Sequence[type[Event]] = ()
    on_startup: Sequence[Callable] = field(default_factory=tuple)
    clock: Clock | None = None  # None: the system clock; tests may pass a SettableClock
    # The area repositories a unit of work gives (`uow.repos`), built on its connection.
    repositories: RepositoryFactory | None = None
    # The service's own settings class (a ServiceSettings subclass adding its fields).
    settings: type[ServiceSettings] = ServiceSettings
    # Time-driven transitions (unefois_kernel.due): kind -> handler, or a factory given the
    # service's units of work; the runtime then runs one DueWorker in this process.
    due_handlers: dict[str, Callable] | Callable[[UnitsOfWork], dict[str, Callable]] | None = None


def _settings_clock(settings: ServiceSettings) -> Clock:
    """The clock the settings ask for: the runtime's clock file, a start instant, or the system's."""
    if settings.clock_file is not None:
        return FileClock(settings.clock_file)
    if settings.clock_start is not None:
        return ShiftedClock(settings.clock_start)
    return SystemClock()


class ServiceRuntime:
    """What a running service holds: settings, clock, pool, broker, relay. Stored on app.state."""

    def __init__(self, definition: ServiceDefinition, settings: ServiceSettings, clock: Clock | None = None) -> None:
        self.definition = definition
        self.settings = settings
        # The one clock of the service: routes, handlers and schedulers read the date and time here.
        self.clock: Clock = clock or definition.clock or _settings_clock(settings)
        self.pool: asyncpg.Pool | None = None
        self.broker = KafkaBroker(settings.kafka_bootstrap, logger=logging.getLogger(f"unefois.{definition.name}.broker"))
        self.dlq = DeadLetterProducer(settings.kafka_bootstrap, clock=self.clock)
        self.relay: OutboxRelay | None = None  # relay_mode "task"
        self.relay_child: RelayChild | None = None  # relay_mode "process"
        # The units of work of the service's use cases; the pool is set once it is open.
        self.uow: UnitsOfWork = UnitsOfWork(service=definition.name, clock=self.clock,
                                            repositories=definition.repositories or _no_repositories)
        self.token_verifier = TokenVerifier(settings.oidc_issuer, settings.oidc_audience)
        self._stop = asyncio.Event()
        self._relay_task: asyncio.Task | None = None
        # Notifications: the mail sender loop (unefois_kernel.notifications), started after the relay.
        self._mail_task: asyncio.Task | None = None
        self.mail_sender = None
        # Time-driven transitions: the due worker (unefois_kernel.due), when the service has handlers.
        self._due_task: asyncio.Task | None = None
        self.due_worker = None
        # A service's own loops (e.g. the document sweeper), stopped with the runtime.
        self._background: list[asyncio.Task] = []
        self._dlq_sizes: tuple[float, dict[str, int]] = (0.0, {})
        self._dlq_gauge = DeadLetterGauge(settings.kafka_bootstrap, self.consumed_dlq_topics())

    def declare_channels(self) -> None:
        for model in self.definition.produces:
            # Documentation only (AsyncAPI): the outbox relay is what actually publishes.
            self.broker.publisher(model.topic, schema=model, title=f"{model.topic}:{model.ce_type}",
                                  description=f"Publié par {self.definition.name} via l'outbox ({model.ce_type})")

    async def start(self) -> None:
        s = self.settings
        self.pool = await _retry_until_ready(lambda: db.create_pool(s.database_url), what="PostgreSQL")
        self.uow.pool = self.pool
        self.token_verifier.revocations = SessionRevocations(self.pool)  # logouts, operators' revocations
        async with self.pool.acquire() as conn:
            applied = await migrations.apply(
                conn, migrations.kernel_migrations() + migrations.discover(self.definition.name, self.definition.package)
            )
        for migration in applied:
            log.info("applied migration %s/%04d_%s", migration.component, migration.version, migration.name)
        for spec in self.definition.consumers:
            consumer = InboxConsumer(
                name=spec.name,
                pool=self.pool,
                handlers=spec.handlers_for(self.uow),
                dlq_producer=self.dlq,
                initial_backoff_s=s.retry_initial_backoff_s,
                max_backoff_s=s.retry_max_backoff_s,
            )
            subscribe(
                self.broker,
                consumer,
                spec.topics,
                max_records=s.consumer_max_records,
                batch_timeout_ms=s.consumer_batch_timeout_ms,
                description=spec.description,
            )
        await _retry_until_ready(self.broker.start, what="Kafka")
        await self._start_relay()
        from unefois_kernel.notifications import start_mail_sender  # noqa: PLC0415

        self._mail_task = start_mail_sender(self, self._stop)
        from unefois_kernel.due import start_due_worker

        self._due_task = start_due_worker(self, self._stop)
        for hook in self.definition.on_startup:
            await hook(self)

    async def _start_relay(self) -> None:
        """The outbox relay, as `relay_mode` says: a child process (off this process's event loop,
        where HTTP requests would delay its wake-ups), an asyncio task here, or none."""
        relay_settings = RelaySettings.of_service(self.settings)
        if self.settings.relay_mode == "process":
            self.relay_child = RelayChild(relay_settings)
            await self.relay_child.start()
            self._relay_task = asyncio.create_task(self.relay_child.run(self._stop), name="outbox-relay-process")
        elif self.settings.relay_mode == "task":
            self.relay = relay_settings.relay()
            self._relay_task = asyncio.create_task(self.relay.run(self._stop), name="outbox-relay")

    def relay_state(self) -> str:
        """For operators (/readyz): "process" (its child runs), "restarting", "task" or "off"."""
        if self.relay_child is not None:
            return "process" if self.relay_child.running else "restarting"
        return "task" if self.relay is not None else "off"

    def run_in_background(self, name: str, loop: Callable[[asyncio.Event], Awaitable[None]]) -> asyncio.Task:
        """Start a service loop of its own (from an on_startup hook): `loop(stop)` runs until the
        runtime's stop event is set; stop() waits for it, then cancels it."""
        task = asyncio.create_task(loop(self._stop), name=name)
        self._background.append(task)
        return task

    async def stop(self) -> None:
        self._stop.set()
        if self._background:
            await asyncio.wait(self._background, timeout=10)
            for task in self._background:
                task.cancel()
        if self._relay_task is not None:
            # A child relay is sent SIGTERM and waited for (killed after 10 s): no orphan.
            await asyncio.wait([self._relay_task], timeout=15)
        if self._mail_task is not None:
            await asyncio.wait([self._mail_task], timeout=10)
        if self._due_task is not None:
            # A transition under way finishes (or rolls back if cut): it is never half done.
            await asyncio.wait([self._due_task], timeout=10)
            self._due_task.cancel()
        await self.broker.stop()
        await self.dlq.stop()
        await self._dlq_gauge.stop()
        if self.pool is not None:
            await self.pool.close()
        shutdown_tracing()

    async def is_ready(self) -> dict[str, bool]:
        checks = {"database": False, "broker": False}
        try:
            async with self.pool.acquire(timeout=2) as conn:
                checks["database"] = await conn.fetchval("SELECT 1", timeout=2) == 1
        except Exception:  # noqa: BLE001 - readiness reports, it does not raise
            pass
        try:
            checks["broker"] = await self.broker.ping(timeout=2)
        except Exception:  # noqa: BLE001
            pass
        return checks

    async def refresh_gauges(self) -> None:
        if self.relay_child is not None:
            metrics.RELAY_PROCESS_UP.set(1 if self.relay_child.running else 0)
        try:
            async with self.pool.acquire(timeout=2) as conn:
                metrics.OUTBOX_BACKLOG.set(await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
        except Exception:  # noqa: BLE001 - a scrape must not fail because the database is away
            pass
        checked_at, sizes = self._dlq_sizes
        if time.monotonic() - checked_at > 10:
            sizes = await self._dlq_gauge.sizes()
            self._dlq_sizes = (time.monotonic(), sizes)
        for topic, size in sizes.items():
            metrics.DLQ_SIZE.labels(topic).set(size)

    def consumed_dlq_topics(self) -> list[str]:
        return sorted({dlq_of(t) for spec in self.definition.consumers for t in spec.topics})

    def asyncapi(self) -> dict:
        spec = AsyncAPI(self.broker, title=f"unefois {self.definition.title}", version="1.0.0")
        return spec.to_specification().to_jsonable()


async def _retry_until_ready(start, *, what: str, timeout_s: float = 60.0):
    deadline = time.monotonic() + timeout_s
    delay = 0.2
    while True:
        try:
            return await start()
        except Exception as exc:  # noqa: BLE001 - a dependency still starting
            if time.monotonic() > deadline:
                raise
            log.warning("%s not ready yet (%s); retrying", what, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 3)


class Readiness(BaseModel):
    """/readyz's answer: 200 ready, 503 not ready; `checks` for operators and the internal network."""

    status: Literal["ready", "not ready"]
    checks: dict[str, bool] | None = None
    # The service's clock (what its deadlines are judged by): operators see a drifted or moved one.
    clock: datetime | None = None
    # The outbox relay: "process" (its child runs), "restarting", "task" (in this process) or "off".
    # Not a readiness check: HTTP is served while the relay restarts; events wait in the outbox.
    relay: Literal["process", "restarting", "task", "off"] | None = None


def _no_repositories(_conn) -> None:
    return None


def runtime_of(request: Request) -> ServiceRuntime:
    return request.app.state.runtime


def create_service(
    definition: ServiceDefinition, settings: ServiceSettings | None = None, clock: Clock | None = None
) -> FastAPI:
    settings = settings or load_settings(definition.name, settings_class=definition.settings)
    configure_logging(definition.name, settings.log_level)
    configure_tracing(definition.name)
    AsyncPGInstrumentor().instrument()
    runtime = ServiceRuntime(definition, settings, clock)
    runtime.declare_channels()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    # /docs is the kernel's offline Swagger UI (web/docs.py); FastAPI's loads from a CDN.
    app = FastAPI(title=f"unefois — {definition.title}", version="1.0.0", lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    app.state.runtime = runtime
    install_problem_handlers(app)

    # --- Browser login and web hardening: security headers, CSRF, rate limits, /auth/* routes.
    from unefois_kernel.auth.login import router as login_router  # noqa: PLC0415
    from unefois_kernel.web.security import install_web_security  # noqa: PLC0415

    install_web_security(app, settings)
    app.include_router(login_router)
    # --- end of browser login and web hardening.

    # --- Shared web layer (unefois_kernel.web): templates, /static assets, footer pages, HTML
    # error pages for browsers (wraps the problem+json handlers installed above).
    from unefois_kernel.web import install_web  # noqa: PLC0415

    install_web(app, stage=definition.name, package=definition.package)
    # --- end of shared web layer.

    @app.get("/healthz", tags=["ops"], summary="Vivacité du processus", dependencies=[public()])
    async def healthz() -> dict:
        return {"status": "ok", "service": definition.name}

    # Operators' details: the internal networks or the operator role (web.security).
    from unefois_kernel.web.security import operators_or_internal, sees_operator_details  # noqa: PLC0415

    @app.get("/readyz", tags=["ops"], summary="Prêt : base de données et broker joignables", dependencies=[public()],
             response_model=Readiness, response_model_exclude_none=True,
             responses={503: {"model": Readiness, "description": "Pas prêt : une dépendance ne répond pas"}})
    async def readyz(request: Request, response: Response) -> Readiness:
        checks = await runtime.is_ready()
        ready = all(checks.values())
        response.status_code = 200 if ready else 503
        # The checks name the dependencies: for operators and the internal network only.
        if not await sees_operator_details(request):
            return Readiness(status="ready" if ready else "not ready")
        return Readiness(status="ready" if ready else "not ready", checks=checks, clock=runtime.clock.now(),
                         relay=runtime.relay_state())

    @app.get("/metrics", tags=["ops"], include_in_schema=False, dependencies=[operators_or_internal()])
    async def prometheus_metrics() -> Response:
        await runtime.refresh_gauges()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/asyncapi.json", tags=["ops"], summary="Document AsyncAPI des canaux Kafka du service", dependencies=[public()])
    async def asyncapi() -> dict:
        return runtime.asyncapi()

    for router in definition.routers:
        app.include_router(router)
    undeclared = routes_without_access(app)
    if undeclared:
        raise RuntimeError(f"routes without an access declaration (allow/authenticated/public): {undeclared}")
    document_access(app)
    install_openapi(app)
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
    return app
