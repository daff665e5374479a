"""Batch handlers in the inbox consumer, without a broker: how a batch splits into runs, the
order kept, the scope set per run, and the careful path after a refusal."""

from __future__ import annotations

import uuid
from contextlib import asynccontextmanager

import pytest
from aiokafka import ConsumerRecord

from unefois_events.catalogue import CATALOGUE
from unefois_kernel.consumer import (
    BatchHandler,
    HandlerRejected,
    InboxConsumer,
    Pending,
    batch_handler,
    split_runs,
)
from unefois_kernel.envelope import parse_record, wrap
from unefois_kernel.telemetry import MAX_LINKS, links_to_stored_contexts
from unefois_kernel.testing import ProbeEvent, event_type_on

TOPIC = "probe.batches"
BUYER_A = "21000003000010"
BUYER_B = "21350238800019"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

PROBE = event_type_on(ProbeEvent, TOPIC)
OTHER = event_type_on(ProbeEvent, TOPIC)


@pytest.fixture(autouse=True)
def _catalogue(monkeypatch):
    monkeypatch.setitem(CATALOGUE, PROBE.ce_type, PROBE)
    monkeypatch.setitem(CATALOGUE, OTHER.ce_type, OTHER)


def _record(model, seq: int, *, tenant: str = BUYER_A, offset: int | None = None,
            traceparent: str | None = TRACEPARENT, event_id: uuid.UUID | None = None) -> ConsumerRecord:
    event = wrap(model(probe_key=f"k{seq}", seq=seq, buyer_siret=tenant), source="test", event_id=event_id)
    headers = event.envelope.kafka_headers()
    if traceparent:
        headers.append(("traceparent", traceparent.encode()))
    return ConsumerRecord(TOPIC, 0, seq if offset is None else offset, 0, 0, event.key.encode(), event.value,
                          None, len(event.key), len(event.value), tuple(headers))


def _pending(model, seq: int, **kwargs) -> Pending:
    record = _record(model, seq, **kwargs)
    return Pending(record, parse_record(record.topic, record.headers, record.value))


def _shape(runs) -> list[tuple[str, str, list[int]]]:
    return [("batch" if run.batched else "one", run.tenant, [item.incoming.payload.seq for item in run.events])
            for run in runs]


async def _noop(conn, incoming) -> None:
    return None


@batch_handler
async def _noop_batch(conn, events) -> None:
    return None


def test_consecutive_events_of_one_batch_type_and_tenant_form_one_run():
    pending = [_pending(PROBE, seq) for seq in range(1, 5)]
    assert _shape(split_runs(pending, {PROBE.ce_type: _noop_batch})) == [("batch", BUYER_A, [1, 2, 3, 4])]


def test_a_tenant_change_or_another_type_starts_a_new_run_and_the_order_is_kept():
    pending = [
        _pending(PROBE, 1), _pending(PROBE, 2),
        _pending(PROBE, 3, tenant=BUYER_B),
        _pending(OTHER, 4, tenant=BUYER_B),
        _pending(PROBE, 5, tenant=BUYER_B), _pending(PROBE, 6, tenant=BUYER_B),
        _pending(PROBE, 7),
    ]
    runs = split_runs(pending, {PROBE.ce_type: _noop_batch, OTHER.ce_type: _noop})
    assert _shape(runs) == [
        ("batch", BUYER_A, [1, 2]),
        ("batch", BUYER_B, [3]),
        ("one", BUYER_B, [4]),  # a plain handler: its event alone, between the runs around it
        ("batch", BUYER_B, [5, 6]),
        ("batch", BUYER_A, [7]),
    ]
    flattened = [seq for _, _, seqs in _shape(runs) for seq in seqs]
    assert flattened == [1, 2, 3, 4, 5, 6, 7]


def test_events_of_a_plain_handler_are_never_grouped():
    pending = [_pending(PROBE, seq) for seq in range(1, 4)]
    assert _shape(split_runs(pending, {PROBE.ce_type: _noop})) == [
        ("one", BUYER_A, [1]), ("one", BUYER_A, [2]), ("one", BUYER_A, [3])]


