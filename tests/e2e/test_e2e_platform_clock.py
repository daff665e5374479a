"""The local runtime's one clock: every service reads it, a test moves them all at once, and a
restarted service goes on at the same instant (unefois_kernel.clock.FileClock, unefois_deploy.clock)."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def service_clocks(platform) -> dict[str, datetime]:
    """Each service's clock as its /readyz tells operators (the loopback is the internal network)."""
    async with httpx.AsyncClient(timeout=10) as client:
        answers = {stage: (await client.get(f"{platform.url(stage)}/readyz")).json() for stage in platform.stages}
    return {stage: datetime.fromisoformat(answer["clock"]) for stage, answer in answers.items()}


async def test_moving_the_platform_clock_moves_every_service_and_survives_a_restart(platform, platform_clock) -> None:
    before = await service_clocks(platform)
    assert all(abs(at - platform_clock.now()) < timedelta(seconds=5) for at in before.values()), before

    moved_to = platform_clock.advance(timedelta(days=16))
    after = await service_clocks(platform)
    for stage, at in after.items():
        assert moved_to - timedelta(seconds=1) <= at < moved_to + timedelta(seconds=5), (stage, at, moved_to)

    platform.kill("tendering")
    await platform.start("tendering")
    restarted = (await service_clocks(platform))["tendering"]
    assert restarted >= moved_to, "a restarted service must go on at the moved instant, not start its calendar again"
    assert restarted - platform_clock.now() < timedelta(seconds=5)
