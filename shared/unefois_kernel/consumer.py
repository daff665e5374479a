"""Idempotent inbox consumers with dead letters, on FastStream batch subscribers.

For each batch the consumer:
1. parses every record (CloudEvents envelope + payload model); a record that cannot be
   parsed is a poison message for the dead-letter topic;
2. in ONE database transaction records the event ids in `inbox` (a duplicate is
   skipped) and runs the handlers of the new events, in partition order; the handlers'
   own writes (state + outbox) share that transaction;
3. a handler that fails for a non-transient reason has its event sent to the DLQ with
   the error, and the rest of the batch still applies (savepoint per event, used only
   after a first failure so the common path pays nothing);
4. a transient failure (database or broker down) retries the whole batch with back-off,
   forever: nothing is skipped;
5. offsets are committed only after the transaction committed and the DLQ acked.

Two kinds of handler fit in the `handlers` dict (ce_type -> handler):
- a plain `async def handle(conn, incoming)` applies one event at a time;
- a `@batch_handler` `async def apply(conn, events)` applies a run of events at once: the
  service declares that its events of that type commute (their writes are independent, so
  applying them together, in one statement, gives what applying them one by one would).

The batch's new events are split into consecutive runs (`split_runs`): events of one type
with a batch handler and one tenant form one run, any other event a run of its own. Runs
keep the batch's order, so an event never overtakes one that came before it. The
row-level-security scope is set when the tenant changes, not per event: a handler must not
change its transaction's scope (none does; `act_for_buyer` belongs to request paths).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka import ConsumerRecord, TopicPartition
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from unefois_kernel import metrics
from unefois_kernel.errors import backoff_delays, is_transient
from unefois_kernel.envelope import IncomingEvent, InvalidEvent, parse_record
from unefois_kernel.dlq import DeadLetter, DeadLetterProducer
from unefois_kernel.telemetry import links_to_stored_contexts, span_from_headers, tracer
from unefois_kernel.tenancy import set_scope

log = logging.getLogger("unefois.consumer")

EventHandler = Callable[[asyncpg.Connection, IncomingEvent], Awaitable[None]]
BatchApply = Callable[[asyncpg.Connection, Sequence[IncomingEvent]], Awaitable[None]]


class HandlerRejected(Exception):
    """A handler's refusal of an event for a business reason: DLQ, never a retry."""


@dataclass(frozen=True)
class BatchHandler:
    """A handler that applies a run of events of one type and one tenant at once.

    Also callable as a plain EventHandler (a one-event run), so it fits wherever a handler
    dict is expected (ConsumerSpec, tests calling handlers directly)."""

    apply: BatchApply

    async def __call__(self, conn: asyncpg.Connection, incoming: IncomingEvent) -> None:
        await self.apply(conn, [incoming])


def batch_handler(apply: BatchApply) -> BatchHandler:
    """Mark `async def apply(conn, events)` as the batch handler of events that commute."""
    return BatchHandler(apply)


@dataclass(slots=True)
class Pending:
    """A new event of the batch, waiting for its handler."""

    record: ConsumerRecord
    incoming: IncomingEvent


@dataclass
class Run:
    """Consecutive events handled together (a batch handler) or one event (a plain handler)."""

    handler: EventHandler
    tenant: str
    events: list[Pending]

    @property
    def batched(self) -> bool:
        return isinstance(self.handler, BatchHandler)


def split_runs(pending: Sequence[Pending], handlers: dict[str, EventHandler]) -> list[Run]:
    """Consecutive runs in the batch's order: same type with a batch handler and same tenant
    together; an event with a plain handler alone."""
    runs: list[Run] = []
    last: Run | None = None
    for item in pending:
        envelope = item.incoming.envelope
        handler = handlers[envelope.type]
        if (
            last is not None
            and last.batched
            and last.handler is handler
            and last.tenant == envelope.tenant
        ):
            last.events.append(item)
            continue
        last = Run(handler, envelope.tenant, [item])
        runs.append(last)
    return runs


