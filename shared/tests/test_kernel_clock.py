"""The kernel clock: UTC instants, Europe/Paris calendar dates, a settable clock for tests."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from unefois_kernel.clock import Clock, SettableClock, SystemClock, paris_date


def test_system_clock_is_aware_utc_and_today_is_the_paris_date() -> None:
    clock = SystemClock()
    before = datetime.now(UTC)
    now = clock.now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(UTC)
    assert clock.today() in {paris_date(before), paris_date(datetime.now(UTC))}
    assert isinstance(clock, Clock)


def test_new_year_in_paris_before_utc() -> None:
    clock = SettableClock(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    assert clock.now().date() == date(2026, 12, 31)
    assert clock.today() == date(2027, 1, 1)
    assert isinstance(clock, Clock)


def test_paris_date_is_the_utc_date_early_in_the_evening() -> None:
    # Winter: UTC+1, so 22:59Z is still the same day in Paris, 23:00Z is the next one.
    assert SettableClock(datetime(2026, 1, 15, 22, 59, tzinfo=UTC)).today() == date(2026, 1, 15)
    assert SettableClock(datetime(2026, 1, 15, 23, 0, tzinfo=UTC)).today() == date(2026, 1, 16)


def test_daylight_saving_time_moves_the_paris_midnight() -> None:
    # Summer: UTC+2, so 22:00Z is already the next day in Paris.
    assert SettableClock(datetime(2026, 7, 14, 21, 59, tzinfo=UTC)).today() == date(2026, 7, 14)
    assert SettableClock(datetime(2026, 7, 14, 22, 0, tzinfo=UTC)).today() == date(2026, 7, 15)
    # 2026-03-29: clocks go forward at 01:00Z; 2026-10-25: back at 01:00Z.
    assert SettableClock(datetime(2026, 3, 28, 22, 30, tzinfo=UTC)).today() == date(2026, 3, 28)
    assert SettableClock(datetime(2026, 3, 29, 22, 30, tzinfo=UTC)).today() == date(2026, 3, 30)
    assert SettableClock(datetime(2026, 10, 24, 22, 30, tzinfo=UTC)).today() == date(2026, 10, 25)
    assert SettableClock(datetime(2026, 10, 25, 22, 30, tzinfo=UTC)).today() == date(2026, 10, 25)


def test_set_and_advance() -> None:
    clock = SettableClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    assert clock.advance(timedelta(hours=11, minutes=30)) == datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert clock.today() == date(2026, 3, 2)
    clock.set(datetime(2026, 5, 1, 8, 0, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == datetime(2026, 5, 1, 6, 0, tzinfo=UTC)
    assert clock.now().utcoffset() == timedelta(0)
    assert clock.today() == date(2026, 5, 1)
    # A settable clock stays put until told to move.
    assert clock.now() == clock.now()


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError):
        SettableClock(datetime(2026, 1, 1, 12, 0))
    clock = SettableClock(datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 1, 1, 12, 0))


def test_the_runtime_holds_the_injected_clock_and_gives_it_to_handler_factories() -> None:
    from unefois_kernel.app import ConsumerSpec, ServiceDefinition, ServiceRuntime
    from unefois_kernel.settings import ServiceSettings

    settings = ServiceSettings(service_name="sourcing", database_url="postgresql://unused")
    definition = ServiceDefinition(name="sourcing", package="unefois_sourcing", title="t")
    assert isinstance(ServiceRuntime(definition, settings).clock, SystemClock)
    settable = SettableClock(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    runtime = ServiceRuntime(definition, settings, settable)
    assert runtime.clock is settable and runtime.dlq.clock is settable
    from dataclasses import replace

    assert ServiceRuntime(replace(definition, clock=settable), settings).clock is settable

    async def handler(conn, incoming) -> None: ...

    given = []
    spec = ConsumerSpec("c", ("t",), lambda uows: given.append(uows.clock) or {"type": handler})
    assert spec.handlers_for(runtime.uow) == {"type": handler} and given == [settable]
    assert ConsumerSpec("c", ("t",), {"type": handler}).handlers_for(runtime.uow) == {"type": handler}


def test_a_shifted_clock_starts_where_told_and_runs_at_the_real_pace() -> None:
    from unefois_kernel.clock import ShiftedClock

    ticks = iter([100.0, 100.0, 190.5, 86_500.0])
    clock = ShiftedClock(datetime(2026, 11, 30, 8, 0, tzinfo=UTC), elapsed=lambda: next(ticks))
    assert clock.now() == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert clock.now() == datetime(2026, 11, 30, 8, 1, 30, 500_000, tzinfo=UTC)
    assert clock.today() == date(2026, 12, 1)  # 86,400 s later: the next Paris day
    with pytest.raises(ValueError):
        ShiftedClock(datetime(2026, 11, 30, 8, 0))


def test_a_service_with_a_clock_start_runs_on_a_shifted_clock() -> None:
    from unefois_kernel.app import ServiceDefinition, ServiceRuntime
    from unefois_kernel.clock import ShiftedClock
    from unefois_kernel.settings import ServiceSettings

    definition = ServiceDefinition(name="tendering", package="unefois_tendering", title="t")
    settings = ServiceSettings(service_name="tendering", database_url="postgresql://unused",
                               clock_start="2026-11-30T09:00:00+01:00")
    runtime = ServiceRuntime(definition, settings)
    assert isinstance(runtime.clock, ShiftedClock)
    assert runtime.clock.today() == date(2026, 11, 30)
    assert abs(runtime.clock.now() - datetime(2026, 11, 30, 8, 0, tzinfo=UTC)) < timedelta(seconds=5)
    with pytest.raises(ValueError, match="offset"):
        ServiceSettings(service_name="tendering", database_url="postgresql://unused", clock_start="2026-11-30T09:00:00")


def test_file_clocks_read_one_instant_and_follow_its_moves(tmp_path) -> None:
    from unefois_kernel.clock import FileClock, advance_clock_file, set_clock_file

    wall = [1_000.0]
    path = tmp_path / "clock.json"
    set_clock_file(path, datetime(2026, 11, 30, 8, 0, tzinfo=UTC), wall=lambda: wall[0])
    # Two readers: two service processes of one runtime.
    first, second = FileClock(path, wall=lambda: wall[0]), FileClock(path, wall=lambda: wall[0])
    wall[0] += 90
    assert first.now() == second.now() == datetime(2026, 11, 30, 8, 1, 30, tzinfo=UTC)
    advance_clock_file(path, timedelta(days=16), wall=lambda: wall[0])
    assert first.now() == second.now() == datetime(2026, 12, 16, 8, 1, 30, tzinfo=UTC)
    assert first.today() == date(2026, 12, 16)
    # A reader started after the move (a restarted service) goes on at the same instant.
    wall[0] += 10
    assert FileClock(path, wall=lambda: wall[0]).now() == first.now() == datetime(2026, 12, 16, 8, 1, 40, tzinfo=UTC)
    set_clock_file(path, datetime(2026, 12, 1, 10, 0, tzinfo=UTC), wall=lambda: wall[0])
    assert second.now() == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def test_a_file_clock_needs_its_file_at_start_and_keeps_its_instant_if_it_goes(tmp_path) -> None:
    from unefois_kernel.clock import FileClock, set_clock_file

    path = tmp_path / "clock.json"
    with pytest.raises(FileNotFoundError):
        FileClock(path)
    set_clock_file(path, datetime(2026, 11, 30, 8, 0, tzinfo=UTC), wall=lambda: 5.0)
    clock = FileClock(path, wall=lambda: 5.0)
    path.unlink()
    assert clock.now() == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_a_service_with_a_clock_file_runs_on_it(tmp_path) -> None:
    from unefois_kernel.app import ServiceDefinition, ServiceRuntime
    from unefois_kernel.clock import FileClock, set_clock_file
    from unefois_kernel.settings import ServiceSettings

    path = tmp_path / "clock.json"
    set_clock_file(path, datetime(2027, 1, 4, 8, 0, tzinfo=UTC))
    definition = ServiceDefinition(name="tendering", package="unefois_tendering", title="t")
    settings = ServiceSettings(service_name="tendering", database_url="postgresql://unused", clock_file=path,
                               clock_start="2026-11-30T09:00:00+01:00")
    runtime = ServiceRuntime(definition, settings)
    assert isinstance(runtime.clock, FileClock)  # the file wins over the start instant
    assert runtime.clock.today() == date(2027, 1, 4)
