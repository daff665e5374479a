"""Rate limits counted in PostgreSQL (kernel migration 0005): a public route declared in a
router answers 429 past its budget, two instances of a service spend one budget, and a
password check's budget is per address and per (address, login)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from unefois_kernel.auth.access import public
from unefois_kernel.problems import install_problem_handlers
from unefois_kernel.settings import ServiceSettings
from unefois_kernel.web.security import install_web_security

pytestmark = pytest.mark.integration


def replica(pool, **overrides) -> FastAPI:
    """One instance of a service whose runtime's pool is `pool`."""
    settings = ServiceSettings(service_name="demo", database_url="postgresql://unused",
                               session_secret="a-test-session-secret-of-at-least-32-characters", **overrides)
    app = FastAPI()
    install_problem_handlers(app)
    install_web_security(app, settings)

    class Runtime:
        token_verifier = None

    Runtime.pool = pool
    app.state.runtime = Runtime()
    router = APIRouter(prefix="/api/decp")

    @router.get("", dependencies=[public()])
    async def records() -> list:
        return []

    @router.get("/{record_id}", dependencies=[public()])
    async def record(record_id: str) -> dict:
        return {"id": record_id}

    @router.get("/{record_id}/export", dependencies=[public(rate_limit="1/minute")])
    async def export(record_id: str) -> dict:
        return {"id": record_id}

    app.include_router(router)
    return app


def client(app: FastAPI, ip: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 4242)), base_url="http://service.test")


async def test_a_public_router_route_answers_429_past_its_budget_shared_by_two_instances(kernel_db):
    first, second = replica(kernel_db.pool, rate_limit_public="3/minute"), replica(kernel_db.pool, rate_limit_public="3/minute")
    async with client(first, "198.51.100.1") as one, client(second, "198.51.100.1") as two:
        answers = [await one.get("/api/decp"), await two.get("/api/decp/abc"), await one.get("/api/decp/def")]
        assert [a.status_code for a in answers] == [200, 200, 200]
        refused = await two.get("/api/decp")
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "réessayez dans" in refused.json()["detail"]
        assert (await one.get("/api/decp")).status_code == 429
    async with client(second, "198.51.100.2") as other:
        assert (await other.get("/api/decp")).status_code == 200
    rows = await kernel_db.pool.fetch("SELECT bucket, subject, hits FROM rate_limit_counters ORDER BY subject")
    assert [(r["subject"], r["hits"]) for r in rows] == [("198.51.100.1", 5), ("198.51.100.2", 1)]
    assert all(r["bucket"] == "public:3/60s" for r in rows)


async def test_a_route_with_its_own_budget_counts_it_in_the_shared_store(kernel_db):
    first, second = replica(kernel_db.pool), replica(kernel_db.pool)
    async with client(first, "198.51.100.4") as one, client(second, "198.51.100.4") as two:
        assert (await one.get("/api/decp/abc/export")).status_code == 200
        assert (await two.get("/api/decp/def/export")).status_code == 429
        assert (await two.get("/api/decp")).status_code == 200  # the service's public budget is another
    buckets = {r["bucket"] for r in await kernel_db.pool.fetch("SELECT bucket FROM rate_limit_counters")}
    assert buckets == {"public:/api/decp/_record_id_/export:1/60s", "public:120/60s"}


async def test_login_routes_share_their_budget_across_instances(kernel_db):
    apps = [replica(kernel_db.pool, rate_limit_login="2/minute") for _ in range(2)]

    @apps[0].get("/auth/login", dependencies=[public()])
    @apps[1].get("/auth/login", dependencies=[public()])
    async def login() -> dict:
        return {}

    async with client(apps[0], "198.51.100.3") as one, client(apps[1], "198.51.100.3") as two:
        assert [(await one.get("/auth/login")).status_code, (await two.get("/auth/login")).status_code,
                (await one.get("/auth/login")).status_code] == [200, 200, 429]


async def test_password_checks_do_not_let_one_address_lock_a_login_out(kernel_db):
    limits = replica(kernel_db.pool, rate_limit_login="2/minute", rate_limit_public="5/minute").state.rate_limits
    attacker = {"type": "http", "client": ("198.51.100.66", 1), "headers": []}
    victim = {"type": "http", "client": ("192.0.2.10", 1), "headers": []}
    assert [await limits.spend_login_attempt(attacker, "Alice") for _ in range(2)] == [None, None]
    assert await limits.spend_login_attempt(attacker, "alice ") is not None  # same login, normalised
    assert await limits.spend_login_attempt(victim, "alice") is None  # Alice from her own address
    assert await limits.spend_login_attempt(attacker, "bob") is None
    assert await limits.spend_login_attempt(attacker, "carol") is None  # its 5th try this minute
    # the address's own budget (5/minute) ends its tries on every login
    assert await limits.spend_login_attempt(attacker, "dave") is not None
    assert await limits.spend_login_attempt(victim, "dave") is None


async def test_expired_windows_are_swept(kernel_db):
    await kernel_db.pool.execute(
        "INSERT INTO rate_limit_counters (bucket, subject, window_start, expires_at, hits)"
        " VALUES ('public:1/60s', 'old', now() - interval '2 hours', now() - interval '1 hour', 9)")
    async with client(replica(kernel_db.pool), "198.51.100.9") as http:
        assert (await http.get("/api/decp")).status_code == 200
    assert await kernel_db.pool.fetchval("SELECT count(*) FROM rate_limit_counters WHERE subject = 'old'") == 0
