"""The demo loader runs the demo's purchases on a development clock set back (their deadlines
must pass), then puts the clock back on the real time, stamp written, whatever happened."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from unefois_deploy import clock, demo, demo_loader
from unefois_deploy.config import load_profile


@pytest.fixture
def profile(tmp_path):
    return dataclasses.replace(load_profile("dev"), runtime_dir=tmp_path, clock_start=None)


async def test_the_demo_runs_in_the_past_and_the_clock_ends_on_the_real_time(profile, monkeypatch):
    seen = []

    async def fake_load_demo(service_urls, *, issuer_url, advance):
        seen.append(clock.now(profile))
        seen.append(advance(timedelta(days=17)))
        return [demo.DemoPurchase("Région Démo-Alpes", "Toiture", "2026000001", "c-1")]

    async def no_directory(_dsn):
        return "supplier directory: skipped"

    async def fake_open_consultations(service_urls, *, issuer_url):
        seen.append(clock.now(profile))  # published on the real time: their deadlines ahead
        return ["http://tendering.test/consultations-publiques/c-2"]

    monkeypatch.setattr(demo, "load_demo", fake_load_demo)
    monkeypatch.setattr(demo, "load_open_consultations", fake_open_consultations)
    monkeypatch.setattr(demo, "seed_supplier_directory", no_directory)
    message, purchases = await demo_loader.load_demo_once(profile, {})
    real = datetime.now(UTC)
    assert abs(seen[2] - real) < timedelta(minutes=1)
    assert "consultations open for bids (1): http://tendering.test/consultations-publiques/c-2" in message
    assert abs(seen[0] - (real - demo_loader.DEMO_CLOCK_BACK)) < timedelta(minutes=1)
    assert abs(seen[1] - seen[0] - timedelta(days=17)) < timedelta(minutes=1)
    assert abs(clock.now(profile) - real) < timedelta(minutes=1)
    assert "awarded from sealed bids" in message and "put back on the real time" in message
    assert len(purchases) == 1 and (profile.runtime_dir / "demo-loaded").exists()


async def test_the_clock_is_put_back_even_when_the_demo_fails(profile, monkeypatch):
    async def failing(service_urls, *, issuer_url, advance):
        raise RuntimeError("a service refused")

    async def no_directory(_dsn):
        return "skipped"

    monkeypatch.setattr(demo, "load_demo", failing)
    monkeypatch.setattr(demo, "seed_supplier_directory", no_directory)
    with pytest.raises(RuntimeError):
        await demo_loader.load_demo_once(profile, {})
    assert abs(clock.now(profile) - datetime.now(UTC)) < timedelta(minutes=1)
    assert not (profile.runtime_dir / "demo-loaded").exists()
