"""Getting tokens from the development issuer without a browser (tests, demo, CLI)."""

from __future__ import annotations

import os

import httpx

from unefois_dev_issuer import DEFAULT_DEV_PASSWORD
from unefois_dev_issuer.config import CLI_CLIENT_ID


def dev_password() -> str:
    return os.environ.get("UNEFOIS_DEV_PASSWORD") or DEFAULT_DEV_PASSWORD


async def password_grant(issuer_url: str, login: str, password: str | None = None, *, client_id: str = CLI_CLIENT_ID,
                         client: httpx.AsyncClient | None = None) -> dict:
    """The token response ({"access_token", "id_token", "expires_in", ...}) for a seeded user."""
    own = client is None
    client = client or httpx.AsyncClient(timeout=10.0)
    try:
        discovery = await client.get(f"{issuer_url.rstrip('/')}/.well-known/openid-configuration")
        discovery.raise_for_status()
        response = await client.post(discovery.json()["token_endpoint"], data={
            "grant_type": "password",
            "username": login,
            "password": password if password is not None else dev_password(),
            "client_id": client_id,
            "scope": "openid profile email",
        })
        if response.status_code != 200:
            raise PermissionError(f"the issuer refused a token for {login}: HTTP {response.status_code} {response.text[:200]}")
        return response.json()
    finally:
        if own:
            await client.aclose()


async def access_token(issuer_url: str, login: str, password: str | None = None) -> str:
    return (await password_grant(issuer_url, login, password))["access_token"]
