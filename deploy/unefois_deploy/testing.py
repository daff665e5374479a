"""Pytest plugin: the "test" profile's PostgreSQL + Kafka (+ the services) as fixtures.

Registered by the repo-root conftest.py. Any test that uses `runtime` (directly or through
another fixture below) is marked `integration`, so `pytest -m "not integration"` runs the
pure unit tests without starting anything.

A session that starts the runtime from cold starts it with empty databases and topics
(as CI does on a fresh clone). The runtime is shared by the whole session and left as found: what the plugin started it
stops at the end; what was already running (e.g. `python -m unefois_deploy runtime-up
--profile test` to keep it warm between runs) it leaves running. Concurrent sessions on one
machine share it safely (unefois_deploy.sessions): the last one out stops it. They also share
the services, so two sessions whose tests kill services disturb each other; give one of them
its own runtime: UNEFOIS_TEST_RUNTIME_DIR=... plus UNEFOIS_TEST_<FIELD> ports (see config.py).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
import httpx
import pytest
import pytest_asyncio
from unefois_dev_issuer.client import dev_password, password_grant
from unefois_dev_issuer.users import SeededUsers
from unefois_dev_issuer.users import seeded_users as _seeded_users

from unefois_deploy import clock as runtime_clock
from unefois_deploy.config import RuntimeProfile, load_profile
from unefois_deploy.databases import Databases
from unefois_deploy.kafka import KafkaNode
from unefois_deploy.postgres import PostgresCluster
from unefois_deploy.runtime import Runtime, StartReport
from unefois_deploy.services import ISSUER, MAILCATCHER, ServiceSupervisor, existing_stages
from unefois_deploy.sessions import SharedRuntime
from unefois_deploy.topics import delete_topics, ensure_topics

INTEGRATION_MARKER = "integration"
_START_REPORT = pytest.StashKey[tuple[StartReport, float]]()


@dataclass(frozen=True)
class TestRuntime:
    """What the `runtime` fixture yields."""

    __test__ = False  # not a test class, whatever its name says

    shared: SharedRuntime
    report: StartReport

    @property
    def profile(self) -> RuntimeProfile:
        return self.shared.profile

    @property
    def runtime(self) -> Runtime:
        return self.shared.runtime

    @property
    def databases(self) -> Databases:
        return self.shared.runtime.databases

    @property
    def postgres(self) -> PostgresCluster:
        return self.shared.runtime.postgres

    @property
    def kafka(self) -> KafkaNode:
        return self.shared.runtime.kafka

    @property
    def kafka_bootstrap(self) -> str:
        return self.profile.kafka_bootstrap

    @property
    def admin_dsn(self) -> str:
        return self.databases.admin_dsn()

    def service_dsn(self, stage: str) -> str:
        return self.databases.service_dsn(stage)


class Platform:
    """What the `platform` fixture yields: the written services, running and ready."""

    def __init__(self, supervisor: ServiceSupervisor, stages: list[str]) -> None:
        self._supervisor = supervisor
        self.stages = stages

    def url(self, stage: str) -> str:
        self._check(stage)
        return self._supervisor.url(stage)

    def kill(self, stage: str) -> None:
        """SIGKILL the service (no shutdown code runs), as a crash would."""
        self._check(stage)
        self._supervisor.kill(stage)

    async def start(self, stage: str) -> None:
        """Start it again (after kill) and wait until /readyz answers 200."""
        self._check(stage)
        await self._supervisor.start(stage)

    def _check(self, stage: str) -> None:
        if stage not in self.stages:
            raise KeyError(f"service {stage!r} is not part of this platform (written services: {self.stages})")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{INTEGRATION_MARKER}: needs the local PostgreSQL + Kafka of the test profile (started on demand)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "runtime" in getattr(item, "fixturenames", ()):
            item.add_marker(INTEGRATION_MARKER)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    if _START_REPORT not in config.stash:
        return
    report, total = config.stash[_START_REPORT]

    def state(started: bool, seconds: float) -> str:
        return f"started, ready in {seconds:.1f}s" if started else "already running"

    terminalreporter.write_line(
        f"unefois test runtime: PostgreSQL {state(report.postgres_started, report.postgres_ready_s)}; "
        f"Kafka {state(report.kafka_started, report.kafka_ready_s)}; runtime up in {total:.1f}s"
    )


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def runtime(pytestconfig: pytest.Config) -> AsyncIterator[TestRuntime]:
    shared = SharedRuntime(load_profile("test"))
    began = time.monotonic()
    report = await shared.join()
    pytestconfig.stash[_START_REPORT] = (report, time.monotonic() - began)
    try:
        yield TestRuntime(shared, report)
    finally:
        await shared.leave()


@pytest.fixture(scope="session")
def kafka_bootstrap(runtime: TestRuntime) -> str:
    return runtime.kafka_bootstrap


@pytest.fixture(scope="session")
def admin_dsn(runtime: TestRuntime) -> str:
    """Superuser DSN (unefois_admin) of the test cluster."""
    return runtime.admin_dsn


@pytest.fixture(scope="session")
def service_dsn(runtime: TestRuntime) -> Callable[[str], str]:
    """service_dsn("sourcing") -> DSN of role unefois_sourcing on its own database."""
    return runtime.service_dsn


@pytest_asyncio.fixture
async def scratch_database(runtime: TestRuntime, request: pytest.FixtureRequest) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """`dsn = await scratch_database()`: a fresh empty database (owner: the scratch role), dropped after the test."""
    created: list[str] = []

    async def create() -> str:
        name = f"{request.node.name[:30]}_{uuid.uuid4().hex[:8]}"
        created.append(name)
        return await runtime.databases.create_scratch_database(name)

    yield create
    for name in created:
        await runtime.databases.drop_scratch_database(name)


@pytest_asyncio.fixture
async def service_database(scratch_database) -> AsyncIterator[Callable[[str], Awaitable[asyncpg.Pool]]]:
    """`pool = await service_database("tendering")`: a fresh database with the kernel's and that
    service's migrations applied, as a (non-superuser) owning role, so row-level security
    applies as in production; for repository and handler tests. Closed and dropped after."""
    pools: list[asyncpg.Pool] = []

    async def create(stage: str) -> asyncpg.Pool:
        from unefois_kernel import db, migrations  # noqa: PLC0415 - the kernel is a test-only need here

        dsn = await scratch_database()
        conn = await db.connect(dsn)
        try:
            await migrations.apply(conn, migrations.kernel_migrations() + migrations.discover(stage, f"unefois_{stage}"))
        finally:
            await conn.close()
        pool = await db.create_pool(dsn, min_size=1, max_size=4)
        pools.append(pool)
        return pool

    yield create
    for pool in pools:
        await pool.close()


@pytest_asyncio.fixture
async def unique_topic(runtime: TestRuntime) -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """`topic = await unique_topic(partitions=6)`: a fresh topic nobody else uses, deleted after the test."""
    created: list[str] = []

    async def create(partitions: int = 1) -> str:
        name = f"test.{uuid.uuid4().hex}"
        await ensure_topics(runtime.kafka_bootstrap, [name], partitions)
        created.append(name)
        return name

    yield create
    if created:
        await delete_topics(runtime.kafka_bootstrap, created)


class PlatformClock:
    """What the `platform_clock` fixture yields: every running service's clock, moved at once
    (their one clock file, unefois_deploy.clock), so a test runs a bid deadline or a standstill
    in a second. Services see a move on their next reading of the time."""

    def __init__(self, profile: RuntimeProfile) -> None:
        self._profile = profile

    def now(self) -> datetime:
        return runtime_clock.now(self._profile)

    def advance(self, delta: timedelta) -> datetime:
        return runtime_clock.advance(self._profile, delta)

    def set(self, instant: datetime) -> datetime:
        return runtime_clock.set_to(self._profile, instant)


@pytest.fixture
def platform_clock(runtime: TestRuntime) -> Iterator[PlatformClock]:
    """The services' clock for this test; afterwards it is put back where it would have been
    had it never moved (the start instant plus the real time elapsed), so the next tests keep
    the test profile's known calendar."""
    clock = PlatformClock(runtime.profile)
    began, began_wall = clock.now(), time.monotonic()
    try:
        yield clock
    finally:
        clock.set(began + timedelta(seconds=time.monotonic() - began_wall))


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def platform(runtime: TestRuntime) -> Platform:
    """The written services (services/<stage>/pyproject.toml), started and ready. Those this
    session started are stopped with the runtime at the end; those already running are left."""
    stages = existing_stages(runtime.profile)
    await runtime.shared.start_services([ISSUER, MAILCATCHER, *stages])
    return Platform(runtime.shared.supervisor, stages)


