"""Service settings, read from environment variables with one prefix per service."""

from __future__ import annotations

from pydantic import Field
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
    # OpenID Connect: the issuer whose JWKS signs the tokens this service accepts.
    oidc_issuer: str = "http://127.0.0.1:8000"
    oidc_audience: str = "unefois"
    # Outbox relay: the NOTIFY wake-up makes latency low; the poll only covers lost notifications.
    relay_poll_interval_s: float = Field(default=0.5, gt=0)
    relay_batch_size: int = Field(default=1000, ge=1)
    relay_max_attempts: int = Field(default=20, ge=1)
    outbox_retention_s: float = Field(default=900, ge=0)
    # Inbox consumers read batches; order is kept per partition inside a batch.
    consumer_max_records: int = Field(default=500, ge=1)
    consumer_batch_timeout_ms: int = Field(default=50, ge=0)
    retry_initial_backoff_s: float = Field(default=0.2, gt=0)
    retry_max_backoff_s: float = Field(default=10.0, gt=0)


def load_settings(service: str, **overrides) -> ServiceSettings:
    return ServiceSettings(_env_prefix=f"UNEFOIS_{service.upper()}_", service_name=service, **overrides)
