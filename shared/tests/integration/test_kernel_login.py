"""Browser login on the running services against the running development issuer (test
profile, real processes): the authorization code flow as a browser drives it, the session
cookie, CSRF, security headers and rate limits; and the `tokens` fixture."""

from __future__ import annotations

import random
import re
from http.cookies import SimpleCookie

import httpx
import pytest

from unefois_kernel.auth.access import SESSION_COOKIE
from unefois_kernel.auth.tokens import TokenVerifier

pytestmark = pytest.mark.integration

PASSWORD = "unefois-dev"


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def set_cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    cookies = {}
    for header in response.headers.get_list("set-cookie"):
        parsed = SimpleCookie()
        parsed.load(header)
        for name in parsed:
            cookies[name] = parsed
    return cookies


def browser(**kwargs) -> httpx.AsyncClient:
    """A client that, like a browser, keeps cookies; redirects are followed by hand to look at each hop."""
    return httpx.AsyncClient(timeout=15, follow_redirects=False, **kwargs)


async def browser_login(client: httpx.AsyncClient, service: str, login: str, *, next_page: str = "/auth/me"
                        ) -> httpx.Response:
    """GET /auth/login -> the issuer's form -> POST credentials -> /auth/callback; returns the callback's answer."""
    start = await client.get(f"{service}/auth/login", params={"next": next_page})
    assert start.status_code == 303, start.text
    login_cookie = set_cookies(start)["unefois_login"]["unefois_login"]
    assert login_cookie["httponly"] and login_cookie["samesite"].lower() == "lax"
    assert login_cookie["path"] == "/auth"

    authorize = httpx.URL(start.headers["location"])
    assert authorize.params["code_challenge_method"] == "S256"
    assert authorize.params["state"] and authorize.params["nonce"]
    form = await client.get(authorize)
    assert form.status_code == 200, form.text
    assert "Se connecter" in form.text
    back = await client.post(authorize.copy_with(query=None),
                             data={**hidden_fields(form.text), "login": login, "password": PASSWORD})
    assert back.status_code == 303, back.text
    callback = httpx.URL(back.headers["location"])
    assert str(callback.copy_with(query=None)) == f"{service}/auth/callback"
    return await client.get(callback)


@pytest.fixture(scope="module")
def services(platform) -> dict[str, str]:
    return {stage: platform.url(stage) for stage in platform.stages}


async def test_browser_login_sets_a_secure_session_cookie_and_authenticates(services, issuer):
    sourcing = services["sourcing"]
    async with browser() as client:
        answer = await browser_login(client, sourcing, "acheteur@region-demo.fr",
                                     next_page="/auth/me?vue=complete")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/auth/me?vue=complete"
        cookie = set_cookies(answer)[SESSION_COOKIE][SESSION_COOKIE]
        assert cookie["httponly"] is True
        assert cookie["samesite"].lower() == "lax"
        assert cookie["path"] == "/"
        assert not cookie["secure"]  # plain HTTP here; Secure under TLS is a unit test
        assert 3500 <= int(cookie["max-age"]) <= 3600
        assert answer.headers["cache-control"] == "no-store"

        me = await client.get(f"{sourcing}/auth/me")
        assert me.status_code == 200, me.text
        assert me.json()["email"] == "acheteur@region-demo.fr"
        assert me.json()["tenant"] == "20000001600010"
        assert me.json()["roles"] == ["buyer"]

    async with browser() as anonymous:
        assert (await anonymous.get(f"{sourcing}/auth/me")).status_code == 401


async def test_one_login_at_the_issuer_serves_the_other_services(services, issuer):
    async with browser() as client:
        await browser_login(client, services["sourcing"], "valideur@demoville.fr")
        client.cookies.delete(SESSION_COOKIE)
        start = await client.get(f"{services['tendering']}/auth/login")
        straight_back = await client.get(start.headers["location"])
        assert straight_back.status_code == 303  # no form: the issuer knows this browser
        done = await client.get(straight_back.headers["location"])
        assert done.status_code == 303 and SESSION_COOKIE in set_cookies(done)
        me = await client.get(f"{services['tendering']}/auth/me")
        assert me.json()["email"] == "valideur@demoville.fr"