def test_two_batch_types_alternating_are_not_merged():
    @batch_handler
    async def other_batch(conn, events) -> None:
        return None

    pending = [_pending(PROBE, 1), _pending(OTHER, 2), _pending(PROBE, 3)]
    runs = split_runs(pending, {PROBE.ce_type: _noop_batch, OTHER.ce_type: other_batch})
    assert _shape(runs) == [("batch", BUYER_A, [1]), ("batch", BUYER_A, [2]), ("batch", BUYER_A, [3])]


async def test_a_batch_handler_is_also_a_plain_handler_of_one_event():
    seen = []

    @batch_handler
    async def apply(conn, events) -> None:
        seen.append([incoming.payload.seq for incoming in events])

    assert isinstance(apply, BatchHandler)
    await apply(None, _pending(PROBE, 9).incoming)
    assert seen == [[9]]


def test_links_go_to_each_distinct_trace_context_once():
    other = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    traces = [{"traceparent": TRACEPARENT}, {"traceparent": other}, {"traceparent": TRACEPARENT}, {}]
    links = links_to_stored_contexts(traces)
    assert [format(link.context.trace_id, "032x") for link in links] == [
        "4bf92f3577b34da6a3ce929d0e0e4736", "0af7651916cd43dd8448eb211c80319c"]


def test_links_stop_at_the_span_link_limit():
    traces = [{"traceparent": f"00-{i + 1:032x}-00f067aa0ba902b7-01"} for i in range(MAX_LINKS + 10)]
    assert len(links_to_stored_contexts(traces)) == MAX_LINKS


# ---------------------------------------------------------------- the consumer on a fake database


class FakeConnection:
    """What the consumer asks of asyncpg: the inbox insert, the scope, savepoints, deletes."""

    def __init__(self, known: set[uuid.UUID]) -> None:
        self.known = known
        self.log: list[tuple] = []
        self.depth = 0

    async def fetch(self, sql: str, consumer: str, ids: list[uuid.UUID]):
        assert "INSERT INTO inbox" in sql
        new = [event_id for event_id in ids if event_id not in self.known]
        self.known.update(new)
        return [{"event_id": event_id} for event_id in new]

    async def execute(self, sql: str, *args) -> None:
        if "set_config" in sql:
            self.log.append(("scope", args[0]))
        elif sql.startswith("DELETE FROM inbox"):
            self.log.append(("forget", sorted(args[1])))
            self.known.difference_update(args[1])
        else:
            raise AssertionError(sql)

    @asynccontextmanager
    async def transaction(self):
        self.depth += 1
        self.log.append(("begin" if self.depth == 1 else "savepoint",))
        try:
            yield
        except BaseException:
            self.log.append(("rollback" if self.depth == 1 else "rollback to savepoint",))
            raise
        finally:
            self.depth -= 1


class FakePool:
    def __init__(self) -> None:
        self.known: set[uuid.UUID] = set()
        self.connections: list[FakeConnection] = []

    @asynccontextmanager
    async def acquire(self):
        before = set(self.known)
        conn = FakeConnection(self.known)
        self.connections.append(conn)
        try:
            yield conn
        except BaseException:
            # The transaction rolled back: its inbox rows with it.
            self.known.intersection_update(before)
            raise


class FakeDlq:
    def __init__(self) -> None:
        self.sent = []

    async def send_all(self, name, dead_letters) -> None:
        self.sent += dead_letters


def _consumer(handlers) -> InboxConsumer:
    return InboxConsumer(name="c-test", pool=FakePool(), handlers=handlers, dlq_producer=FakeDlq())


async def test_the_batch_handler_gets_whole_runs_and_the_scope_is_set_once_per_run():
    calls = []

    @batch_handler
    async def apply(conn, events) -> None:
        conn.log.append(("apply", [incoming.payload.seq for incoming in events]))
        calls.append([incoming.envelope.tenant for incoming in events])

    consumer = _consumer({PROBE.ce_type: apply})
    records = [_record(PROBE, 1), _record(PROBE, 2), _record(PROBE, 3, tenant=BUYER_B), _record(PROBE, 4, tenant=BUYER_B)]
    outcome = await consumer.process(records)
    assert (outcome.applied, outcome.duplicates, outcome.dead_letters) == (4, 0, [])
    assert consumer.pool.connections[0].log == [
        ("begin",), ("scope", BUYER_A), ("apply", [1, 2]), ("scope", BUYER_B), ("apply", [3, 4])]
    assert calls == [[BUYER_A, BUYER_A], [BUYER_B, BUYER_B]]


