"""Topic creation through the Kafka admin API (auto-creation is off on the broker)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from unefois_kernel.stages import PLATFORM_TOPICS

_NO_ERROR = 0
_METADATA_TIMEOUT_S = 30.0


@asynccontextmanager
async def admin_client(bootstrap: str) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        yield admin
    finally:
        await admin.close()


async def ensure_topics(bootstrap: str, names: Iterable[str], partitions: int) -> list[str]:
    """Create the missing topics (replication 1: single node); existing ones are left as they are.

    Returns the names it created, once every partition of them has a leader, so callers can
    produce right away.
    """
    async with admin_client(bootstrap) as admin:
        existing = set(await admin.list_topics())
        missing = [name for name in dict.fromkeys(names) if name not in existing]
        if not missing:
            return []
        response = await admin.create_topics(
            [NewTopic(name=name, num_partitions=partitions, replication_factor=1) for name in missing]
        )
        for name, error_code, *message in response.topic_errors:
            error = for_code(error_code)
            # Another process may have created it between list_topics and create_topics.
            if error_code != _NO_ERROR and error is not TopicAlreadyExistsError:
                raise error(f"creating topic {name}: {message[0] if message else ''}")
        await _wait_for_leaders(admin, missing)
        return missing


async def ensure_platform_topics(bootstrap: str, partitions: int) -> list[str]:
    """Every topic a registered stage produces, and its dead-letter twin (unefois_kernel.stages)."""
    return await ensure_topics(bootstrap, PLATFORM_TOPICS, partitions)


async def delete_topics(bootstrap: str, names: Iterable[str]) -> None:
    async with admin_client(bootstrap) as admin:
        await admin.delete_topics(list(names))


async def _wait_for_leaders(admin: AIOKafkaAdminClient, names: list[str]) -> None:
    deadline = time.monotonic() + _METADATA_TIMEOUT_S
    while True:
        described = await admin.describe_topics(names)
        if all(
            topic["error_code"] == _NO_ERROR
            and topic["partitions"]
            and all(partition["leader"] >= 0 for partition in topic["partitions"])
            for topic in described
        ):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"topics {names} have no leader after {_METADATA_TIMEOUT_S:.0f}s: {described}")
        await asyncio.sleep(0.1)
