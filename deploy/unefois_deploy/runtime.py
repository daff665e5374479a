"""The shared infrastructure of a profile, PostgreSQL + Kafka + the platform topics, as one unit."""

from __future__ import annotations

import asyncio
import shutil
import time
from dataclasses import dataclass, field

from unefois_deploy.clock import reset_clock_file
from unefois_deploy.config import STAGES, RuntimeProfile
from unefois_deploy.credentials import CredentialStore
from unefois_deploy.databases import Databases
from unefois_deploy.kafka import KafkaNode
from unefois_deploy.postgres import PostgresCluster
from unefois_deploy.topics import ensure_platform_topics


@dataclass
class StartReport:
    """What one runtime_up did; `*_started` False means it was already up and is not ours to stop."""

    postgres_started: bool = False
    kafka_started: bool = False
    postgres_ready_s: float = 0.0
    kafka_ready_s: float = 0.0
    topics_created: list[str] = field(default_factory=list)


class Runtime:
    def __init__(self, profile: RuntimeProfile) -> None:
        self.profile = profile
        self.databases = Databases(profile, CredentialStore(profile.secrets_file))
        self.postgres = PostgresCluster(profile, self.databases)
        self.kafka = KafkaNode(profile)

    async def up(self) -> StartReport:
        """Idempotent. On failure, stops whatever this call started before re-raising."""
        report = StartReport()
        # Both boot at once: PostgreSQL is done long before the JVM.
        tasks = [asyncio.create_task(self._postgres_up(report)), asyncio.create_task(self._kafka_up(report))]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            # gather() leaves the sibling running: cancel it and let it clean up before stopping.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.down(postgres=report.postgres_started, kafka=report.kafka_started)
            raise
        return report

    async def _postgres_up(self, report: StartReport) -> None:
        began = time.monotonic()
        report.postgres_started = await self.postgres.start()
        report.postgres_ready_s = time.monotonic() - began
        await self.databases.provision_services(STAGES)

    async def _kafka_up(self, report: StartReport) -> None:
        began = time.monotonic()
        report.kafka_started = await self.kafka.start()
        report.kafka_ready_s = time.monotonic() - began
        report.topics_created = await ensure_platform_topics(self.profile.kafka_bootstrap, self.profile.topic_partitions)

    async def is_anything_running(self) -> bool:
        return self.kafka.is_running() or await self.postgres.is_running()

    async def wipe_data(self) -> None:
        """Forget every database, topic and consumer offset; the next up() re-creates the
        cluster and formats the broker afresh. Passwords (secrets.json) are kept."""
        if await self.is_anything_running():
            raise RuntimeError(f"runtime {self.profile.name} is running: stop it before wiping its data")
        shutil.rmtree(self.kafka.data_dir, ignore_errors=True)
        shutil.rmtree(self.postgres.data_dir, ignore_errors=True)
        reset_clock_file(self.profile)  # the clock dated the data: a fresh start begins on its start instant

    async def down(self, *, postgres: bool = True, kafka: bool = True) -> None:
        if kafka:
            await asyncio.to_thread(self.kafka.stop)
        if postgres:
            await self.postgres.stop()