# ---------------------------------------------------------------- identity


class Tokens:
    """What the `tokens` fixture yields: bearer tokens of the seeded users, from the test
    profile's development issuer (password grant), one per user for the session."""

    def __init__(self, issuer_url: str, users: SeededUsers) -> None:
        self.issuer_url = issuer_url
        self.users = users
        self._cache: dict[str, tuple[str, float]] = {}  # login -> (token, renew after)
        self._lock = asyncio.Lock()

    async def for_user(self, login: str) -> str:
        """`token = await tokens.for_user("acheteur@region-demo.fr")` (an access token)."""
        user = self.users.by_login(login)  # KeyError naming the known logins
        async with self._lock:
            token, renew_after = self._cache.get(user.login, ("", 0.0))
            if time.monotonic() >= renew_after:
                answer = await password_grant(self.issuer_url, user.login, dev_password())
                token = answer["access_token"]
                # Renewed well before it expires, so a long session never sends a stale one.
                self._cache[user.login] = (token, time.monotonic() + answer["expires_in"] / 2)
            return token

    async def headers_for(self, login: str) -> dict[str, str]:
        """{"Authorization": "Bearer ..."} for httpx calls."""
        return {"Authorization": f"Bearer {await self.for_user(login)}"}

    async def client_for(self, login: str, **kwargs) -> httpx.AsyncClient:
        """An httpx.AsyncClient sending that user's bearer token (close it, or use `async with`)."""
        headers = {**kwargs.pop("headers", {}), **await self.headers_for(login)}
        return httpx.AsyncClient(headers=headers, **kwargs)


