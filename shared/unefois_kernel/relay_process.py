"""The outbox relay in a process of its own, beside each service process.

In the service's process the relay shared the event loop with the HTTP requests: under load a
NOTIFY waited behind them, and an event waited hundreds of milliseconds before it was even
fetched (issue 12: pickup p99 218-355 ms at 100 approvals/s). Here it runs the same
`OutboxRelay`, on a loop and a core of its own:

    python -m unefois_kernel.relay_process        # settings in UNEFOIS_RELAY_SETTINGS (JSON)

`RelayChild` (used by the ServiceRuntime) starts it with the service's relay settings, restarts
it with back-off when it exits on its own, and stops it (SIGTERM, then SIGKILL) with the service.
The child stops by itself when its parent is gone, so a killed service leaves no orphan relay.
Leadership is unchanged: the advisory lock keeps one publishing relay per database, whatever
the number of replicas and their relay children.

The relay's counters (rows published per topic, failed attempts, transient retries) are counted
in the child, whose registry nobody scrapes: the child writes their totals as a JSON line on a
pipe whenever they change (at most every COUNTERS_INTERVAL_S), and the parent adds what grew to
its own counters, so the service's /metrics shows them as when the relay ran in its process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import time
from dataclasses import asdict, dataclass

from unefois_kernel import metrics
from unefois_kernel.errors import backoff_delays, sleep_or_stop

log = logging.getLogger("unefois.relay")

SETTINGS_VARIABLE = "UNEFOIS_RELAY_SETTINGS"
COUNTERS_FD_VARIABLE = "UNEFOIS_RELAY_COUNTERS_FD"
COUNTERS_INTERVAL_S = 0.25
STOP_TIMEOUT_S = 10.0
PARENT_CHECK_S = 1.0


@dataclass(frozen=True)
class RelaySettings:
    """What the relay child needs of the service's settings (passed as JSON, never logged); the
    defaults are ServiceSettings', taken through `of_service`."""

    service: str
    dsn: str
    bootstrap: str
    batch_size: int
    poll_interval_s: float
    max_attempts: int
    retention_s: float
    initial_backoff_s: float
    max_backoff_s: float
    log_level: str

    @classmethod
    def of_service(cls, settings) -> RelaySettings:
        return cls(service=settings.service_name, dsn=settings.database_url, bootstrap=settings.kafka_bootstrap,
                   batch_size=settings.relay_batch_size, poll_interval_s=settings.relay_poll_interval_s,
                   max_attempts=settings.relay_max_attempts, retention_s=settings.outbox_retention_s,
                   initial_backoff_s=settings.retry_initial_backoff_s, max_backoff_s=settings.retry_max_backoff_s,
                   log_level=settings.log_level)

    def relay(self):
        from unefois_kernel.relay import OutboxRelay  # noqa: PLC0415 - the child's import, not the parent's

        return OutboxRelay(dsn=self.dsn, bootstrap=self.bootstrap, batch_size=self.batch_size,
                           poll_interval_s=self.poll_interval_s, max_attempts=self.max_attempts,
                           retention_s=self.retention_s, initial_backoff_s=self.initial_backoff_s,
                           max_backoff_s=self.max_backoff_s)


class RelayChild:
    """Starts, watches and stops the relay process of one service process."""

    def __init__(self, settings: RelaySettings, *, initial_backoff_s: float = 0.5, max_backoff_s: float = 10.0) -> None:
        self.settings = settings
        self.initial_backoff_s = initial_backoff_s
        self.max_backoff_s = max_backoff_s
        self.process: asyncio.subprocess.Process | None = None
        self.restarts = 0
        self._started_at = 0.0
        self._counters: asyncio.Task | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def _spawn(self) -> asyncio.subprocess.Process:
        read_fd, write_fd = os.pipe()
        environment = os.environ | {SETTINGS_VARIABLE: json.dumps(asdict(self.settings)),
                                    COUNTERS_FD_VARIABLE: str(write_fd)}
        try:
            # Its output goes where the service's goes (the runtime's log file): same JSON lines.
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "unefois_kernel.relay_process",
                env=environment, stdin=asyncio.subprocess.DEVNULL, pass_fds=(write_fd,))
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)  # the child's copy stays open: end of file when the child is gone
        await self._counters_done()  # the previous child's reader, at its end of file
        self._counters = asyncio.create_task(_add_child_counters(read_fd), name="relay-process-counters")
        return process

    async def start(self) -> None:
        """Spawn the first child (the service's start waits for this, not for its leadership)."""
        self.process = await self._spawn()
        self._started_at = time.monotonic()
        log.info("outbox relay process %s started for %s", self.process.pid, self.settings.service)

    async def run(self, stop: asyncio.Event) -> None:
        """Keep a relay child running until `stop` (spawning one if start() was not called); then stop it."""
        delays = backoff_delays(self.initial_backoff_s, self.max_backoff_s)
        try:
            while not stop.is_set():
                if not self.running:
                    await self.start()
                began = self._started_at
                waiting = asyncio.ensure_future(self.process.wait())
                stopping = asyncio.ensure_future(stop.wait())
                await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
                stopping.cancel()
                if stop.is_set():
                    waiting.cancel()
                    break
                if time.monotonic() - began > 60:
                    delays = backoff_delays(self.initial_backoff_s, self.max_backoff_s)  # it had been running well
                delay = next(delays)
                self.restarts += 1
                metrics.RELAY_PROCESS_RESTARTS.inc()
                log.warning("outbox relay process %s exited (code %s); restarting it in %.1fs",
                            self.process.pid, self.process.returncode, delay)
                await sleep_or_stop(stop, delay)
        finally:
            # Cancelled (the service's stop timed out) or stopped: the child goes too.
            await self.terminate()

    async def terminate(self) -> None:
        process = self.process
        if process is None or process.returncode is not None:
            await self._counters_done()
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=STOP_TIMEOUT_S)
        except TimeoutError:
            log.warning("outbox relay process %s did not stop within %.0fs: killed", process.pid, STOP_TIMEOUT_S)
            process.kill()
            await process.wait()
        await self._counters_done()

    async def _counters_done(self) -> None:
        """The child is gone: its last line is read, then the reader ends at the pipe's end of file."""
        reading, self._counters = self._counters, None
        if reading is not None:
            await asyncio.wait({reading}, timeout=2)
            if not reading.done():
                reading.cancel()
            elif not reading.cancelled() and reading.exception() is not None:
                log.warning("reading the relay process's counters failed: %s", reading.exception())


