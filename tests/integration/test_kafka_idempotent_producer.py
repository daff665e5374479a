"""The idempotent producer (acks=all) writes each record exactly once and keeps per-key order."""

import asyncio
import collections

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

MESSAGES = 1_000
KEYS = 25


async def test_idempotent_producer_writes_1000_keyed_messages_once_in_key_order(kafka_bootstrap, unique_topic):
    topic = await unique_topic(partitions=6)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        # Pipelined sends (not send_and_wait one by one): ordering must hold while
        # batches are in flight, which is what idempotence guarantees.
        deliveries = []
        for number in range(MESSAGES):
            key = f"key-{number % KEYS}"
            deliveries.append(await producer.send(topic, f"{key}:{number // KEYS}".encode(), key=key.encode()))
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(topic, bootstrap_servers=kafka_bootstrap, group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(6)]
        end_offsets = await consumer.end_offsets(partitions)
        records = []
        async with asyncio.timeout(30):
            while len(records) < MESSAGES:
                batches = await consumer.getmany(timeout_ms=1000)
                records.extend(record for batch in batches.values() for record in batch)
        # Anything beyond 1,000 would already be in the log: end offsets count every write.
        assert sum(end_offsets.values()) == MESSAGES
    finally:
        await consumer.stop()

    assert len(records) == MESSAGES
    sequences = collections.defaultdict(list)
    partitions_of_key = collections.defaultdict(set)
    for record in records:
        key, sequence = record.value.decode().split(":")
        assert key == record.key.decode()
        sequences[key].append(int(sequence))
        partitions_of_key[key].add(record.partition)
    assert all(sequence == list(range(MESSAGES // KEYS)) for sequence in sequences.values())
    assert all(len(partitions) == 1 for partitions in partitions_of_key.values())
    assert len({p for partitions in partitions_of_key.values() for p in partitions}) > 1  # the keys do spread