@pytest.fixture(scope="session")
def seeded_users() -> SeededUsers:
    """The development issuer's seeded users (no runtime needed): `.by_role("buyer")`,
    `.by_login(...)`, `.of_organisation(siret)`, `.logins`; each has login, name, roles,
    org_siret, org_name, org_kind, subject."""
    return _seeded_users()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def issuer(runtime: TestRuntime) -> str:
    """The test profile's development issuer, started (before any service) and ready: its URL."""
    await runtime.shared.start_services([ISSUER])
    return runtime.profile.issuer_url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def mailcatcher(runtime: TestRuntime) -> str:
    """The test profile's development mail catcher, started and ready: its HTTP URL (its SMTP
    port is runtime.profile.mail_smtp_port); poll `GET {url}/api/mails?to=...`."""
    await runtime.shared.start_services([MAILCATCHER])
    return runtime.profile.mailcatcher_url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def tokens(issuer: str, seeded_users: SeededUsers) -> Tokens:
    """`await tokens.for_user("acheteur@region-demo.fr")` -> bearer token (cached per user)."""
    return Tokens(issuer, seeded_users)



async def caught_mail(client: httpx.AsyncClient, mailcatcher: str, to: str, subject: str,
                      timeout_s: float = 30.0) -> dict:
    """The first mail the catcher holds for `to` whose subject starts with `subject`, waited for.
    Name the consultation in `subject` (every template's subject carries its reference): the
    same seeded supplier gets mails of other tests' consultations too, some sent late by due
    transitions that a moved platform clock set off."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = await client.get(f"{mailcatcher}/api/mails", params={"to": to})
        found = [mail for mail in response.json() if mail.get("subject", "").startswith(subject)]
        if found:
            return found[0]
        if time.monotonic() > deadline:
            raise TimeoutError(f"no mail to {to} with a subject starting « {subject} » within {timeout_s:.0f} s")
        await asyncio.sleep(0.05)
