"""Helpers of the development issuer's tests (a unique module name: tests import it by name)."""

from __future__ import annotations

import re
import socket

import httpx

from unefois_kernel.auth.login import pkce_pair

ISSUER = "http://issuer.test"
CALLBACK = "http://sourcing.test/auth/callback"
CLIENTS = {
    "unefois-sourcing": {"redirect_uris": [CALLBACK], "post_logout_redirect_uris": ["http://sourcing.test/"]},
}

def authorization_parameters(**overrides) -> tuple[dict, str]:
    verifier, challenge = pkce_pair()
    parameters = {
        "response_type": "code",
        "client_id": "unefois-sourcing",
        "redirect_uri": CALLBACK,
        "scope": "openid profile email",
        "state": "state-123",
        "nonce": "nonce-456",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **overrides,
    }
    return parameters, verifier


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


async def log_in(client: httpx.AsyncClient, parameters: dict, login="acheteur@region-demo.fr",
                 password="unefois-dev") -> httpx.Response:
    form = await client.get("/authorize", params=parameters)
    if form.status_code == 303:  # already logged in at the issuer: straight back with a code
        return form
    assert form.status_code == 200, form.text
    return await client.post("/authorize", data={**hidden_fields(form.text), "login": login, "password": password})


async def code_for(client: httpx.AsyncClient, **overrides) -> tuple[str, str]:
    parameters, verifier = authorization_parameters(**overrides)
    answer = await log_in(client, parameters)
    assert answer.status_code == 303, answer.text
    code = httpx.URL(answer.headers["location"]).params["code"]
    return code, verifier


def code_exchange(code: str, verifier: str, **overrides) -> dict:
    return {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
            "client_id": "unefois-sourcing", "code_verifier": verifier, **overrides}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
