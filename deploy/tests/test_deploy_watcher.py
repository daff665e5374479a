"""The watcher restarts a process that died, with a growing back-off, logs it, gives up after
too many crashes, and leaves an intended stop alone. A real process (a stand-in that only
sleeps) under the real supervisor and watcher code; SIGKILL from outside, as kill -9 or the
OOM killer would."""

import dataclasses
import json
import os
import signal
import socket
import sys
import threading
import time
from types import MappingProxyType

import pytest
from unefois_deploy.config import STAGES, load_profile
from unefois_deploy.services import ServiceSupervisor
from unefois_deploy.watcher import BackoffPolicy, Watcher, events_file, read_state

POLL_S = 0.05


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stand_in(stage: str, port: int) -> list[str]:
    return [sys.executable, "-c", "import time; time.sleep(600)"]


@pytest.fixture
def profile(tmp_path):
    return dataclasses.replace(
        load_profile("test"), runtime_dir=tmp_path / "runtime",
        http_ports=MappingProxyType({stage: _free_port() for stage in STAGES}),
    )


@pytest.fixture
def supervisor(profile):
    supervisor = ServiceSupervisor(profile, _stand_in)
    yield supervisor
    supervisor.stop_all(STAGES, timeout=2)


@pytest.fixture
def watch(supervisor, profile):
    """watch(policy) -> the Watcher, running in a thread over "tendering" until the test ends."""
    running: list[tuple[Watcher, threading.Thread]] = []

    def start(policy: BackoffPolicy) -> Watcher:
        watcher = Watcher(supervisor, profile, ["tendering"], policy)
        thread = threading.Thread(target=watcher.run, kwargs={"poll_s": POLL_S}, daemon=True)
        thread.start()
        running.append((watcher, thread))
        return watcher

    yield start
    for watcher, thread in running:
        watcher.stop()
        thread.join(5)


def _events(profile, event=None) -> list[dict]:
    try:
        lines = events_file(profile).read_text().splitlines()
    except FileNotFoundError:
        return []
    events = [json.loads(line) for line in lines]
    return [e for e in events if event is None or e["event"] == event]


def _wait_for(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"not within {timeout}s")


def _start(supervisor) -> int:
    with supervisor.locked():
        supervisor.spawn("tendering")
    return supervisor.pid("tendering")


def _kill_and_time_the_restart(supervisor, pid: int) -> tuple[int, float]:
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    new_pid = _wait_for(lambda: (p := supervisor.pid("tendering")) not in (None, pid) and p)
    return new_pid, time.monotonic() - killed_at


def test_a_killed_service_comes_back_by_itself_with_a_growing_back_off(supervisor, profile, watch):
    policy = BackoffPolicy(initial_s=0.3, factor=2, cap_s=1.0, max_crashes=10, window_s=60)
    pid = _start(supervisor)
    watch(policy)
    _wait_for(lambda: _events(profile, "watching"))

    waits = []
    for _ in range(4):
        pid, waited = _kill_and_time_the_restart(supervisor, pid)
        waits.append(waited)
        assert supervisor.is_running("tendering")

    crashes = _events(profile, "crashed")
    assert [c["restart_in_s"] for c in crashes] == [0.3, 0.6, 1.0, 1.0]  # doubling, capped
    for waited, crash in zip(waits, crashes, strict=True):
        assert waited >= crash["restart_in_s"]
    assert waits[2] > waits[0]  # measured, not only announced (0.7 s apart)
    # The first process was not the watcher's child: it cannot know how it ended. The next
    # ones it started and reaped.
    assert crashes[0]["exit"].startswith("exit status unknown")
    assert all(c["exit"] == "killed by signal SIGKILL" for c in crashes[1:])
    restarted = _events(profile, "restarted")
    assert [r["restarts"] for r in restarted] == [1, 2, 3, 4]
    assert restarted[-1]["pid"] == pid
    _wait_for(lambda: read_state(profile).get("services", {}).get("tendering", {}).get("restarts") == 4)


def test_the_watcher_gives_up_after_too_many_crashes_in_the_window_and_says_so(supervisor, profile, watch):
    watch(BackoffPolicy(initial_s=0.1, cap_s=0.1, max_crashes=3, window_s=60))
    pid = _start(supervisor)
    for _ in range(2):
        pid, _ = _kill_and_time_the_restart(supervisor, pid)
    os.kill(pid, signal.SIGKILL)
    gave_up = _wait_for(lambda: _events(profile, "gave up"))
    assert gave_up[0]["service"] == "tendering" and gave_up[0]["crashes_in_window"] == 3
    time.sleep(0.5)
    assert not supervisor.is_running("tendering")
    assert len(_events(profile, "restarted")) == 2
    assert read_state(profile)["services"]["tendering"]["gave_up"] is True

    # `up` starts it again by hand: watched again, with a fresh window.
    pid = _start(supervisor)
    _wait_for(lambda: _events(profile, "watching again"))
    pid, _ = _kill_and_time_the_restart(supervisor, pid)
    assert _events(profile, "crashed")[-1]["crashes_in_window"] == 1
    assert read_state(profile)["services"]["tendering"]["gave_up"] is False


@pytest.mark.parametrize("how", ["stop", "kill"])
def test_an_intended_stop_is_not_repaired(supervisor, profile, watch, how):
    """stop() (down, the end of a test session) and kill() (Platform.kill in the fault tests,
    which restart the service themselves) remove the pid file first: no crash for the watcher."""
    watch(BackoffPolicy(initial_s=0.05))
    _start(supervisor)
    _wait_for(lambda: _events(profile, "watching"))
    time.sleep(3 * POLL_S)
    getattr(supervisor, how)("tendering")
    time.sleep(0.5)
    assert not supervisor.is_running("tendering")
    assert _events(profile, "crashed") == [] and _events(profile, "restarted") == []


def test_a_service_started_again_by_someone_else_during_the_back_off_is_kept(supervisor, profile, watch):
    watch(BackoffPolicy(initial_s=2.0))
    pid = _start(supervisor)
    _wait_for(lambda: _events(profile, "watching"))
    os.kill(pid, signal.SIGKILL)
    _wait_for(lambda: _events(profile, "crashed"))
    theirs = _start(supervisor)  # e.g. `up` run again, or a test's Platform.start()
    _wait_for(lambda: _events(profile, "started by another"))
    time.sleep(2.2)
    assert supervisor.pid("tendering") == theirs
    assert _events(profile, "restarted") == []


def test_the_daemon_loads_the_very_profile_up_had(monkeypatch, profile):
    """`up` passes its profile (runtime directory, ports) to the daemon it starts, so a
    restart uses the same ports and environment whatever the daemon's shell exported."""
    from unefois_deploy.watcher import profile_environment

    for name, value in profile_environment(profile).items():
        monkeypatch.setenv(name, value)
    assert load_profile("test") == profile
