"""The watcher: a small daemon that restarts a service whose process died.

`up` starts it (`python -m unefois_deploy watch`, pid file <runtime>/pids/watcher.pid) once
the services are ready; `down` stops it before the services, so an intended stop is never
"repaired". It reads what the supervisor writes (unefois_deploy.services): a service whose
pid file still names a process that is gone crashed (SIGKILL, OOM, a fatal error); a service
without a pid file was stopped on purpose (stop(), kill(), `down`) and is left alone.

A crashed service is restarted after a back-off that doubles with each crash in the window
(BackoffPolicy: 1 s, 2 s, 4 s ... capped at 60 s); after `max_crashes` crashes within
`window_s` the watcher gives up on that service and says so. Every crash, restart and
give-up is one JSON line in <runtime>/logs/watcher.log (with the exit code or the signal
when the watcher started the process and so could reap it); the counts are in
<runtime>/watcher-state.json, which `status` shows.

The pytest plugin does not start a watcher: the test runtime's services are watched only
when asked (`python -m unefois_deploy watch --profile test`), and even then a test's
Platform.kill() goes through ServiceSupervisor.kill(), an intended stop the watcher leaves to
the test's own Platform.start().
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from unefois_deploy.config import RuntimeProfile
from unefois_deploy.pidfile import PidFile, live_process, terminate
from unefois_deploy.services import ServiceSupervisor

WATCHER = "watcher"
POLL_S = 0.5
# After a restart the watcher asks GET /healthz (public, unlike the detailed /readyz) until
# the service answers, and logs "serving" with the time it took, or "not serving" after this.
SERVING_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class BackoffPolicy:
    initial_s: float = 1.0
    factor: float = 2.0
    cap_s: float = 60.0
    max_crashes: int = 5  # within window_s: then the watcher gives up on the service
    window_s: float = 300.0

    def delay(self, crashes_in_window: int) -> float:
        """The wait before the restart that follows the n-th crash of the window (n >= 1)."""
        return min(self.initial_s * self.factor ** max(crashes_in_window - 1, 0), self.cap_s)


@dataclass
class ServiceState:
    """What the watcher knows of one service; the persisted part is what `status` shows."""

    restarts: int = 0
    crashes: int = 0
    last_exit: str | None = None
    last_crash_at: str | None = None
    restart_due_at: str | None = None
    gave_up: bool = False
    # Not persisted:
    recorded: dict | None = field(default=None, repr=False)
    child: subprocess.Popen | None = field(default=None, repr=False)
    crash_times: deque = field(default_factory=deque, repr=False)
    restart_at: float | None = field(default=None, repr=False)  # monotonic
    restarted_at: float | None = field(default=None, repr=False)  # monotonic; None once serving

    def public(self) -> dict:
        keys = ("restarts", "crashes", "last_exit", "last_crash_at", "restart_due_at", "gave_up")
        return {key: getattr(self, key) for key in keys}


def state_file(profile: RuntimeProfile) -> Path:
    return profile.runtime_dir / "watcher-state.json"


def events_file(profile: RuntimeProfile) -> Path:
    return profile.logs_dir / "watcher.log"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "exit status unknown (not started by this watcher, so not its to reap)"
    if returncode < 0:
        try:
            return f"killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


class Watcher:
    def __init__(
        self,
        supervisor: ServiceSupervisor,
        profile: RuntimeProfile,
        services: Sequence[str],
        policy: BackoffPolicy = BackoffPolicy(),
    ) -> None:
        self.supervisor = supervisor
        self.profile = profile
        self.services = list(services)
        self.policy = policy
        self.states = {service: ServiceState() for service in self.services}
        self._stop = threading.Event()

    # --- the loop -----------------------------------------------------------------------

    def run(self, poll_s: float = POLL_S) -> None:
        self._log(None, "watching", services=self.services, policy=asdict(self.policy), pid=os.getpid())
        self._save()
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(poll_s)
        self._log(None, "stopped", pid=os.getpid())

    def stop(self) -> None:
        self._stop.set()

    def tick(self) -> None:
        changed = False
        for service in self.services:
            changed |= self._check(service, self.states[service])
        if changed:
            self._save()

    def _check(self, service: str, state: ServiceState) -> bool:
        if state.restarted_at is not None:
            self._check_serving(service, state)
        if state.child is not None and state.child.poll() is not None and state.recorded is None:
            state.child = None  # reaped after an intended stop
        if state.gave_up:
            recorded = self.supervisor.pid_file(service).recorded()
            if live_process(recorded) is None:
                return False
            # Started again by hand (`up`): watched again, with a fresh window.
            state.gave_up, state.recorded = False, recorded
            state.crash_times.clear()
            self._log(service, "watching again", pid=recorded["pid"])
            return True
        now = time.monotonic()
        with self.supervisor.locked():
            pid_file = self.supervisor.pid_file(service)
            recorded = pid_file.recorded()
            if state.restart_at is not None:
                if recorded is not None and live_process(recorded) is not None:
                    # Started meanwhile by someone else (`up`, a test): theirs is kept.
                    state.restart_at, state.restart_due_at, state.recorded = None, None, recorded
                    self._log(service, "started by another", pid=recorded["pid"])
                    return True
                if now < state.restart_at:
                    return False
                return self._restart(service, state)
            if recorded is None:
                state.recorded = None  # never started, or stopped on purpose
                return False
            if live_process(recorded) is not None:
                state.recorded = recorded
                return False
            # The pid file names a process that is gone: a crash.
            returncode = None
            if state.child is not None and state.child.pid == recorded["pid"]:
                returncode = state.child.wait()
                state.child = None
            pid_file.clear()
            return self._crashed(service, state, recorded["pid"], describe_exit(returncode))

    def _crashed(self, service: str, state: ServiceState, pid: int | None, exit_text: str) -> bool:
        now = time.monotonic()
        state.crash_times.append(now)
        while state.crash_times and now - state.crash_times[0] > self.policy.window_s:
            state.crash_times.popleft()
        state.crashes += 1
        state.last_exit = exit_text
        state.last_crash_at = _now()
        state.recorded = None
        in_window = len(state.crash_times)
        if in_window >= self.policy.max_crashes:
            state.gave_up, state.restart_at, state.restart_due_at = True, None, None
            self._log(service, "gave up", pid=pid, exit=exit_text, crashes_in_window=in_window,
                      window_s=self.policy.window_s,
                      hint="see its log; `python -m unefois_deploy up` starts it again, and it is watched again")
            return True
        delay = self.policy.delay(in_window)
        state.restart_at = now + delay
        state.restart_due_at = datetime.fromtimestamp(time.time() + delay, UTC).isoformat(timespec="milliseconds")
        self._log(service, "crashed", pid=pid, exit=exit_text, crashes_in_window=in_window, restart_in_s=delay)
        return True

    def _restart(self, service: str, state: ServiceState) -> bool:
        """Holds the supervisor's lock (from _check)."""
        state.restart_at, state.restart_due_at = None, None
        try:
            child = self.supervisor.spawn(service)
        except (RuntimeError, OSError) as error:
            self._log(service, "restart failed", error=str(error))
            return self._crashed(service, state, None, f"restart failed: {error}")
        state.child = child
        state.recorded = self.supervisor.pid_file(service).recorded()
        state.restarted_at = time.monotonic()
        state.restarts += 1
        self._log(service, "restarted", pid=child.pid, restarts=state.restarts,
                  log=str(self.supervisor.log_file(service)))
        return True

    def _check_serving(self, service: str, state: ServiceState) -> None:
        waited = time.monotonic() - state.restarted_at
        if state.recorded is None:  # crashed again, or stopped, before answering
            state.restarted_at = None
            return
        try:
            serving = httpx.get(f"{self.supervisor.url(service)}/healthz", timeout=0.3).status_code == 200
        except httpx.HTTPError:
            serving = False
        if serving:
            state.restarted_at = None
            self._log(service, "serving", pid=state.recorded["pid"], after_s=round(waited, 2))
        elif waited > SERVING_TIMEOUT_S:
            state.restarted_at = None
            self._log(service, "not serving", pid=state.recorded["pid"], after_s=round(waited, 2),
                      log=str(self.supervisor.log_file(service)))

    # --- records ------------------------------------------------------------------------

    def _log(self, service: str | None, event: str, **details) -> None:
        path = events_file(self.profile)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = {"at": _now(), "event": event, **({"service": service} if service else {}), **details}
        with path.open("a") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")

    def _save(self) -> None:
        path = state_file(self.profile)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"pid": os.getpid(), "updated_at": _now(),
                                   "services": {name: state.public() for name, state in self.states.items()}}))
        tmp.replace(path)