def counter_totals() -> dict:
    """This process's relay counters, as the child reports them."""
    published = {sample.labels["topic"]: sample.value
                 for sample in metrics.OUTBOX_PUBLISHED.collect()[0].samples if sample.name.endswith("_total")}
    failures = sum(sample.value for sample in metrics.OUTBOX_PUBLISH_FAILURES.collect()[0].samples
                   if sample.name.endswith("_total"))
    retries = sum(sample.value for sample in metrics.TRANSIENT_RETRIES.collect()[0].samples
                  if sample.name.endswith("_total") and sample.labels.get("component") == "relay")
    return {"published": published, "failures": failures, "retries": retries}


def add_counter_growth(previous: dict, current: dict) -> None:
    """Add to this process's counters what grew between two of the child's reports."""
    for topic, total in current.get("published", {}).items():
        grown = total - previous.get("published", {}).get(topic, 0)
        if grown > 0:
            metrics.OUTBOX_PUBLISHED.labels(topic).inc(grown)
    grown = current.get("failures", 0) - previous.get("failures", 0)
    if grown > 0:
        metrics.OUTBOX_PUBLISH_FAILURES.inc(grown)
    grown = current.get("retries", 0) - previous.get("retries", 0)
    if grown > 0:
        metrics.TRANSIENT_RETRIES.labels("relay").inc(grown)


async def _add_child_counters(read_fd: int) -> None:
    """Read one child's reports until its end of file (each child counts from zero)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                                os.fdopen(read_fd, "rb", buffering=0))
    previous: dict = {}
    try:
        while line := await reader.readline():
            try:
                current = json.loads(line)
            except ValueError:
                log.warning("unreadable counters line from the relay process")
                continue
            add_counter_growth(previous, current)
            previous = current
    finally:
        transport.close()


async def _report_counters(fd: int, stop: asyncio.Event) -> None:
    # Non-blocking: a parent that stopped reading must not stall the relay; a report that does
    # not fit is dropped, the next one carries the totals. A line is far below PIPE_BUF (atomic).
    os.set_blocking(fd, False)
    last = None
    try:
        while True:
            totals = counter_totals()
            if totals != last:
                try:
                    os.write(fd, json.dumps(totals).encode() + b"\n")
                    last = totals
                except BlockingIOError:
                    pass
                except BrokenPipeError:
                    return
            if stop.is_set():
                return
            await sleep_or_stop(stop, COUNTERS_INTERVAL_S)
    finally:
        os.close(fd)


async def _watch_parent(parent: int, stop: asyncio.Event) -> None:
    # Re-parented (the service died, even by SIGKILL): nothing supervises this relay any more.
    while not stop.is_set():
        if os.getppid() != parent:
            log.warning("the service process %s is gone: the outbox relay stops", parent)
            stop.set()
            return
        await asyncio.sleep(PARENT_CHECK_S)


async def serve(settings: RelaySettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    watcher = asyncio.create_task(_watch_parent(os.getppid(), stop))
    counters_fd = os.environ.get(COUNTERS_FD_VARIABLE)
    reporter = asyncio.create_task(_report_counters(int(counters_fd), stop)) if counters_fd else None
    try:
        await settings.relay().run(stop)
    finally:
        watcher.cancel()
        if reporter is not None:
            stop.set()
            await reporter  # the last totals, after the last batch was marked


def main() -> int:
    from unefois_kernel.logging import configure_logging  # noqa: PLC0415
    from unefois_kernel.telemetry import configure_tracing, shutdown_tracing  # noqa: PLC0415

    raw = os.environ.get(SETTINGS_VARIABLE)
    if not raw:
        print(f"{SETTINGS_VARIABLE} is not set: this process is started by the service runtime", file=sys.stderr)
        return 2
    settings = RelaySettings(**json.loads(raw))
    configure_logging(settings.service, settings.log_level)
    configure_tracing(settings.service)  # the relay's "outbox publish" spans, under the service's name
    try:
        asyncio.run(serve(settings))
    finally:
        shutdown_tracing()
    return 0


if __name__ == "__main__":
    sys.exit(main())
