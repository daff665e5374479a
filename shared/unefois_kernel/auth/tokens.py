"""JWT verification against the issuer's published keys (JWKS), with OIDC discovery.

The same code runs everywhere: in production the issuer is ProConnect or Keycloak, in
development and tests the local development issuer; only the configured URL changes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict

import httpx
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from unefois_kernel.auth.principal import OrgKind, Principal, Role

log = logging.getLogger("unefois.auth")

ALLOWED_ALGORITHMS = ["RS256", "ES256", "PS256"]
CLOCK_SKEW_S = 30
VERIFIED_CACHE_SIZE = 10_000


class InvalidToken(Exception):
    """The token cannot be trusted: bad signature, wrong issuer or audience, expired, malformed."""


class TokenVerifier:
    def __init__(self, issuer: str, audience: str, *, jwks_ttl_s: float = 300.0, http_timeout_s: float = 5.0) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.jwks_ttl_s = jwks_ttl_s
        self.http_timeout_s = http_timeout_s
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._metadata: dict | None = None
        self._lock = asyncio.Lock()
        # Verified tokens, until they expire: a browser or an API client sends the same token
        # on every request, and an RSA signature check per request is measurable CPU.
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

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
            stale = time.monotonic() - self._fetched_at > self.jwks_ttl_s
            if self._keys is None or stale or refresh:
                metadata = await self.metadata()
                async with httpx.AsyncClient(timeout=self.http_timeout_s) as client:
                    response = await client.get(metadata["jwks_uri"])
                    response.raise_for_status()
                self._keys = KeySet.import_key_set(response.json())
                self._fetched_at = time.monotonic()
            return self._keys

    async def verify(self, token: str) -> Principal:
        cached = self._verified.get(token)
        if cached is not None:
            principal, expires_at = cached
            if time.time() < expires_at:
                self._verified.move_to_end(token)
                return principal
            del self._verified[token]
        principal, expires_at = await self._verify(token)
        self._verified[token] = (principal, expires_at)
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            keys = await self._key_set()
            try:
                decoded = jwt.decode(token, keys, algorithms=ALLOWED_ALGORITHMS)
            except InvalidKeyIdError:
                # The issuer may have rotated its key since the last fetch.
                decoded = jwt.decode(token, await self._key_set(refresh=True), algorithms=ALLOWED_ALGORITHMS)
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
        return principal_from_claims(claims), float(claims["exp"])


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