# --- the daemon, as `up`, `down` and `status` see it ----------------------------------------


def watcher_pid_file(profile: RuntimeProfile) -> PidFile:
    return PidFile(profile.pids_dir / f"{WATCHER}.pid")


def is_watching(profile: RuntimeProfile) -> bool:
    return watcher_pid_file(profile).process() is not None


def profile_environment(profile: RuntimeProfile) -> dict[str, str]:
    """The variables that make load_profile(profile.name) in the daemon give this very profile
    (its runtime directory and ports), so what it restarts is configured as `up` configured it."""
    prefix = f"UNEFOIS_{profile.name.upper()}_"
    environment = {
        "UNEFOIS_REPO_ROOT": str(profile.repo_root),
        "UNEFOIS_KAFKA_LIBS": str(profile.kafka_libs),
        "UNEFOIS_TOPIC_PARTITIONS": str(profile.topic_partitions),
        prefix + "RUNTIME_DIR": str(profile.runtime_dir),
        prefix + "KAFKA_PORT": str(profile.kafka_port),
        prefix + "KAFKA_CONTROLLER_PORT": str(profile.kafka_controller_port),
        prefix + "POSTGRES_PORT": str(profile.postgres_port),
        prefix + "ISSUER_HTTP_PORT": str(profile.issuer_port),
        prefix + "MAIL_SMTP_PORT": str(profile.mail_smtp_port),
        prefix + "MAIL_HTTP_PORT": str(profile.mail_http_port),
        prefix + "LOGIN_RATE_LIMIT": profile.login_rate_limit,
        prefix + "PUBLIC_RATE_LIMIT": profile.public_rate_limit,
        **{f"{prefix}{stage.upper()}_HTTP_PORT": str(port) for stage, port in profile.http_ports.items()},
    }
    if profile.clock_start is not None:
        environment[prefix + "CLOCK_START"] = profile.clock_start.isoformat()
    return environment


