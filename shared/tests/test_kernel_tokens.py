"""Token verification: signature, issuer, audience, expiry; verified tokens kept until they
expire; only access tokens (typ at+jwt); the JWKS refreshed at most once per interval for
unknown kids; revoked sessions refused even from the cache."""

import asyncio
import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

import httpx

from unefois_kernel.auth import tokens as tokens_module
from unefois_kernel.auth.tokens import InvalidToken, TokenVerifier, VerifiedToken

ISSUER = "http://issuer.test"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"}, private=True)


def _verifier() -> TokenVerifier:
    verifier = TokenVerifier(ISSUER, "unefois")
    # What discovery and the JWKS fetch would have given: no network in a unit test.
    verifier._metadata = {"issuer": ISSUER, "jwks_uri": f"{ISSUER}/jwks.json"}
    verifier._keys = KeySet.import_key_set(KeySet([KEY]).as_dict(private=False))
    verifier._fetched_at = time.monotonic()
    return verifier


def _token(key=KEY, typ="at+jwt", **claims) -> str:
    body = {"iss": ISSUER, "aud": "unefois", "sub": "u1", "exp": int(time.time()) + 60, "roles": ["buyer"],
            "org_kind": "buyer", "org_siret": "21000003000010", "name": "Alix", "iat": int(time.time()),
            "sid": "s1"} | claims
    header = {"alg": "RS256", "kid": key.kid}
    if typ is not None:
        header["typ"] = typ
    return jwt.encode(header, body, key)


async def test_a_valid_token_gives_its_principal():
    principal = await _verifier().verify(_token())
    assert principal.tenant == "21000003000010"
    assert principal.name == "Alix"


@pytest.mark.parametrize("claims", [{"aud": "other"}, {"iss": "http://elsewhere"}, {"exp": int(time.time()) - 120}])
async def test_wrong_audience_issuer_or_expired_tokens_are_refused(claims):
    with pytest.raises(InvalidToken):
        await _verifier().verify(_token(**claims))


async def test_a_verified_token_is_not_checked_again_until_it_expires(monkeypatch):
    verifier = _verifier()
    token = _token(exp=int(time.time()) + 2)
    await verifier.verify(token)
    calls = []
    original = verifier._verify

    async def counting(value):
        calls.append(value)
        return await original(value)

    monkeypatch.setattr(verifier, "_verify", counting)
    await verifier.verify(token)
    assert calls == []  # served from the cache
    monkeypatch.setattr(time, "time", lambda: 10**10)  # long after its expiry
    with pytest.raises(InvalidToken):
        await verifier.verify(token)
    assert calls == [token]


# ---------------------------------------------------------------- only access tokens


@pytest.mark.parametrize("typ", [None, "JWT", "id_token+jwt", "logout+jwt"])
async def test_anything_but_an_access_token_is_refused(typ):
    with pytest.raises(InvalidToken, match="not an access token"):
        await _verifier().verify(_token(typ=typ))


async def test_the_media_type_spelled_in_full_is_an_access_token_too():
    assert (await _verifier().verify(_token(typ="application/at+jwt"))).subject == "u1"


async def test_an_id_token_is_checked_for_its_client_and_nonce():
    verifier = _verifier()
    id_token = _token(typ="JWT", aud="unefois-sourcing", azp="unefois-sourcing", nonce="n-1")
    claims = await verifier.verify_id_token(id_token, "unefois-sourcing", "n-1")
    assert claims["sub"] == "u1"
    with pytest.raises(InvalidToken):
        await verifier.verify_id_token(id_token, "unefois-tendering", "n-1")  # another client's
    with pytest.raises(InvalidToken, match="nonce"):
        await verifier.verify_id_token(id_token, "unefois-sourcing", "n-2")
    with pytest.raises(InvalidToken):
        await verifier.verify(id_token)  # never a bearer


# ---------------------------------------------------------------- JWKS negative cache


