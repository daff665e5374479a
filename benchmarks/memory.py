"""Resident memory of the five service processes (found through the supervisor's pid files) and of
this one, plus the CPU each used during the latency runs. Kafka and PostgreSQL are shown for context."""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass

import psutil

from benchmarks.support import ProcessMemory
from unefois_deploy.pidfile import PidFile
from unefois_deploy.runtime import Runtime


@dataclass
class _Watched:
    name: str
    processes: list[psutil.Process]  # PostgreSQL: the postmaster and its backends
    note: str = ""


def _peak_bytes(process: psutil.Process) -> int | None:
    """VmHWM, the kernel's high-water mark of the resident set (Linux)."""
    try:
        with open(f"/proc/{process.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def _postmaster(runtime: Runtime) -> psutil.Process | None:
    try:
        pid = int((runtime.postgres.data_dir / "postmaster.pid").read_text().split()[0])
        return psutil.Process(pid)
    except (OSError, ValueError, IndexError, psutil.Error):
        return None


def _watched(runtime: Runtime, stages: list[str]) -> list[_Watched]:
    watched = []
    for stage in stages:
        process = PidFile(runtime.profile.pids_dir / f"{stage}.pid").process()
        watched.append(_Watched(f"service {stage}", [process] if process else []))
    watched.append(_Watched("benchmark process", [psutil.Process()], "holds every payload and sample of the run"))
    kafka = runtime.kafka.pid_file.process()
    watched.append(_Watched("Kafka broker (JVM)", [kafka] if kafka else [], "context"))
    postmaster = _postmaster(runtime)
    if postmaster is not None:
        try:
            backends = postmaster.children()
        except psutil.Error:
            backends = []
        watched.append(_Watched("PostgreSQL (all processes)", [postmaster, *backends],
                                "context; PSS sum (shared buffers split between processes), no peak"))
    return watched


def _cpu_seconds(processes: list[psutil.Process]) -> dict[int, float]:
    seconds = {}
    for process in processes:
        try:
            times = process.cpu_times()
            seconds[process.pid] = times.user + times.system
        except psutil.Error:
            pass
    return seconds


class CpuMeter:
    """CPU time used between start() and stop(), as % of one core, per watched process."""

    def __init__(self, runtime: Runtime, stages: list[str]) -> None:
        self._watched = _watched(runtime, stages)
        self._began = time.monotonic()
        self._before = {w.name: _cpu_seconds(w.processes) for w in self._watched}
        self._machine_before = psutil.cpu_times()
        self.percent: dict[str, float] = {}
        self.machine_percent: float | None = None
        self.seconds: float | None = None

    def stop(self) -> None:
        elapsed = time.monotonic() - self._began
        if elapsed <= 0:
            return
        self.seconds = elapsed
        for watched in self._watched:
            after = _cpu_seconds(watched.processes)
            before = self._before[watched.name]
            used = sum(after[pid] - before[pid] for pid in after if pid in before)  # backends that came later: missed
            self.percent[watched.name] = 100 * used / elapsed
        machine = psutil.cpu_times()
        busy = sum(getattr(machine, f) - getattr(self._machine_before, f) for f in ("user", "system", "nice", "irq", "softirq"))
        self.machine_percent = 100 * busy / elapsed


def snapshot(runtime: Runtime, stages: list[str], cpu: CpuMeter | None) -> list[ProcessMemory]:
    measured = []
    for watched in _watched(runtime, stages):
        cpu_percent = cpu.percent.get(watched.name) if cpu else None
        if not watched.processes:
            measured.append(ProcessMemory(watched.name, None, None, None, "not running", cpu_percent))
            continue
        rss = peak = 0
        try:
            if len(watched.processes) > 1:
                # Several processes sharing memory: proportional set sizes add up, resident sets do not.
                rss = sum(process.memory_full_info().pss for process in watched.processes)
            else:
                rss = watched.processes[0].memory_info().rss
                peak = _peak_bytes(watched.processes[0]) or 0
        except psutil.Error:
            measured.append(ProcessMemory(watched.name, None, None, None, "exited while measured", cpu_percent))
            continue
        if watched.name == "benchmark process":
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
        measured.append(ProcessMemory(watched.name, watched.processes[0].pid, rss, peak or None, watched.note, cpu_percent))
    return measured
