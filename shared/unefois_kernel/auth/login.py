"""Browser login for every service: OpenID Connect authorization code flow with PKCE.

    GET  /auth/login?next=/page   redirect to the issuer's authorization endpoint; the PKCE
                                  verifier, state, nonce and the page wanted travel in a
                                  short-lived sealed (encrypted + authenticated) HttpOnly cookie
    GET  /auth/callback           check state (and the issuer, RFC 9207), exchange the code at
                                  the issuer's token endpoint, verify the tokens (signature,
                                  issuer, audience, expiry, nonce), set the session cookie and
                                  go back to the page wanted (same-origin relative paths only)
    GET  /auth/logout             a confirmation form (logging out is a POST, CSRF-protected)
    POST /auth/logout             clear the cookies, then end the issuer's session
    GET  /auth/me                 who the session or bearer token belongs to (JSON)
    POST /auth/revoke             end the bearer token's own session at this service (the
                                  logout of another service sends it; not in OpenAPI)
    POST /auth/sessions/revoke    operators: end every session of a person, here and (unless
                                  `propagate` is false) on every other service

The session cookie (`unefois_session`) holds the access token itself, HttpOnly, SameSite=Lax,
Secure under TLS, for as long as the token lives: every request is verified against the
issuer's keys by `unefois_kernel.auth.access`. Logging out records the session as revoked
(`unefois_kernel.auth.sessions`) here and on every other service before answering, so the
old cookie is refused at once everywhere, even if someone kept a copy of it.
The endpoints come from the issuer's discovery document, so the same code works with the
development issuer, Keycloak, or any OpenID Connect provider.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from html import escape
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from joserfc import jws

from pydantic import BaseModel, Field, StrictBool

from unefois_kernel.auth.access import SESSION_COOKIE, allow, authenticated, public
from unefois_kernel.auth.principal import Principal, Role
from unefois_kernel.auth.sessions import MAX_SUBJECT_LENGTH, propagate
from unefois_kernel.auth.tokens import InvalidToken, RevokedSession
from unefois_kernel.problems import problem
from unefois_kernel.web.templating import service_urls

log = logging.getLogger("unefois.auth.login")

LOGIN_COOKIE = "unefois_login"
ID_TOKEN_COOKIE = "unefois_id_token"
AUTH_PATH = "/auth"
LOGIN_STATE_TTL_S = 600
HTTP_TIMEOUT_S = 10.0

router = APIRouter(prefix=AUTH_PATH, tags=["authentification"])


# ---------------------------------------------------------------- helpers


def safe_next(value: str | None) -> str:
    """A same-origin relative path, or "/": never another site (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or value.startswith("/\\"):
        return "/"
    if any(ord(char) < 0x20 or char == "\\" for char in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) as RFC 7636 defines them."""
    verifier = secrets.token_urlsafe(64)  # 86 characters of the unreserved set
    return verifier, _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def _runtime(request: Request):
    return request.app.state.runtime


def _security(request: Request):
    return request.app.state.web_security


def _client_id(settings) -> str:
    return settings.oidc_client_id or f"unefois-{settings.service_name}"


def _client_secret(settings) -> str | None:
    if settings.oidc_client_secret is not None:
        return settings.oidc_client_secret.get_secret_value()
    if settings.oidc_client_secret_file is not None:
        return Path(settings.oidc_client_secret_file).read_text(encoding="utf-8").strip()
    return None


def _base_url(request: Request) -> str:
    configured = _runtime(request).settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


def _cookie_options(request: Request, *, path: str = "/") -> dict:
    return {"httponly": True, "samesite": "lax", "secure": _security(request).is_https(request), "path": path}


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _claims_of(token: str) -> dict:
    """The payload of a token that has just been verified."""
    return json.loads(jws.extract_compact(token.encode("ascii")).payload)


def _refused(status: int, detail: str, field: str) -> JSONResponse:
    return _no_store(problem(status, "Connexion impossible", detail, [{"field": field, "message": detail}]))


def _issuer_unreachable(error: Exception) -> JSONResponse:
    log.warning("identity provider unreachable: %s", error)
    response = problem(503, "Fournisseur d'identité injoignable",
                       "Le service de connexion ne répond pas ; réessayez dans quelques instants.")
    response.headers["Retry-After"] = "5"
    return response


# ---------------------------------------------------------------- routes


@router.get("/login", dependencies=[public()], summary="Se connecter (redirection vers le fournisseur d'identité)")
async def login(request: Request, next_page: str = Query("/", alias="next"),
                prompt: str | None = Query(None, pattern="^login$",
                                           description="login : s'authentifier à nouveau auprès du fournisseur")
                ) -> Response:
    runtime = _runtime(request)
    settings = runtime.settings
    try:
        metadata = await runtime.token_verifier.metadata()
    except (httpx.HTTPError, InvalidToken, ValueError) as error:
        return _issuer_unreachable(error)
    verifier, challenge = pkce_pair()
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    query = urlencode({
        "response_type": "code",
        "client_id": _client_id(settings),
        "redirect_uri": f"{_base_url(request)}{AUTH_PATH}/callback",
        "scope": settings.oidc_scope,
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **({"prompt": "login"} if prompt == "login" else {}),
    })
    response = RedirectResponse(f"{metadata['authorization_endpoint']}?{query}", status_code=303)
    sealed = _security(request).keys.seal(
        {"state": state, "nonce": nonce, "verifier": verifier, "next": safe_next(next_page)}, LOGIN_STATE_TTL_S
    )
    response.set_cookie(LOGIN_COOKIE, sealed, max_age=LOGIN_STATE_TTL_S, **_cookie_options(request, path=AUTH_PATH))
    return _no_store(response)


@router.get("/callback", dependencies=[public()], summary="Retour du fournisseur d'identité", include_in_schema=False)
async def callback(
    request: Request,
    code: str | None = None,
    state: str | None = None,
    iss: str | None = None,
    error: str | None = None,
) -> Response:
    runtime = _runtime(request)
    settings = runtime.settings
    verifier = runtime.token_verifier
    sealed = request.cookies.get(LOGIN_COOKIE)
    pending = _security(request).keys.unseal(sealed) if sealed else None
    if pending is None:
        return _refused(400, "La demande de connexion a expiré ou vient d'un autre navigateur : recommencez.", "state")
    if not state or not hmac.compare_digest(state.encode(), str(pending.get("state", "")).encode()):
        return _refused(400, "La réponse du fournisseur d'identité ne correspond pas à votre demande.", "state")
    if iss is not None and iss.rstrip("/") != verifier.issuer:
        return _refused(400, "La réponse vient d'un autre fournisseur d'identité.", "iss")
    if error is not None:
        log.info("the identity provider refused the login: %s", error[:100])
        return _refused(400, "Le fournisseur d'identité a refusé la connexion.", "error")
    if not code:
        return _refused(400, "La réponse du fournisseur d'identité ne contient pas de code.", "code")

    try:
        metadata = await verifier.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": f"{_base_url(request)}{AUTH_PATH}/callback",
            "client_id": _client_id(settings),
            "code_verifier": pending["verifier"],
        }
        secret = _client_secret(settings)
        if secret is not None:
            form["client_secret"] = secret
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S) as client:
            answer = await client.post(metadata["token_endpoint"], data=form, headers={"Accept": "application/json"})
    except (httpx.HTTPError, InvalidToken, ValueError, OSError) as error:
        return _issuer_unreachable(error)
    if answer.status_code != 200:
        # The code itself is never logged: only what the issuer said about it.
        try:
            reason = str(answer.json().get("error", "?"))[:100]
        except (ValueError, AttributeError):
            reason = "?"
        log.warning("code exchange refused by the identity provider: HTTP %s %s", answer.status_code, reason)
        return _refused(400, "Le code de connexion a été refusé (expiré ou déjà utilisé) : recommencez.", "code")

    try:
        tokens = answer.json()
        access_token, id_token = tokens.get("access_token"), tokens.get("id_token")
    except (ValueError, AttributeError):
        access_token = id_token = None
    if not isinstance(access_token, str) or not isinstance(id_token, str):
        return _refused(502, "Le fournisseur d'identité n'a pas renvoyé les jetons attendus.", "id_token")
    try:
        principal = await verifier.verify(access_token)
        # The ID token is for this client (aud = its client id), never a bearer credential.
        await verifier.verify_id_token(id_token, _client_id(settings))
    except RevokedSession:
        # The issuer still holds a session this platform has ended (its logout page was not
        # reached): authenticate again, which opens a new session there.
        retry = RedirectResponse(f"{AUTH_PATH}/login?{urlencode({'next': safe_next(pending.get('next')), 'prompt': 'login'})}",
                                 status_code=303)
        retry.delete_cookie(LOGIN_COOKIE, **_cookie_options(request, path=AUTH_PATH))
        return _no_store(retry)
    except InvalidToken as invalid:
        log.warning("token from the identity provider refused: %s", invalid)
        return _refused(400, "Les jetons reçus du fournisseur d'identité sont invalides.", "id_token")
    except httpx.HTTPError as unreachable:
        return _issuer_unreachable(unreachable)
    id_claims, access_claims = _claims_of(id_token), _claims_of(access_token)
    if not hmac.compare_digest(str(id_claims.get("nonce", "")).encode(), str(pending.get("nonce", "")).encode()):
        return _refused(400, "Le jeton d'identité ne correspond pas à votre demande (nonce).", "nonce")
    if id_claims.get("sub") != principal.subject:
        return _refused(400, "Les jetons reçus désignent deux personnes différentes.", "sub")

    lifetime = int(access_claims.get("exp", 0) - time.time())
    if lifetime <= 0:
        return _refused(400, "Le jeton reçu a déjà expiré : vérifiez l'horloge du serveur.", "exp")
    response = RedirectResponse(safe_next(pending.get("next")), status_code=303)
    response.set_cookie(SESSION_COOKIE, access_token, max_age=lifetime, **_cookie_options(request))
    response.set_cookie(ID_TOKEN_COOKIE, id_token, max_age=lifetime, **_cookie_options(request, path=AUTH_PATH))
    response.delete_cookie(LOGIN_COOKIE, **_cookie_options(request, path=AUTH_PATH))
    log.info("login of %s", principal.actor)
    return _no_store(response)


LOGOUT_PAGE = """<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Se déconnecter — unefois</title></head>
<body><main>
<h1>Se déconnecter</h1>
<form method="post" action="{action}">
<input type="hidden" name="csrf_token" value="{csrf}">
<button type="submit">Se déconnecter</button>
</form>
<p><a href="/">Revenir à l'accueil</a></p>
</main></body>
</html>
"""


@router.get("/logout", dependencies=[public()], summary="Se déconnecter (formulaire de confirmation)",
            response_class=HTMLResponse)
async def logout_form(request: Request) -> Response:
    session = request.cookies.get(SESSION_COOKIE)
    if not session:
        return RedirectResponse("/", status_code=303)
    csrf = _security(request).keys.csrf_token(session)
    return _no_store(HTMLResponse(LOGOUT_PAGE.format(action=f"{AUTH_PATH}/logout", csrf=escape(csrf))))


def _other_services(request: Request) -> dict[str, str]:
    own = _runtime(request).settings.service_name
    return {stage: url for stage, url in service_urls().items() if stage != own}


def _request_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(SESSION_COOKIE)


async def _end_session(request: Request, session: str) -> None:
    """Revoke the session of this cookie here, then on every other service, before answering."""
    verifier = _runtime(request).token_verifier
    try:
        verified = await verifier.verify_access(session)
    except InvalidToken:
        return  # expired, revoked already, or never valid: nothing left to end
    if verifier.revocations is None or not await verifier.revocations.revoke_session(verified):
        return
    results = await propagate(_other_services(request), f"{AUTH_PATH}/revoke", token=session,
                              done_statuses=(200, 204, 401))
    missed = sorted(stage for stage, result in results.items() if result != "revoked")
    log.info("logout of %s: session revoked here and on %d other services%s", verified.principal.actor,
             len(results) - len(missed), f" (not on {', '.join(missed)})" if missed else "")


@router.post("/logout", dependencies=[public()], summary="Se déconnecter", status_code=303)
async def logout(request: Request) -> Response:
    # The CSRF middleware has already checked the token of a cookie-authenticated request.
    runtime = _runtime(request)
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        await _end_session(request, session)
    target = "/"
    try:
        end_session = (await runtime.token_verifier.metadata()).get("end_session_endpoint")
    except (httpx.HTTPError, InvalidToken, ValueError) as error:
        log.warning("identity provider unreachable at logout: %s", error)
        end_session = None
    if end_session:
        parameters = {"client_id": _client_id(runtime.settings), "post_logout_redirect_uri": f"{_base_url(request)}/"}
        id_token = request.cookies.get(ID_TOKEN_COOKIE)
        if id_token:
            parameters["id_token_hint"] = id_token
        target = f"{end_session}?{urlencode(parameters)}"
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE, **_cookie_options(request))
    response.delete_cookie(ID_TOKEN_COOKIE, **_cookie_options(request, path=AUTH_PATH))
    return _no_store(response)


@router.get("/me", summary="L'utilisateur connecté")
async def me(principal: Principal = authenticated()) -> dict:
    return {
        "sub": principal.subject,
        "name": principal.name,
        "email": principal.email,
        "roles": sorted(principal.roles),
        "role_label": principal.role_label,
        "org_siret": principal.org_siret,
        "org_name": principal.org_name,
        "org_kind": principal.org_kind.value,
        "tenant": principal.tenant,
    }


@router.post("/revoke", summary="Mettre fin à la session de ce jeton", status_code=204, include_in_schema=False)
async def revoke_own_session(request: Request, principal: Principal = authenticated()) -> Response:
    """The bearer token's own session ends at this service (sent by another service's logout)."""
    verifier = _runtime(request).token_verifier
    token = _request_token(request)
    verified = await verifier.verify_access(token) if token else None
    if verified is None or verifier.revocations is None or not await verifier.revocations.revoke_session(verified):
        return _refused(400, "Ce jeton ne désigne aucune session à révoquer.", "authorization")
    return _no_store(Response(status_code=204))


class SubjectRevocation(BaseModel):
    subject: str = Field(min_length=1, max_length=MAX_SUBJECT_LENGTH, pattern=r"^[\x21-\x7e]+$",
                         description="L'identifiant (`sub`) de la personne dont toutes les sessions prennent fin")
    # Strict: 0 or "no" is not a yes/no answer (pydantic would otherwise read them as booleans).
    propagate: StrictBool = Field(default=True, description="Transmettre la révocation à tous les autres services")


class SubjectRevoked(BaseModel):
    subject: str
    services: dict[str, str] = Field(description="Par service : revoked, unreachable ou refused (HTTP n)")


@router.post("/sessions/revoke", summary="Révoquer toutes les sessions d'une personne (exploitation)",
             response_model=SubjectRevoked)
async def revoke_subject(request: Request, revocation: SubjectRevocation,
                         principal: Principal = allow(Role.OPERATOR)) -> Response:
    runtime = _runtime(request)
    verifier = runtime.token_verifier
    if verifier.revocations is None:
        return problem(503, "Révocation indisponible", "Ce service n'a pas de registre des sessions.")
    await verifier.revocations.revoke_subject(revocation.subject, principal.actor)
    services = {runtime.settings.service_name: "revoked"}
    if revocation.propagate:
        services |= await propagate(_other_services(request), f"{AUTH_PATH}/sessions/revoke",
                                    token=_request_token(request) or "",
                                    json={"subject": revocation.subject, "propagate": False})
    log.warning("sessions of %s revoked by %s: %s", revocation.subject, principal.actor, services)
    return _no_store(JSONResponse(SubjectRevoked(subject=revocation.subject, services=services).model_dump()))
