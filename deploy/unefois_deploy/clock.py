"""The local runtimes' clock: one file every service of a profile reads (unefois_kernel.clock.FileClock).

`python -m unefois_deploy clock --profile test --advance 16d` moves every service's clock at once
(a bid deadline, a standstill passed in a second); `--set 2026-12-20T09:00+01:00` sets it;
`--real` puts it back on the machine's time; without an option it prints the instant. The test
profile starts on TEST_CLOCK_START (a known calendar), the development profile on the real time.
Only these two profiles have the file; a deployment never sets UNEFOIS_<SERVICE>_CLOCK_FILE.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from unefois_kernel.clock import PLATFORM_TZ, advance_clock_file, clock_file_now, set_clock_file

from unefois_deploy.config import RuntimeProfile

CLOCK_FILE = "clock.json"
_DELTA = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(d|h|m|s)\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def clock_file(profile: RuntimeProfile) -> Path:
    return profile.runtime_dir / CLOCK_FILE


def ensure_clock_file(profile: RuntimeProfile) -> Path:
    """The profile's clock file, created on its start instant the first time (a running clock is
    never set back by a service's start or restart: it goes on where it is)."""
    path = clock_file(profile)
    if not path.exists():
        set_clock_file(path, profile.clock_start or datetime.now(UTC))
    return path


def reset_clock_file(profile: RuntimeProfile) -> None:
    """Forget the clock (with the data it dated): the next start begins on the start instant again."""
    clock_file(profile).unlink(missing_ok=True)


def parse_delta(text: str) -> timedelta:
    """'16d', '2h', '30m', '90s' (negative allowed) as a timedelta; ValueError naming the format."""
    match = _DELTA.match(text)
    if match is None:
        raise ValueError(f"durée illisible « {text} » : un nombre suivi de d, h, m ou s (ex. 16d, 2h)")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


def now(profile: RuntimeProfile) -> datetime:
    return clock_file_now(ensure_clock_file(profile))


def advance(profile: RuntimeProfile, delta: timedelta) -> datetime:
    return advance_clock_file(ensure_clock_file(profile), delta)


def set_to(profile: RuntimeProfile, instant: datetime) -> datetime:
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=PLATFORM_TZ)  # a time without zone is a Paris time
    return set_clock_file(ensure_clock_file(profile), instant)


def to_real_time(profile: RuntimeProfile) -> datetime:
    return set_clock_file(ensure_clock_file(profile), datetime.now(UTC))


def describe(instant: datetime) -> str:
    paris = instant.astimezone(PLATFORM_TZ)
    drift = instant - datetime.now(UTC)
    days = drift.total_seconds() / 86400
    offset = "à l’heure réelle" if abs(days) < 1 / 1440 else f"{days:+.2f} jours par rapport à l’heure réelle"
    return f"{paris:%d/%m/%Y %H:%M:%S} (heure de Paris), {offset}"