@dataclass
class BatchOutcome:
    applied: int = 0
    duplicates: int = 0
    dead_letters: list[DeadLetter] = field(default_factory=list)


class _HandlerFailed(Exception):
    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class InboxConsumer:
    """Applies batches of records for one consumer name (also its consumer group id)."""

    def __init__(
        self,
        *,
        name: str,
        pool: asyncpg.Pool,
        handlers: dict[str, EventHandler],
        dlq_producer: "DeadLetterProducer",
        initial_backoff_s: float = 0.2,
        max_backoff_s: float = 10.0,
    ) -> None:
        self.name = name
        self.pool = pool
        self.handlers = handlers
        self.dlq = dlq_producer
        self.initial_backoff_s = initial_backoff_s
        self.max_backoff_s = max_backoff_s
        # Labelled metric children, looked up once: labels() costs a lock and a dict per call.
        self._latency: dict[str, Any] = {}

    async def process(self, records: Sequence[ConsumerRecord]) -> BatchOutcome:
        outcome = BatchOutcome()
        events: list[Pending] = []
        for record in records:
            try:
                incoming = parse_record(record.topic, record.headers, record.value)
            except InvalidEvent as exc:
                outcome.dead_letters.append(DeadLetter(record, exc.field, exc.reason))
                continue
            if incoming.envelope.type not in self.handlers:
                outcome.dead_letters.append(
                    DeadLetter(record, "ce_type", f"{self.name} ne traite pas {incoming.envelope.type}")
                )
                continue
            events.append(Pending(record, incoming))

        await self._retry_transient(lambda: self._apply(events, outcome))
        if outcome.dead_letters:
            await self._retry_transient(lambda: self.dlq.send_all(self.name, outcome.dead_letters))
        self._count(records, outcome)
        return outcome

    async def _retry_transient(self, attempt: Callable[[], Awaitable[None]]) -> None:
        delays = backoff_delays(self.initial_backoff_s, self.max_backoff_s)
        while True:
            try:
                await attempt()
                return
            except Exception as exc:
                if not is_transient(exc):
                    raise
                delay = next(delays)
                metrics.TRANSIENT_RETRIES.labels(self.name).inc()
                log.warning("%s: transient failure, retrying in %.1fs: %s", self.name, delay, exc)
                await asyncio.sleep(delay)

    async def _apply(self, events: list[Pending], outcome: BatchOutcome) -> None:
        handler_failures: list[DeadLetter] = []
        try:
            applied, duplicates = await self._apply_once(events, careful=False, failures=handler_failures)
        except _HandlerFailed:
            # Rare path: redo the batch with a savepoint per run, then per event in the run
            # that fails, so that only the failing events are dead-lettered.
            handler_failures.clear()
            applied, duplicates = await self._apply_once(events, careful=True, failures=handler_failures)
        outcome.applied = applied
        outcome.duplicates = duplicates
        # A retried _apply must not report dead letters twice.
        outcome.dead_letters = [d for d in outcome.dead_letters if d.field != "handler"] + handler_failures

    async def _apply_once(self, events: list[Pending], *, careful: bool, failures: list[DeadLetter]) -> tuple[int, int]:
        if not events:
            return 0, 0
        async with self.pool.acquire() as conn, conn.transaction():
            new_ids = {
                row["event_id"]
                for row in await conn.fetch(
                    """INSERT INTO inbox (consumer, event_id) SELECT $1, unnest($2::uuid[])
                       ON CONFLICT DO NOTHING RETURNING event_id""",
                    self.name,
                    list({item.incoming.envelope.id for item in events}),
                )
            }
            fresh: list[Pending] = []
            for item in events:
                event_id = item.incoming.envelope.id
                if event_id in new_ids:
                    new_ids.discard(event_id)  # the same event twice in one batch: apply once
                    fresh.append(item)
            duplicates = len(events) - len(fresh)
            failed: list[Pending] = []
            scope: str | None = None  # the tenant the transaction is scoped to, if any
            for run in split_runs(fresh, self.handlers):
                if careful:
                    failed += await self._run_carefully(conn, run, failures)
                    continue
                if run.tenant != scope:
                    # Row-level security: the handler can only touch the event's tenant's rows.
                    await set_scope(conn, tenant=run.tenant)
                    scope = run.tenant
                try:
                    await self._run(conn, run)
                except Exception as exc:
                    if is_transient(exc):
                        raise
                    raise _HandlerFailed(exc) from exc
            if failed:
                # Forget them in the inbox so that a replay from the DLQ is processed.
                await conn.execute(
                    "DELETE FROM inbox WHERE consumer = $1 AND event_id = ANY($2::uuid[])",
                    self.name,
                    [item.incoming.envelope.id for item in failed],
                )
            return len(fresh) - len(failed), duplicates

    async def _run_carefully(self, conn, run: Run, failures: list[DeadLetter]) -> list[Pending]:
        """Apply a run in a savepoint; if it fails, each of its events in its own savepoint.
        Returns the events that failed (their writes rolled back, their dead letters noted)."""
        if len(run.events) > 1:
            try:
                async with conn.transaction():  # a savepoint
                    await set_scope(conn, tenant=run.tenant)
                    await self._run(conn, run)
                return []
            except Exception as exc:
                if is_transient(exc):
                    raise
        failed = []
        for item in run.events:
            try:
                async with conn.transaction():  # a savepoint
                    await set_scope(conn, tenant=run.tenant)
                    await self._run(conn, Run(run.handler, run.tenant, [item]))
            except Exception as exc:
                if is_transient(exc):
                    raise
                log.warning("%s: event %s rejected: %s", self.name, item.incoming.envelope.id, exc)
                failures.append(DeadLetter(item.record, "handler", f"{type(exc).__name__}: {exc}"))
                failed.append(item)
        return failed

    async def _run(self, conn, run: Run) -> None:
        if run.batched:
            await self._handle_batch(conn, run)
        else:
            await self._handle(conn, run.events[0], run.handler)

    async def _handle_batch(self, conn, run: Run) -> None:
        """One span for the run, linked to each event's trace (OpenTelemetry's convention for
        batch processing: a batch has many parents, so it has links instead of one)."""
        first = run.events[0]
        topic = first.record.topic
        links = links_to_stored_contexts([item.incoming.envelope.trace for item in run.events])
        started = time.perf_counter()
        with tracer().start_as_current_span(
            f"{topic} process",
            context=None,
            kind=SpanKind.CONSUMER,
            links=links,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": topic,
                "messaging.consumer.group.name": self.name,
                "messaging.batch.message_count": len(run.events),
                "messaging.destination.partition.id": str(first.record.partition),
                "unefois.tenant": run.tenant,
            },
        ):
            await run.handler.apply(conn, [item.incoming for item in run.events])
        # One observation per run: for a batch handler the histogram times runs, not events.
        self._latency_of(first.incoming.envelope.type).observe(time.perf_counter() - started)

    async def _handle(self, conn, item: Pending, handler: EventHandler) -> None:
        record, incoming = item.record, item.incoming
        started = time.perf_counter()
        with span_from_headers(
            f"{record.topic} process",
            incoming.envelope.trace,
            SpanKind.CONSUMER,
            **{
                "messaging.system": "kafka",
                "messaging.destination.name": record.topic,
                "messaging.consumer.group.name": self.name,
                "messaging.message.id": str(incoming.envelope.id),
                "messaging.kafka.offset": record.offset,
                "messaging.destination.partition.id": str(record.partition),
            },
        ):
            await handler(conn, incoming)
        self._latency_of(incoming.envelope.type).observe(time.perf_counter() - started)

    def _latency_of(self, event_type: str):
        child = self._latency.get(event_type)
        if child is None:
            child = self._latency[event_type] = metrics.HANDLER_LATENCY.labels(self.name, event_type)
        return child

    def _count(self, records: Sequence[ConsumerRecord], outcome: BatchOutcome) -> None:
        topic = records[0].topic if records else ""
        metrics.EVENTS_PROCESSED.labels(self.name, topic, "applied").inc(outcome.applied)
        metrics.EVENTS_PROCESSED.labels(self.name, topic, "duplicate").inc(outcome.duplicates)
        metrics.EVENTS_PROCESSED.labels(self.name, topic, "dead_lettered").inc(len(outcome.dead_letters))