class CountingIssuer:
    """A fake issuer (discovery + JWKS) that counts its JWKS fetches; its keys can rotate."""

    def __init__(self, *keys) -> None:
        self.keys = list(keys)
        self.jwks_fetches = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(200, json={"issuer": ISSUER, "jwks_uri": f"{ISSUER}/jwks.json"})
        if request.url.path == "/jwks.json":
            self.jwks_fetches += 1
            return httpx.Response(200, json=KeySet(self.keys).as_dict(private=False))
        return httpx.Response(404)


@pytest.fixture
def counting_issuer(monkeypatch) -> CountingIssuer:
    fake = CountingIssuer(KEY)
    real = httpx.AsyncClient
    monkeypatch.setattr(tokens_module.httpx, "AsyncClient",
                        lambda **kwargs: real(transport=httpx.MockTransport(fake.handler), **kwargs))
    return fake


async def test_forty_forged_kids_cost_at_most_one_refresh_of_the_jwks(counting_issuer):
    verifier = TokenVerifier(ISSUER, "unefois", jwks_refresh_min_interval_s=30)
    assert (await verifier.verify(_token())).subject == "u1"  # the first fetch
    assert counting_issuer.jwks_fetches == 1
    forged = [_token(key=RSAKey.generate_key(2048, parameters={"kid": f"forged-{i}", "alg": "RS256"}, private=True))
              for i in range(40)]
    for token in forged[:20]:  # one after the other
        with pytest.raises(InvalidToken):
            await verifier.verify(token)
    results = await asyncio.gather(*(verifier.verify(token) for token in forged[20:]), return_exceptions=True)
    assert all(isinstance(result, InvalidToken) for result in results)  # and twenty at once
    assert counting_issuer.jwks_fetches <= 2, counting_issuer.jwks_fetches
    assert verifier.jwks_fetches == counting_issuer.jwks_fetches


async def test_a_real_rotation_is_picked_up_after_the_interval(counting_issuer, monkeypatch):
    verifier = TokenVerifier(ISSUER, "unefois", jwks_refresh_min_interval_s=30)
    await verifier.verify(_token())
    rotated = RSAKey.generate_key(2048, parameters={"kid": "k2", "alg": "RS256"}, private=True)
    counting_issuer.keys.append(rotated)
    now = time.monotonic()
    monkeypatch.setattr(tokens_module.time, "monotonic", lambda: now + 1)
    with pytest.raises(InvalidToken):  # within the interval: the keys just fetched are the answer
        await verifier.verify(_token(key=rotated))
    monkeypatch.setattr(tokens_module.time, "monotonic", lambda: now + 31)
    assert (await verifier.verify(_token(key=rotated))).subject == "u1"  # after it: the new kid
    assert counting_issuer.jwks_fetches == 2


# ---------------------------------------------------------------- revocation


class Revoked:
    def __init__(self) -> None:
        self.sessions: set[str] = set()
        self.asked: list[VerifiedToken] = []

    async def is_revoked(self, token: VerifiedToken) -> bool:
        self.asked.append(token)
        return token.session_id in self.sessions


async def test_a_revoked_session_is_refused_even_when_its_token_is_cached():
    verifier = _verifier()
    verifier.revocations = record = Revoked()
    token = _token(sid="login-1")
    verified = await verifier.verify_access(token)
    assert verified.session_id == "sid:login-1" and verified.issued_at is not None
    record.sessions.add("sid:login-1")
    with pytest.raises(InvalidToken, match="revoked"):
        await verifier.verify(token)
    assert len(record.asked) == 2  # asked on every call, not cached


def test_a_token_without_sid_is_revoked_by_its_jti():
    assert tokens_module.session_id_of({"jti": "t-1"}) == "jti:t-1"
    assert tokens_module.session_id_of({"sid": "s-1", "jti": "t-1"}) == "sid:s-1"
    assert tokens_module.session_id_of({}) is None
