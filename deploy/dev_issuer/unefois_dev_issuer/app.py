"""The development issuer's HTTP endpoints.

    GET  /.well-known/openid-configuration   discovery
    GET  /jwks.json                          public signing keys (current + previous)
    GET  /authorize                          the login form (or straight back with a code
                                             when the browser already has a session here)
    POST /authorize                          check the password, redirect with a code
    POST /token                              authorization_code (+ PKCE code_verifier), or
                                             password (seeded users; development only)
    GET  /userinfo                           the claims of a bearer access token
    GET  /logout                             end the session here, back to the application
    GET  /healthz, /readyz                   probes

Its pages (login, messages) wear the deployment's theme exactly as the services do: the
kernel's assets (Bootstrap 5.3, the theme's tokens and logo, unefois.css) are mounted by
`mount_assets` with `deployment_theme()` (UNEFOIS_THEME), and the forms use the kernel's
form macros. A browser never gets raw JSON from it: refusals are themed French pages.

Only the authorization code flow with PKCE S256 is offered, with `state` and `nonce`
required, and a code goes only to a redirect URI registered for its client. Codes live
`code_ttl_s` (60 s) and are redeemed once.

The password grant exists here so that tests, the demo and the CLI can get a token without
a browser. OAuth 2.1 removes it and a production issuer must not enable it: production
uses ProConnect or Keycloak through their own login pages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from joserfc import jwt
from joserfc.errors import JoseError
from starlette.exceptions import HTTPException as StarletteHTTPException

from unefois_dev_issuer import DEFAULT_DEV_PASSWORD
from unefois_dev_issuer.config import CLI_CLIENT_ID, IssuerConfig
from unefois_dev_issuer.keys import ALGORITHM, SigningKeys
from unefois_dev_issuer.users import SeededUser, normalise_login, password_book, seeded_users
from unefois_kernel.auth.principal import OrgKind, Principal, Role
from unefois_kernel.web import STAGE_LABELS, wants_html
from unefois_kernel.web.assets import mount_assets
from unefois_kernel.web.theme import Theme, deployment_theme
from unefois_kernel.web.security import (
    RateLimiter,
    SecurityHeadersMiddleware,
    client_ip,
    is_https,
    origin_of,
    parse_rate_limit,
    too_many_requests,
)

log = logging.getLogger("unefois.dev_issuer")

SESSION_COOKIE = "unefois_issuer_session"
FORM_COOKIE = "unefois_issuer_form"
CODE_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
CODE_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
MAX_PARAMETER = 512
SCOPES = ("openid", "profile", "email")
# The login form's fields, as its error summary names them.
FIELD_LABELS = {"login": "Adresse électronique", "password": "Mot de passe"}
# What a browser reads for a refusal that has no page of its own (404, 405, ...).
HTTP_PAGES = {
    404: ("Page introuvable", "Cette adresse n’existe pas sur le fournisseur d’identité de développement."),
    405: ("Action impossible à cette adresse", "Cette adresse ne permet pas l’action demandée. Revenez à l’application."),
}


def role_label(role: str) -> str:
    """A role as the services' pages name it (Principal.role_label: "Acheteur", "Acheteur
    valideur", "Fournisseur", "Exploitant"), so the accounts table uses the same words."""
    try:
        known = Role(role)
    except ValueError:
        return role
    return Principal(subject="", name="", roles=frozenset({known}), org_siret=None, org_name=None,
                     org_kind=OrgKind.PLATFORM).role_label


def application_label(client_id: str) -> str:
    """unefois-sourcing -> "Besoins"; another client keeps its identifier."""
    return STAGE_LABELS.get(client_id.removeprefix("unefois-"), client_id)


