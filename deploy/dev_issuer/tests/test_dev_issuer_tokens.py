"""Tokens: the password grant, the claims contract, the signing keys, and verification by the
kernel's TokenVerifier against the issuer served over HTTP."""

import json
import stat

import httpx
import pytest
from joserfc import jws

from unefois_dev_issuer.app import create_app
from unefois_dev_issuer.client import password_grant
from unefois_dev_issuer.config import CLI_CLIENT_ID, IssuerConfig
from unefois_dev_issuer.keys import SigningKeys
from unefois_kernel.auth.principal import OrgKind, Role
from unefois_kernel.auth.tokens import InvalidToken, TokenVerifier

from dev_issuer_helpers import CLIENTS, ISSUER, code_exchange, code_for


def header_and_claims(token: str) -> tuple[dict, dict]:
    compact = jws.extract_compact(token.encode())
    return compact.protected, json.loads(compact.payload)


def password(username="valideur@val-demo.fr", secret="unefois-dev", **extra) -> dict:
    return {"grant_type": "password", "username": username, "password": secret, **extra}


async def test_password_grant_for_a_seeded_user_carries_the_claims_contract(issuer):
    answer = await issuer.post("/token", data=password())
    assert answer.status_code == 200, answer.text
    header, claims = header_and_claims(answer.json()["access_token"])
    assert header["alg"] == "RS256" and header["typ"] == "at+jwt"
    assert claims["iss"] == ISSUER and claims["aud"] == "unefois"
    assert claims["sid"] and claims["jti"]
    id_header, id_claims = header_and_claims(answer.json()["id_token"])
    assert id_header["typ"] == "JWT" and id_claims["aud"] == CLI_CLIENT_ID and id_claims["sid"] == claims["sid"]
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["roles"] == ["buyer-approver"]
    assert claims["org_siret"] == "22000002000010"
    assert claims["org_name"] == "Département du Val-Démo"
    assert claims["org_kind"] == "buyer"
    assert claims["email"] == "valideur@val-demo.fr" and claims["name"]
    assert claims["sub"] and claims["sub"] != "valideur@val-demo.fr"


async def test_password_grant_refuses_bad_credentials_alike(issuer):
    wrong_password = await issuer.post("/token", data=password(secret="guess"))
    unknown_user = await issuer.post("/token", data=password(username="nobody@example.fr"))
    assert wrong_password.status_code == unknown_user.status_code == 400
    assert wrong_password.json() == unknown_user.json() == {
        "error": "invalid_grant", "error_description": "invalid username or password"}


async def test_password_grant_refuses_unknown_clients(issuer):
    answer = await issuer.post("/token", data=password(client_id="someone-else"))
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


async def test_the_dev_password_comes_from_the_environment(make_client, monkeypatch):
    monkeypatch.setenv("UNEFOIS_DEV_PASSWORD", "another-dev-password")
    issuer = make_client()
    assert (await issuer.post("/token", data=password(secret="unefois-dev"))).status_code == 400
    assert (await issuer.post("/token", data=password(secret="another-dev-password"))).status_code == 200


async def test_password_grant_is_rate_limited_per_login_with_retry_after(make_client):
    issuer = make_client(rate_limit_login="3/minute")
    for _ in range(3):
        assert (await issuer.post("/token", data=password(secret="guess"))).status_code == 400
    refused = await issuer.post("/token", data=password())  # even the right password now waits
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 0 < int(refused.headers["retry-after"]) <= 60
    # Another login from the same address still has its own budget.
    assert (await issuer.post("/token", data=password(username="acheteur@demoville.fr"))).status_code == 200


async def test_a_browser_throttled_at_the_password_grant_gets_a_themed_french_page(make_client):
    issuer = make_client(rate_limit_login="1/minute")
    assert (await issuer.post("/token", data=password(secret="guess"))).status_code == 400
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    refused = await issuer.post("/token", data=password(), headers=browser)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert 0 < int(refused.headers["retry-after"]) <= 60
    html = refused.text
    assert '<html lang="fr"' in html and "/static/theme/theme.css?v=" in html
    assert "<h1>Trop de tentatives de connexion</h1>" in html
    assert f"Réessayez dans {refused.headers['retry-after']} seconde" in html
    # A client (no text/html) still gets problem+json.
    assert (await issuer.post("/token", data=password())).headers["content-type"] == "application/problem+json"


async def test_password_grant_is_rate_limited_per_address(make_client):
    issuer = make_client(rate_limit_client="2/minute")
    logins = ["acheteur@region-demo.fr", "acheteur@val-demo.fr", "acheteur@demoville.fr"]
    answers = [await issuer.post("/token", data=password(username=login)) for login in logins]
    assert [a.status_code for a in answers] == [200, 200, 429]