async def test_a_plain_handler_has_the_scope_set_only_when_the_tenant_changes():
    async def handle(conn, incoming) -> None:
        conn.log.append(("handle", incoming.payload.seq))

    consumer = _consumer({PROBE.ce_type: handle})
    records = [_record(PROBE, 1), _record(PROBE, 2), _record(PROBE, 3, tenant=BUYER_B), _record(PROBE, 4)]
    await consumer.process(records)
    assert consumer.pool.connections[0].log == [
        ("begin",), ("scope", BUYER_A), ("handle", 1), ("handle", 2), ("scope", BUYER_B), ("handle", 3),
        ("scope", BUYER_A), ("handle", 4)]


async def test_duplicates_are_skipped_before_the_runs_are_formed():
    seen = []

    @batch_handler
    async def apply(conn, events) -> None:
        seen.append([incoming.payload.seq for incoming in events])

    consumer = _consumer({PROBE.ce_type: apply})
    twice = uuid.uuid4()
    first = await consumer.process([_record(PROBE, 1, event_id=twice), _record(PROBE, 2, event_id=twice, offset=2)])
    second = await consumer.process([_record(PROBE, 1, event_id=twice, offset=3), _record(PROBE, 4)])
    assert (first.applied, first.duplicates) == (1, 1)
    assert (second.applied, second.duplicates) == (1, 1)
    assert seen == [[1], [4]]


async def test_a_refusal_in_a_batch_run_dead_letters_only_that_event():
    attempts = []

    @batch_handler
    async def apply(conn, events) -> None:
        seqs = [incoming.payload.seq for incoming in events]
        attempts.append(seqs)
        if 3 in seqs:
            raise HandlerRejected("seq 3 refused by the business rule")
        conn.log.append(("apply", seqs))

    consumer = _consumer({PROBE.ce_type: apply})
    records = [_record(PROBE, seq) for seq in range(1, 5)] + [_record(PROBE, 5, tenant=BUYER_B)]
    outcome = await consumer.process(records)

    assert outcome.applied == 4
    assert [(d.record.offset, d.field) for d in outcome.dead_letters] == [(3, "handler")]
    assert "HandlerRejected: seq 3 refused" in outcome.dead_letters[0].reason
    assert consumer.dlq.sent == outcome.dead_letters
    # Fast path (the whole run, refused), then the careful path: the run in a savepoint
    # (refused again), then one event per savepoint; the next run in one savepoint.
    assert attempts == [[1, 2, 3, 4], [1, 2, 3, 4], [1], [2], [3], [4], [5]]
    careful = consumer.pool.connections[1].log
    refused_id = parse_record(TOPIC, records[2].headers, records[2].value).envelope.id
    assert ("forget", [refused_id]) in careful  # forgotten by the inbox, so that a replay applies
    assert refused_id not in consumer.pool.known
    assert [entry for entry in careful if entry[0] == "apply"] == [("apply", [1]), ("apply", [2]), ("apply", [4]),
                                                                   ("apply", [5])]
    assert consumer.pool.connections[0].log[-1] == ("rollback",)  # the fast attempt wrote nothing


async def test_a_transient_failure_retries_the_batch_and_skips_nothing():
    from unefois_kernel.errors import TransientError

    failures = {"left": 2}
    seen = []

    @batch_handler
    async def apply(conn, events) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise TransientError("the database is restarting")
        seen.append([incoming.payload.seq for incoming in events])

    consumer = _consumer({PROBE.ce_type: apply})
    consumer.initial_backoff_s = 0.0
    outcome = await consumer.process([_record(PROBE, 1), _record(PROBE, 2)])
    assert outcome.applied == 2 and outcome.dead_letters == []
    assert seen == [[1, 2]]
    assert len(consumer.pool.connections) == 3  # two rolled-back attempts, then the one that applied
