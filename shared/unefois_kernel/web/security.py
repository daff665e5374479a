"""Web hardening shared by every service (and by the development issuer).

Four pure ASGI middlewares, installed by `install_web_security` in this order (outermost
first), so that refusals made by the inner ones still carry the security headers:

1. `SecurityHeadersMiddleware`: a Content-Security-Policy that allows only same-origin
   scripts, styles, images and fonts (the design system's assets are served by the service itself),
   no framing, form submissions only to the service and the identity provider;
   X-Content-Type-Options, Referrer-Policy, X-Frame-Options, Permissions-Policy; HSTS only
   when the request came over TLS; `Cache-Control: no-store` on every answer to an
   authenticated caller (tenant data).
2. `RateLimitMiddleware`: the login routes' budget per client address. Every route declared
   `public()` (top level or in a router) spends its budget in the access check itself
   (`RateLimits.spend_public`). Counted in the service's database (PostgresRateLimiter,
   kernel migration 0005), so replicas share the count; 429 problem+json (or the themed page)
   with Retry-After. The probes (/healthz, /readyz, /metrics) are not limited.
3. `BodyLimitMiddleware`: request bodies over their route class's limit (JSON, form,
   multipart; a route may declare its own with `body_limit()`) answer 413 while being read,
   before parsing, before the CSRF and the access checks.
4. `CsrfMiddleware`: an unsafe request (POST, PUT, PATCH, DELETE) authenticated by the
   session cookie must carry a token bound to that session: an HMAC of the cookie value
   under a key derived from the session secret, sent in the `X-CSRF-Token` header (htmx)
   or the `csrf_token` form field. Requests carrying a bearer token are not concerned (a
   browser never adds that header cross-site). Templates get the token with
   `csrf_token(request)`.

`operators_or_internal()` guards /metrics, `sees_operator_details()` the checks of /readyz (its
status code stays public, for orchestrators' probes): the configured internal networks
(UNEFOIS_<SERVICE>_INTERNAL_NETWORKS) or the operator role.

The session secret comes from `UNEFOIS_<SERVICE>_SESSION_SECRET` or the file named by
`..._SESSION_SECRET_FILE`; without either, each process draws a random one (fine for one
replica in development; every replica of a production service must share one). It is
never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import math
import re
import secrets
import time
from collections.abc import Iterable, Sequence
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import Depends, FastAPI, HTTPException
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request, cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unefois_kernel.auth.access import (
    SESSION_COOKIE,
    Forbidden,
    Unauthenticated,
    api_routes,
    optional_principal,
)
from unefois_kernel.auth.principal import Principal, Role
from unefois_kernel.web import multipart_token
from unefois_kernel.web.errors import CSRF_PAGE, refusal
from unefois_kernel.web.templating import add_global

log = logging.getLogger("unefois.web_security")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
LOGIN_PATHS = frozenset({"/auth/login", "/auth/callback"})
# Orchestrator probes and scrapers: cheap, and throttling them would restart healthy pods.
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# A cookie-authenticated form without the header is read into memory to find its token.
MAX_FORM_BYTES = 16 * 1024 * 1024
MIN_SECRET_LENGTH = 32
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


# ---------------------------------------------------------------- the session secret


def load_session_secret(secret: str | None, secret_file: Path | None, *, service: str = "") -> bytes:
    """The configured secret (value or file), or a random per-process one with a warning."""
    if secret is None and secret_file is not None:
        try:
            secret = Path(secret_file).read_text(encoding="utf-8").strip()
        except OSError as error:
            # The message names the file, never its content.
            raise ValueError(f"cannot read the session secret file {secret_file}: {error.strerror}") from None
    if secret is None:
        log.warning(
            "no session secret configured for %s (UNEFOIS_%s_SESSION_SECRET or ..._SESSION_SECRET_FILE): "
            "using a random one for this process; sessions' CSRF tokens will not survive a restart and "
            "replicas will not accept each other's",
            service or "this service", service.upper() or "<SERVICE>",
        )
        return secrets.token_bytes(32)
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"the session secret must be at least {MIN_SECRET_LENGTH} characters long")
    return secret.encode("utf-8")


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


class SessionKeys:
    """Keys derived from the session secret, one per purpose (HKDF-SHA256), so a value
    made for one purpose is never accepted for another."""

    def __init__(self, secret: bytes) -> None:
        self._csrf = _derive(secret, b"unefois/csrf/v1")
        self._sealing = OctKey.import_key(_derive(secret, b"unefois/sealed-cookie/v1"))

    def csrf_token(self, session: str) -> str:
        digest = hmac.new(self._csrf, session.encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def csrf_valid(self, session: str, token: str | None) -> bool:
        if not token:
            return False
        return hmac.compare_digest(self.csrf_token(session).encode("ascii"), token.encode("utf-8", "replace"))

    def seal(self, data: dict, ttl_s: float) -> str:
        """Encrypted and authenticated (JWE dir + A256GCM), expiring after ttl_s."""
        payload = json.dumps({"exp": time.time() + ttl_s, "data": data}, separators=(",", ":")).encode()
        return jwe.encrypt_compact({"alg": "dir", "enc": "A256GCM"}, payload, self._sealing)

    def unseal(self, value: str) -> dict | None:
        """The sealed data, or None when it was tampered with, made with another key, or expired."""
        try:
            payload = json.loads(jwe.decrypt_compact(value, self._sealing).plaintext)
        except (JoseError, ValueError, TypeError):
            return None
        if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int | float) or payload["exp"] < time.time():
            return None
        data = payload.get("data")
        return data if isinstance(data, dict) else None


# ---------------------------------------------------------------- where the request came from


def is_https(scope: Scope, trusted_proxy: bool) -> bool:
    """TLS on this hop, or (only behind a trusted proxy) on the client's hop."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    if trusted_proxy:
        forwarded = Headers(scope=scope).get("x-forwarded-proto", "")
        return forwarded.split(",")[0].strip().lower() == "https"
    return False


