"""Issue 9 on an in-process app: body limits (413 before parsing and before the access
check, announced or chunked), public routes of routers rate-limited, Cache-Control on
authenticated answers, /metrics and /readyz for the internal network or operators only."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, Body, FastAPI, Request
from unefois_kernel.auth.access import SESSION_COOKIE, allow, authenticated, public
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.problems import install_problem_handlers
from unefois_kernel.settings import ServiceSettings
from unefois_kernel.web import install_web
from unefois_kernel.web.security import (
    MiB,
    body_limit,
    install_web_security,
    operators_or_internal,
    sees_operator_details,
)

SECRET = "a-test-session-secret-of-at-least-32-characters"


class FakeVerifier:
    """Tokens "buyer" and "operator" stand for callers holding that role."""

    async def verify(self, token: str) -> Principal:
        from unefois_kernel.auth.tokens import InvalidToken

        roles = {"buyer": Role.BUYER, "operator": Role.OPERATOR}
        if token not in roles:
            raise InvalidToken("unknown")
        return Principal(subject=token, name=token, roles=frozenset({roles[token]}), org_siret="21690123100011",
                         org_name="Métropole", org_kind=OrgKind.BUYER)


def make_app(*, pages: bool = False, **overrides) -> FastAPI:
    values = {"service_name": "demo", "database_url": "postgresql://unused", "session_secret": SECRET,
              "body_limit_json": 1024, "body_limit_form": 2048, **overrides}
    app = FastAPI()
    install_problem_handlers(app)
    install_web_security(app, ServiceSettings(**values))

    class Runtime:
        token_verifier = FakeVerifier()
        pool = None

    app.state.runtime = Runtime()
    router = APIRouter(prefix="/api")

    @router.post("/things", dependencies=[allow(Role.BUYER)])
    async def create_thing(payload: dict = Body(...)) -> dict:
        return {"size": len(str(payload))}

    @router.post("/uploads", dependencies=[allow(Role.BUYER), body_limit(8 * 1024)])
    async def upload(request: Request) -> dict:
        return {"size": len(await request.body())}

    @router.get("/decp", dependencies=[public()])
    async def decp() -> list:
        return []

    @router.get("/own", dependencies=[public(rate_limit="1/minute")])
    async def own_budget() -> list:
        return []

    @router.get("/mine")
    async def mine(principal: Principal = authenticated()) -> dict:
        return {"subject": principal.subject}

    @app.get("/healthz", dependencies=[public()])
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", dependencies=[public()])
    async def readyz(request: Request) -> dict:  # as the app factory's
        details = {"checks": {"database": True}} if await sees_operator_details(request) else {}
        return {"status": "ready", **details}

    @app.get("/metrics", dependencies=[operators_or_internal()])
    async def metrics() -> dict:
        return {}

    app.include_router(router)
    if pages:
        install_web(app, stage="sourcing", package="unefois_kernel")
    return app


def client(app: FastAPI, *, ip: str = "203.0.113.7") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 4242)), base_url="http://service.test")


BUYER = {"Authorization": "Bearer buyer"}


# ---------------------------------------------------------------- body limits


async def test_an_anonymous_oversized_json_body_is_refused_413_before_the_access_check():
    async with client(make_app()) as http:
        answer = await http.post("/api/things", content=b"{" + b" " * 5000 + b"}",
                                 headers={"Content-Type": "application/json"})
    assert answer.status_code == 413  # not 401: refused before the token is looked at
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["status"] == 413 and body["errors"][0]["field"] == "body"
    assert "dépasse la taille autorisée (1 Kio)" in body["detail"]
    assert answer.headers["x-content-type-options"] == "nosniff"


async def test_a_chunked_body_is_counted_while_read_and_refused_past_the_limit():
    read = []

    async def chunks():
        for _ in range(100):
            read.append(1)
            yield b" " * 100

    async with client(make_app()) as http:
        answer = await http.post("/api/things", content=chunks(), headers={**BUYER, "Content-Type": "application/json"})
    assert "content-length" not in answer.request.headers
    assert answer.status_code == 413
    assert answer.json()["errors"][0]["field"] == "body"


async def test_bodies_within_the_limit_reach_the_route():
    async with client(make_app()) as http:
        answer = await http.post("/api/things", json={"name": "x" * 500}, headers=BUYER)
    assert answer.status_code == 200


async def test_a_route_declares_its_own_limit():
    async with client(make_app()) as http:
        within = await http.post("/api/uploads", content=b"x" * 6000, headers=BUYER)
        beyond = await http.post("/api/uploads", content=b"x" * 9000, headers=BUYER)
    assert within.status_code == 200 and within.json() == {"size": 6000}
    assert beyond.status_code == 413 and "8 Kio" in beyond.json()["detail"]


async def test_an_announced_length_above_every_limit_is_refused_without_reading():
    async with client(make_app()) as http:
        answer = await http.post("/api/decp", content=b"x" * (2 * MiB))
    assert answer.status_code == 413


async def test_a_cookie_form_is_limited_while_the_csrf_check_reads_it():
    async with client(make_app()) as http:
        answer = await http.post("/api/things", content="csrf_token=x&notes=" + "a" * 4000,
                                 headers={"Content-Type": "application/x-www-form-urlencoded",
                                          "Cookie": f"{SESSION_COOKIE}=opaque"})
    assert answer.status_code == 413
    assert "2 Kio" in answer.json()["detail"]


async def test_a_browser_gets_the_themed_french_page():
    async with client(make_app(pages=True)) as http:
        answer = await http.post("/api/things", content=b"x" * 5000,
                                 headers={"Accept": "text/html", "Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/html")
    assert "Requête trop volumineuse" in answer.text or "volumineu" in answer.text


# ---------------------------------------------------------------- rate limits (memory here; PostgreSQL in integration)


async def test_public_routes_declared_in_routers_are_rate_limited():
    async with client(make_app(rate_limit_public="2/minute")) as http:
        answers = [await http.get("/api/decp") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert int(answers[2].headers["retry-after"]) >= 1
        assert answers[2].headers["content-type"] == "application/problem+json"
        # the probe is never limited; another address has its own budget
        assert (await http.get("/healthz")).status_code == 200
    async with client(make_app(rate_limit_public="2/minute")) as other:
        assert (await other.get("/api/decp")).status_code == 200


async def test_a_public_route_may_carry_its_own_budget():
    async with client(make_app()) as http:
        assert [(await http.get("/api/own")).status_code for _ in range(2)] == [200, 429]
        assert (await http.get("/api/decp")).status_code == 200


# ---------------------------------------------------------------- headers


async def test_authenticated_answers_are_never_cached_anonymous_public_ones_may_be():
    async with client(make_app()) as http:
        mine = await http.get("/api/mine", headers=BUYER)
        anonymous = await http.get("/api/decp")
        public_as_buyer = await http.get("/api/decp", headers=BUYER)
        refused = await http.post("/api/things", json={}, headers={"Authorization": "Bearer operator"})
    assert mine.status_code == 200 and mine.headers["cache-control"] == "no-store"
    assert "cache-control" not in anonymous.headers
    assert public_as_buyer.headers["cache-control"] == "no-store"
    assert refused.status_code == 403 and refused.headers["cache-control"] == "no-store"


# ---------------------------------------------------------------- operators' routes


async def test_metrics_and_readiness_details_refuse_outside_callers_and_non_operators():
    app = make_app(internal_networks="10.0.0.0/8, 127.0.0.1/32")
    operator = {"Authorization": "Bearer operator"}
    async with client(app, ip="203.0.113.7") as outside:
        anonymous = await outside.get("/metrics")
        assert anonymous.status_code == 401
        assert anonymous.json()["errors"][0]["field"] == "authorization"
        buyer = await outside.get("/metrics", headers=BUYER)
        assert buyer.status_code == 403 and buyer.json()["errors"][0]["field"] == "role"
        assert (await outside.get("/metrics", headers=operator)).status_code == 200
        # the readiness's status stays public (orchestrators' probes), its checks do not
        assert (await outside.get("/readyz")).json() == {"status": "ready"}
        assert (await outside.get("/readyz", headers=BUYER)).json() == {"status": "ready"}
        assert (await outside.get("/readyz", headers=operator)).json()["checks"] == {"database": True}
        assert (await outside.get("/healthz")).status_code == 200
    for ip in ("10.1.2.3", "127.0.0.1"):
        async with client(app, ip=ip) as inside:
            assert (await inside.get("/readyz")).json() == {"status": "ready", "checks": {"database": True}}
            assert (await inside.get("/metrics")).status_code == 200


async def test_without_internal_networks_only_operators_read_them():
    async with client(make_app(), ip="127.0.0.1") as local:
        assert (await local.get("/metrics")).status_code == 401
        assert (await local.get("/metrics", headers={"Authorization": "Bearer operator"})).status_code == 200


async def test_forwarded_addresses_count_only_behind_a_trusted_proxy():
    untrusted = make_app(internal_networks="10.0.0.0/8")
    async with client(untrusted, ip="203.0.113.7") as http:
        assert (await http.get("/metrics", headers={"X-Forwarded-For": "10.0.0.1"})).status_code == 401
    trusted = make_app(internal_networks="10.0.0.0/8", trusted_proxy=True)
    async with client(trusted, ip="192.0.2.1") as http:
        assert (await http.get("/metrics", headers={"X-Forwarded-For": "10.0.0.1"})).status_code == 200
        assert (await http.get("/metrics", headers={"X-Forwarded-For": "10.0.0.1, 203.0.113.7"})).status_code == 401


def test_invalid_internal_networks_are_refused():
    import pytest

    with pytest.raises(ValueError, match="not a network"):
        ServiceSettings(service_name="demo", database_url="x", internal_networks="10.0.0.0/8,somewhere")
