"""Web hardening on an in-process app: security headers, CSRF, rate limits, session secret,
sealed cookies, and the login module's redirect and PKCE helpers."""

import base64
import hashlib
import logging
import re
import time

import httpx
import pytest
from fastapi import FastAPI, Request

from unefois_kernel.auth.access import SESSION_COOKIE, public
from unefois_kernel.auth.login import pkce_pair, safe_next
from unefois_kernel.problems import install_problem_handlers
from unefois_kernel.settings import ServiceSettings
from unefois_kernel.web.security import SessionKeys, csrf_token, install_web_security, load_session_secret

SECRET = "a-test-session-secret-of-at-least-32-characters"


def make_app(**overrides) -> FastAPI:
    values = {"service_name": "demo", "database_url": "postgresql://unused", "oidc_issuer": "https://idp.example/realms/x",
              "session_secret": SECRET, **overrides}
    app = FastAPI()
    install_problem_handlers(app)
    install_web_security(app, ServiceSettings(**values))

    @app.post("/api/things")
    async def create_thing() -> dict:
        return {"created": True}

    @app.post("/form")
    async def submit_form(request: Request) -> dict:
        form = await request.form()
        return {key: value for key, value in form.items() if isinstance(value, str)}

    @app.get("/page")
    async def page(request: Request) -> dict:
        return {"csrf": csrf_token(request)}

    @app.get("/api/decp", dependencies=[public()])
    async def public_data() -> list:
        return []

    @app.get("/api/decp/{record_id}", dependencies=[public()])
    async def public_record(record_id: str) -> dict:
        return {"id": record_id}

    @app.get("/auth/login", dependencies=[public()])
    async def login() -> dict:
        return {}

    @app.get("/healthz", dependencies=[public()])
    async def healthz() -> dict:
        return {}

    return app


def client(app: FastAPI, *, base_url="http://service.test", ip="203.0.113.7", **kwargs) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 4242)), base_url=base_url, **kwargs)


def session(value: str) -> dict[str, str]:
    """The session cookie as a browser sends it."""
    return {"Cookie": f"{SESSION_COOKIE}={value}"}


def token_for(session: str, secret: str = SECRET) -> str:
    return SessionKeys(secret.encode()).csrf_token(session)


# ---------------------------------------------------------------- security headers


async def test_security_headers_on_every_response():
    async with client(make_app()) as http:
        answer = await http.get("/page")
    assert answer.headers["content-security-policy"] == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self' https://idp.example; base-uri 'self'; "
        "object-src 'none'"
    )
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "same-origin"
    assert "camera=()" in answer.headers["permissions-policy"]
    assert "strict-transport-security" not in answer.headers


async def test_refusals_carry_the_headers_too():
    async with client(make_app()) as http:
        refused = await http.post("/api/things", headers=session("s"))
    assert refused.status_code == 403
    assert refused.headers["x-frame-options"] == "DENY"


async def test_hsts_only_under_tls():
    app = make_app()
    async with client(app, base_url="https://service.test") as http:
        assert (await http.get("/page")).headers["strict-transport-security"].startswith("max-age=31536000")
    async with client(app) as http:
        forwarded = await http.get("/page", headers={"X-Forwarded-Proto": "https"})
        assert "strict-transport-security" not in forwarded.headers  # not from an untrusted client
    async with client(make_app(trusted_proxy=True)) as http:
        forwarded = await http.get("/page", headers={"X-Forwarded-Proto": "https"})
        assert "strict-transport-security" in forwarded.headers


async def test_api_docs_are_offline_same_origin_and_still_without_framing():
    from unefois_kernel.web.docs import router as docs_router

    app = make_app()
    # As create_service does: FastAPI's own CDN-loading /docs is replaced by the kernel's.
    app.router.routes[:] = [route for route in app.router.routes if getattr(route, "path", "") != "/docs"]
    app.include_router(docs_router)
    async with client(app) as http:
        docs = await http.get("/docs")
    assert docs.status_code == 200
    policy = docs.headers["content-security-policy"]
    assert "http" not in policy, "no other origin in the docs' policy"
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert "/static/swagger-ui/swagger-ui-bundle.js" in sources and "/static/unefois/js/api-docs.js" in sources
    assert all(source.startswith("/") or source == "data:," for source in sources), sources
    assert "<script>" not in docs.text, "no inline script"


