"""Concurrent test sessions sharing one profile's runtime.

Several pytest runs may use the "test" profile at once (developers in one work tree, a
focused run beside `make test`). Each session holds a lease (a pid file under
<runtime>/sessions/); what any session started is recorded in <runtime>/started-by-tests.json;
the last session to leave stops it. Whatever was running before any session started it
(e.g. `python -m unefois_deploy runtime-up --profile test`) is never stopped here.
A file lock serializes start-up and shutdown, so two sessions never race to start Kafka.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from unefois_deploy.config import RuntimeProfile
from unefois_deploy.pidfile import PidFile
from unefois_deploy.runtime import Runtime, StartReport
from unefois_deploy.services import ServiceSupervisor


class SharedRuntime:
    def __init__(self, profile: RuntimeProfile) -> None:
        self.profile = profile
        self.runtime = Runtime(profile)
        self.supervisor = ServiceSupervisor(profile)
        self._lock_file = profile.runtime_dir / ".sessions.lock"
        self._sessions_dir = profile.runtime_dir / "sessions"
        self._started_file = profile.runtime_dir / "started-by-tests.json"
        self._lease = PidFile(self._sessions_dir / f"{os.getpid()}.pid")

    @asynccontextmanager
    async def _locked(self) -> AsyncIterator[None]:
        self._lock_file.parent.mkdir(parents=True, exist_ok=True)
        with self._lock_file.open("a") as handle:
            # In a thread: another session may hold the lock for the length of a Kafka start.
            await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read_started(self) -> dict:
        try:
            return json.loads(self._started_file.read_text())
        except FileNotFoundError:
            return {"postgres": False, "kafka": False, "services": []}

    def _write_started(self, started: dict) -> None:
        self._started_file.write_text(json.dumps(started))

    async def join(self, *, fresh_data: bool = True) -> StartReport:
        """Bring the runtime up (if needed) and register this session as a user of it.

        fresh_data: when this session starts the runtime from cold, it starts from empty
        databases and topics, as CI does on a new clone. A running runtime is never wiped.
        """
        async with self._locked():
            if fresh_data and not self._other_sessions() and not await self.runtime.is_anything_running():
                await self.runtime.wipe_data()
            report = await self.runtime.up()
            started = self._read_started()
            started["postgres"] |= report.postgres_started
            started["kafka"] |= report.kafka_started
            self._write_started(started)
            self._lease.record(os.getpid())
        return report

    async def start_services(self, stages: Iterable[str]) -> list[str]:
        async with self._locked():
            started_now = await self.supervisor.start_all(stages)
            started = self._read_started()
            started["services"] = sorted(set(started["services"]) | set(started_now))
            self._write_started(started)
        return started_now

    async def leave(self) -> None:
        """Unregister; the last session out stops what the test sessions started."""
        async with self._locked():
            self._lease.clear()
            if self._other_sessions():
                return
            started = self._read_started()
            self.supervisor.stop_all(started["services"])
            await self.runtime.down(postgres=started["postgres"], kafka=started["kafka"])
            self._started_file.unlink(missing_ok=True)

    def _other_sessions(self) -> list[Path]:
        # PidFile.process() also removes the leases of sessions that died without leaving.
        return [path for path in self._sessions_dir.glob("*.pid") if PidFile(path).process() is not None]
