"""Transactional outbox, relay side: publishes pending rows to Kafka, in order, at least once.

One active relay per database: leadership is a PostgreSQL session advisory lock held on a
dedicated connection, so it is released by itself when that connection or the process
dies and a standby relay (another replica) takes over. The relay is woken by
LISTEN/NOTIFY and also polls, because notifications sent while it was disconnected are lost.

Publish-then-mark in the row-locking transaction: a crash after the broker's ack but
before the commit re-sends those rows (at-least-once); consumers dedupe on `ce_id`.

Two batches are in flight at once, each in its own transaction on its own connection: while
the broker acknowledges one, the next is fetched (FOR UPDATE SKIP LOCKED passes over the rows
the first still holds) and sent; the first is then marked and committed. The next batch is
taken as soon as there are rows for it: a full batch behind, or a NOTIFY while the last one
waits for its acks (a trickle of single rows is not held behind the previous row's ack).
A batch goes out as one Kafka record batch per partition (relay_batches), filled in fetch
order and submitted in batch order on one idempotent producer, so a key's rows keep their
order. After a failed send (the producer's own retries exhausted: the broker away) the batch
behind it may have been acknowledged before the failed row is sent again; a crash between the
two re-sends both.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter, deque
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.errors import OutOfOrderSequenceNumber, ProducerFenced, UnsupportedVersionError
from opentelemetry.trace import SpanKind

from unefois_kernel import db, metrics
from unefois_kernel.errors import backoff_delays, is_transient, sleep_or_stop
from unefois_kernel.relay_batches import PartitionBatchSender
from unefois_kernel.telemetry import links_to_stored_contexts, tracer

log = logging.getLogger("unefois.relay")

RELAY_LOCK = 0x6F7574626F78  # "outbox"
# Errors after which aiokafka's idempotent producer stays broken (aiokafka issue #1017).
_FATAL_PRODUCER_ERRORS = (OutOfOrderSequenceNumber, ProducerFenced, UnsupportedVersionError)

_FETCH_PENDING = """SELECT id, topic, key, headers, payload FROM outbox
                    WHERE published_at IS NULL AND attempts < $2
                    ORDER BY id LIMIT $1
                    FOR UPDATE SKIP LOCKED"""


def new_producer(bootstrap: str, request_timeout_ms: int = 15000) -> AIOKafkaProducer:
    # acks=all + idempotence: no duplicate or reordering from the producer's own retries.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        max_batch_size=512 * 1024,
        request_timeout_ms=request_timeout_ms,
    )


class OutboxRelay:
    def __init__(
        self,
        *,
        dsn: str,
        bootstrap: str,
        batch_size: int = 500,
        poll_interval_s: float = 0.5,
        max_attempts: int = 20,
        retention_s: float = 900,
        initial_backoff_s: float = 0.2,
        max_backoff_s: float = 10.0,
        housekeeping_interval_s: float = 5.0,
        request_timeout_ms: int = 15000,
    ) -> None:
        self.request_timeout_ms = request_timeout_ms
        self.dsn = dsn
        self.bootstrap = bootstrap
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.max_attempts = max_attempts
        self.retention_s = retention_s
        self.initial_backoff_s = initial_backoff_s
        self.max_backoff_s = max_backoff_s
        self.housekeeping_interval_s = housekeeping_interval_s
        self.is_leader = False
        self._wakeup = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None
        self._sender: PartitionBatchSender | None = None
        self._next_housekeeping = 0.0

    def wake(self, *_args) -> None:
        self._wakeup.set()

    async def run(self, stop: asyncio.Event) -> None:
        delays = backoff_delays(self.initial_backoff_s, self.max_backoff_s)
        while not stop.is_set():
            try:
                async with self._leadership(stop) as leader_conn:
                    if leader_conn is None:
                        return
                    delays = backoff_delays(self.initial_backoff_s, self.max_backoff_s)
                    await self._publish_while_leader(leader_conn, stop)
            except Exception as exc:  # noqa: BLE001 - the relay must outlive any outage
                if not is_transient(exc):
                    log.exception("outbox relay failed; restarting it")
                else:
                    log.warning("outbox relay paused: %s", exc)
                metrics.TRANSIENT_RETRIES.labels("relay").inc()
                await sleep_or_stop(stop, next(delays))
            finally:
                await self._stop_producer()

    @asynccontextmanager
    async def _leadership(self, stop: asyncio.Event):
        # The leader's own connection holds the lock, listens, and runs the publishing
        # transactions: the relay never waits behind HTTP requests for a pooled connection.
        conn = await _connect(self.dsn)
        try:
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK):
                if await sleep_or_stop(stop, self.poll_interval_s * 4):
                    yield None
                    return
            self.is_leader = True
            await conn.add_listener("outbox", self.wake)
            log.info("outbox relay is the leader for this database")
            yield conn
        finally:
            self.is_leader = False
            # Closing the session releases the advisory lock.
            try:
                await asyncio.wait_for(conn.close(), timeout=5)
            except Exception:  # noqa: BLE001 - a dead connection has no lock left to release
                conn.terminate()

    async def _publish_while_leader(self, leader_conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        self._producer = new_producer(self.bootstrap, self.request_timeout_ms)
        await self._producer.start()
        self._sender = PartitionBatchSender(self._producer)
        second = await _connect(self.dsn)  # the other batch in flight's transaction
        in_flight: deque[_Batch] = deque()
        idle = [leader_conn, second]
        try:
            while not stop.is_set():
                if leader_conn.is_closed():
                    raise ConnectionError("lost the relay's leadership connection")
                self._wakeup.clear()
                taken = await self._take(idle.pop())
                if taken.rows:
                    taken.finishing = asyncio.ensure_future(self._finish(taken))
                    in_flight.append(taken)
                else:
                    idle.append(taken.conn)
                if len(in_flight) == PIPELINE_DEPTH:
                    await _retire(in_flight.popleft(), idle)
                if len(taken.rows) == self.batch_size:
                    continue  # more rows wait: take the next batch while this one is acknowledged
                # Fewer rows than a batch. A row committed while the last batch waits for its acks
                # is taken at once (its NOTIFY), on the idle connection, not after those acks:
                # at a steady trickle that wait was most of the relay's pickup time.
                while in_flight and not self._wakeup.is_set() and not stop.is_set():
                    oldest = in_flight[0]
                    await _wait_any((self._wakeup, stop), self.poll_interval_s, oldest.finishing)
                    if oldest.finishing.done():
                        await _retire(in_flight.popleft(), idle)
                if not in_flight:
                    await self._housekeeping(leader_conn)
                    await _wait_any((self._wakeup, stop), self.poll_interval_s)
            while in_flight:  # stopping: the batches on their way are acknowledged and marked
                await _retire(in_flight.popleft(), idle)
        finally:
            for batch in in_flight:  # stopped or failed with a batch in flight: it is sent again later
                if batch.finishing is not None:
                    batch.finishing.cancel()
                    await asyncio.gather(batch.finishing, return_exceptions=True)
                await _rollback(batch)
            await _close(second)

    async def _take(self, conn: asyncpg.Connection) -> _Batch:
        """Lock and send one batch in a transaction left open until `_finish` (none if no row)."""
        transaction = conn.transaction()
        await transaction.start()
        try:
            rows = await conn.fetch(_FETCH_PENDING, self.batch_size, self.max_attempts)
            if not rows:
                await transaction.commit()
                return _Batch(conn, None, [], None)
            # One span per batch, linked to each row's stored context (the OpenTelemetry
            # convention for batch publishing). Each record keeps the `traceparent` stored
            # with its row, so the consumer continues the trace of the request that wrote it.
            links = links_to_stored_contexts([row["headers"] for row in rows])
            with tracer().start_as_current_span(
                "outbox publish",
                kind=SpanKind.PRODUCER,
                links=links,
                attributes={"messaging.system": "kafka", "messaging.batch.message_count": len(rows)},
            ):
                acks = await self._sender.send(rows)
            return _Batch(conn, transaction, rows, acks)
        except BaseException:
            await transaction.rollback()
            raise

    async def _finish(self, batch: _Batch) -> None:
        """Wait for the batch's acks, mark what was sent, record what failed, commit."""
        conn, rows = batch.conn, batch.rows
        try:
            results = await batch.acks
            sent = [row["id"] for row, result in zip(rows, results) if not isinstance(result, BaseException)]
            failures = [(row, result) for row, result in zip(rows, results) if isinstance(result, BaseException)]
            if sent:
                await self._mark_published(conn, sent)
                for topic, count in Counter(
                    row["topic"] for row, result in zip(rows, results) if not isinstance(result, BaseException)
                ).items():
                    metrics.OUTBOX_PUBLISHED.labels(topic).inc(count)
            if failures:
                first_error = failures[0][1]
                await conn.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::bigint[])",
                    [row["id"] for row, _ in failures],
                    f"{type(first_error).__name__}: {first_error}"[:2000],
                )
                metrics.OUTBOX_PUBLISH_FAILURES.inc(len(failures))
            await batch.transaction.commit()
        except BaseException:
            await _rollback(batch)
            raise
        if failures:
            if isinstance(first_error, _FATAL_PRODUCER_ERRORS):
                raise ConnectionError(f"producer unusable after {type(first_error).__name__}; recreating it")
            raise first_error

    async def _mark_published(self, conn: asyncpg.Connection, ids: list[int]) -> None:
        await conn.execute("UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])", ids)

    async def _housekeeping(self, conn: asyncpg.Connection) -> None:
        now = time.monotonic()
        if now < self._next_housekeeping:
            return
        self._next_housekeeping = now + self.housekeeping_interval_s
        await conn.execute("DELETE FROM outbox WHERE published_at < now() - make_interval(secs => $1)", self.retention_s)
        metrics.OUTBOX_BACKLOG.set(await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"))

    async def _stop_producer(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            try:
                await producer.stop()
            except Exception:  # noqa: BLE001 - already broken; nothing left to flush
                log.debug("producer stop failed", exc_info=True)


PIPELINE_DEPTH = 2  # batches in flight: one being acknowledged while the next is fetched and sent


@dataclass
class _Batch:
    """Rows locked and sent in `transaction` on `conn`; `acks` resolves to one result per row."""

    conn: asyncpg.Connection
    transaction: object | None
    rows: list
    acks: asyncio.Future | None
    finishing: asyncio.Future | None = None  # `_finish` of this batch, running beside the next take


async def _retire(batch: _Batch, idle: list[asyncpg.Connection]) -> None:
    """Wait for a batch's `_finish` (raising what it raised); its connection is idle again."""
    try:
        await batch.finishing
    finally:
        idle.append(batch.conn)


async def _rollback(batch: _Batch) -> None:
    if batch.acks is not None and not batch.acks.done():
        batch.acks.cancel()
    if batch.transaction is None or batch.conn.is_closed():
        return
    try:
        await batch.transaction.rollback()
    except Exception:  # noqa: BLE001 - a broken connection has rolled back by itself
        log.debug("rollback of an in-flight batch failed", exc_info=True)


async def _connect(dsn: str) -> asyncpg.Connection:
    conn = await db.connect(dsn)
    # Every published row's headers are decoded: orjson parses them in a quarter of json's time.
    # They are text values only, where the two agree.
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=orjson.loads, schema="pg_catalog")
    return conn


async def _close(conn: asyncpg.Connection) -> None:
    try:
        await asyncio.wait_for(conn.close(), timeout=5)
    except Exception:  # noqa: BLE001 - a dead connection has nothing left to close
        conn.terminate()


async def _wait_any(events: tuple[asyncio.Event, ...], timeout_s: float, *futures: asyncio.Future) -> None:
    """Return when any event is set, any future is done, or the timeout passed."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait([*waiters, *futures], timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