@dataclass(frozen=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    state: str
    nonce: str
    code_challenge: str
    scope: str

    def hidden_fields(self) -> dict[str, str]:
        return {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
            "scope": self.scope,
        }


@dataclass(frozen=True)
class CodeGrant:
    request: AuthorizationRequest
    login: str
    auth_time: int
    expires_at: float
    sid: str | None = None


class CodeStore:
    """Authorization codes in memory: short-lived, and gone once redeemed."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._codes: dict[str, CodeGrant] = {}

    def issue(self, request: AuthorizationRequest, login: str, auth_time: int, sid: str | None = None) -> str:
        now = time.monotonic()
        self._codes = {code: grant for code, grant in self._codes.items() if grant.expires_at > now}
        code = secrets.token_urlsafe(32)
        self._codes[code] = CodeGrant(request, login, auth_time, now + self.ttl_s, sid)
        return code

    def redeem(self, code: str) -> CodeGrant | None:
        grant = self._codes.pop(code, None)  # single use, whatever happens next
        if grant is None or grant.expires_at <= time.monotonic():
            return None
        return grant


@dataclass(frozen=True)
class Session:
    login: str
    auth_time: int
    expires_at: float
    # The session's public id, the `sid` claim of every token minted in it (OIDC Front- and
    # Back-Channel Logout): services revoke a login by it. Not the cookie's secret value.
    sid: str = ""


class SessionStore:
    """Who is logged in at the issuer, so a second application logs in without the form."""

    def __init__(self, ttl_s: int) -> None:
        self.ttl_s = ttl_s
        self._sessions: dict[str, Session] = {}

    def open(self, login: str) -> str:
        now = time.time()
        self._sessions = {sid: s for sid, s in self._sessions.items() if s.expires_at > now}
        sid = secrets.token_urlsafe(32)
        self._sessions[sid] = Session(login, int(now), now + self.ttl_s, secrets.token_urlsafe(16))
        return sid

    def get(self, sid: str | None) -> Session | None:
        session = self._sessions.get(sid) if sid else None
        return session if session is not None and session.expires_at > time.time() else None

    def close(self, sid: str | None) -> None:
        if sid:
            self._sessions.pop(sid, None)


def _with_query(url: str, parameters: Mapping[str, str]) -> str:
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}{urlencode(parameters)}"


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return _no_store(JSONResponse({"error": error, "error_description": description}, status_code=status))


def pkce_matches(verifier: str, challenge: str) -> bool:
    """RFC 7636 S256: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge."""
    if not CODE_VERIFIER.match(verifier):
        return False
    computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=")
    return hmac.compare_digest(computed, challenge.encode("ascii"))


class Issuer:
    """Everything the endpoints share; on app.state.issuer."""

    def __init__(self, config: IssuerConfig, theme: Theme | None = None) -> None:
        self.config = config
        # The operator's brand, as the services wear it (a theme failing its checks stops the issuer).
        self.theme = theme or deployment_theme()
        self.keys = SigningKeys(config.state_dir)
        self.users = seeded_users()
        self.passwords = password_book(config.password.get_secret_value())
        self.uses_default_password = config.password.get_secret_value() == DEFAULT_DEV_PASSWORD
        self.codes = CodeStore(config.code_ttl_s)
        self.sessions = SessionStore(config.session_ttl_s)
        self.limiter = RateLimiter()
        self.login_limit = parse_rate_limit(config.rate_limit_login)
        self.client_limit = parse_rate_limit(config.rate_limit_client)
        # The issuer's own pages first, then the kernel's macros (forms.html, components.html).
        self.templates = Environment(
            loader=ChoiceLoader([PackageLoader("unefois_dev_issuer", "templates"),
                                 PackageLoader("unefois_kernel.web", "templates")]),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    # -------------------------------------------------------------- users and limits

    def user(self, login: str) -> SeededUser | None:
        try:
            return self.users.by_login(login)
        except KeyError:
            return None

    def authenticate(self, login: str, password: str) -> SeededUser | None:
        return self.user(login) if self.passwords.check(login, password) else None

    def throttle(self, request: Request, login: str) -> int | None:
        """Counts one password attempt; the seconds to wait when over a budget."""
        ip = client_ip(request.scope, self.config.trusted_proxy)
        return (self.limiter.hit(self.client_limit, "client", ip)
                or self.limiter.hit(self.login_limit, "login", ip, normalise_login(login)))

    # -------------------------------------------------------------- tokens

    def _sign(self, claims: dict, typ: str) -> str:
        key = self.keys.current
        return jwt.encode({"alg": ALGORITHM, "kid": key.kid, "typ": typ}, claims, key)

    def token_response(self, user: SeededUser, *, client_id: str, scope: str, auth_time: int,
                       nonce: str | None = None, sid: str | None = None) -> JSONResponse:
        now = int(time.time())
        # Every token names its login session (a password grant is a session of its own), so a
        # service can revoke that login: logout, or an operator's revocation.
        sid = sid or secrets.token_urlsafe(16)
        common = {"iss": self.config.url, "iat": now, "exp": now + self.config.token_ttl_s, "sid": sid,
                  **user.claims()}
        # RFC 9068: the access token is for the APIs (aud = the platform, header typ at+jwt);
        # the ID token is for the client alone (aud = its client id, typ JWT), so no service
        # takes one for the other.
        access = {**common, "aud": self.config.audience, "jti": str(uuid.uuid4()), "client_id": client_id,
                  "scope": scope, "auth_time": auth_time}
        identity = {**common, "aud": client_id, "azp": client_id, "jti": str(uuid.uuid4()), "auth_time": auth_time}
        if nonce:
            identity["nonce"] = nonce
        body = {
            "access_token": self._sign(access, "at+jwt"),
            "token_type": "Bearer",
            "expires_in": self.config.token_ttl_s,
            "id_token": self._sign(identity, "JWT"),
            "scope": scope,
        }
        return _no_store(JSONResponse(body))

    def verify_access_token(self, token: str) -> dict | None:
        try:
            decoded = jwt.decode(token, self.keys.key_set(), algorithms=[ALGORITHM])
            if str(decoded.header.get("typ", "")).lower() not in ("at+jwt", "application/at+jwt"):
                return None  # an ID token is not a credential for /userinfo
            jwt.JWTClaimsRegistry(
                leeway=30,
                iss={"essential": True, "value": self.config.url},
                aud={"essential": True, "value": self.config.audience},
                exp={"essential": True},
                sub={"essential": True},
            ).validate(decoded.claims)
        except (JoseError, ValueError):
            return None
        return decoded.claims

    # -------------------------------------------------------------- pages

    def page(self, request: Request, template: str, context: dict, *, status: int = 200) -> HTMLResponse:
        html = self.templates.get_template(template).render(request=request, theme=self.theme, **context)
        return _no_store(HTMLResponse(html, status_code=status))

    def error_page(self, request: Request, status: int, title: str, message: str, *,
                   retry_after: int | None = None) -> HTMLResponse:
        response = self.page(request, "message.html", {"title": title, "message": message, "status": status,
                                                       "retry_after": retry_after}, status=status)
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    def accounts(self) -> list[list[str]]:
        """The seeded accounts as the login page lists them: login, name, role (in French), organisation."""
        return [[user.login, user.name, ", ".join(role_label(role) for role in user.roles), user.org_name]
                for user in self.users]

    def discovery(self) -> dict:
        base = self.config.url
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks.json",
            "end_session_endpoint": f"{base}/logout",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "password"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "scopes_supported": list(SCOPES),
            "claims_supported": ["sub", "name", "email", "roles", "org_siret", "org_name", "org_kind"],
            "authorization_response_iss_parameter_supported": True,
        }


def create_app(config: IssuerConfig | None = None, theme: Theme | None = None) -> FastAPI:
    config = config or IssuerConfig()
    issuer = Issuer(config, theme)
    app = FastAPI(title="unefois — fournisseur d'identité de développement", docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.issuer = issuer
    # The same assets as the services, served the same way from this origin: /static/bootstrap,
    # /static/theme (tokens and logo), /static/unefois (unefois.css, unefois.js).
    mount_assets(app, issuer.theme)
    # A form may post only here; the redirect after it only to a registered application
    # (browsers apply form-action to the redirect that follows a submission).
    client_origins = sorted({origin_of(uri) for client in config.clients.values()
                             for uri in client.redirect_uris + client.post_logout_redirect_uris})
    app.add_middleware(SecurityHeadersMiddleware, form_action=client_origins, trusted_proxy=config.trusted_proxy)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """An unknown address or method: a themed page for a browser, FastAPI's JSON otherwise."""
        if not wants_html(request):
            return await http_exception_handler(request, exc)
        title, message = HTTP_PAGES.get(exc.status_code, ("Demande refusée", "Le fournisseur d’identité n’a pas pu traiter cette demande."))
        response = issuer.error_page(request, exc.status_code, title, message)
        for name, value in (exc.headers or {}).items():
            response.headers.setdefault(name, value)
        return response

    def secure(request: Request) -> bool:
        return is_https(request.scope, config.trusted_proxy)

    def parse_authorization(request: Request, parameters: Mapping[str, str]) -> AuthorizationRequest | Response:
        client_id = parameters.get("client_id", "")
        client = config.client(client_id)
        if client is None:
            return issuer.error_page(request, 400, "Application inconnue",
                                     "Cette application n’est pas enregistrée auprès du fournisseur d’identité.")
        redirect_uri = parameters.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            # Never redirect to an unregistered address (RFC 6749 4.1.2.1): say it here.
            return issuer.error_page(request, 400, "Adresse de retour refusée",
                                     "L’adresse de retour demandée n’est pas enregistrée pour cette application.")
        state = parameters.get("state", "")

        def refuse(error: str, description: str) -> Response:
            answer = {"error": error, "error_description": description, "iss": config.url}
            if state and len(state) <= MAX_PARAMETER:
                answer["state"] = state
            return _no_store(RedirectResponse(_with_query(redirect_uri, answer), status_code=303))

        if parameters.get("response_type") != "code":
            return refuse("unsupported_response_type", "only the authorization code flow is supported")
        scope = " ".join(s for s in parameters.get("scope", "").split() if s in SCOPES)
        if "openid" not in scope.split():
            return refuse("invalid_scope", "the openid scope is required")
        nonce = parameters.get("nonce", "")
        if not state or not nonce or len(state) > MAX_PARAMETER or len(nonce) > MAX_PARAMETER:
            return refuse("invalid_request", "state and nonce are required")
        challenge = parameters.get("code_challenge", "")
        if parameters.get("code_challenge_method") != "S256" or not CODE_CHALLENGE.match(challenge):
            return refuse("invalid_request", "PKCE with code_challenge_method=S256 is required")
        return AuthorizationRequest(client_id, redirect_uri, state, nonce, challenge, scope)

    def redirect_with_code(authorization: AuthorizationRequest, session: Session) -> Response:
        code = issuer.codes.issue(authorization, session.login, session.auth_time, session.sid)
        target = _with_query(authorization.redirect_uri, {"code": code, "state": authorization.state, "iss": config.url})
        return _no_store(RedirectResponse(target, status_code=303))

    def login_form(request: Request, authorization: AuthorizationRequest, *, login: str = "",
                   errors: dict[str, str] | None = None, status: int = 200, retry_after: int | None = None) -> Response:
        form_token = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(32)
        response = issuer.page(request, "login.html", {
            "title": "Se connecter",
            "authorization": authorization.hidden_fields(),
            "client_id": authorization.client_id,
            "application": application_label(authorization.client_id),
            "form_token": form_token,
            "login": login,
            "errors": errors or {},
            "labels": FIELD_LABELS,
            "accounts": issuer.accounts(),
            "default_password": DEFAULT_DEV_PASSWORD if issuer.uses_default_password else None,
        }, status=status)
        # Double submit: a form posted from elsewhere lacks the cookie's value (login CSRF).
        response.set_cookie(FORM_COOKIE, form_token, max_age=3600, httponly=True, samesite="strict",
                            secure=secure(request), path="/authorize")
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.get("/.well-known/openid-configuration")
    async def openid_configuration() -> JSONResponse:
        return JSONResponse(issuer.discovery(), headers={"Cache-Control": "public, max-age=300"})

    @app.get("/jwks.json")
    async def jwks() -> JSONResponse:
        return JSONResponse(issuer.keys.jwks(), headers={"Cache-Control": "public, max-age=60"})

    @app.get("/authorize")
    async def authorize(request: Request) -> Response:
        authorization = parse_authorization(request, request.query_params)
        if isinstance(authorization, Response):
            return authorization
        session = issuer.sessions.get(request.cookies.get(SESSION_COOKIE))
        if session is not None and request.query_params.get("prompt") != "login":
            return redirect_with_code(authorization, session)
        return login_form(request, authorization)

    @app.post("/authorize")
    async def authorize_submit(request: Request) -> Response:
        form = await request.form()
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        authorization = parse_authorization(request, fields)
        if isinstance(authorization, Response):
            return authorization
        login, password = fields.get("login", "").strip(), fields.get("password", "")
        expected = request.cookies.get(FORM_COOKIE, "")
        if not expected or not hmac.compare_digest(expected.encode(), fields.get("form_token", "").encode()):
            return login_form(request, authorization, login=login, status=400, errors={
                "_form": "Le formulaire a expiré ou ne vient pas de cette page : saisissez à nouveau vos identifiants."})
        errors = {}
        if not login:
            errors["login"] = "Saisissez votre adresse électronique."
        if not password:
            errors["password"] = "Saisissez votre mot de passe."
        if errors:
            return login_form(request, authorization, login=login, errors=errors, status=400)
        retry_after = issuer.throttle(request, login)
        if retry_after is not None:
            return login_form(request, authorization, login=login, status=429, retry_after=retry_after, errors={
                "_form": f"Trop de tentatives de connexion : réessayez dans {retry_after} secondes."})
        user = issuer.authenticate(login, password)
        if user is None:
            log.info("failed login attempt for %r", login[:100])
            return login_form(request, authorization, login=login, status=400, errors={
                "password": "Adresse électronique ou mot de passe incorrect."})
        sid = issuer.sessions.open(user.login)
        response = redirect_with_code(authorization, issuer.sessions.get(sid))
        response.set_cookie(SESSION_COOKIE, sid, max_age=config.session_ttl_s, httponly=True, samesite="lax",
                            secure=secure(request), path="/")
        response.delete_cookie(FORM_COOKIE, path="/authorize", httponly=True, samesite="strict", secure=secure(request))
        log.info("login of %s for %s", user.login, authorization.client_id)
        return response

    @app.post("/token")
    async def token(request: Request) -> Response:
        form = await request.form()
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        grant_type = fields.get("grant_type")
        if grant_type == "authorization_code":
            return authorization_code_grant(fields)
        if grant_type == "password":
            return password_grant(request, fields)
        return _oauth_error("unsupported_grant_type", "grant_type must be authorization_code or password")

    def authorization_code_grant(fields: dict[str, str]) -> Response:
        for name in ("code", "redirect_uri", "client_id", "code_verifier"):
            if not fields.get(name):
                return _oauth_error("invalid_request", f"{name} is required")
        grant = issuer.codes.redeem(fields["code"])
        if grant is None:
            return _oauth_error("invalid_grant", "unknown, expired or already used code")
        if grant.request.client_id != fields["client_id"] or grant.request.redirect_uri != fields["redirect_uri"]:
            return _oauth_error("invalid_grant", "the code was issued to another client or redirect_uri")
        if not pkce_matches(fields["code_verifier"], grant.request.code_challenge):
            return _oauth_error("invalid_grant", "code_verifier does not match the code_challenge")
        user = issuer.user(grant.login)
        if user is None:
            return _oauth_error("invalid_grant", "unknown user")
        return issuer.token_response(user, client_id=grant.request.client_id, scope=grant.request.scope,
                                     auth_time=grant.auth_time, nonce=grant.request.nonce, sid=grant.sid)

    def password_grant(request: Request, fields: dict[str, str]) -> Response:
        client_id = fields.get("client_id") or CLI_CLIENT_ID
        if client_id != CLI_CLIENT_ID and config.client(client_id) is None:
            return _oauth_error("invalid_client", "unknown client_id", status=401)
        username, password = fields.get("username", ""), fields.get("password", "")
        if not username or not password:
            return _oauth_error("invalid_request", "username and password are required")
        retry_after = issuer.throttle(request, username)
        if retry_after is not None:
            if wants_html(request):  # a person, not a client: the themed page, not problem+json
                return issuer.error_page(request, 429, "Trop de tentatives de connexion",
                                         "Vous avez fait beaucoup de tentatives de connexion en peu de temps. "
                                         "Attendez un moment, puis recommencez.", retry_after=retry_after)
            return _no_store(too_many_requests(request.scope, retry_after))
        user = issuer.authenticate(username, password)
        if user is None:
            log.info("failed password grant for %r", username[:100])
            return _oauth_error("invalid_grant", "invalid username or password")
        requested = fields.get("scope") or " ".join(SCOPES)
        scope = " ".join(s for s in requested.split() if s in SCOPES) or "openid"
        return issuer.token_response(user, client_id=client_id, scope=scope, auth_time=int(time.time()))

    @app.api_route("/userinfo", methods=["GET", "POST"])
    async def userinfo(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        claims = issuer.verify_access_token(header[7:].strip()) if header.lower().startswith("bearer ") else None
        if claims is None:
            return _no_store(JSONResponse({"error": "invalid_token"}, status_code=401,
                                          headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}))
        user = next((u for u in issuer.users if u.subject == claims["sub"]), None)
        if user is None:
            return _oauth_error("invalid_token", "unknown subject", status=401)
        return _no_store(JSONResponse(user.claims()))

    @app.get("/logout")
    async def logout(request: Request) -> Response:
        issuer.sessions.close(request.cookies.get(SESSION_COOKIE))
        target = request.query_params.get("post_logout_redirect_uri", "")
        if target and config.is_known_post_logout_uri(target):
            state = request.query_params.get("state")
            response: Response = RedirectResponse(
                _with_query(target, {"state": state}) if state else target, status_code=303)
        else:
            response = issuer.page(request, "message.html", {
                "title": "Vous êtes déconnecté",
                "message": "Votre session auprès du fournisseur d’identité de développement est terminée.",
            })
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure(request))
        return _no_store(response)

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok", "service": "dev-issuer"}

    @app.get("/readyz")
    async def readyz() -> dict:
        return {"status": "ready", "issuer": config.url, "keys": len(issuer.keys.all())}

    return app
