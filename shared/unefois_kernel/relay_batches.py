"""The relay's send path: outbox rows into one Kafka record batch per partition.

aiokafka's `send()` does per-record work the relay does not need (a future, a size check and a
trip through the accumulator for each record): the benchmark's raw baselines put it at about
half the rate of filling a `BatchBuilder` per partition and handing it over with `send_batch`
(benchmarks/relay.py prints both). Partitions are chosen as `send()` chooses them, with
aiokafka's DefaultPartitioner (murmur2 of the key, the Java client's hash, over the partitions
sorted by id), so an aggregate's events land on the partition any other producer would use.
Within a partition the rows keep their fetch order: one open batch per partition, a full one
submitted before the next is started.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

# Keys are aggregate ids that recur (a consultation's events, a contract's): their partition is
# remembered rather than hashed again by the pure-Python murmur2. Bounded: cleared when full.
_PARTITION_CACHE_LIMIT = 100_000


class PartitionBatchSender:
    """Sends a fetched batch of outbox rows; one per relay, beside its producer."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer
        self._partitioner = DefaultPartitioner()
        self._partition_of: dict[tuple[bytes, int], int] = {}

    async def send(self, rows: Sequence) -> asyncio.Future:
        """Queue every row; the future resolves to one result per row, in row order: the
        metadata of the batch that carried it, or the exception that failed it."""
        results: list[object] = [None] * len(rows)
        partitions_of_topic: dict[str, list[int] | BaseException] = {}
        open_batches: dict[tuple[str, int], tuple[object, list[int]]] = {}
        submitted: list[tuple[list[int], asyncio.Future]] = []
        for index, row in enumerate(rows):
            topic = row["topic"]
            partitions = partitions_of_topic.get(topic)
            if partitions is None:
                partitions = partitions_of_topic[topic] = await self._partitions(topic)
            if isinstance(partitions, BaseException):  # no metadata for the topic: its rows fail
                results[index] = partitions
                continue
            key = row["key"].encode()
            slot = (topic, self._partition(key, partitions))
            value = row["payload"].encode()
            headers = [(name, text.encode()) for name, text in row["headers"].items()]
            pending = open_batches.get(slot)
            if pending is None:
                pending = open_batches[slot] = (self.producer.create_batch(), [])
            if pending[0].append(key=key, value=value, timestamp=None, headers=headers) is None:
                # Full: it goes, and a new one (an empty batch takes any record) takes this row.
                submitted.append(await self._submit(slot, pending))
                pending = open_batches[slot] = (self.producer.create_batch(), [])
                pending[0].append(key=key, value=value, timestamp=None, headers=headers)
            pending[1].append(index)
        for slot, pending in open_batches.items():
            submitted.append(await self._submit(slot, pending))
        return asyncio.ensure_future(_results(results, submitted))

    async def _partitions(self, topic: str) -> list[int] | BaseException:
        try:
            return sorted(await self.producer.partitions_for(topic))
        except Exception as exc:  # noqa: BLE001 - reported per row, like a failed ack
            return exc

    def _partition(self, key: bytes, partitions: list[int]) -> int:
        cache_key = (key, len(partitions))
        partition = self._partition_of.get(cache_key)
        if partition is None:
            if len(self._partition_of) >= _PARTITION_CACHE_LIMIT:
                self._partition_of.clear()
            partition = self._partition_of[cache_key] = self._partitioner(key, partitions, partitions)
        return partition

    async def _submit(self, slot: tuple[str, int], pending: tuple[object, list[int]]):
        builder, indexes = pending
        topic, partition = slot
        builder.close()  # complete: the producer sends it at once instead of lingering for more
        try:
            return indexes, await self.producer.send_batch(builder, topic, partition=partition)
        except Exception as exc:  # noqa: BLE001 - reported per row, like a failed ack
            failed: asyncio.Future = asyncio.get_running_loop().create_future()
            failed.set_exception(exc)
            return indexes, failed


async def _results(results: list[object], submitted: list[tuple[list[int], asyncio.Future]]) -> list[object]:
    outcomes = await asyncio.gather(*(future for _, future in submitted), return_exceptions=True)
    for (indexes, _), outcome in zip(submitted, outcomes):
        for index in indexes:
            results[index] = outcome
    return results
