"""Operator tool for dead letters: list, inspect and replay what a consumer refused.

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
import json
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from unefois_kernel.kafka_admin import topic_partitions

DLQ_HEADER_PREFIX = "dlq_"


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