# ---------------------------------------------------------------- CSRF


async def test_cookie_authenticated_post_without_token_is_refused_naming_the_field():
    async with client(make_app()) as http:
        answer = await http.post("/api/things", headers=session("session-value"), json={})
    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["status"] == 403 and body["errors"][0]["field"] == "csrf_token"


async def test_header_token_of_the_session_is_accepted():
    async with client(make_app()) as http:
        answer = await http.post("/api/things",
                                 headers={**session("session-value"), "X-CSRF-Token": token_for("session-value")})
    assert answer.status_code == 200 and answer.json() == {"created": True}


async def test_form_field_token_is_accepted_and_the_form_still_reaches_the_route():
    async with client(make_app()) as http:
        answer = await http.post("/form", headers=session("session-value"),
                                 data={"csrf_token": token_for("session-value"), "object": "Réfection toiture"})
    assert answer.status_code == 200
    assert answer.json()["object"] == "Réfection toiture"


async def test_multipart_form_field_token_is_accepted():
    async with client(make_app()) as http:
        answer = await http.post("/form", headers=session("session-value"),
                                 data={"csrf_token": token_for("session-value"), "note": "offre"},
                                 files={"document": ("offre.pdf", b"%PDF-1.7 ...", "application/pdf")})
    assert answer.status_code == 200 and answer.json()["note"] == "offre"


@pytest.mark.parametrize("token", ["", "not-a-token", token_for("another-session"),
                                   token_for("session-value", "another-secret-of-at-least-32-characters!")])
async def test_wrong_tokens_are_refused(token):
    async with client(make_app()) as http:
        answer = await http.post("/form", headers=session("session-value"), data={"csrf_token": token})
    assert answer.status_code == 403 and answer.json()["errors"][0]["field"] == "csrf_token"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_every_unsafe_method_is_checked(method):
    async with client(make_app()) as http:
        answer = await http.request(method, "/api/things", headers=session("session-value"))
    assert answer.status_code == 403


async def test_bearer_calls_and_anonymous_calls_are_not_concerned():
    async with client(make_app()) as http:
        bearer = await http.post("/api/things", headers={"Authorization": "Bearer x", **session("s")})
        anonymous = await http.post("/api/things")
        read = await http.get("/page", headers=session("s"))
    assert (bearer.status_code, anonymous.status_code, read.status_code) == (200, 200, 200)


async def test_templates_get_the_token_of_the_session():
    async with client(make_app()) as http:
        with_session = await http.get("/page", headers=session("session-value"))
        without = await http.get("/page")
    assert with_session.json()["csrf"] == token_for("session-value")
    assert without.json()["csrf"] == ""


# ---------------------------------------------------------------- rate limits


