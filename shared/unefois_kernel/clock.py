"""The platform's one clock.

Every business date or instant comes from a `Clock`: services, handlers and schedulers receive the runtime's
clock (`ServiceRuntime.clock`) instead of reading the wall clock, so tests can set the time. Instants are aware
and in UTC; calendar dates are those of the platform's time zone (Europe/Paris), where the law counts days
(deadlines, notification and publication dates). `shared/tests/test_no_wall_clock.py` keeps `datetime.now()`
and `date.today()` out of the rest of the code.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
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

