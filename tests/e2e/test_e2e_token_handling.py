"""Token handling on the running platform (issue 9, item 3): an ID token is no bearer; a
logout and an operator's revocation refuse the old session at once on every service."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest

from unefois_dev_issuer.client import password_grant
from unefois_kernel.auth.access import SESSION_COOKIE
from unefois_kernel.stages import STAGE_NAMES

pytestmark = pytest.mark.integration

PASSWORD = "unefois-dev"
OPERATOR = "exploitation@unefois.fr"


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


async def browser_login(client: httpx.AsyncClient, service: str, login: str) -> str:
    """The authorization code flow as a browser drives it; returns the session cookie's value."""
    start = await client.get(f"{service}/auth/login", params={"next": "/auth/me"})
    authorize = httpx.URL(start.headers["location"])
    form = await client.get(authorize)
    if form.status_code == 200:
        form = await client.post(authorize.copy_with(query=None),
                                 data={**hidden_fields(form.text), "login": login, "password": PASSWORD})
    assert form.status_code == 303, form.text
    done = await client.get(form.headers["location"])
    assert done.status_code == 303, done.text
    return client.cookies[SESSION_COOKIE]


async def answers(urls: dict[str, str], *, token: str | None = None, cookie: str | None = None) -> dict[str, int]:
    """GET /auth/me on every service with that bearer token or session cookie: {stage: status}."""
    async def one(stage: str, base: str) -> tuple[str, int]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        cookies = {SESSION_COOKIE: cookie} if cookie else {}
        async with httpx.AsyncClient(timeout=15, cookies=cookies) as client:
            return stage, (await client.get(f"{base}/auth/me", headers=headers)).status_code

    return dict(await asyncio.gather(*(one(stage, base) for stage, base in urls.items())))


@asynccontextmanager
async def revocation_undone(service_dsn, subject: str):
    """The cached tokens of the `tokens` fixture must outlive this test: forget the subject's
    revocation afterwards (the record itself is what the test checks)."""
    try:
        yield
    finally:
        for stage in STAGE_NAMES:
            conn = await asyncpg.connect(service_dsn(stage))
            try:
                await conn.execute("DELETE FROM revoked_subjects WHERE subject = $1", subject)
            finally:
                await conn.close()


async def test_an_id_token_is_refused_as_bearer_and_the_access_token_still_works(urls, issuer):
    granted = await password_grant(issuer, "acheteur@region-demo.fr", PASSWORD)
    assert set((await answers(urls, token=granted["access_token"])).values()) == {200}
    assert set((await answers(urls, token=granted["id_token"])).values()) == {401}
    async with httpx.AsyncClient(timeout=15) as client:
        refused = await client.get(f"{urls['sourcing']}/api/needs/00000000-0000-4000-8000-000000000000",
                                   headers={"Authorization": f"Bearer {granted['id_token']}"})
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == "authorization"


async def test_after_logout_the_old_cookie_is_refused_at_once_on_every_service(urls, issuer):
    async with httpx.AsyncClient(timeout=15, follow_redirects=False) as browser:
        session = await browser_login(browser, urls["sourcing"], "acheteur@val-demo.fr")
        assert set((await answers(urls, cookie=session)).values()) == {200}
        form = await browser.get(f"{urls['sourcing']}/auth/logout")
        done = await browser.post(f"{urls['sourcing']}/auth/logout", data=hidden_fields(form.text))
        assert done.status_code == 303
        # Someone who kept a copy of the cookie (or sends it as a bearer) is refused everywhere,
        # on the very next request: no propagation delay to wait for.
        assert set((await answers(urls, cookie=session)).values()) == {401}
        assert set((await answers(urls, token=session)).values()) == {401}
        # This browser never reached the issuer's logout page: the issuer's session (the
        # revoked sid) would come back silently; the callback asks for a new login instead.
        start = await browser.get(f"{urls['tendering']}/auth/login", params={"next": "/auth/me"})
        silent = await browser.get(start.headers["location"])
        assert silent.status_code == 303  # no form: the issuer still knows this browser
        again = await browser.get(silent.headers["location"])
        assert again.status_code == 303 and "prompt=login" in again.headers["location"]
        assert SESSION_COOKIE not in again.headers.get("set-cookie", "")
        relogin = await browser.get(f"{urls['tendering']}{again.headers['location']}")
        authorize = httpx.URL(relogin.headers["location"])
        assert authorize.params["prompt"] == "login"
        form = await browser.get(authorize)
        assert form.status_code == 200  # the form, this time
        back = await browser.post(authorize.copy_with(query=None), data={
            **hidden_fields(form.text), "login": "acheteur@val-demo.fr", "password": PASSWORD})
        assert (await browser.get(back.headers["location"])).status_code == 303
        fresh = browser.cookies[SESSION_COOKIE]
    # The new login is a new session: it works everywhere.
    assert fresh != session
    assert set((await answers(urls, cookie=fresh)).values()) == {200}


