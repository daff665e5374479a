"""The revocation record on a real PostgreSQL: two replicas of one service (two pools on one
database, each with its own token verifier and its cache of verified tokens) — a session
revoked through one is refused by the other on its very next request."""

import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from unefois_kernel import db, migrations
from unefois_kernel.auth.sessions import SessionRevocations
from unefois_kernel.auth.tokens import InvalidToken, TokenVerifier

pytestmark = pytest.mark.integration

ISSUER = "http://issuer.test"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"}, private=True)


def token(sub="u1", sid="login-1", iat=None) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "unefois", "sub": sub, "sid": sid, "iat": iat or now, "exp": now + 600,
              "roles": ["buyer"], "org_kind": "buyer", "org_siret": "21000003000010", "name": "Alix"}
    return jwt.encode({"alg": "RS256", "kid": "k1", "typ": "at+jwt"}, claims, KEY)


def replica(pool) -> TokenVerifier:
    verifier = TokenVerifier(ISSUER, "unefois", revocations=SessionRevocations(pool))
    verifier._metadata = {"issuer": ISSUER, "jwks_uri": f"{ISSUER}/jwks.json"}
    verifier._keys = KeySet.import_key_set(KeySet([KEY]).as_dict(private=False))
    verifier._fetched_at = time.monotonic()
    return verifier


@pytest.fixture
async def two_replicas(scratch_database):
    dsn = await scratch_database()
    conn = await db.connect(dsn)
    try:
        await migrations.apply(conn, migrations.kernel_migrations())
    finally:
        await conn.close()
    pools = [await db.create_pool(dsn, min_size=1, max_size=2) for _ in range(2)]
    try:
        yield [replica(pool) for pool in pools]
    finally:
        for pool in pools:
            await pool.close()


async def test_a_session_revoked_on_one_replica_is_refused_by_the_other_at_once(two_replicas):
    first, second = two_replicas
    session, other_login = token(sid="login-1"), token(sid="login-2")
    for verifier in (first, second):  # both have it verified and cached
        assert (await verifier.verify(session)).subject == "u1"
    assert await first.revocations.revoke_session(await first.verify_access(session))
    for verifier in (first, second):
        with pytest.raises(InvalidToken, match="revoked"):
            await verifier.verify(session)
        assert (await verifier.verify(other_login)).subject == "u1"  # another session of that person


async def test_a_subject_revocation_ends_its_tokens_issued_so_far_not_later_ones(two_replicas):
    first, second = two_replicas
    earlier = token(sub="u2", sid="a", iat=int(time.time()) - 5)
    someone_else = token(sub="u3", sid="b")
    await first.revocations.revoke_subject("u2", "test operator")
    with pytest.raises(InvalidToken):
        await second.verify(earlier)
    assert (await second.verify(someone_else)).subject == "u3"
    later = token(sub="u2", sid="c", iat=int(time.time()) + 2)  # a login after the revocation
    assert (await second.verify(later)).subject == "u2"


async def test_expired_revocations_are_forgotten(two_replicas):
    first, _ = two_replicas
    async with first.revocations.pool.acquire() as conn:
        await conn.execute("INSERT INTO revoked_sessions (session_id, subject, expires_at) "
                           "VALUES ('sid:old', 'u1', now() - interval '1 hour')")
    await first.revocations.revoke_session(await first.verify_access(token(sid="new")))
    async with first.revocations.pool.acquire() as conn:
        kept = await conn.fetch("SELECT session_id FROM revoked_sessions ORDER BY session_id")
    assert [row["session_id"] for row in kept] == ["sid:new"]
