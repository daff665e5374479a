"""How `status` reads a service's /readyz answer: a refusal (the detailed readiness is for
operators or the internal network) is shown as a refusal, not as "not ready"."""

import httpx
import pytest
from unefois_deploy.status import readiness


def _client(status: int, body: dict | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(status, json=body or {})))


@pytest.mark.parametrize(
    ("status", "body", "text", "ready"),
    [
        (200, {"status": "ready"}, "ready", True),
        (503, {"status": "not ready", "checks": {"database": True, "kafka": False}}, "not ready: kafka", False),
        (401, None, "refused (HTTP 401)", False),
        (403, None, "refused (HTTP 403)", False),
        (500, None, "HTTP 500", False),
    ],
)
async def test_readiness_answers(status, body, text, ready):
    async with _client(status, body) as client:
        answer = await readiness(client, "http://127.0.0.1:1")
    assert (answer.text, answer.ready) == (text, ready)


async def test_no_answer():
    def refuse(request):
        raise httpx.ConnectError("refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
        assert (await readiness(client, "http://127.0.0.1:1")).text == "no answer"