async def test_an_operator_revokes_every_session_of_a_person_on_every_service(urls, issuer, tokens, seeded_users,
                                                                            service_dsn):
    user = seeded_users.by_login("contact@espaces-verts-scop.fr")
    before = [(await password_grant(issuer, user.login, PASSWORD))["access_token"] for _ in range(2)]
    operator = await tokens.headers_for(OPERATOR)
    async with revocation_undone(service_dsn, user.subject):
        async with httpx.AsyncClient(timeout=15) as client:
            # Only operators may.
            supplier = await client.post(f"{urls['contracts']}/auth/sessions/revoke", json={"subject": user.subject},
                                         headers={"Authorization": f"Bearer {before[0]}"})
            assert supplier.status_code == 403
            answer = await client.post(f"{urls['contracts']}/auth/sessions/revoke",
                                       json={"subject": user.subject}, headers=operator)
        assert answer.status_code == 200, answer.text
        assert answer.json()["services"] == {stage: "revoked" for stage in STAGE_NAMES}
        for token in before:
            assert set((await answers(urls, token=token)).values()) == {401}
        await asyncio.sleep(1.1)  # iat counts seconds: a token of the next second is a new login
        after = (await password_grant(issuer, user.login, PASSWORD))["access_token"]
        assert set((await answers(urls, token=after)).values()) == {200}


async def test_the_operator_command_revokes_in_every_service_database(urls, issuer, seeded_users, service_dsn):
    user = seeded_users.by_login("contact@fournitures-centre.fr")
    token = (await password_grant(issuer, user.login, PASSWORD))["access_token"]
    assert set((await answers(urls, token=token)).values()) == {200}
    environment = {name: value for name, value in os.environ.items() if not name.endswith("_DATABASE_URL")}
    environment |= {f"UNEFOIS_{stage.upper()}_DATABASE_URL": service_dsn(stage) for stage in STAGE_NAMES}
    async with revocation_undone(service_dsn, user.subject):
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "unefois_kernel.sessions", "revoke", "--subject", user.subject,
                             "--by", "test"], env=environment, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.count("révoquées") == len(STAGE_NAMES)
        assert set((await answers(urls, token=token)).values()) == {401}


async def test_forty_tokens_with_forged_kids_cost_the_issuer_at_most_two_jwks_fetches(urls, issuer, runtime):
    """Counted in the running issuer's access log: every JWKS fetch of every service is a line."""
    import time

    from joserfc import jwt
    from joserfc.jwk import RSAKey

    log = runtime.profile.logs_dir / "issuer.log"

    def fetches() -> int:
        return log.read_text(encoding="utf-8", errors="replace").count("GET /jwks.json")

    granted = await password_grant(issuer, "acheteur@region-demo.fr", PASSWORD)
    assert (await answers({"sourcing": urls["sourcing"]}, token=granted["access_token"])) == {"sourcing": 200}
    before = fetches()
    now = int(time.time())
    claims = {"iss": issuer, "aud": "unefois", "sub": "intrus", "iat": now, "exp": now + 600, "roles": ["operator"],
              "org_kind": "platform", "name": "Intrus"}
    forged = []
    for i in range(40):
        key = RSAKey.generate_key(2048, parameters={"kid": f"forged-{i}", "alg": "RS256"}, private=True)
        forged.append(jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "at+jwt"}, claims, key))
    async with httpx.AsyncClient(timeout=15) as client:
        for token in forged:
            refused = await client.get(f"{urls['sourcing']}/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert refused.status_code == 401
    await asyncio.sleep(0.5)  # the access log is written after the answer
    assert fetches() - before <= 2, fetches() - before
