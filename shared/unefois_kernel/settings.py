"""Service settings, read from environment variables with one prefix per service."""

from __future__ import annotations

from datetime import datetime
from ipaddress import ip_network
from pathlib import Path
from typing import Literal

from limits import parse as parse_rate_limit
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """`UNEFOIS_<SERVICE>_<FIELD>`: e.g. UNEFOIS_OPENDATA_DATABASE_URL."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str
    database_url: str
    kafka_bootstrap: str = "127.0.0.1:19092"
    topic_partitions: int = Field(default=6, ge=1)
    http_port: int = 8000
    public_url: str = ""
    log_level: str = "INFO"
    # Tests only: the service's clock starts at this instant (aware) and runs at the real pace
    # (unefois_kernel.clock.ShiftedClock); unset, the service runs on the system clock.
    clock_start: datetime | None = None
    # Development and test runtimes only: the service's clock is the instant this file holds
    # (unefois_kernel.clock.FileClock), moved by `python -m unefois_deploy clock`; wins over
    # clock_start. Unset in a deployment: the system clock.
    clock_file: Path | None = None
    # OpenID Connect: the issuer whose JWKS signs the tokens this service accepts.
    oidc_issuer: str = "http://127.0.0.1:8000"
    oidc_audience: str = "unefois"
    # Browser login (unefois_kernel.auth.login): this service as an OIDC client of the issuer.
    oidc_client_id: str = ""  # default: unefois-<service>
    oidc_client_secret: SecretStr | None = None  # confidential clients only (or oidc_client_secret_file)
    oidc_client_secret_file: Path | None = None
    oidc_scope: str = "openid profile email"
    # Web hardening (unefois_kernel.web.security). The session secret keys the CSRF tokens and
    # the login-state cookie: set it (or a file holding it, >= 32 characters) identically on
    # every replica; without it each process draws a random one and logs a warning.
    session_secret: SecretStr | None = None
    session_secret_file: Path | None = None
    # True only behind a reverse proxy that sets X-Forwarded-Proto/-For: then they are believed.
    trusted_proxy: bool = False
    # Per client IP, moving window (the `limits` notation).
    rate_limit_login: str = "10/minute"  # /auth/login and /auth/callback
    rate_limit_public: str = "120/minute"  # routes declared public() (public(rate_limit=...) for a route's own)
    # Request bodies (unefois_kernel.web.security.BodyLimitMiddleware), in bytes, by route class:
    # refused 413 while reading, before parsing and before the access check. A route taking
    # larger bodies (an upload) declares its own: dependencies=[body_limit(50 * MiB)].
    body_limit_json: int = Field(default=1024 * 1024, ge=1)  # JSON and any other type
    body_limit_form: int = Field(default=1024 * 1024, ge=1)  # application/x-www-form-urlencoded
    body_limit_multipart: int = Field(default=1024 * 1024, ge=1)  # multipart/form-data
    # Who may read /metrics and the detailed readiness (/readyz) without an operator's token:
    # comma-separated networks, e.g. "10.0.0.0/8,127.0.0.1/32" (the client address as
    # client_ip() sees it: behind a trusted proxy, the address the proxy saw). Empty: operators only.
    internal_networks: str = ""
    # Outbox relay: the NOTIFY wake-up makes latency low; the poll only covers lost notifications.
    # "process": in a child process of its own (unefois_kernel.relay_process), off the request
    # loop; "task": an asyncio task in this process (as before issue 12); "off": no relay here
    # (another replica's, or a relay deployed on its own, publishes).
    relay_mode: Literal["process", "task", "off"] = "process"
    relay_poll_interval_s: float = Field(default=0.5, gt=0)
    relay_batch_size: int = Field(default=1000, ge=1)
    relay_max_attempts: int = Field(default=20, ge=1)
    outbox_retention_s: float = Field(default=900, ge=0)
    # Inbox consumers read batches; order is kept per partition inside a batch.
    consumer_max_records: int = Field(default=500, ge=1)
    consumer_batch_timeout_ms: int = Field(default=50, ge=0)
    retry_initial_backoff_s: float = Field(default=0.2, gt=0)
    retry_max_backoff_s: float = Field(default=10.0, gt=0)

    @field_validator("clock_start")
    @classmethod
    def _aware_clock_start(cls, value: datetime | None) -> datetime | None:
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise ValueError("clock_start must name its offset, e.g. 2026-11-30T08:00:00+00:00")
        return value

    @field_validator("rate_limit_login", "rate_limit_public")
    @classmethod
    def _valid_rate_limit(cls, value: str) -> str:
        try:
            parse_rate_limit(value)
        except ValueError as error:
            raise ValueError(f"{value!r} is not a rate limit: expected e.g. '10/minute'") from error
        return value


    @field_validator("internal_networks")
    @classmethod
    def _valid_networks(cls, value: str) -> str:
        for network in (part.strip() for part in value.split(",")):
            if network:
                try:
                    ip_network(network, strict=False)
                except ValueError as error:
                    raise ValueError(f"{network!r} is not a network: expected e.g. 10.0.0.0/8") from error
        return value

    @property
    def internal_network_list(self) -> tuple:
        return tuple(ip_network(part.strip(), strict=False) for part in self.internal_networks.split(",") if part.strip())


def load_settings(service: str, settings_class: type[ServiceSettings] = ServiceSettings, **overrides) -> ServiceSettings:
    """The service's settings from `UNEFOIS_<SERVICE>_*`; `settings_class` adds the service's own fields."""
    return settings_class(_env_prefix=f"UNEFOIS_{service.upper()}_", service_name=service, **overrides)
