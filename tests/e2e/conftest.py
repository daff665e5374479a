"""End-to-end fixtures: the five services, exporting their spans to an in-test OTLP receiver."""

from __future__ import annotations

import os

import httpx
import pytest
import pytest_asyncio

from otlp_sink import OtlpSink
from unefois_deploy.demo import PurchaseActors, actors_for
from unefois_kernel.stages import STAGE_NAMES

# Started when this conftest loads, before the session's `platform` fixture launches the
# services, which inherit this environment and so export their traces here.
SINK = OtlpSink().start()
os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = SINK.endpoint
os.environ["OTEL_BSP_SCHEDULE_DELAY"] = "200"


@pytest.fixture(scope="session")
def otlp_sink() -> OtlpSink:
    return SINK


@pytest.fixture(scope="session")
def urls(platform) -> dict[str, str]:
    return {stage: platform.url(stage) for stage in STAGE_NAMES}


@pytest.fixture(scope="session")
def actors(tokens):
    """`await actors(buyer_siret, supplier_siret)` -> PurchaseActors (buyer, approver, winner headers)."""

    async def make(buyer_siret: str, supplier_siret: str) -> PurchaseActors:
        return await actors_for(tokens.headers_for, buyer_siret, supplier_siret)

    return make


@pytest_asyncio.fixture(loop_scope="session")
async def client():
    async with httpx.AsyncClient(timeout=30) as http:
        yield http