def client_ip(scope: Scope, trusted_proxy: bool) -> str:
    """The peer address, or behind a trusted proxy the address that proxy saw (the last
    X-Forwarded-For entry: the ones before it are whatever the client claimed)."""
    if trusted_proxy:
        forwarded = Headers(scope=scope).get("x-forwarded-for", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    client = scope.get("client")
    return client[0] if client else "unknown"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


# ---------------------------------------------------------------- 1. security headers


def content_security_policy(form_action: Iterable[str] = ()) -> str:
    targets = " ".join(dict.fromkeys(["'self'", *(o for o in form_action if o)]))
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
        f"form-action {targets}; base-uri 'self'; object-src 'none'"
    )


# The offline API docs (/docs, web/docs.py): Swagger UI sets inline style attributes on the
# elements it draws, so that page alone also allows inline styles; scripts stay 'self' only.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'self'; object-src 'none'"
)

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()"
)
HSTS = "max-age=31536000; includeSubDomains"


def _get(state, name: str):
    return state.get(name) if isinstance(state, dict) else getattr(state, name, None)


class SecurityHeadersMiddleware:
    """Adds the headers to every HTTP response that does not set them itself."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        form_action: Sequence[str] = (),
        trusted_proxy: bool = False,
        docs_paths: Iterable[str] = ("/docs",),
    ) -> None:
        self.app = app
        self.trusted_proxy = trusted_proxy
        self.docs_paths = frozenset(docs_paths)
        self.headers = {
            "Content-Security-Policy": content_security_policy(form_action),
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin",
            "Permissions-Policy": PERMISSIONS_POLICY,
            "Cross-Origin-Opener-Policy": "same-origin",
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = dict(self.headers)
        if scope.get("path") in self.docs_paths:
            extra["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
        if is_https(scope, self.trusted_proxy):
            extra["Strict-Transport-Security"] = HSTS
        # The access check stores the verified caller there (request.state.principal); set
        # here so that every inner layer shares this one dict.
        state = scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name not in headers:
                        headers[name] = value
                if _get(state, "principal") is not None:
                    # An authenticated answer carries tenant data: no cache keeps it.
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


# ---------------------------------------------------------------- 3. rate limits


class MemoryRateLimiter:
    """Moving-window counters in this process's memory: only where no database is at hand
    (an app built without its runtime's pool, the development issuer). Behind N replicas a
    client would get N times the budget: services count in PostgreSQL (PostgresRateLimiter)."""

    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, limit: RateLimitItem, *keys: str) -> int | None:
        """Counts one request; None when allowed, else the seconds to wait before retrying."""
        if self._limiter.hit(limit, *keys):
            return None
        reset_at, _remaining = self._limiter.get_window_stats(limit, *keys)
        return max(1, math.ceil(reset_at - time.time()))


# The development issuer imports this name.
RateLimiter = MemoryRateLimiter

_HIT_SQL = """
INSERT INTO rate_limit_counters AS c (bucket, subject, window_start, expires_at, hits)
SELECT $1, $2, w.start, w.start + make_interval(secs => $3::float8), 1
FROM (SELECT to_timestamp(floor(extract(epoch FROM clock_timestamp())::float8 / $3::float8) * $3::float8)
      AS start) AS w
ON CONFLICT (bucket, subject, window_start) DO UPDATE SET hits = c.hits + 1
RETURNING c.hits, ceil(extract(epoch FROM c.expires_at - clock_timestamp()))::int AS retry_after
"""
_BUCKET_UNSAFE = re.compile(r"[^a-z0-9_:./-]")
_SWEEP_SQL = "DELETE FROM rate_limit_counters WHERE expires_at < clock_timestamp()"
SWEEP_INTERVAL_S = 60.0


class PostgresRateLimiter:
    """Fixed-window counters in the service's database (kernel migration 0005), so every
    replica of a service spends one budget. The database's clock dates the windows. Without
    a pool (or when the database does not answer) it counts in memory rather than let
    everything through or refuse everything."""

    def __init__(self, pool_of) -> None:
        self._pool_of = pool_of  # () -> asyncpg.Pool | None: the runtime's pool, once open
        self._memory = MemoryRateLimiter()
        self._swept_at = 0.0

    async def hit(self, limit: RateLimitItem, bucket: str, subject: str) -> int | None:
        pool = self._pool_of()
        if pool is None:
            return self._memory.hit(limit, bucket, subject)
        window_s = float(limit.get_expiry())
        # The limit is part of the bucket: two routes with their own budgets never share one.
        # Spelled as the table's check wants it (a route's path: "public:/api/decp/_id_").
        bucket = _BUCKET_UNSAFE.sub("_", f"{bucket}:{limit.amount}/{int(window_s)}s".lower())[:200]
        try:
            async with pool.acquire(timeout=2) as conn:
                row = await conn.fetchrow(_HIT_SQL, bucket, subject[:400], window_s, timeout=2)
                if time.monotonic() - self._swept_at > SWEEP_INTERVAL_S:
                    self._swept_at = time.monotonic()
                    await conn.execute(_SWEEP_SQL, timeout=2)
        except Exception as error:  # noqa: BLE001 - a limiter must not turn a database hiccup into 500s
            log.warning("rate limit counters unavailable (%s): counting in memory", type(error).__name__)
            return self._memory.hit(limit, bucket, subject)
        if row["hits"] <= limit.amount:
            return None
        return max(1, row["retry_after"])


def too_many_requests(scope: Scope, retry_after_s: int):
    """429 with Retry-After: the themed page for a browser (saying when to retry), else problem+json."""
    return _refusal(
        scope, 429, "Trop de requêtes",
        f"Trop de requêtes depuis votre adresse : réessayez dans {retry_after_s} secondes.",
        headers={"Retry-After": str(retry_after_s)},
    )


def parse_rate_limit(value: str) -> RateLimitItem:
    """'10/minute', '120 per minute', ... (the `limits` notation); refuses anything else."""
    try:
        return parse(value)
    except ValueError as error:
        raise ValueError(f"invalid rate limit {value!r}: expected e.g. '10/minute'") from error


class RateLimits:
    """The service's budgets, on app.state.rate_limits.

    - every route declared `public()`, wherever it is declared (top level or in a router),
      spends the caller's address's public budget (or the route's own: public(rate_limit=...));
      the access check itself calls `spend_public`, so no public route can escape it;
    - /auth/login and /auth/callback spend the address's login budget (RateLimitMiddleware);
    - a password check (`spend_login_attempt`) spends both the address's budget and the
      budget of that login *from that address*: guessing one login's password, or trying many
      logins, is throttled, but an address never locks a login out for other addresses.
    The probes (/healthz, /readyz, /metrics) are never limited."""

    def __init__(self, limiter: PostgresRateLimiter, *, login: str, public: str, trusted_proxy: bool) -> None:
        self.limiter = limiter
        self.login = parse_rate_limit(login)
        self.public = parse_rate_limit(public)
        self.trusted_proxy = trusted_proxy
        self._declared: dict[str, RateLimitItem] = {}

    async def spend_public(self, request: Request, rate_limit: str | None = None) -> None:
        path = request.scope.get("path", "")
        if path in UNLIMITED_PATHS or path in LOGIN_PATHS:
            return
        limit, bucket = self.public, "public"
        if rate_limit is not None:
            limit = self._declared.get(rate_limit) or self._declared.setdefault(rate_limit, parse_rate_limit(rate_limit))
            route = request.scope.get("route")
            bucket = f"public:{getattr(route, 'path', path)}"
        retry_after = await self.limiter.hit(limit, bucket, client_ip(request.scope, self.trusted_proxy))
        if retry_after is not None:
            raise HTTPException(429, f"Trop de requêtes depuis votre adresse : réessayez dans {retry_after} secondes.",
                                headers={"Retry-After": str(retry_after)})

    async def spend_login_route(self, scope: Scope) -> int | None:
        return await self.limiter.hit(self.login, "login", client_ip(scope, self.trusted_proxy))

    async def spend_login_attempt(self, scope: Scope, login: str) -> int | None:
        """A password (or code) check for `login`: None when allowed, else seconds to wait."""
        address = client_ip(scope, self.trusted_proxy)
        per_address = await self.limiter.hit(self.public, "login-address", address)
        if per_address is not None:
            return per_address
        return await self.limiter.hit(self.login, "login-account", f"{address} {login.strip().casefold()}")


class RateLimitMiddleware:
    """The login routes' budget, per address, before anything else runs."""

    def __init__(self, app: ASGIApp, *, limits: RateLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "") in LOGIN_PATHS:
            retry_after = await self.limits.spend_login_route(scope)
            if retry_after is not None:
                await too_many_requests(scope, retry_after)(scope, receive, send)
                return
        await self.app(scope, receive, send)


# ---------------------------------------------------------------- 4. request body limits

MiB = 1024 * 1024


def body_limit(max_bytes: int):
    """A route's own body limit, e.g. an upload: `dependencies=[body_limit(50 * MiB)]`."""
    if max_bytes < 1:
        raise ValueError("body_limit() needs a positive number of bytes")

    async def declared_limit() -> None:
        return None

    declared_limit.__unefois_body_limit__ = max_bytes
    return Depends(declared_limit)


def declared_body_limit(route) -> int | None:
    dependant = getattr(route, "dependant", None)
    pending = list(getattr(dependant, "dependencies", ()))
    while pending:
        dependency = pending.pop()
        limit = getattr(dependency.call, "__unefois_body_limit__", None)
        if limit is not None:
            return limit
        pending.extend(dependency.dependencies)
    return None


class BodyTooLarge(Exception):
    pass


def _human_size(size: int) -> str:
    return f"{size / MiB:g} Mio" if size >= MiB else f"{size / 1024:g} Kio"


class BodyLimitMiddleware:
    """Refuses a request body over its route class's limit with 413 (problem+json, or the
    themed page for a browser), whether it announces its length or comes chunked.

    - A Content-Length above every limit of the app is refused before a byte is read.
    - Otherwise the body is counted while it is read (by the CSRF check or by the route,
      both before the access check): past the limit of the route (its own `body_limit()`,
      else the class of its Content-Type) reading stops and the 413 replaces whatever the
      app would have answered. Nothing is buffered beyond the limit."""

    def __init__(self, app: ASGIApp, *, json: int, form: int, multipart: int) -> None:
        self.app = app
        self.json, self.form, self.multipart = json, form, multipart
        self._ceiling: int | None = None

    def class_limit(self, content_type: str) -> int:
        kind = content_type.split(";")[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            return self.form
        if kind == "multipart/form-data":
            return self.multipart
        return self.json

    def ceiling(self, scope: Scope) -> int:
        if self._ceiling is None:
            routes = api_routes(getattr(scope.get("app"), "routes", []))
            declared = [limit for route in routes if (limit := declared_body_limit(route)) is not None]
            self._ceiling = max([self.json, self.form, self.multipart, *declared])
        return self._ceiling

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        default = self.class_limit(headers.get("content-type", ""))
        announced = headers.get("content-length")
        length = int(announced) if announced is not None and announced.isdigit() else None
        if length is not None and length > self.ceiling(scope):
            await self._too_large(scope, receive, send, default)
            return
        read, exceeded, started = 0, None, False

        def limit() -> int:
            return declared_body_limit(scope.get("route")) or default

        async def counted_receive() -> Message:
            nonlocal read, exceeded
            allowed = limit()
            if length is not None and length > allowed:
                exceeded = allowed
                raise BodyTooLarge()
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > allowed:
                    exceeded = allowed
                    raise BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded is not None and not started:
                return  # the app's answer to the interrupted read: the 413 replaces it
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if exceeded is None or started:
                raise
        if exceeded is not None and not started:
            await self._too_large(scope, receive, send, exceeded)

    @staticmethod
    async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        detail = f"Le corps de la requête dépasse la taille autorisée ({_human_size(limit)})."
        await _refusal(scope, 413, "Requête trop volumineuse", detail,
                       [{"field": "body", "message": detail}])(scope, receive, send)


# ---------------------------------------------------------------- 5. operators' routes


INTERNAL = "internal"
OPERATOR_ROLES = frozenset({Role.OPERATOR})


def is_internal(scope: Scope, networks: Sequence, trusted_proxy: bool) -> bool:
    try:
        address = ip_address(client_ip(scope, trusted_proxy))
    except ValueError:
        return False
    if getattr(address, "ipv4_mapped", None) is not None:
        address = address.ipv4_mapped
    return any(address.version == network.version and address in network for network in networks)


async def sees_operator_details(request: Request) -> bool:
    """A client of the internal networks, or a caller holding the operator role (the
    detailed readiness: its failing checks are for them, the status code for anyone)."""
    security = request.app.state.web_security
    if is_internal(request.scope, security.internal_networks, security.trusted_proxy):
        return True
    try:
        principal = await optional_principal(request)
    except Unauthenticated:
        return False
    return principal is not None and principal.has_any(OPERATOR_ROLES)


def operators_or_internal():
    """/metrics and the detailed readiness: a client of the configured internal networks
    (UNEFOIS_<SERVICE>_INTERNAL_NETWORKS), or a caller holding the operator role. Anyone
    else gets 401 (no credentials) or 403. Declared access: "internal"."""

    async def check(request: Request) -> Principal | None:
        security = request.app.state.web_security
        if is_internal(request.scope, security.internal_networks, security.trusted_proxy):
            return None
        principal = await optional_principal(request)
        if principal is None:
            raise Unauthenticated("réservé aux exploitants de la plateforme et au réseau interne : "
                                  "authentification requise", field="authorization")
        if not principal.has_any(OPERATOR_ROLES):
            raise Forbidden("réservé aux exploitants de la plateforme et au réseau interne", field="role")
        return principal

    check.__unefois_access__ = INTERNAL
    return Depends(check)


# ---------------------------------------------------------------- 2. CSRF


def _session_cookie(headers: Headers) -> str | None:
    cookie = headers.get("cookie")
    return cookie_parser(cookie).get(SESSION_COOKIE) if cookie else None


def csrf_refused(scope: Scope, reason: str):
    return _refusal(
        scope, 403, "Requête refusée",
        "Le jeton de sécurité du formulaire est absent ou invalide : rechargez la page et recommencez.",
        [{"field": CSRF_FIELD, "message": reason}], csrf=True,
    )


def _refusal(scope: Scope, status: int, title: str, detail: str, errors: list[dict] | None = None, *,
             headers: dict[str, str] | None = None, csrf: bool = False):
    """A middleware's refusal: the themed French page for a browser, problem+json otherwise
    (refusal() answers problem+json wherever the app has no pages installed)."""
    return refusal(scope, status, title, detail, errors, headers=headers, page=CSRF_PAGE if csrf else None)


class CsrfMiddleware:
    def __init__(self, app: ASGIApp, *, keys: SessionKeys) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        session = _session_cookie(headers)
        if not session or headers.get("authorization", "").lower().startswith("bearer "):
            # Not authenticated by the cookie: nothing a forged cross-site request could borrow.
            await self.app(scope, receive, send)
            return
        token = headers.get(CSRF_HEADER)
        content_type = headers.get("content-type", "")
        if token is None and content_type.split(";")[0].strip().lower() == "multipart/form-data":
            # Read only up to the token (the forms put it first): a file after it streams on.
            found = await multipart_token.read_token(content_type, receive, CSRF_FIELD,
                                                    multipart_token.TOKEN_SEARCH_BYTES)
            if found is None:
                await _refusal(scope, 413, "Requête trop volumineuse",
                               "Formulaire trop volumineux avant son jeton anti-CSRF : placez le champ csrf_token "
                               "avant les fichiers, ou envoyez-le dans l’en-tête X-CSRF-Token.")(scope, receive, send)
                return
            token, read = found
            receive = multipart_token.replaying(read, receive)
        elif token is None and content_type.split(";")[0].strip().lower() in FORM_TYPES:
            body = await _read_body(receive, MAX_FORM_BYTES)
            if body is None:
                await _refusal(scope, 413, "Requête trop volumineuse",
                               "Formulaire trop volumineux : envoyez le jeton dans l’en-tête X-CSRF-Token.")(
                    scope, receive, send)
                return
            token = await _form_field(scope, body, CSRF_FIELD)
            receive = _replay(body, receive)
        if token is None:
            await csrf_refused(scope, "jeton anti-CSRF absent (en-tête X-CSRF-Token ou champ csrf_token)")(scope, receive, send)
            return
        if not self.keys.csrf_valid(session, token):
            await csrf_refused(scope, "jeton anti-CSRF invalide pour cette session")(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _form_field(scope: Scope, body: bytes, name: str) -> str | None:
    request = Request(scope, receive=_replay(body, _never))
    try:
        form = await request.form()
    except Exception:  # noqa: BLE001 - a malformed form has no usable token
        return None
    try:
        value = form.get(name)
        return value if isinstance(value, str) else None
    finally:
        await form.close()


async def _never() -> Message:
    return {"type": "http.disconnect"}


# ---------------------------------------------------------------- wiring and templates


class WebSecurity:
    """What the login routes and the templates need: stored on app.state.web_security."""

    def __init__(self, keys: SessionKeys, *, trusted_proxy: bool, internal_networks: Sequence = ()) -> None:
        self.keys = keys
        self.trusted_proxy = trusted_proxy
        self.internal_networks = tuple(internal_networks)

    def is_https(self, request: Request) -> bool:
        return is_https(request.scope, self.trusted_proxy)


def csrf_token(request: Request) -> str:
    """The CSRF token of the request's session ("" without a session): a Jinja global,
    for `<input type="hidden" name="csrf_token" value="{{ csrf_token(request) }}">` and
    `hx-headers='{"X-CSRF-Token": "{{ csrf_token(request) }}"}'`."""
    session = request.cookies.get(SESSION_COOKIE)
    if not session:
        return ""
    return request.app.state.web_security.keys.csrf_token(session)


def install_web_security(app: FastAPI, settings) -> WebSecurity:
    """Middlewares and app.state.web_security for a service built from ServiceSettings."""
    secret = settings.session_secret.get_secret_value() if settings.session_secret is not None else None
    keys = SessionKeys(load_session_secret(secret, settings.session_secret_file, service=settings.service_name))
    security = WebSecurity(keys, trusted_proxy=settings.trusted_proxy,
                           internal_networks=settings.internal_network_list)
    app.state.web_security = security
    # Counted in the service's database once the runtime has opened its pool.
    limiter = PostgresRateLimiter(lambda: getattr(getattr(app.state, "runtime", None), "pool", None))
    limits = RateLimits(limiter, login=settings.rate_limit_login, public=settings.rate_limit_public,
                        trusted_proxy=settings.trusted_proxy)
    app.state.rate_limits = limits
    _register_template_global()
    # add_middleware: the last added is the outermost.
    app.add_middleware(CsrfMiddleware, keys=keys)
    app.add_middleware(BodyLimitMiddleware, json=settings.body_limit_json, form=settings.body_limit_form,
                       multipart=settings.body_limit_multipart)
    app.add_middleware(RateLimitMiddleware, limits=limits)
    app.add_middleware(SecurityHeadersMiddleware, form_action=[origin_of(settings.oidc_issuer)],
                       trusted_proxy=settings.trusted_proxy)
    return security


def _register_template_global() -> None:
    """`csrf_token(request)` in every template of the shared web layer."""
    add_global("csrf_token", csrf_token)