async def test_callback_without_the_login_cookie_is_refused(services, issuer):
    async with browser() as client:
        start = await client.get(f"{services['contracts']}/auth/login")
        form = await client.get(start.headers["location"])
        back = await client.post(httpx.URL(start.headers["location"]).copy_with(query=None), data={
            **hidden_fields(form.text), "login": "acheteur@val-demo.fr", "password": PASSWORD})
        callback = back.headers["location"]
    # Another browser (no login cookie) presenting the code: login CSRF / code injection.
    async with browser() as other:
        refused = await other.get(callback)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "state"
    assert SESSION_COOKIE not in set_cookies(refused)


async def test_login_never_redirects_off_site(services, issuer):
    async with browser() as client:
        answer = await browser_login(client, services["invoicing"], "contact@tp-rhodaniens.fr",
                                     next_page="https://attacker.example/")
    assert answer.headers["location"] == "/"


async def test_csrf_refused_without_the_token_and_accepted_with_it(services, issuer):
    opendata = services["opendata"]
    async with browser() as client:
        await browser_login(client, opendata, "exploitation@unefois.fr")
        refused = await client.post(f"{opendata}/auth/logout")
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["errors"][0]["field"] == "csrf_token"
        assert (await client.get(f"{opendata}/auth/me")).status_code == 200  # still logged in

        page = await client.get(f"{opendata}/auth/logout")
        token = hidden_fields(page.text)["csrf_token"]
        wrong = await client.post(f"{opendata}/auth/logout", data={"csrf_token": token[:-2] + "xx"})
        assert wrong.status_code == 403

        done = await client.post(f"{opendata}/auth/logout", data={"csrf_token": token})
        assert done.status_code == 303
        end_session = httpx.URL(done.headers["location"])
        assert str(end_session.copy_with(query=None)) == f"{issuer}/logout"
        assert end_session.params["post_logout_redirect_uri"] == f"{opendata}/"
        assert end_session.params["id_token_hint"]
        assert (await client.get(f"{opendata}/auth/me")).status_code == 401  # the cookie is gone
        back = await client.get(end_session)
        assert back.status_code == 303 and back.headers["location"] == f"{opendata}/"


async def test_the_header_token_works_for_htmx(services, issuer):
    contracts = services["contracts"]
    async with browser() as client:
        await browser_login(client, contracts, "acheteur@demoville.fr")
        token = hidden_fields((await client.get(f"{contracts}/auth/logout")).text)["csrf_token"]
        done = await client.post(f"{contracts}/auth/logout", headers={"X-CSRF-Token": token, "HX-Request": "true"})
        assert done.status_code == 303


async def test_security_headers_on_the_running_services(services, issuer):
    async with browser() as client:
        for url in services.values():
            answer = await client.get(f"{url}/healthz")
            csp = answer.headers["content-security-policy"]
            assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert f"form-action 'self' {issuer}" in csp
            assert answer.headers["x-frame-options"] == "DENY"
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert "strict-transport-security" not in answer.headers


async def test_login_is_rate_limited_per_client_address(services, runtime, issuer):
    # A loopback address of its own: this test spends its budget, not the other tests'.
    address = f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    limit = int(runtime.profile.login_rate_limit.split("/")[0])
    url = f"{services['opendata']}/auth/login"
    async with browser(transport=httpx.AsyncHTTPTransport(local_address=address)) as client:
        statuses = []
        # The counter is per fixed window: requests straddling the window's end start a new count,
        # so the 429 comes within two windows' budgets (once seen on CI at a minute's turn).
        for _ in range(2 * limit + 1):
            answer = await client.get(url)
            statuses.append(answer.status_code)
            if answer.status_code == 429:
                break
    assert statuses[-1] == 429 and set(statuses[:-1]) <= {303}
    assert answer.headers["content-type"] == "application/problem+json"
    assert 0 < int(answer.headers["retry-after"]) <= 60
    async with browser() as elsewhere:
        assert (await elsewhere.get(url)).status_code == 303


async def test_tokens_fixture_gives_cached_bearer_tokens_the_services_accept(tokens, services, issuer, seeded_users):
    first = await tokens.for_user("acheteur@region-demo.fr")
    assert await tokens.for_user("acheteur@region-demo.fr") == first  # cached for the session
    principal = await TokenVerifier(issuer, "unefois").verify(first)
    assert principal.tenant == "20000001600010"

    for user in seeded_users.by_role("supplier"):
        async with httpx.AsyncClient(headers=await tokens.headers_for(user.login)) as client:
            me = await client.get(f"{services['invoicing']}/auth/me")
        assert me.status_code == 200 and me.json()["org_siret"] == user.org_siret
    with pytest.raises(KeyError, match="no seeded user"):
        await tokens.for_user("inconnu@example.fr")