async def test_jwks_publishes_the_signing_key_without_its_private_part(issuer):
    token = (await issuer.post("/token", data=password())).json()["access_token"]
    header, _ = header_and_claims(token)
    keys = (await issuer.get("/jwks.json")).json()["keys"]
    assert [key["kid"] for key in keys] == [header["kid"]]
    assert keys[0]["kty"] == "RSA" and keys[0]["use"] == "sig" and keys[0]["alg"] == "RS256"
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(keys[0])


def test_the_key_is_generated_once_into_a_private_file(make_config):
    config = make_config()
    first = SigningKeys(config.state_dir).current.kid
    path = config.state_dir / "signing-keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.state_dir.stat().st_mode) == 0o700
    assert SigningKeys(config.state_dir).current.kid == first  # a restart keeps it


async def test_rotation_keeps_the_previous_key_published(make_client):
    issuer = make_client()
    old_token = (await issuer.post("/token", data=password())).json()["access_token"]
    old_kid = header_and_claims(old_token)[0]["kid"]
    new_kid = issuer.app.state.issuer.keys.rotate()
    new_token = (await issuer.post("/token", data=password())).json()["access_token"]
    assert header_and_claims(new_token)[0]["kid"] == new_kid != old_kid
    kids = [key["kid"] for key in (await issuer.get("/jwks.json")).json()["keys"]]
    assert kids == [new_kid, old_kid]
    # Both still verify at the issuer's own userinfo.
    for token in (old_token, new_token):
        assert (await issuer.get("/userinfo", headers={"Authorization": f"Bearer {token}"})).status_code == 200


async def test_rotation_by_another_process_is_seen_without_restart(make_client, make_config):
    issuer = make_client()
    new_kid = SigningKeys(make_config().state_dir).rotate()  # e.g. python -m unefois_dev_issuer rotate-key
    token = (await issuer.post("/token", data=password())).json()["access_token"]
    assert header_and_claims(token)[0]["kid"] == new_kid


async def test_tokens_verify_with_the_kernel_token_verifier(served_issuer):
    url, _app = served_issuer
    verifier = TokenVerifier(url, "unefois")
    for login, role, kind, tenant in [
        ("acheteur@region-demo.fr", Role.BUYER, OrgKind.BUYER, "20000001600010"),
        ("valideur@demoville.fr", Role.BUYER_APPROVER, OrgKind.BUYER, "21000003000010"),
        ("contact@numerique-territorial.fr", Role.SUPPLIER, OrgKind.SUPPLIER, None),
        ("exploitation@unefois.fr", Role.OPERATOR, OrgKind.PLATFORM, None),
    ]:
        tokens = await password_grant(url, login, "unefois-dev")
        principal = await verifier.verify(tokens["access_token"])
        assert principal.roles == {role} and principal.org_kind is kind and principal.tenant == tenant
        assert principal.email == login
        identity = await verifier.verify_id_token(tokens["id_token"], CLI_CLIENT_ID)
        assert identity["sub"] == principal.subject
        # An ID token is not an access token: refused as a bearer.
        with pytest.raises(InvalidToken, match="not an access token"):
            await verifier.verify(tokens["id_token"])


async def test_code_flow_tokens_verify_with_the_kernel_token_verifier(served_issuer):
    url, _app = served_issuer
    async with httpx.AsyncClient(base_url=url) as client:
        code, verifier = await code_for(client)
        tokens = (await client.post("/token", data=code_exchange(code, verifier))).json()
    principal = await TokenVerifier(url, "unefois").verify(tokens["access_token"])
    assert principal.tenant == "20000001600010" and principal.role_label == "Acheteur"


async def test_the_verifier_refuses_another_audience_and_another_issuer(served_issuer, tmp_path):
    url, _app = served_issuer
    token = (await password_grant(url, "acheteur@region-demo.fr", "unefois-dev"))["access_token"]
    with pytest.raises(InvalidToken):
        await TokenVerifier(url, "another-audience").verify(token)
    # A token signed by another issuer's key (same claims, same URL) is refused.
    impostor = create_app(IssuerConfig(url=url, state_dir=tmp_path / "impostor", clients=CLIENTS))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=impostor), base_url=url) as client:
        forged = (await client.post("/token", data=password())).json()["access_token"]
    with pytest.raises(InvalidToken):
        await TokenVerifier(url, "unefois").verify(forged)
