import dataclasses
import json
import stat

import pytest

from unefois_deploy.config import load_profile
from unefois_deploy.environment import service_environment


def test_service_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    profile = dataclasses.replace(load_profile("dev"), runtime_dir=tmp_path)
    env = service_environment(profile, "invoicing")

    password = json.loads(profile.secrets_file.read_text())["unefois_invoicing"]
    assert env == {
        "UNEFOIS_INVOICING_DATABASE_URL": f"postgresql://unefois_invoicing:{password}@127.0.0.1:15432/unefois_invoicing",
        "UNEFOIS_INVOICING_KAFKA_BOOTSTRAP": "127.0.0.1:19092",
        "UNEFOIS_INVOICING_TOPIC_PARTITIONS": "6",
        "UNEFOIS_INVOICING_HTTP_PORT": "8004",
        "UNEFOIS_INVOICING_PUBLIC_URL": "http://127.0.0.1:8004",
        "UNEFOIS_INVOICING_OIDC_ISSUER": "http://127.0.0.1:8000",
        "UNEFOIS_INVOICING_OIDC_AUDIENCE": "unefois",
        "UNEFOIS_INVOICING_OIDC_CLIENT_ID": "unefois-invoicing",
        "UNEFOIS_INVOICING_SESSION_SECRET_FILE": str(tmp_path / "session-secret"),
        "UNEFOIS_INVOICING_RATE_LIMIT_LOGIN": "10/minute",
        "UNEFOIS_INVOICING_RATE_LIMIT_PUBLIC": "120/minute",
        "UNEFOIS_INVOICING_INTERNAL_NETWORKS": "127.0.0.0/8,::1/128",
        "UNEFOIS_SERVICE_URLS": json.dumps(
            {
                "sourcing": "http://127.0.0.1:8001",
                "tendering": "http://127.0.0.1:8002",
                "contracts": "http://127.0.0.1:8003",
                "invoicing": "http://127.0.0.1:8004",
                "opendata": "http://127.0.0.1:8005",
            }
        ),
        "UNEFOIS_INVOICING_SMTP_HOST": "127.0.0.1",
        "UNEFOIS_INVOICING_SMTP_PORT": "1025",
        "UNEFOIS_INVOICING_SMTP_TLS": "none",
        "UNEFOIS_INVOICING_CLOCK_FILE": str(tmp_path / "clock.json"),
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
    }
    assert stat.S_IMODE(profile.secrets_file.stat().st_mode) == 0o600


def test_the_test_profile_runs_the_services_on_one_known_calendar(tmp_path):
    """Every service of a profile reads one clock file: the test profile's starts at
    TEST_CLOCK_START, the development one at the real time; a second start keeps it."""
    from datetime import UTC, datetime, timedelta

    from unefois_deploy import clock
    from unefois_deploy.config import TEST_CLOCK_START
    from unefois_kernel.clock import FileClock

    test_profile = dataclasses.replace(load_profile("test"), runtime_dir=tmp_path / "test")
    tendering = service_environment(test_profile, "tendering")
    sourcing = service_environment(test_profile, "sourcing")
    assert tendering["UNEFOIS_TENDERING_CLOCK_FILE"] == sourcing["UNEFOIS_SOURCING_CLOCK_FILE"]
    assert not any(name.endswith("CLOCK_START") for name in tendering)
    started = FileClock(tendering["UNEFOIS_TENDERING_CLOCK_FILE"]).now()
    assert TEST_CLOCK_START <= started < TEST_CLOCK_START + timedelta(seconds=5)
    assert TEST_CLOCK_START.isoformat() == "2026-11-30T08:00:00+00:00"

    moved = clock.advance(test_profile, timedelta(days=16))
    service_environment(test_profile, "tendering")  # a restart does not set the clock back
    assert FileClock(tendering["UNEFOIS_TENDERING_CLOCK_FILE"]).now() - moved < timedelta(seconds=5)
    clock.reset_clock_file(test_profile)
    service_environment(test_profile, "tendering")
    assert FileClock(tendering["UNEFOIS_TENDERING_CLOCK_FILE"]).now() - TEST_CLOCK_START < timedelta(seconds=5)

    dev = service_environment(dataclasses.replace(load_profile("dev"), runtime_dir=tmp_path / "dev"), "tendering")
    assert abs(FileClock(dev["UNEFOIS_TENDERING_CLOCK_FILE"]).now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_clock_durations_are_read_or_refused_with_the_format():
    from datetime import timedelta

    from unefois_deploy.clock import parse_delta

    assert parse_delta("16d") == timedelta(days=16)
    assert parse_delta("-2h") == timedelta(hours=-2)
    assert parse_delta(" 90s ") == timedelta(seconds=90)
    with pytest.raises(ValueError, match="16d"):
        parse_delta("16 jours")


def test_passwords_are_generated_once(tmp_path):
    profile = dataclasses.replace(load_profile("dev"), runtime_dir=tmp_path)
    first = service_environment(profile, "sourcing")["UNEFOIS_SOURCING_DATABASE_URL"]
    assert service_environment(profile, "sourcing")["UNEFOIS_SOURCING_DATABASE_URL"] == first
    other = service_environment(profile, "tendering")["UNEFOIS_TENDERING_DATABASE_URL"]
    assert first.split(":")[2].split("@")[0] != other.split(":")[2].split("@")[0]
