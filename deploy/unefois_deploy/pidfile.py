"""Pid files that remember the process start time, so a recycled pid is never mistaken
for ours (and never killed)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import psutil


class PidFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def record(self, pid: int) -> None:
        process = psutil.Process(pid)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps({"pid": pid, "create_time": process.create_time()}))

    def recorded(self) -> dict | None:
        """What the file says ({"pid", "create_time"}), alive or not; None without a readable file."""
        try:
            recorded = json.loads(self.path.read_text())
            return {"pid": int(recorded["pid"]), "create_time": float(recorded["create_time"])}
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None

    def process(self, *, forget_stale: bool = True) -> psutil.Process | None:
        """The live process this file names, or None (and, with forget_stale, the stale file is
        removed; without, a crashed process's file stays for the watcher to find)."""
        process = live_process(self.recorded())
        if process is None and forget_stale:
            self.path.unlink(missing_ok=True)
        return process

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def live_process(recorded: dict | None) -> psutil.Process | None:
    """The live (not zombie) process of a pid file's record, or None: a recycled pid is not it."""
    if recorded is None:
        return None
    try:
        process = psutil.Process(recorded["pid"])
        if process.create_time() == recorded["create_time"] and process.status() != psutil.STATUS_ZOMBIE:
            return process
    except psutil.NoSuchProcess:
        pass
    return None


def terminate(process: psutil.Process, timeout: float) -> None:
    """SIGTERM (graceful shutdown hooks run), then SIGKILL if it is still there after `timeout`."""
    terminate_all([process], timeout)


def terminate_all(processes: list[psutil.Process], timeout: float) -> None:
    """terminate() for several at once: they shut down in parallel, within one `timeout`."""
    for process in processes:
        try:
            process.terminate()
        except psutil.NoSuchProcess:
            pass
    for process in _wait_gone(processes, timeout):
        kill(process)


def kill(process: psutil.Process) -> None:
    """SIGKILL and wait until it is gone (reaped, when it is our child)."""
    try:
        process.kill()
    except psutil.NoSuchProcess:
        return
    if _wait_gone([process], 10):
        raise RuntimeError(f"pid {process.pid} survived SIGKILL for 10 s")


def _wait_gone(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait until they exit; returns those still alive after `timeout`.

    wait_procs reaps our own children. A process started by another live process (another
    test session, say) stays a zombie until that parent reaps it: it holds no port and we
    cannot reap it, so it counts as gone instead of being waited on until the timeout.
    """
    deadline = time.monotonic() + timeout
    pending = list(processes)
    while pending and time.monotonic() < deadline:
        _, pending = psutil.wait_procs(pending, timeout=0.1)
        pending = [process for process in pending if not _zombie_of_another(process)]
    return pending


def _zombie_of_another(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE and process.ppid() != os.getpid()
    except psutil.NoSuchProcess:
        return True
