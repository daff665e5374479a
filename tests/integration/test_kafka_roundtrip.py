"""Produce, consume and commit against the real Kafka 4.1 broker, then read the commit back."""

import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition


async def test_produce_consume_commit_and_resume_after_committed_offset(kafka_bootstrap, unique_topic):
    topic = await unique_topic(partitions=1)
    group = f"roundtrip-{uuid.uuid4().hex}"
    partition = TopicPartition(topic, 0)

    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for number in range(3):
            await producer.send_and_wait(topic, f"first-{number}".encode(), key=b"k")

        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=kafka_bootstrap, group_id=group,
            enable_auto_commit=False, auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            received = [await consumer.getone() for _ in range(3)]
            await consumer.commit()
            committed = await consumer.committed(partition)
        finally:
            await consumer.stop()

        assert [record.value for record in received] == [b"first-0", b"first-1", b"first-2"]
        assert [record.offset for record in received] == [0, 1, 2]
        assert committed == 3  # the next offset to read

        # A new member of the same group starts from the committed offset, not from the beginning.
        await producer.send_and_wait(topic, b"second", key=b"k")
        resumed = AIOKafkaConsumer(
            topic, bootstrap_servers=kafka_bootstrap, group_id=group,
            enable_auto_commit=False, auto_offset_reset="earliest",
        )
        await resumed.start()
        try:
            record = await resumed.getone()
        finally:
            await resumed.stop()
        assert (record.offset, record.value) == (3, b"second")
    finally:
        await producer.stop()