def subscribe(
    broker: KafkaBroker,
    consumer: InboxConsumer,
    topics: Sequence[str],
    *,
    max_records: int = 500,
    batch_timeout_ms: int = 50,
    description: str = "",
) -> None:
    """Register the consumer on the broker: a batch subscriber in the consumer's group."""

    async def keep_raw(message, _original_decoder):
        # Decoding is the consumer's job: a broken record must reach the DLQ, not fail the batch.
        return None

    @broker.subscriber(
        *topics,
        group_id=consumer.name,
        batch=True,
        max_records=max_records,
        batch_timeout_ms=batch_timeout_ms,
        ack_policy=AckPolicy.MANUAL,
        auto_offset_reset="earliest",
        decoder=keep_raw,
        title=f"{consumer.name}:{','.join(topics)}",
        description=description or f"Inbox consumer {consumer.name}",
    )
    async def on_batch(body, msg: KafkaMessage) -> None:  # noqa: ARG001 - body is unused on purpose
        records = msg.raw_message
        await consumer.process(records)
        # The batch is committed in PostgreSQL: its offsets may now go to Kafka.
        await committer.commit(msg.consumer, _next_offsets(records))
        _report_lag(consumer.name, msg, records)

    committer = OffsetCommitter(consumer.name)


class OffsetCommitter:
    """Commits a batch's offsets while the next batch is processed.

    Awaiting each commit costs a broker round trip per batch (about 6 ms with the group
    coordinator's append linger), which at 100 events/s is most of a hop's latency. One
    commit stays in flight; the next waits for it, so commits reach Kafka in order. The
    offsets are explicit (last record + 1 per partition), never "whatever was fetched", so
    a commit can only cover records whose transaction already committed. A commit lost in
    a crash or rebalance means a redelivery that the inbox turns into a no-op.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._in_flight: asyncio.Task | None = None

    async def commit(self, kafka_consumer, offsets: dict[TopicPartition, int]) -> None:
        await self.flush()
        self._in_flight = asyncio.create_task(kafka_consumer.commit(offsets))

    async def flush(self) -> None:
        if self._in_flight is None:
            return
        in_flight, self._in_flight = self._in_flight, None
        try:
            await in_flight
        except Exception as exc:  # noqa: BLE001 - a lost commit only causes a redelivery
            log.warning("%s: offset commit failed (the records will be redelivered and skipped): %s", self.name, exc)


def _next_offsets(records: Sequence[ConsumerRecord]) -> dict[TopicPartition, int]:
    offsets: dict[TopicPartition, int] = {}
    for record in records:
        offsets[TopicPartition(record.topic, record.partition)] = record.offset + 1
    return offsets


def _report_lag(name: str, msg, records: Sequence[ConsumerRecord]) -> None:
    kafka_consumer = getattr(msg, "consumer", None)
    highwater = getattr(kafka_consumer, "highwater", None)
    if highwater is None:
        return
    last: dict[tuple[str, int], int] = {}
    for record in records:
        last[(record.topic, record.partition)] = record.offset
    for (topic, partition), offset in last.items():
        hw = highwater(TopicPartition(topic, partition))
        if hw is not None:
            metrics.CONSUMER_LAG.labels(name, topic, str(partition)).set(max(hw - offset - 1, 0))

