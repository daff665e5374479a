"""Test sessions sharing the runtime: one leaving does not stop it under another; nobody wipes it while it runs."""

import asyncio
import sys
import textwrap

import pytest

from unefois_deploy.kafka import metadata_round_trip

OTHER_SESSION = textwrap.dedent(
    """
    import asyncio
    from unefois_deploy.config import load_profile
    from unefois_deploy.sessions import SharedRuntime

    async def main():
        session = SharedRuntime(load_profile("test"))
        await session.join()
        await session.leave()

    asyncio.run(main())
    """
)


async def test_other_session_leaving_keeps_the_runtime_up(runtime):
    other = await asyncio.create_subprocess_exec(sys.executable, "-c", OTHER_SESSION)
    assert await other.wait() == 0

    assert runtime.kafka.is_running()
    assert await runtime.postgres.is_running()
    await metadata_round_trip(runtime.kafka_bootstrap)


async def test_a_running_runtime_is_never_wiped(runtime):
    with pytest.raises(RuntimeError, match="is running"):
        await runtime.runtime.wipe_data()
    assert runtime.kafka.formatted and runtime.postgres.initialized
