"""A single-node Apache Kafka (KRaft, broker+controller in one JVM) from the Maven-resolved jars.

Layout under <runtime>/kafka: server.properties (rendered from deploy/kafka/), data/
(formatted once), kafka.pid. Broker logs go to <runtime>/logs/kafka/server.log, the JVM's
own stdout/stderr to <runtime>/logs/kafka.out.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from unefois_deploy.commands import run_checked
from unefois_deploy.config import RuntimeProfile
from unefois_deploy.logtail import tail
from unefois_deploy.pidfile import PidFile, terminate
from unefois_deploy.ports import ensure_port_free

READY_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 30.0
# Kafka lives on the page cache; a small heap is plenty for one local node (STACK.md §1.5).
DEFAULT_HEAP_OPTS = "-Xms256m -Xmx768m"
# kafka-run-class.sh defaults (4.1.1) plus fail-fast on OOM.
JVM_OPTS = (
    "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent", "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true",
)


class KafkaJarsMissingError(RuntimeError):
    pass


def render_properties(template: str, overrides: Mapping[str, str]) -> str:
    """Replace the values of `overrides` keys in a .properties text; append the keys it lacks."""
    pending = dict(overrides)
    lines = []
    for line in template.splitlines():
        key = line.split("=", 1)[0].strip()
        if "=" in line and not line.lstrip().startswith(("#", "!")) and key in pending:
            line = f"{key}={pending.pop(key)}"
        lines.append(line)
    lines.extend(f"{key}={value}" for key, value in pending.items())
    return "\n".join(lines) + "\n"


def new_cluster_id() -> str:
    # What `StorageTool random-uuid` prints (org.apache.kafka.common.Uuid: URL-safe base64,
    # no padding), without paying for a JVM start. Kafka avoids ids starting with '-'
    # because they read as command-line options; so do we.
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


@contextlib.contextmanager
def _quiet_aiokafka() -> Iterator[None]:
    # While the broker boots every probe fails and aiokafka logs each failure as an ERROR.
    logger = logging.getLogger("aiokafka")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)


async def metadata_round_trip(bootstrap: str, request_timeout_ms: int = 3000) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=request_timeout_ms)
    try:
        await admin.start()
        await admin.list_topics()
    finally:
        await admin.close()


class KafkaNode:
    def __init__(self, profile: RuntimeProfile) -> None:
        self._profile = profile
        self._conf_dir = profile.repo_root / "deploy" / "kafka"
        self.home = profile.runtime_dir / "kafka"
        self.data_dir = self.home / "data"
        self.config_file = self.home / "server.properties"
        self.pid_file = PidFile(self.home / "kafka.pid")
        self.log_dir = profile.logs_dir / "kafka"
        self.stdout_file = profile.logs_dir / "kafka.out"

    @property
    def bootstrap(self) -> str:
        return self._profile.kafka_bootstrap

    def _classpath(self) -> str:
        libs = self._profile.kafka_libs
        if not any(libs.glob("kafka_2.13-*.jar")):
            raise KafkaJarsMissingError(
                f"no Kafka jars in {libs}; run deploy/bootstrap.sh (it resolves them with Maven) "
                "or point UNEFOIS_KAFKA_LIBS at a directory holding them"
            )
        return f"{libs}/*"

    @staticmethod
    def _java() -> str:
        java_home = os.environ.get("JAVA_HOME")
        java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
        if not java:
            raise KafkaJarsMissingError("java not found (Kafka 4.1 needs Java 17+); run deploy/bootstrap.sh")
        return java

    def render_config(self) -> None:
        host, profile = self._profile.host, self._profile
        overrides = {
            "controller.quorum.voters": f"1@{host}:{profile.kafka_controller_port}",
            "listeners": f"PLAINTEXT://{host}:{profile.kafka_port},CONTROLLER://{host}:{profile.kafka_controller_port}",
            "advertised.listeners": f"PLAINTEXT://{host}:{profile.kafka_port}",
            "log.dirs": str(self.data_dir),
            "num.partitions": str(profile.topic_partitions),
        }
        self.home.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(render_properties((self._conf_dir / "server.properties").read_text(), overrides))

    @property
    def formatted(self) -> bool:
        return (self.data_dir / "meta.properties").exists()

    async def format_storage(self) -> None:
        # Static quorum (controller.quorum.voters): plain `format -t ID -c FILE`, no --standalone (STACK.md §1.1).
        await run_checked(
            [
                self._java(), f"-Dlog4j2.configurationFile={self._conf_dir / 'tools-log4j2.properties'}",
                "-cp", self._classpath(), "kafka.tools.StorageTool",
                "format", "--cluster-id", new_cluster_id(), "--config", str(self.config_file), "--ignore-formatted",
            ],
            what="Kafka storage format",
        )

    def is_running(self) -> bool:
        return self.pid_file.process() is not None

    async def start(self, timeout: float = READY_TIMEOUT_S) -> bool:
        """Start detached and wait for a real metadata round trip. False if it was already up."""
        if self.is_running():
            await self.wait_ready(timeout)
            return False
        ensure_port_free(self._profile.host, self._profile.kafka_port, "Kafka (broker listener)")
        ensure_port_free(self._profile.host, self._profile.kafka_controller_port, "Kafka (controller listener)")
        classpath = self._classpath()
        self.render_config()
        if not self.formatted:
            await self.format_storage()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        heap = os.environ.get("UNEFOIS_KAFKA_HEAP_OPTS", DEFAULT_HEAP_OPTS).split()
        with self.stdout_file.open("ab") as stdout:
            process = subprocess.Popen(
                [
                    self._java(), *heap, *JVM_OPTS,
                    f"-Dkafka.logs.dir={self.log_dir}",
                    f"-Dlog4j2.configurationFile={self._conf_dir / 'log4j2.yaml'}",
                    "-cp", classpath, "kafka.Kafka", str(self.config_file),
                ],
                stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.STDOUT,
                cwd=self.home,
                # Own session: survives the CLI that started it, and a Ctrl-C in that
                # terminal does not skip the controlled shutdown.
                start_new_session=True,
            )
        self.pid_file.record(process.pid)
        try:
            await self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return True

    def _failure_report(self) -> str:
        return f"{tail(self.stdout_file, 20)}\n{tail(self.log_dir / 'server.log', 50)}"

    async def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        with _quiet_aiokafka():
            while True:
                if not self.is_running():
                    raise RuntimeError(f"Kafka exited during start-up\n{self._failure_report()}")
                try:
                    await metadata_round_trip(self.bootstrap)
                    return
                except Exception as error:  # noqa: BLE001 - any failure means "not yet"
                    if time.monotonic() > deadline:
                        raise TimeoutError(
                            f"Kafka not ready at {self.bootstrap} after {timeout:.0f}s: {error!r}\n{self._failure_report()}"
                        ) from error
                await asyncio.sleep(0.5)

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> bool:
        """SIGTERM runs Kafka's controlled shutdown; SIGKILL after `timeout`. False if it was not running."""
        process = self.pid_file.process()
        if process is None:
            return False
        terminate(process, timeout)
        self.pid_file.clear()
        return True

