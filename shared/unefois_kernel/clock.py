"""The platform's one clock.

Every business date or instant comes from a `Clock`: services, handlers and schedulers receive the runtime's
clock (`ServiceRuntime.clock`) instead of reading the wall clock, so tests can set the time. Instants are aware
and in UTC; calendar dates are those of the platform's time zone (Europe/Paris), where the law counts days
(deadlines, notification and publication dates). `shared/tests/test_no_wall_clock.py` keeps `datetime.now()`
and `date.today()` out of the rest of the code.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

PLATFORM_TZ = ZoneInfo("Europe/Paris")


def _aware_utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("a clock instant must be timezone-aware")
    return at.astimezone(UTC)


def paris_date(at: datetime) -> date:
    """The Europe/Paris calendar date of an aware instant."""
    return _aware_utc(at).astimezone(PLATFORM_TZ).date()


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        ...

    def today(self) -> date:
        """The current Europe/Paris calendar date."""
        ...


class SystemClock:
    """The wall clock: what running services use."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return paris_date(self.now())

    def __repr__(self) -> str:
        return "SystemClock()"


class SettableClock:
    """A clock that only moves when told to: for tests and replays."""

    def __init__(self, at: datetime) -> None:
        self._at = _aware_utc(at)

    def now(self) -> datetime:
        return self._at

    def today(self) -> date:
        return paris_date(self._at)

    def set(self, at: datetime) -> None:
        self._at = _aware_utc(at)

    def advance(self, delta: timedelta) -> datetime:
        self._at = self._at + delta
        return self._at

    def __repr__(self) -> str:
        return f"SettableClock({self._at.isoformat()})"


SYSTEM_CLOCK: Clock = SystemClock()


class ShiftedClock:
    """A clock that starts at a chosen instant and runs at the real pace from there.

    What the test profile's services run on (UNEFOIS_<SERVICE>_CLOCK_START, set by
    unefois_deploy for that profile): every service of an end-to-end test shares one known
    calendar (thresholds, deadlines and year-based numbers do not depend on the day the suite
    runs) while time still passes for what waits on it."""

    def __init__(self, start: datetime, *, elapsed: Callable[[], float] = time.monotonic) -> None:
        self._start = _aware_utc(start)
        self._elapsed = elapsed
        self._origin = elapsed()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed() - self._origin)

    def today(self) -> date:
        return paris_date(self.now())

    def __repr__(self) -> str:
        return f"ShiftedClock(start={self._start.isoformat()})"



class FileClock:
    """A clock whose instant is kept in a file, which the local runtime's tools move (dev and test
    profiles only: `python -m unefois_deploy clock`, the tests' `clock` fixture).

    Why a file: an end-to-end test runs a whole consultation (bid deadline, standstill) in seconds
    by moving the clock of every service process at once, and a restarted service must go on at
    the same instant instead of starting its calendar again. The file holds an instant and the
    wall-clock reading when it was set; `now()` is that instant plus the wall time elapsed since,
    so the clock runs at the real pace between moves and every process reads the same time. The
    file is re-read only when it changes (one stat per call). No route moves it: a deployment
    that does not set UNEFOIS_<SERVICE>_CLOCK_FILE runs on the system clock."""

    def __init__(self, path: Path, *, wall: Callable[[], float] = time.time) -> None:
        self._path = Path(path)
        self._wall = wall
        self._signature: tuple[int, int, int] | None = None
        self._base: tuple[datetime, float] | None = None
        self._reading()  # a missing or unreadable file fails at start, not at the first request

    def _reading(self) -> tuple[datetime, float]:
        try:
            stat = os.stat(self._path)
        except FileNotFoundError:
            if self._base is None:
                raise
            return self._base  # removed while running (a runtime being wiped): keep the last instant
        signature = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if signature != self._signature:
            self._base = read_clock_file(self._path)
            self._signature = signature
        return self._base

    def now(self) -> datetime:
        instant, set_at = self._reading()
        return instant + timedelta(seconds=self._wall() - set_at)

    def today(self) -> date:
        return paris_date(self.now())

    def __repr__(self) -> str:
        return f"FileClock({self._path})"


def read_clock_file(path: Path) -> tuple[datetime, float]:
    """The instant a clock file holds and the wall-clock reading (epoch seconds) it was set at."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return _aware_utc(datetime.fromisoformat(data["instant"])), float(data["set_at"])


def clock_file_now(path: Path, *, wall: Callable[[], float] = time.time) -> datetime:
    """What the FileClocks reading `path` say it is now."""
    instant, set_at = read_clock_file(path)
    return instant + timedelta(seconds=wall() - set_at)


def set_clock_file(path: Path, instant: datetime, *, wall: Callable[[], float] = time.time) -> datetime:
    """Set the clocks reading `path` to `instant` (atomically: a reader sees the old or the new file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    instant = _aware_utc(instant)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"instant": instant.isoformat(), "set_at": wall()}), encoding="utf-8")
    os.replace(temporary, path)
    return instant


def advance_clock_file(path: Path, delta: timedelta, *, wall: Callable[[], float] = time.time) -> datetime:
    """Move the clocks reading `path` by `delta` from what they say now; returns the new instant."""
    return set_clock_file(path, clock_file_now(path, wall=wall) + delta, wall=wall)
