import asyncio
import os

import httpx
import pytest
import pytest_asyncio
import uvicorn

from unefois_dev_issuer.app import create_app
from unefois_dev_issuer.config import IssuerConfig

from dev_issuer_helpers import CLIENTS, ISSUER, free_port


@pytest.fixture(autouse=True)
def without_unefois_overrides(monkeypatch):
    """UNEFOIS_DEV_* exported in the caller's shell must not change what these tests check."""
    for name in list(os.environ):
        if name.startswith("UNEFOIS_DEV_"):
            monkeypatch.delenv(name)


@pytest.fixture
def make_config(tmp_path):
    def make(**overrides) -> IssuerConfig:
        values = {"url": ISSUER, "state_dir": tmp_path / "dev-issuer", "clients": CLIENTS, **overrides}
        return IssuerConfig(**values)

    return make


@pytest_asyncio.fixture
async def make_client(make_config):
    """An httpx client on an in-process issuer app (the app itself, no mock)."""
    clients = []

    def make(**overrides) -> httpx.AsyncClient:
        app = create_app(make_config(**overrides))
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER)
        client.app = app
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def issuer(make_client) -> httpx.AsyncClient:
    """An in-process issuer (shadows, in these unit tests, the plugin's running `issuer`)."""
    return make_client()


@pytest_asyncio.fixture
async def served_issuer(tmp_path):
    """The issuer served over real HTTP on a free port (TokenVerifier fetches its keys)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(IssuerConfig(url=url, state_dir=tmp_path / "served", clients=CLIENTS))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield url, app
    finally:
        server.should_exit = True
        await task
