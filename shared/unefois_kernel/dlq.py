"""Dead letters, all in one place: the record a consumer refused, the producer that sends it
to `<topic>.dlq`, the gauge that counts what the DLQ topics hold, and the operator tool to
list, inspect and replay them:

    python -m unefois_kernel.dlq list    --bootstrap HOST:PORT --topic contracts.contract.dlq
    python -m unefois_kernel.dlq show    --bootstrap HOST:PORT --topic contracts.contract.dlq --partition 0 --offset 3
    python -m unefois_kernel.dlq replay  --bootstrap HOST:PORT --topic contracts.contract.dlq --partition 0 --offset 3

Replay publishes the original key, value and headers (without the `dlq_*` ones) back to
the original topic. The consumer that refused the event forgot it in its inbox, so it is
processed again; consumers that had applied it skip it by its `ce_id`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from unefois_events.topics import dlq_of
from unefois_kernel.clock import SYSTEM_CLOCK, Clock
from unefois_kernel.kafka_admin import topic_partitions

DLQ_HEADER_PREFIX = "dlq_"


# --- Write side: what the inbox consumers send -----------------------------------------


@dataclass
class DeadLetter:
    record: ConsumerRecord
    field: str
    reason: str


class DeadLetterProducer:
    """Sends poison records to `<topic>.dlq` with the original key, value and headers."""

    def __init__(self, bootstrap: str, clock: Clock = SYSTEM_CLOCK) -> None:
        self.bootstrap = bootstrap
        self.clock = clock
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def _get(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is None:
                producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, enable_idempotence=True, acks="all")
                await producer.start()
                self._producer = producer
            return self._producer

    async def send_all(self, consumer: str, letters: list[DeadLetter]) -> None:
        producer = await self._get()
        failed_at = self.clock.now().isoformat()
        pending = []
        for letter in letters:
            record = letter.record
            headers = list(record.headers or ()) + [
                (name, value.encode())
                for name, value in (
                    ("dlq_consumer", consumer),
                    ("dlq_field", letter.field),
                    ("dlq_reason", letter.reason[:2000]),
                    ("dlq_original_topic", record.topic),
                    ("dlq_original_partition", str(record.partition)),
                    ("dlq_original_offset", str(record.offset)),
                    ("dlq_failed_at", failed_at),
                )
            ]
            pending.append(await producer.send(dlq_of(record.topic), record.value, key=record.key, headers=headers))
        await asyncio.gather(*pending)

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None


class DeadLetterGauge:
    """Counts the records held by dead-letter topics, for the DLQ size metric.

    One long-lived, group-less consumer, assigned to the DLQ partitions and paused so it
    never fetches records: it only asks for the first and last offsets.
    """

    def __init__(self, bootstrap: str, topics: list[str]) -> None:
        self.bootstrap = bootstrap
        self.topics = topics
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []

    async def _start(self) -> AIOKafkaConsumer:
        self._partitions = await topic_partitions(self.bootstrap, self.topics)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False, request_timeout_ms=5000)
        await consumer.start()
        consumer.assign(self._partitions)
        consumer.pause(*self._partitions)
        return consumer

    async def sizes(self) -> dict[str, int]:
        if not self.topics:
            return {}
        try:
            if self._consumer is None:
                self._consumer = await self._start()
            end = await self._consumer.end_offsets(self._partitions)
            begin = await self._consumer.beginning_offsets(self._partitions)
        except Exception:  # noqa: BLE001 - a scrape must not fail because the broker is away
            return {}
        sizes = dict.fromkeys(self.topics, 0)
        for tp in self._partitions:
            sizes[tp.topic] += end[tp] - begin[tp]
        return sizes

    async def stop(self) -> None:
        if self._consumer is not None:
            # aiokafka's stop() of a group-less consumer can raise a stray CancelledError.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._consumer.stop()



# --- Operator tool -------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadLetterEntry:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    @property
    def attributes(self) -> dict[str, str]:
        return {name: value.decode(errors="replace") for name, value in self.headers}

    def summary(self) -> dict:
        attributes = self.attributes
        return {
            "partition": self.partition,
            "offset": self.offset,
            "ce_id": attributes.get("ce_id"),
            "ce_type": attributes.get("ce_type"),
            "consumer": attributes.get("dlq_consumer"),
            "field": attributes.get("dlq_field"),
            "reason": attributes.get("dlq_reason"),
            "failed_at": attributes.get("dlq_failed_at"),
        }


async def read_dead_letters(bootstrap: str, topic: str, limit: int = 1000) -> list[DeadLetterEntry]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = await topic_partitions(bootstrap, [topic])
        if not partitions:
            return []
        consumer.assign(partitions)
        end = await consumer.end_offsets(partitions)
        await consumer.seek_to_beginning(*partitions)
        entries: list[DeadLetterEntry] = []
        remaining = {tp for tp in partitions if end[tp] > await consumer.position(tp)}
        for _ in range(1000):  # bounded: each round reads up to 500 records
            if not remaining or len(entries) >= limit:
                break
            batch = await consumer.getmany(timeout_ms=500, max_records=500)
            for tp, records in batch.items():
                entries.extend(
                    DeadLetterEntry(r.partition, r.offset, r.key, r.value, tuple(r.headers or ())) for r in records
                )
                if await consumer.position(tp) >= end[tp]:
                    remaining.discard(tp)
        return entries[:limit]
    finally:
        await consumer.stop()


async def replay(bootstrap: str, entry: DeadLetterEntry) -> str:
    attributes = entry.attributes
    target = attributes["dlq_original_topic"]
    headers = [(name, value) for name, value in entry.headers if not name.startswith(DLQ_HEADER_PREFIX)]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(target, entry.value, key=entry.key, headers=headers)
    finally:
        await producer.stop()
    return target


async def _main(args: argparse.Namespace) -> int:
    entries = await read_dead_letters(args.bootstrap, args.topic)
    if args.command == "list":
        for entry in entries:
            print(json.dumps(entry.summary(), ensure_ascii=False))
        return 0
    chosen = [e for e in entries if e.partition == args.partition and e.offset == args.offset]
    if not chosen:
        print(f"no dead letter at {args.topic}[{args.partition}]@{args.offset}")
        return 1
    entry = chosen[0]
    if args.command == "show":
        print(json.dumps(entry.summary() | {"value": (entry.value or b"").decode(errors="replace")}, ensure_ascii=False, indent=2))
        return 0
    target = await replay(args.bootstrap, entry)
    print(f"replayed {args.topic}[{entry.partition}]@{entry.offset} to {target}")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m unefois_kernel.dlq", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["list", "show", "replay"])
    parser.add_argument("--bootstrap", default="127.0.0.1:19092")
    parser.add_argument("--topic", required=True, help="a dead-letter topic, e.g. contracts.contract.dlq")
    parser.add_argument("--partition", type=int, default=0)
    parser.add_argument("--offset", type=int, default=-1)
    raise SystemExit(asyncio.run(_main(parser.parse_args())))


if __name__ == "__main__":
    main()
