"""Pid files that remember the process start time, so a recycled pid is never mistaken
for ours (and never killed)."""

from __future__ import annotations

import json
from pathlib import Path

import psutil


class PidFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def record(self, pid: int) -> None:
        process = psutil.Process(pid)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps({"pid": pid, "create_time": process.create_time()}))

    def process(self) -> psutil.Process | None:
        """The live process this file names, or None (and the stale file is removed)."""
        try:
            recorded = json.loads(self.path.read_text())
            process = psutil.Process(recorded["pid"])
            if process.create_time() == recorded["create_time"] and process.status() != psutil.STATUS_ZOMBIE:
                return process
        except (FileNotFoundError, ValueError, KeyError, psutil.NoSuchProcess):
            pass
        self.path.unlink(missing_ok=True)
        return None

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


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
    # wait_procs also reaps the ones that are our children.
    _, still_alive = psutil.wait_procs(processes, timeout=timeout)
    for process in still_alive:
        kill(process)


def kill(process: psutil.Process) -> None:
    """SIGKILL and wait until it is gone (reaped, when it is our child)."""
    try:
        process.kill()
        process.wait(10)
    except psutil.NoSuchProcess:
        pass
