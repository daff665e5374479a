"""What the benchmarks share: result records, scratch databases, fresh topics, bench event types."""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field

import asyncpg

from unefois_deploy.databases import Databases
from unefois_deploy.topics import delete_topics, ensure_topics
from unefois_kernel import db, migrations
from unefois_events.catalogue import CATALOGUE, ContractNotified, Event
from unefois_kernel.testing import ProbeEvent, event_type_on

BUYER_SIRET = "21000003000010"  # Commune de Démoville, Luhn-valid
# A W3C trace context like the one the relay adds inside its producer span.
SAMPLE_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


# ---------------------------------------------------------------- results


@dataclass
class Throughput:
    name: str
    measured: float | None  # per second; None when the run did not complete
    baseline: float | None
    unit: str
    count: int
    target: str = ""
    target_met: bool | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if not self.measured or not self.baseline:
            return None
        return self.measured / self.baseline


@dataclass
class Latency:
    """Latencies of one path, in milliseconds."""

    name: str
    samples_ms: list[float]
    expected: int
    is_baseline: bool = False
    is_breakdown: bool = False  # a part of the hop above it, not a hop of its own
    notes: list[str] = field(default_factory=list)

    def percentile(self, q: float) -> float | None:
        return percentile(self.samples_ms, q)


@dataclass
class ProcessMemory:
    name: str
    pid: int | None
    rss_bytes: int | None
    peak_bytes: int | None
    note: str = ""
    cpu_percent: float | None = None  # of one core, during the latency runs


def percentile(samples: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no samples."""
    if not samples:
        return None
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


# ---------------------------------------------------------------- waiting, bounded


async def wait_until(predicate: Callable[[], Awaitable[bool]], *, timeout_s: float, interval_s: float = 0.01) -> bool:
    """Poll until predicate() is true; False if `timeout_s` passed first (never raises on time-out)."""
    deadline = time.monotonic() + timeout_s
    while True:
        if await predicate():
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(interval_s)


# ---------------------------------------------------------------- scratch resources


@dataclass
class KernelDatabase:
    dsn: str
    pool: asyncpg.Pool


@asynccontextmanager
async def kernel_database(databases: Databases, label: str, *extra_sql: str) -> AsyncIterator[KernelDatabase]:
    """A fresh scratch database with the kernel's migrations (outbox, inbox), dropped afterwards."""
    name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    dsn = await databases.create_scratch_database(name)
    try:
        conn = await db.connect(dsn)
        try:
            await migrations.apply(conn, migrations.kernel_migrations())
            for statement in extra_sql:
                await conn.execute(statement)
        finally:
            await conn.close()
        pool = await db.create_pool(dsn)
        try:
            yield KernelDatabase(dsn, pool)
        finally:
            await pool.close()
    finally:
        await databases.drop_scratch_database(name)


@asynccontextmanager
async def fresh_topics(bootstrap: str, names: list[str], partitions: int = 6) -> AsyncIterator[list[str]]:
    """Topics nobody else uses, deleted afterwards."""
    await ensure_topics(bootstrap, names, partitions)
    try:
        yield names
    finally:
        await delete_topics(bootstrap, names)


def topic_name(kind: str) -> str:
    return f"bench.{kind}.{uuid.uuid4().hex[:10]}"


# ---------------------------------------------------------------- event types on a fresh topic


# The kernel's probe event: key, sequence number, tenant and padding to a chosen size.
BenchProbe = ProbeEvent


def probe_type(topic: str) -> type[BenchProbe]:
    return event_type_on(ProbeEvent, topic, namespace="bench")  # type: ignore[return-value]


def contract_type(topic: str) -> type[ContractNotified]:
    """ContractNotified's exact payload model, published under a bench type on a bench topic."""
    return event_type_on(ContractNotified, topic, namespace="bench")  # type: ignore[return-value]


@contextmanager
def registered(*models: type[Event]) -> Iterator[None]:
    """The catalogue knows these types for the duration (parse_record looks types up there)."""
    for model in models:
        CATALOGUE[model.ce_type] = model
    try:
        yield
    finally:
        for model in models:
            CATALOGUE.pop(model.ce_type, None)


def padded_probe(model: type[BenchProbe], seq: int, *, keys: int, size: int) -> BenchProbe:
    """A probe whose JSON value is `size` bytes (when the fixed fields fit)."""
    event = model(probe_key=f"k{seq % keys}", seq=seq, buyer_siret=BUYER_SIRET)
    missing = size - len(event.model_dump_json())
    return event.model_copy(update={"note": "x" * max(missing, 0)}) if missing > 0 else event
