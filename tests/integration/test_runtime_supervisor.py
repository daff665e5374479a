"""The service supervisor, driven with a tiny stand-in ASGI app so it is tested whatever
state the real services are in: readiness, SIGKILL and restart, stop, port conflicts."""

import dataclasses
import json
import socket
import sys
import textwrap
from types import MappingProxyType

import httpx
import psutil
import pytest

from unefois_deploy.config import STAGES, load_profile
from unefois_deploy.ports import PortTakenError, port_is_free
from unefois_deploy.services import ServiceStartError, ServiceSupervisor

STAND_IN = textwrap.dedent(
    '''
    import json, os

    if os.environ.get("STAND_IN_CRASH"):
        raise SystemExit("stand-in refuses to start")

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = json.dumps({"pid": os.getpid(), "env": {k: v for k, v in os.environ.items() if k.startswith("UNEFOIS_")}})
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body.encode()})
    '''
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def profile(tmp_path):
    return dataclasses.replace(
        load_profile("test"),
        runtime_dir=tmp_path / "runtime",
        http_ports=MappingProxyType({stage: _free_port() for stage in STAGES}),
    )


@pytest.fixture
def supervisor(profile, tmp_path):
    (tmp_path / "stand_in.py").write_text(STAND_IN)

    def command(stage: str, port: int) -> list[str]:
        return [sys.executable, "-m", "uvicorn", "--app-dir", str(tmp_path), "stand_in:app",
                "--host", "127.0.0.1", "--port", str(port)]

    supervisor = ServiceSupervisor(profile, command)
    yield supervisor
    supervisor.stop_all(STAGES)


async def _identity(url: str) -> dict:
    async with httpx.AsyncClient() as client:
        return (await client.get(url + "/readyz")).json()


async def test_started_service_is_ready_and_gets_its_environment(profile, supervisor):
    assert await supervisor.start("sourcing") is True
    answer = await _identity(supervisor.url("sourcing"))
    env = answer["env"]
    assert env["UNEFOIS_SOURCING_KAFKA_BOOTSTRAP"] == profile.kafka_bootstrap
    assert env["UNEFOIS_SOURCING_HTTP_PORT"] == str(profile.http_ports["sourcing"])
    assert env["UNEFOIS_SOURCING_DATABASE_URL"].endswith(f"@127.0.0.1:{profile.postgres_port}/unefois_sourcing")
    assert json.loads(env["UNEFOIS_SERVICE_URLS"])["opendata"] == profile.service_url("opendata")
    # Starting again is harmless: the running one is kept.
    assert await supervisor.start("sourcing") is False
    assert (await _identity(supervisor.url("sourcing")))["pid"] == answer["pid"]


async def test_kill_then_start_brings_up_a_new_process(supervisor):
    await supervisor.start("tendering")
    before = (await _identity(supervisor.url("tendering")))["pid"]
    supervisor.kill("tendering")
    assert not psutil.pid_exists(before) or psutil.Process(before).status() == psutil.STATUS_ZOMBIE
    with pytest.raises(httpx.ConnectError):
        await _identity(supervisor.url("tendering"))

    await supervisor.start("tendering")
    assert (await _identity(supervisor.url("tendering")))["pid"] != before


async def test_stop_frees_the_port(profile, supervisor):
    await supervisor.start("contracts")
    assert supervisor.stop("contracts") is True
    assert port_is_free("127.0.0.1", profile.http_ports["contracts"])
    assert supervisor.stop("contracts") is False


async def test_port_held_by_a_stranger_is_reported_with_port_and_service(profile, supervisor):
    port = profile.http_ports["invoicing"]
    with socket.socket() as stranger:
        stranger.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        stranger.bind(("127.0.0.1", port))
        stranger.listen()
        with pytest.raises(PortTakenError, match=rf"port {port} .*service invoicing"):
            await supervisor.start("invoicing")
    assert not supervisor.is_running("invoicing")


async def test_service_that_dies_at_start_up_fails_with_its_log(supervisor, monkeypatch):
    monkeypatch.setenv("STAND_IN_CRASH", "1")
    with pytest.raises(ServiceStartError, match="(?s)opendata exited during start-up.*stand-in refuses to start"):
        await supervisor.start("opendata", timeout=30)
