"""The issuer's configuration: UNEFOIS_DEV_ISSUER_* variables (the local runtime sets them)
and UNEFOIS_DEV_PASSWORD, the password of every seeded user."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from unefois_dev_issuer import DEFAULT_DEV_PASSWORD

# The client the CLI, the tests and the demo use for the password grant.
CLI_CLIENT_ID = "unefois-cli"


class Client(BaseModel):
    """A registered relying party: where the issuer may send a code and a logged-out user."""

    redirect_uris: list[str] = Field(default_factory=list)
    post_logout_redirect_uris: list[str] = Field(default_factory=list)


class IssuerConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="UNEFOIS_DEV_ISSUER_", populate_by_name=True, extra="ignore")

    # The issuer identifier: the `iss` of every token, the base of every endpoint.
    url: str = "http://127.0.0.1:8000"
    # Where the signing keys live (created 0700, the key file 0600).
    state_dir: Path
    # JSON: {"client_id": {"redirect_uris": [...], "post_logout_redirect_uris": [...]}}
    clients: dict[str, Client] = Field(default_factory=dict)
    password: SecretStr = Field(
        default=SecretStr(DEFAULT_DEV_PASSWORD),
        validation_alias="UNEFOIS_DEV_PASSWORD",
    )
    audience: str = "unefois"
    token_ttl_s: int = Field(default=3600, gt=0)
    code_ttl_s: float = Field(default=60.0, gt=0)
    session_ttl_s: int = Field(default=3600, gt=0)
    # Per client IP and login (the login form and the password grant), and per client IP.
    rate_limit_login: str = "10/minute"
    rate_limit_client: str = "120/minute"
    trusted_proxy: bool = False

    @field_validator("url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    def client(self, client_id: str) -> Client | None:
        return self.clients.get(client_id)

    def is_known_post_logout_uri(self, uri: str) -> bool:
        return any(uri in client.post_logout_redirect_uris for client in self.clients.values())
