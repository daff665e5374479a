"""Idempotent inbox consumers with dead letters, on FastStream batch subscribers.

For each batch the consumer:
1. parses every record (CloudEvents envelope + payload model); a record that cannot be
   parsed is a poison message for the dead-letter topic;
2. in ONE database transaction records the event ids in `inbox` (a duplicate is
   skipped) and runs the handler of each new event, in partition order; the handler's
   own writes (state + outbox) share that transaction;
3. a handler that fails for a non-transient reason has its event sent to the DLQ with
   the error, and the rest of the batch still applies (savepoint per event, used only
   after a first failure so the common path pays nothing);
4. a transient failure (database or broker down) retries the whole batch with back-off,
   forever: nothing is skipped;
5. offsets are committed only after the transaction committed and the DLQ acked.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import asyncpg
from aiokafka import ConsumerRecord, TopicPartition
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy
from opentelemetry.trace import SpanKind

from unefois_kernel import metrics
from unefois_kernel.errors import backoff_delays, is_transient
from unefois_kernel.envelope import IncomingEvent, InvalidEvent, parse_record
from unefois_kernel.dlq import DeadLetter, DeadLetterProducer
from unefois_kernel.telemetry import span_from_headers
from unefois_kernel.tenancy import set_scope

log = logging.getLogger("unefois.consumer")

EventHandler = Callable[[asyncpg.Connection, IncomingEvent], Awaitable[None]]


class HandlerRejected(Exception):
    """A handler's refusal of an event for a business reason: DLQ, never a retry."""


@dataclass
class BatchOutcome:
    applied: int = 0
    duplicates: int = 0
    dead_letters: list[DeadLetter] = field(default_factory=list)


class _HandlerFailed(Exception):
    def __init__(self, index: int, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.index = index
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

    async def process(self, records: Sequence[ConsumerRecord]) -> BatchOutcome:
        outcome = BatchOutcome()
        events: list[tuple[ConsumerRecord, IncomingEvent]] = []
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
            events.append((record, incoming))

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

    async def _apply(self, events: list[tuple[ConsumerRecord, IncomingEvent]], outcome: BatchOutcome) -> None:
        handler_failures: list[DeadLetter] = []
        try:
            applied, duplicates = await self._apply_once(events, careful=False, failures=handler_failures)
        except _HandlerFailed:
            # Rare path: redo the batch with a savepoint per event so that only the
            # failing events are dead-lettered.
            handler_failures.clear()
            applied, duplicates = await self._apply_once(events, careful=True, failures=handler_failures)
        outcome.applied = applied
        outcome.duplicates = duplicates
        # A retried _apply must not report dead letters twice.
        outcome.dead_letters = [d for d in outcome.dead_letters if d.field != "handler"] + handler_failures

    async def _apply_once(self, events, *, careful: bool, failures: list[DeadLetter]) -> tuple[int, int]:
        if not events:
            return 0, 0
        async with self.pool.acquire() as conn, conn.transaction():
            ids = list({incoming.envelope.id for _, incoming in events})
            new_ids = {
                row["event_id"]
                for row in await conn.fetch(
                    """INSERT INTO inbox (consumer, event_id) SELECT $1, unnest($2::uuid[])
                       ON CONFLICT DO NOTHING RETURNING event_id""",
                    self.name,
                    ids,
                )
            }
            applied = duplicates = 0
            failed_ids = []
            for index, (record, incoming) in enumerate(events):
                event_id = incoming.envelope.id
                if event_id not in new_ids:
                    duplicates += 1
                    continue
                new_ids.discard(event_id)  # the same event twice in one batch: apply once
                try:
                    await self._handle(conn, record, incoming, careful=careful)
                    applied += 1
                except Exception as exc:
                    if is_transient(exc):
                        raise
                    if not careful:
                        raise _HandlerFailed(index, exc) from exc
                    log.warning("%s: event %s rejected: %s", self.name, event_id, exc)
                    failures.append(DeadLetter(record, "handler", f"{type(exc).__name__}: {exc}"))
                    failed_ids.append(event_id)
            if failed_ids:
                # Forget them in the inbox so that a replay from the DLQ is processed.
                await conn.execute(
                    "DELETE FROM inbox WHERE consumer = $1 AND event_id = ANY($2::uuid[])", self.name, failed_ids
                )
            return applied, duplicates

    async def _handle(self, conn, record: ConsumerRecord, incoming: IncomingEvent, *, careful: bool) -> None:
        handler = self.handlers[incoming.envelope.type]
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
            if careful:
                async with conn.transaction():  # a savepoint
                    await set_scope(conn, tenant=incoming.envelope.tenant)
                    await handler(conn, incoming)
            else:
                # Row-level security: the handler can only touch the event's tenant's rows.
                await set_scope(conn, tenant=incoming.envelope.tenant)
                await handler(conn, incoming)
        metrics.HANDLER_LATENCY.labels(self.name, incoming.envelope.type).observe(time.perf_counter() - started)

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

