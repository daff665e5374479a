"""Two members of one consumer group on a 6-partition topic: the second joins, the partitions
are shared, and every message is consumed exactly once across the members."""

import asyncio
import collections
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener

PARTITIONS = 6
BEFORE_JOIN = 60
AFTER_JOIN = 120


class CommitOnRevoke(ConsumerRebalanceListener):
    """Commit what was processed before giving partitions away, so the next owner does not redo it."""

    def __init__(self, consumer: AIOKafkaConsumer) -> None:
        self._consumer = consumer

    async def on_partitions_revoked(self, revoked):
        if revoked:
            await self._consumer.commit()

    async def on_partitions_assigned(self, assigned):
        pass


class Member:
    def __init__(self, name: str, topic: str, group: str, bootstrap: str, received: list) -> None:
        self.name = name
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=6000,  # the broker's group.min.session.timeout.ms
            heartbeat_interval_ms=500,  # notice the rebalance quickly
        )
        self.consumer.subscribe([topic], listener=CommitOnRevoke(self.consumer))
        self._received = received
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        await self.consumer.start()
        self._task = asyncio.create_task(self._consume())

    async def _consume(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                for record in batch:
                    self._received.append((self.name, record.partition, record.value))
            if batches:
                await self.consumer.commit()

    def assignment(self) -> set[int]:
        return {tp.partition for tp in self.consumer.assignment()}

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.consumer.stop()


async def _eventually(condition, timeout: float, what: str) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout}s waiting for {what}") from None


async def _produce(producer: AIOKafkaProducer, topic: str, label: str, count: int) -> None:
    deliveries = [await producer.send(topic, f"{label}-{n}".encode(), key=f"{label}-{n}".encode()) for n in range(count)]
    await asyncio.gather(*deliveries)


async def test_second_member_takes_partitions_and_no_message_is_consumed_twice(kafka_bootstrap, unique_topic):
    topic = await unique_topic(partitions=PARTITIONS)
    group = f"rebalance-{uuid.uuid4().hex}"
    received: list[tuple[str, int, bytes]] = []
    first = Member("first", topic, group, kafka_bootstrap, received)
    second = Member("second", topic, group, kafka_bootstrap, received)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        await first.start()
        await _eventually(lambda: len(first.assignment()) == PARTITIONS, 20, "the first member to own every partition")
        await _produce(producer, topic, "before", BEFORE_JOIN)
        await _eventually(lambda: len(received) == BEFORE_JOIN, 20, "the first member to consume the first batch")

        await second.start()
        await _eventually(
            lambda: first.assignment() and second.assignment()
            and first.assignment() | second.assignment() == set(range(PARTITIONS))
            and not first.assignment() & second.assignment(),
            30, "the partitions to be shared between the two members",
        )
        await _produce(producer, topic, "after", AFTER_JOIN)
        await _eventually(lambda: len(received) >= BEFORE_JOIN + AFTER_JOIN, 30, "every message to be consumed")
        await asyncio.sleep(1)  # room for a duplicate to show up, if there were one
        owners = {"first": first.assignment(), "second": second.assignment()}
    finally:
        await second.stop()
        await first.stop()
        await producer.stop()

    values = [value for _, _, value in received]
    duplicates = [value for value, count in collections.Counter(values).items() if count > 1]
    assert duplicates == []
    assert sorted(values) == sorted(
        [f"before-{n}".encode() for n in range(BEFORE_JOIN)] + [f"after-{n}".encode() for n in range(AFTER_JOIN)]
    )
    after_join = [(member, partition) for member, partition, value in received if value.startswith(b"after-")]
    assert {member for member, _ in after_join} == {"first", "second"}  # both did real work
    assert all(partition in owners[member] for member, partition in after_join)
