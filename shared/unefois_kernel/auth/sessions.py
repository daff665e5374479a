"""Revocable sessions: the server-side record of logouts and operators' revocations.

A session cookie (and any bearer token) is a signed access token that would otherwise be
good until it expires (1 h). Two kinds of revocation end it early:

- a session (logout): the token's issuer session `sid` (every token of that login) or, for a
  token minted outside a session, its `jti`; kept until that token would have expired;
- a person (an operator's revocation): every token of the subject issued up to that second.

The record is two kernel tables (migration 0006_revoked_sessions) in the service's database,
so every replica of the service sees a revocation on its next request: `TokenVerifier` asks
`is_revoked` on every call (two primary-key lookups, one round trip; the signature check
stays cached). No staleness window is left. Each service has its own database, so a logout
or a revocation is written by the service that receives it and sent on, at once, to every
other service (`propagate`: POST /auth/revoke with the session's own token, or the operator
route with the operator's token); a service unreachable at that moment is named in the answer
and the logs, and `python -m unefois_kernel.sessions revoke --subject ...` writes straight
into every service database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

import asyncpg
import httpx

from unefois_kernel.auth.tokens import VerifiedToken

log = logging.getLogger("unefois.auth.sessions")

PROPAGATION_TIMEOUT_S = 3.0
MAX_SUBJECT_LENGTH = 256

_IS_REVOKED = """
SELECT EXISTS (SELECT 1 FROM revoked_sessions WHERE session_id = $1)
    OR EXISTS (SELECT 1 FROM revoked_subjects
               WHERE subject = $2 AND ($3::float8 IS NULL OR revoked_at >= to_timestamp($3::float8)))
"""
_REVOKE_SESSION = """
INSERT INTO revoked_sessions (session_id, subject, expires_at) VALUES ($1, $2, to_timestamp($3::float8))
ON CONFLICT (session_id) DO UPDATE SET expires_at = greatest(revoked_sessions.expires_at, EXCLUDED.expires_at)
"""
_FORGET_EXPIRED = "DELETE FROM revoked_sessions WHERE expires_at < now() - interval '5 minutes'"
_REVOKE_SUBJECT = """
INSERT INTO revoked_subjects (subject, revoked_by) VALUES ($1, $2)
ON CONFLICT (subject) DO UPDATE SET revoked_at = now(), revoked_by = EXCLUDED.revoked_by
"""


async def revoke_subject_on(conn: asyncpg.Connection, subject: str, revoked_by: str) -> None:
    await conn.execute(_REVOKE_SUBJECT, subject, revoked_by)


class SessionRevocations:
    """The revocation record of one service (its pool); on `TokenVerifier.revocations`."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def is_revoked(self, token: VerifiedToken) -> bool:
        async with self.pool.acquire() as conn:
            return bool(await conn.fetchval(_IS_REVOKED, token.session_id, token.principal.subject, token.issued_at))

    async def revoke_session(self, token: VerifiedToken) -> bool:
        """Ends the token's session here; False when the token names no session (no sid, no jti)."""
        if token.session_id is None:
            return False
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(_FORGET_EXPIRED)
            await conn.execute(_REVOKE_SESSION, token.session_id, token.principal.subject, token.expires_at)
        return True

    async def revoke_subject(self, subject: str, revoked_by: str) -> None:
        """Ends every session of `subject` here (tokens issued up to now)."""
        async with self.pool.acquire() as conn:
            await revoke_subject_on(conn, subject, revoked_by)


async def propagate(urls: Mapping[str, str], path: str, *, token: str, json: dict | None = None,
                    done_statuses: tuple[int, ...] = (200, 204)) -> dict[str, str]:
    """POSTs `path` to every service in `urls` ({stage: base url}) with `token` as bearer, at
    once; {stage: "revoked" | "refused (HTTP n)" | "unreachable"}. For a session's own token,
    a 401 means it is already refused there: pass it in `done_statuses`."""

    async def one(client: httpx.AsyncClient, stage: str, base: str) -> tuple[str, str]:
        try:
            answer = await client.post(f"{base}{path}", json=json, headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as error:
            log.warning("session revocation not delivered to %s (%s): %s", stage, base, error)
            return stage, "unreachable"
        if answer.status_code in done_statuses:
            return stage, "revoked"
        log.warning("session revocation refused by %s: HTTP %s", stage, answer.status_code)
        return stage, f"refused (HTTP {answer.status_code})"

    if not urls:
        return {}
    async with httpx.AsyncClient(timeout=PROPAGATION_TIMEOUT_S) as client:
        results = await asyncio.gather(*(one(client, stage, base) for stage, base in urls.items()))
    return dict(results)
