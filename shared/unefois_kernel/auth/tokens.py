"""JWT verification against the issuer's published keys (JWKS), with OIDC discovery.

The same code runs everywhere: in production the issuer is ProConnect or Keycloak, in
development and tests the local development issuer; only the configured URL changes.

- Only access tokens are accepted as bearer or session: RFC 9068 JWT access tokens carry
  `typ: at+jwt` in their header; an ID token (typ JWT, aud = the client) is refused.
  ID tokens are checked by `verify_id_token` (login callback only: aud = the client id, nonce).
- The JWKS is fetched again for an unknown `kid` at most once per `jwks_refresh_min_interval_s`
  (a negative cache): forged kids cannot make the service hammer the issuer, and a real
  rotation (a new kid) is picked up at most that interval after the last fetch.
- Verified tokens are cached until they expire, but the revocation record
  (`unefois_kernel.auth.sessions`) is asked on every call: a revoked session is refused at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

import httpx
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from unefois_kernel.auth.principal import OrgKind, Principal, Role

log = logging.getLogger("unefois.auth")

ALLOWED_ALGORITHMS = ["RS256", "ES256", "PS256"]
CLOCK_SKEW_S = 30
VERIFIED_CACHE_SIZE = 10_000
# RFC 9068 section 2.1: "at+jwt" (the media type application/at+jwt may be written in full).
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
JWKS_REFRESH_MIN_INTERVAL_S = 30.0


class InvalidToken(Exception):
    """The token cannot be trusted: bad signature, wrong issuer or audience, expired, malformed,
    not an access token, or its session was revoked."""


class RevokedSession(InvalidToken):
    """A valid token whose session was ended (logout, an operator's revocation)."""


@dataclass(frozen=True)
class VerifiedToken:
    """An access token that passed every check: who, and what identifies its session."""

    principal: Principal
    expires_at: float  # epoch seconds (exp)
    issued_at: float | None  # epoch seconds (iat), None when the issuer omits it
    session_id: str | None  # "sid:<issuer session>" or, without sid, "jti:<token id>"


class Revocations(Protocol):
    async def is_revoked(self, token: VerifiedToken) -> bool: ...


def session_id_of(claims: dict) -> str | None:
    """What a revocation names: the issuer's session (sid, shared by every token of one login)
    or, for a token minted outside a session, the token itself (jti)."""
    for claim in ("sid", "jti"):
        value = claims.get(claim)
        if isinstance(value, str) and value:
            # An identifier longer than the record keeps is named by its digest.
            return f"{claim}:{value if len(value) <= 200 else hashlib.sha256(value.encode()).hexdigest()}"
    return None


class TokenVerifier:
    def __init__(self, issuer: str, audience: str, *, jwks_ttl_s: float = 300.0, http_timeout_s: float = 5.0,
                 jwks_refresh_min_interval_s: float = JWKS_REFRESH_MIN_INTERVAL_S,
                 revocations: Revocations | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.jwks_ttl_s = jwks_ttl_s
        self.jwks_refresh_min_interval_s = jwks_refresh_min_interval_s
        self.http_timeout_s = http_timeout_s
        # The server-side revocation record (set by the service runtime once its pool is open).
        self.revocations = revocations
        self.jwks_fetches = 0  # how many times the JWKS was fetched (metrics, tests)
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._metadata: dict | None = None
        self._lock = asyncio.Lock()
        # Verified tokens, until they expire: a browser or an API client sends the same token
        # on every request, and an RSA signature check per request is measurable CPU.
        self._verified: OrderedDict[str, VerifiedToken] = OrderedDict()

    async def metadata(self) -> dict:
        """The issuer's OpenID Connect discovery document (cached for the process)."""
        if self._metadata is None:
            async with httpx.AsyncClient(timeout=self.http_timeout_s) as client:
                response = await client.get(f"{self.issuer}/.well-known/openid-configuration")
                response.raise_for_status()
                document = response.json()
            if document.get("issuer", "").rstrip("/") != self.issuer:
                raise InvalidToken("the discovery document names another issuer")
            self._metadata = document
        return self._metadata

    async def _key_set(self, *, refresh: bool = False) -> KeySet:
        async with self._lock:
            since = time.monotonic() - self._fetched_at
            stale = since > self.jwks_ttl_s
            # An unknown kid asks for a refresh, but at most once per interval: within it, the
            # keys just fetched are the issuer's answer (negative cache for every unknown kid).
            wanted = refresh and since >= self.jwks_refresh_min_interval_s
            if self._keys is None or stale or wanted:
                metadata = await self.metadata()
                async with httpx.AsyncClient(timeout=self.http_timeout_s) as client:
                    response = await client.get(metadata["jwks_uri"])
                    response.raise_for_status()
                self._keys = KeySet.import_key_set(response.json())
                self._fetched_at = time.monotonic()
                self.jwks_fetches += 1
            return self._keys

    async def _decode(self, token: str):
        keys = await self._key_set()
        try:
            return jwt.decode(token, keys, algorithms=ALLOWED_ALGORITHMS)
        except InvalidKeyIdError:
            # The issuer may have rotated its key since the last fetch (refreshed at most once
            # per interval, whatever the number of tokens naming unknown kids).
            return jwt.decode(token, await self._key_set(refresh=True), algorithms=ALLOWED_ALGORITHMS)

    async def verify(self, token: str) -> Principal:
        """The principal of a valid, unrevoked access token; InvalidToken otherwise."""
        return (await self.verify_access(token)).principal

    async def verify_access(self, token: str) -> VerifiedToken:
        verified = self._verified.get(token)
        if verified is not None and time.time() >= verified.expires_at:
            del self._verified[token]
            verified = None
        if verified is None:
            verified = await self._verify(token)
            self._verified[token] = verified
            if len(self._verified) > VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        else:
            self._verified.move_to_end(token)
        # Asked every time (an indexed lookup): a revocation takes effect on the next request.
        if self.revocations is not None and await self.revocations.is_revoked(verified):
            raise RevokedSession("the session of this token was revoked")
        return verified

    async def _verify(self, token: str) -> VerifiedToken:
        try:
            decoded = await self._decode(token)
            typ = str(decoded.header.get("typ", "")).lower()
            if typ not in ACCESS_TOKEN_TYPES:
                raise InvalidToken(f"not an access token (typ {typ or 'absent'!r}, expected at+jwt)")
            claims = decoded.claims
            jwt.JWTClaimsRegistry(
                leeway=CLOCK_SKEW_S,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.audience},
                exp={"essential": True},
                sub={"essential": True},
            ).validate(claims)
        except (JoseError, ValueError) as exc:
            raise InvalidToken(str(exc)) from exc
        except httpx.HTTPError as exc:
            log.warning("cannot reach the identity provider: %s", exc)
            raise
        iat = claims.get("iat")
        return VerifiedToken(
            principal=principal_from_claims(claims),
            expires_at=float(claims["exp"]),
            issued_at=float(iat) if isinstance(iat, (int, float)) else None,
            session_id=session_id_of(claims),
        )

    async def verify_id_token(self, token: str, client_id: str, nonce: str | None = None) -> dict:
        """The claims of an OpenID Connect ID token issued to this client (login callback only:
        an ID token is never a credential for the APIs)."""
        try:
            decoded = await self._decode(token)
            claims = decoded.claims
            jwt.JWTClaimsRegistry(
                leeway=CLOCK_SKEW_S,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": client_id},
                exp={"essential": True},
                sub={"essential": True},
            ).validate(claims)
        except (JoseError, ValueError) as exc:
            raise InvalidToken(str(exc)) from exc
        azp = claims.get("azp")
        if azp is not None and azp != client_id:
            raise InvalidToken("the ID token was issued to another client (azp)")
        if nonce is not None and not hmac.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode()):
            raise InvalidToken("the ID token's nonce does not match the login request")
        return claims


def principal_from_claims(claims: dict) -> Principal:
    try:
        roles = frozenset(Role(role) for role in claims.get("roles", []) if role in Role._value2member_map_)
        org_kind = OrgKind(claims.get("org_kind", OrgKind.PLATFORM))
    except ValueError as exc:
        raise InvalidToken(f"unexpected claim value: {exc}") from exc
    return Principal(
        subject=str(claims["sub"]),
        name=str(claims.get("name") or claims["sub"]),
        roles=roles,
        org_siret=claims.get("org_siret"),
        org_name=claims.get("org_name"),
        org_kind=org_kind,
        email=claims.get("email"),
    )