async def test_login_is_rate_limited_per_client_with_retry_after():
    app = make_app(rate_limit_login="3/minute")
    async with client(app) as http:
        answers = [await http.get("/auth/login") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert refused.json()["status"] == 429
    async with client(app, ip="198.51.100.9") as other:
        assert (await other.get("/auth/login")).status_code == 200  # another address, another budget


async def test_public_routes_are_rate_limited_but_not_the_others_nor_the_probes():
    app = make_app(rate_limit_public="2/minute")
    async with client(app) as http:
        answers = [await http.get(path) for path in ("/api/decp", "/api/decp/42", "/api/decp")]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert [(await http.get("/page")).status_code for _ in range(5)] == [200] * 5
        assert [(await http.get("/healthz")).status_code for _ in range(5)] == [200] * 5


async def test_forwarded_for_is_believed_only_behind_a_trusted_proxy():
    untrusted = make_app(rate_limit_login="1/minute")
    async with client(untrusted) as http:
        assert (await http.get("/auth/login", headers={"X-Forwarded-For": "192.0.2.1"})).status_code == 200
        # A client cannot buy a fresh budget by inventing an address.
        assert (await http.get("/auth/login", headers={"X-Forwarded-For": "192.0.2.2"})).status_code == 429
    trusted = make_app(rate_limit_login="1/minute", trusted_proxy=True)
    async with client(trusted) as http:
        assert (await http.get("/auth/login", headers={"X-Forwarded-For": "192.0.2.1"})).status_code == 200
        assert (await http.get("/auth/login", headers={"X-Forwarded-For": "192.0.2.2"})).status_code == 200
        # The proxy appends the address it saw: what the client claimed before it is ignored.
        spoofed = await http.get("/auth/login", headers={"X-Forwarded-For": "10.9.9.9, 192.0.2.1"})
        assert spoofed.status_code == 429


def test_invalid_rate_limit_settings_are_refused():
    with pytest.raises(ValueError, match="rate limit"):
        ServiceSettings(service_name="demo", database_url="x", rate_limit_public="often")


# ---------------------------------------------------------------- session secret and sealed cookies


def test_session_secret_from_a_file(tmp_path):
    path = tmp_path / "secret"
    path.write_text(SECRET + "\n")
    assert load_session_secret(None, path) == SECRET.encode()


def test_session_secret_must_be_long_enough():
    with pytest.raises(ValueError, match="at least 32"):
        load_session_secret("short", None)


def test_unreadable_secret_file_is_named_not_leaked(tmp_path):
    with pytest.raises(ValueError, match="cannot read the session secret file"):
        load_session_secret(None, tmp_path / "missing")


def test_without_a_secret_a_random_one_with_a_warning_that_shows_no_secret(caplog):
    with caplog.at_level(logging.WARNING, logger="unefois.web_security"):
        first = load_session_secret(None, None, service="sourcing")
    second = load_session_secret(None, None, service="sourcing")
    assert first != second and len(first) == 32
    assert "UNEFOIS_SOURCING_SESSION_SECRET" in caplog.text
    assert first.hex() not in caplog.text


def test_configured_secret_never_appears_in_settings_repr():
    settings = ServiceSettings(service_name="demo", database_url="x", session_secret=SECRET)
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump())


def test_sealed_values_round_trip_and_refuse_tampering_expiry_and_other_keys():
    keys = SessionKeys(SECRET.encode())
    sealed = keys.seal({"state": "s", "verifier": "v"}, ttl_s=60)
    assert keys.unseal(sealed) == {"state": "s", "verifier": "v"}
    assert "verifier" not in base64.urlsafe_b64decode(sealed.split(".")[0] + "==").decode()  # encrypted
    tampered = sealed[:-3] + ("AAA" if not sealed.endswith("AAA") else "BBB")
    assert keys.unseal(tampered) is None
    assert SessionKeys(b"another-secret-of-at-least-32-characters!").unseal(sealed) is None
    expired = keys.seal({"state": "s"}, ttl_s=-1)
    assert keys.unseal(expired) is None
    assert keys.unseal("garbage") is None


def test_csrf_and_sealing_keys_differ():
    keys = SessionKeys(SECRET.encode())
    assert keys.csrf_token("x") != SessionKeys(b"b" * 40).csrf_token("x")
    assert keys.csrf_valid("x", keys.csrf_token("x")) and not keys.csrf_valid("y", keys.csrf_token("x"))


# ---------------------------------------------------------------- login helpers


@pytest.mark.parametrize("value, expected", [
    ("/consultations/42?onglet=offres", "/consultations/42?onglet=offres"),
    (None, "/"), ("", "/"),
    ("https://attacker.example/", "/"), ("//attacker.example/", "/"), ("/\\attacker.example", "/"),
    ("javascript:alert(1)", "/"), ("relative/path", "/"), ("/ok\r\nSet-Cookie: x=y", "/"),
    ("/\\/attacker.example", "/"),
])
def test_next_page_is_a_same_origin_path(value, expected):
    assert safe_next(value) == expected


def test_pkce_pair_is_rfc_7636_s256():
    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == expected
    assert pkce_pair()[0] != verifier


def test_sealed_values_expire_on_time():
    keys = SessionKeys(SECRET.encode())
    sealed = keys.seal({"a": 1}, ttl_s=0.05)
    time.sleep(0.1)
    assert keys.unseal(sealed) is None
