"""Supervisor of the service processes: `uvicorn unefois_<stage>.main:app`, one per stage,
and of the development OpenID Connect issuer (`ISSUER`, `unefois_dev_issuer.main:app`),
which start_all() starts and waits for before the services it is asked for with.

Each started process gets a pid file (<runtime>/pids/<name>.pid) and a log
(<runtime>/logs/<name>.log); stop() only ever signals a process whose pid file we wrote.

The pid file is also the statement of intent the watcher (unefois_deploy.watcher) reads: a
process that is gone while its pid file still names it crashed, and is restarted; stop() and
kill() remove the file *before* signalling, so an intended stop is never "repaired". Every
spawn, stop and kill, and the watcher's check-and-restart, hold one file lock
(<runtime>/pids/.lock), so the watcher and a caller never both start the same service.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path

import httpx

from unefois_deploy.config import STAGES, RuntimeProfile
from unefois_deploy.environment import issuer_environment, mailcatcher_environment, service_environment
from unefois_deploy.logtail import tail
from unefois_deploy.pidfile import PidFile, kill, terminate, terminate_all
from unefois_deploy.ports import ensure_port_free

READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0

CommandFactory = Callable[[str, int], Sequence[str]]

# The development OpenID Connect issuer, supervised beside the stages under this name.
ISSUER = "issuer"
# The development mail catcher (unefois_deploy.mailcatcher), started in the issuer's wave.
MAILCATCHER = "mailcatcher"
_FIRST_WAVE = (ISSUER, MAILCATCHER)


def existing_stages(profile: RuntimeProfile) -> list[str]:
    """The stages whose service has been written (services/<stage>/pyproject.toml), in pipeline order."""
    return [stage for stage in STAGES if (profile.repo_root / "services" / stage / "pyproject.toml").exists()]


def uvicorn_command(stage: str, port: int) -> list[str]:
    module = ("unefois_dev_issuer.main:app" if stage == ISSUER else "unefois_deploy.mailcatcher:app"
              if stage == MAILCATCHER else f"unefois_{stage}.main:app")
    # --no-proxy-headers: uvicorn would otherwise believe X-Forwarded-* from any local
    # client; the apps decide that themselves (their trusted_proxy setting).
    # uvloop and httptools, named rather than left to "auto" (which silently falls back to
    # asyncio and h11 when they are missing): the hops benchmark's approvals at 100 req/s
    # spent a fifth of the service's CPU in the asyncio loop and h11's pure-Python parser.
    return [sys.executable, "-m", "uvicorn", module, "--host", "127.0.0.1", "--port", str(port), "--no-proxy-headers",
            "--loop", "uvloop", "--http", "httptools"]


class ServiceStartError(RuntimeError):
    pass


class ServiceSupervisor:
    def __init__(self, profile: RuntimeProfile, command: CommandFactory = uvicorn_command) -> None:
        self._profile = profile
        self._command = command

    def url(self, stage: str) -> str:
        if stage == MAILCATCHER:
            return self._profile.mailcatcher_url
        return self._profile.issuer_url if stage == ISSUER else self._profile.service_url(stage)

    def _port(self, stage: str) -> int:
        if stage == MAILCATCHER:
            return self._profile.mail_http_port
        return self._profile.issuer_port if stage == ISSUER else self._profile.http_ports[stage]

    def _environment(self, stage: str) -> dict[str, str]:
        if stage == MAILCATCHER:
            return mailcatcher_environment(self._profile)
        return issuer_environment(self._profile) if stage == ISSUER else service_environment(self._profile, stage)

    def log_file(self, stage: str) -> Path:
        return self._profile.logs_dir / f"{stage}.log"

    def pid_file(self, stage: str) -> PidFile:
        return PidFile(self._profile.pids_dir / f"{stage}.pid")

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """The lock every spawn, stop and kill (and the watcher's restart) holds; held briefly."""
        self._profile.pids_dir.mkdir(parents=True, exist_ok=True)
        with (self._profile.pids_dir / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def is_running(self, stage: str) -> bool:
        # A crashed process's pid file is left for the watcher (it means "should be running").
        return self.pid_file(stage).process(forget_stale=False) is not None

    def pid(self, stage: str) -> int | None:
        process = self.pid_file(stage).process(forget_stale=False)
        return None if process is None else process.pid

    async def start(self, stage: str, timeout: float = READY_TIMEOUT_S) -> bool:
        """Start the service and wait until GET /readyz answers 200. False if ours was already running."""
        return bool(await self.start_all([stage], timeout))

    def spawn(self, stage: str) -> subprocess.Popen:
        """Start the process (no wait) and record its pid file; the caller holds locked()."""
        port = self._port(stage)
        what = ("development identity provider (issuer)" if stage == ISSUER else "development mail catcher (HTTP)"
                if stage == MAILCATCHER else f"service {stage}")
        if stage == MAILCATCHER:
            ensure_port_free(self._profile.host, self._profile.mail_smtp_port, "development mail catcher (SMTP)")
        ensure_port_free(self._profile.host, port, what)
        log_file = self.log_file(stage)
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("ab") as log:
            log.write(f"\n=== unefois_deploy: starting {stage} at {datetime.now(timezone.utc).isoformat()}\n".encode())
            log.flush()
            process = subprocess.Popen(
                list(self._command(stage, port)),
                env={**os.environ, **self._environment(stage)},
                cwd=self._profile.repo_root,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                # Own session: `up` can exit and leave it running; Ctrl-C in that shell does not reach it.
                start_new_session=True,
            )
        self.pid_file(stage).record(process.pid)
        return process

    async def wait_ready(self, stage: str, timeout: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        last_answer = "no answer yet"
        async with httpx.AsyncClient(base_url=self.url(stage), timeout=2.0) as client:
            while True:
                if not self.is_running(stage):
                    raise ServiceStartError(f"service {stage} exited during start-up\n{tail(self.log_file(stage))}")
                try:
                    response = await client.get("/readyz")
                    if response.status_code == 200:
                        return
                    last_answer = f"HTTP {response.status_code}"
                except httpx.HTTPError as error:
                    last_answer = repr(error)
                if time.monotonic() > deadline:
                    raise ServiceStartError(
                        f"service {stage} not ready at {self.url(stage)}/readyz after {timeout:.0f}s "
                        f"(last: {last_answer})\n{tail(self.log_file(stage))}"
                    )
                await asyncio.sleep(0.2)

    def stop(self, stage: str, timeout: float = STOP_TIMEOUT_S) -> bool:
        """SIGTERM (uvicorn drains and runs the lifespan shutdown), SIGKILL after `timeout`."""
        pid_file = self.pid_file(stage)
        with self.locked():
            process = pid_file.process(forget_stale=False)
            pid_file.clear()  # first: the watcher must not take the exit for a crash
        if process is None:
            return False
        terminate(process, timeout)
        return True

    def kill(self, stage: str) -> None:
        """SIGKILL, as a crash would: no shutdown code runs. For failure tests."""
        pid_file = self.pid_file(stage)
        with self.locked():
            process = pid_file.process(forget_stale=False)
            if process is None:
                raise ServiceStartError(f"service {stage} is not running")
            pid_file.clear()  # first: meant by the caller, not a crash for the watcher to repair
        kill(process)

    async def start_all(self, stages: Iterable[str], timeout: float = READY_TIMEOUT_S) -> list[str]:
        """Start the stages that are not running, all at once, and wait until every one is ready.
        ISSUER (and MAILCATCHER) among them are started (and ready) first.

        Returns the stages this call started. If one fails, the ones this call started are stopped.
        """
        stages = list(stages)
        started: list[str] = []
        waves = [[s for s in stages if s in _FIRST_WAVE], [s for s in stages if s not in _FIRST_WAVE]]
        try:
            for wave in waves:
                with self.locked():
                    for stage in wave:
                        if not self.is_running(stage):
                            self.spawn(stage)
                            started.append(stage)
                # Concurrent waits: the services boot in parallel (no start-up order between them).
                await asyncio.gather(*(self.wait_ready(stage, timeout) for stage in wave))
        except BaseException:
            self.stop_all(started)
            raise
        return started

    def stop_all(self, stages: Iterable[str] = STAGES, timeout: float = STOP_TIMEOUT_S) -> list[str]:
        """Stop them all at once (each drains in parallel); returns the stages that were running."""
        with self.locked():
            running = {stage: self.pid_file(stage).process(forget_stale=False) for stage in stages}
            running = {stage: process for stage, process in running.items() if process is not None}
            for stage in stages:
                self.pid_file(stage).clear()  # first, as in stop()
        terminate_all(list(running.values()), timeout)
        return list(running)
