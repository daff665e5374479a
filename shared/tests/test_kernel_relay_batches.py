"""The relay's send path without a broker: the partition of each key (the Java client's murmur2),
fetch order kept within a partition, full batches split, and one result per row."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.errors import KafkaTimeoutError, NotLeaderForPartitionError

from unefois_kernel.relay_batches import PartitionBatchSender

PARTITIONS = 6


def _java_partition(key: bytes, count: int) -> int:
    """Kafka's default partition of a keyed record: toPositive(murmur2(key)) % count."""
    return (_java_murmur2(key) & 0x7FFFFFFF) % count


def _java_murmur2(key: bytes) -> int:
    """Kafka's Utils.murmur2 as an unsigned 32-bit value, written out independently of aiokafka."""
    m, r = 0x5BD1E995, 24
    h = (0x9747B28C ^ len(key)) & 0xFFFFFFFF
    whole = len(key) // 4 * 4
    for i in range(0, whole, 4):
        k = int.from_bytes(key[i : i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    tail = key[whole:]
    if len(tail) == 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if tail:
        h ^= tail[0]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


class _Builder:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.records: list[tuple[bytes, bytes, list]] = []
        self.closed = False

    def append(self, *, key, value, timestamp, headers):
        if self.closed or (self.records and len(self.records) >= self.capacity):
            self.closed = True
            return None
        self.records.append((key, value, headers))
        return object()

    def close(self) -> None:
        self.closed = True


class _Producer:
    def __init__(self, *, capacity: int = 1000, topics=("t.a", "t.b")) -> None:
        self.capacity = capacity
        self.topics = set(topics)
        self.submitted: list[tuple[str, int, _Builder, asyncio.Future]] = []

    async def partitions_for(self, topic):
        if topic not in self.topics:
            raise KafkaTimeoutError("no metadata")
        return {5, 3, 1, 0, 4, 2}  # a set, as aiokafka returns it: the sender sorts it

    def create_batch(self) -> _Builder:
        return _Builder(self.capacity)

    async def send_batch(self, batch: _Builder, topic, *, partition):
        assert batch.closed, "a batch is closed before it is handed over (no linger)"
        ack = asyncio.get_running_loop().create_future()
        self.submitted.append((topic, partition, batch, ack))
        return ack

    def ack_all(self) -> None:
        for _topic, partition, _batch, ack in self.submitted:
            if not ack.done():
                ack.set_result(partition)


def _row(topic: str, key: str, seq: int) -> dict:
    return {"topic": topic, "key": key, "payload": f'{{"seq": {seq}}}', "headers": {"ce_id": f"id-{seq}"}}


async def test_each_key_goes_to_the_java_clients_partition_in_fetch_order() -> None:
    producer = _Producer()
    rows = [_row("t.a", f"aggregate-{seq % 40}", seq) for seq in range(400)]
    acks = await PartitionBatchSender(producer).send(rows)
    seen: dict[int, list[bytes]] = {}
    for topic, partition, batch, _ack in producer.submitted:
        assert topic == "t.a"
        for key, value, headers in batch.records:
            assert partition == _java_partition(key, PARTITIONS)
            seen.setdefault(partition, []).append(value)
            assert headers == [("ce_id", f"id-{int(value[8:-1])}".encode())]
    for partition, values in seen.items():
        expected = [row["payload"].encode() for row in rows
                    if _java_partition(row["key"].encode(), PARTITIONS) == partition]
        assert values == expected
    assert len(producer.submitted) == len(seen) <= PARTITIONS  # one batch per partition
    producer.ack_all()
    results = await acks
    assert results == [_java_partition(row["key"].encode(), PARTITIONS) for row in rows]


async def test_a_full_batch_is_submitted_before_the_next_and_order_holds() -> None:
    producer = _Producer(capacity=3)
    rows = [_row("t.a", "one-key", seq) for seq in range(8)]
    await PartitionBatchSender(producer).send(rows)
    batches = [batch for _topic, _partition, batch, _ack in producer.submitted]
    assert [len(batch.records) for batch in batches] == [3, 3, 2]
    assert [value for batch in batches for _key, value, _headers in batch.records] == [
        row["payload"].encode() for row in rows]


async def test_a_failed_batch_fails_only_its_rows() -> None:
    producer = _Producer(capacity=2)
    rows = [_row("t.a", "one-key", seq) for seq in range(4)] + [_row("t.b", "other", 9)]
    acks = await PartitionBatchSender(producer).send(rows)
    producer.submitted[1][3].set_exception(NotLeaderForPartitionError())
    producer.ack_all()
    results = await acks
    assert [isinstance(result, NotLeaderForPartitionError) for result in results] == [
        False, False, True, True, False]


async def test_rows_of_a_topic_without_metadata_fail_and_the_others_go() -> None:
    producer = _Producer(topics=("t.a",))
    rows = [_row("no.such.topic", "k", 0), _row("t.a", "k", 1), _row("no.such.topic", "k", 2)]
    acks = await PartitionBatchSender(producer).send(rows)
    producer.ack_all()
    results = await acks
    assert isinstance(results[0], KafkaTimeoutError) and isinstance(results[2], KafkaTimeoutError)
    assert results[1] == _java_partition(b"k", PARTITIONS)
    assert [topic for topic, *_ in producer.submitted] == ["t.a"]


@pytest.mark.parametrize(("text", "java_value"), [
    # Kafka's own known answers (clients UtilsTest.testMurmur2), as Java's signed ints.
    ("21", -973932308),
    ("foobar", -790332482),
    ("a-little-bit-long-string", -985981536),
    ("a-little-bit-longer-string", -1486304829),
    ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
    ("abc", 479470107),
])
def test_the_oracle_gives_kafkas_known_murmur2_values(text: str, java_value: int) -> None:
    assert _java_murmur2(text.encode()) == java_value & 0xFFFFFFFF


@pytest.mark.parametrize("length", range(0, 9))
def test_the_java_formula_of_this_test_agrees_with_aiokafka_on_every_tail_length(length: int) -> None:
    # Guards the oracle above (the tail bytes are where hand-written murmur2 usually goes wrong).
    from aiokafka.partitioner import murmur2  # noqa: PLC0415

    key = bytes(range(200, 200 + length))
    assert _java_partition(key, PARTITIONS) == (murmur2(key) & 0x7FFFFFFF) % PARTITIONS