def start_watcher(profile: RuntimeProfile, services: Iterable[str], extra_args: Sequence[str] = ()) -> bool:
    """Start the daemon for these services; False if one is already watching this runtime."""
    pid_file = watcher_pid_file(profile)
    if pid_file.process() is not None:
        return False
    profile.logs_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "unefois_deploy", "watch", "--profile", profile.name,
               "--services", ",".join(services), *extra_args]
    with (profile.logs_dir / "watcher.out").open("ab") as output:
        process = subprocess.Popen(command, cwd=profile.repo_root, env={**os.environ, **profile_environment(profile)},
                                   stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    pid_file.record(process.pid)
    return True


def stop_watcher(profile: RuntimeProfile, timeout: float = 10.0) -> bool:
    pid_file = watcher_pid_file(profile)
    process = pid_file.process()
    if process is None:
        return False
    terminate(process, timeout)
    pid_file.clear()
    return True


def read_state(profile: RuntimeProfile) -> dict:
    """The last counts the watcher saved ({} if none ever ran for this runtime)."""
    try:
        return json.loads(state_file(profile).read_text())
    except (FileNotFoundError, ValueError):
        return {}


def run_daemon(profile: RuntimeProfile, services: Sequence[str], policy: BackoffPolicy) -> None:
    """The body of `python -m unefois_deploy watch`: runs until SIGTERM or SIGINT."""
    watcher = Watcher(ServiceSupervisor(profile), profile, services, policy)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: watcher.stop())
    watcher.run()
