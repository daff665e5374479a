"""Issue 9 against the running services: a 21 MB anonymous body is refused 413 (announced
or chunked) while /healthz keeps answering; authenticated answers carry Cache-Control:
no-store; the detailed readiness and /metrics answer the internal network (the test
profile's loopback)."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from urllib.parse import urlsplit

import httpx
import pytest

pytestmark = pytest.mark.integration

BODY_MB = 21
# The figure: /healthz under 50 ms during the upload. Measured and printed; the
# assertion keeps a margin for a loaded 2-core CI machine, the figure itself is reported.
HEALTHZ_TARGET_MS = 50
HEALTHZ_CEILING_MS = 250


async def _upload(url: str, *, chunked: bool) -> tuple[int, bytes, float]:
    """POSTs a 21 MB JSON-looking body anonymously on a raw socket; (status, body, seconds).

    Announced (Content-Length): the body waits for the answer a moment, as a client sending
    `Expect: 100-continue` would; the service must refuse from the headers alone, before a
    byte is read. Chunked: the body streams until the service answers (then the client stops,
    as curl does); the service must stop reading past its limit. A service closing with
    unread bytes resets the connection, which can destroy an answer not yet read: the client
    reads between its chunks so the answer is read when it comes."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    size = BODY_MB * 1024 * 1024
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = (f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
            f"{framing}\r\nConnection: close\r\n\r\n")
    started = time.perf_counter()
    writer.write(head.encode())
    answered = asyncio.Event()

    async def send_body() -> None:
        chunk = b"[" + b"1," * (32 * 1024) + b"1]"
        sent = 0
        try:
            if not chunked:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(answered.wait(), timeout=2)
            while sent < size and not answered.is_set():
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
                await writer.drain()
                sent += len(chunk)
                await asyncio.sleep(0.002)
            if chunked and not answered.is_set():
                writer.write(b"0\r\n\r\n")
                await writer.drain()
        except (ConnectionError, OSError):
            pass  # the service answered and closed: the rest of the body is not wanted

    sender = asyncio.create_task(send_body())
    response = b""
    try:
        async with asyncio.timeout(60):
            while chunk := await reader.read(65536):
                response += chunk
                answered.set()
    except ConnectionResetError:
        pass  # the service closed without reading the rest, after its answer
    elapsed = time.perf_counter() - started
    answered.set()
    await sender
    writer.close()
    assert response, "the connection was reset before any answer"
    status_line, _, rest = response.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2], elapsed


async def _healthz_latencies(http: httpx.AsyncClient, url: str, stop: asyncio.Event) -> list[float]:
    latencies = []
    while not stop.is_set():
        started = time.perf_counter()
        answer = await http.get(f"{url}/healthz")
        latencies.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200
        await asyncio.sleep(0.005)
    return latencies


def _figures(latencies: list[float]) -> str:
    return (f"{len(latencies)} calls, median {statistics.median(latencies):.1f} ms, "
            f"max {max(latencies):.1f} ms")


UPLOADS = 5


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_an_anonymous_21_mb_body_is_refused_413_while_healthz_answers(urls, chunked):
    url = urls["sourcing"]
    async with httpx.AsyncClient(timeout=10) as http:
        # A warm keep-alive connection, and the figure without any upload to compare with.
        stop = asyncio.Event()
        baseline = asyncio.create_task(_healthz_latencies(http, url, stop))
        await asyncio.sleep(0.5)
        stop.set()
        quiet = (await baseline)[1:]
        stop = asyncio.Event()
        probe = asyncio.create_task(_healthz_latencies(http, url, stop))
        answers = [await _upload(f"{url}/api/needs", chunked=chunked) for _ in range(UPLOADS)]
        stop.set()
        during = await probe
    for status, body, _seconds in answers:
        assert status == 413
        assert b'"field":"body"' in body.replace(b" ", b"")
    refused_ms = statistics.median(seconds for *_, seconds in answers) * 1000
    print(f"\n{UPLOADS} x 21 MB {'chunked' if chunked else 'announced'} anonymous bodies: 413 after "
          f"{refused_ms:.0f} ms (median); /healthz without upload: {_figures(quiet)}; "
          f"during the uploads: {_figures(during)} (target {HEALTHZ_TARGET_MS} ms)")
    assert during  # /healthz answered while the bodies were refused
    assert statistics.median(during) < HEALTHZ_CEILING_MS


async def test_authenticated_answers_are_not_cached(urls, client, tokens):
    headers = await tokens.headers_for("acheteur@demoville.fr")
    mine = await client.get(f"{urls['sourcing']}/auth/me", headers=headers)
    assert mine.status_code == 200
    assert mine.headers["cache-control"] == "no-store"
    anonymous = await client.get(f"{urls['opendata']}/api/decp")
    assert anonymous.status_code == 200 and "cache-control" not in anonymous.headers


async def test_operators_details_answer_the_internal_network(urls, client):
    """The test profile declares loopback internal (unefois_deploy.environment)."""
    for stage, url in urls.items():
        ready = await client.get(f"{url}/readyz")
        assert ready.status_code == 200 and ready.json()["checks"] == {"database": True, "broker": True}, stage
        assert (await client.get(f"{url}/metrics")).status_code == 200, stage


async def test_the_services_count_public_router_routes_in_their_database(urls, client, service_dsn):
    """/api/decp is declared public() in opendata's router: the running service counts it in
    its own PostgreSQL, where every replica would count (the 429 itself: kernel integration
    tests, the test profile's budget being fit for the whole suite)."""
    import asyncpg

    conn = await asyncpg.connect(service_dsn("opendata"))
    try:
        query = ("SELECT window_start, hits FROM rate_limit_counters WHERE bucket LIKE 'public:%'"
                 " AND subject = '127.0.0.1' ORDER BY window_start DESC LIMIT 1")
        before = await conn.fetchrow(query)
        for _ in range(3):
            assert (await client.get(f"{urls['opendata']}/api/decp")).status_code == 200
        after = await conn.fetchrow(query)
        assert after is not None
        if before is not None and before["window_start"] == after["window_start"]:
            assert after["hits"] >= before["hits"] + 3
        else:  # a first count, or a new window began during the requests
            assert after["hits"] >= 1
    finally:
        await conn.close()
