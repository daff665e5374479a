"""Token verification: signature, issuer, audience, expiry; verified tokens kept until they expire."""

import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from unefois_kernel.auth.tokens import InvalidToken, TokenVerifier

ISSUER = "http://issuer.test"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"}, private=True)


def _verifier() -> TokenVerifier:
    verifier = TokenVerifier(ISSUER, "unefois")
    # What discovery and the JWKS fetch would have given: no network in a unit test.
    verifier._metadata = {"issuer": ISSUER, "jwks_uri": f"{ISSUER}/jwks.json"}
    verifier._keys = KeySet.import_key_set(KeySet([KEY]).as_dict(private=False))
    verifier._fetched_at = time.monotonic()
    return verifier


def _token(**claims) -> str:
    body = {"iss": ISSUER, "aud": "unefois", "sub": "u1", "exp": int(time.time()) + 60, "roles": ["buyer"],
            "org_kind": "buyer", "org_siret": "21000003000010", "name": "Alix"} | claims
    return jwt.encode({"alg": "RS256", "kid": "k1"}, body, KEY)


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
