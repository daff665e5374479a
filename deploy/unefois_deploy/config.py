"""Runtime profiles: where the local runtime lives and which ports it uses.

Two profiles can run side by side: "dev" (make up) and "test" (the pytest plugin).
Every port can be moved with UNEFOIS_<PROFILE>_<FIELD>, e.g. UNEFOIS_TEST_KAFKA_PORT=39092
or UNEFOIS_DEV_SOURCING_HTTP_PORT=9001; the profile name in the variable keeps a
dev override from silently moving the test runtime onto the same port.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import Field, create_model
from pydantic_settings import BaseSettings, SettingsConfigDict

from unefois_kernel.stages import STAGE_NAMES, STAGES as STAGE_REGISTRY, Stage

# Order matters: it is the order of the pipeline, used for start-up and display. The stage
# registry (unefois_kernel.stages) is the one list; this name stays for the runtime's callers.
STAGES: tuple[str, ...] = STAGE_NAMES

PROFILE_NAMES: tuple[str, ...] = ("dev", "test")


def repo_root() -> Path:
    """The repository this package was installed from (editable install), or UNEFOIS_REPO_ROOT."""
    override = os.environ.get("UNEFOIS_REPO_ROOT")
    if override:
        return Path(override).resolve()
    return Path(__file__).resolve().parents[2]


def default_kafka_libs() -> Path:
    # Same default as deploy/bootstrap.sh, which resolves the jars there.
    override = os.environ.get("UNEFOIS_KAFKA_LIBS")
    if override:
        return Path(override).expanduser()
    return Path.home() / ".cache" / "unefois" / "kafka" / "libs"


# The test profile's services start their clocks at this instant (see _TestSettings).
TEST_CLOCK_START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


class _ProfileSettings(BaseSettings):
    runtime_dir: Path | None = None
    # None: the services run on the system clock.
    clock_start: datetime | None = None
    kafka_port: int
    kafka_controller_port: int
    postgres_port: int
    # <stage>_http_port for every stage: added from the registry by _with_stage_ports().
    # The development OpenID Connect issuer (deploy/dev_issuer), started before the services.
    issuer_http_port: int
    # The development mail catcher (unefois_deploy.mailcatcher): its SMTP port (the services'
    # UNEFOIS_<S>_SMTP_PORT) and its HTTP port (the caught mails' page and JSON API).
    mail_smtp_port: int
    mail_http_port: int
    # Per client IP (services: login routes and public routes; issuer: per login and per IP).
    login_rate_limit: str
    public_rate_limit: str
    # Shared by both profiles on purpose: the partition count is a property of the
    # platform's design, not of where it runs.
    topic_partitions: int = Field(default=6, ge=1, validation_alias="UNEFOIS_TOPIC_PARTITIONS")


class _DevSettings(_ProfileSettings):
    model_config = SettingsConfigDict(env_prefix="UNEFOIS_DEV_")
    kafka_port: int = 19092
    kafka_controller_port: int = 19093
    postgres_port: int = 15432
    issuer_http_port: int = 8000
    mail_smtp_port: int = 1025
    mail_http_port: int = 8025
    login_rate_limit: str = "10/minute"
    public_rate_limit: str = "120/minute"


class _TestSettings(_ProfileSettings):
    model_config = SettingsConfigDict(env_prefix="UNEFOIS_TEST_")
    kafka_port: int = 29092
    kafka_controller_port: int = 29093
    postgres_port: int = 25432
    issuer_http_port: int = 18000
    mail_smtp_port: int = 21025
    mail_http_port: int = 18025
    # Every test client is 127.0.0.1: budgets fit for one person would throttle the suite
    # (the e2e tests poll public routes). The limit tests use their own client address.
    login_rate_limit: str = "600/minute"
    public_rate_limit: str = "60000/minute"
    # One known calendar for every end-to-end run: the services' clocks start here and run at
    # the real pace (unefois_kernel.clock.ShiftedClock), so thresholds, deadlines and yearly
    # numbers do not depend on the day the suite runs. A Monday, 09:00 in Paris.
    clock_start: datetime | None = TEST_CLOCK_START


def _with_stage_ports(base: type[_ProfileSettings], port_of: Callable[[Stage], int]) -> type[_ProfileSettings]:
    """`base` plus one `<stage>_http_port` field per registered stage, defaulting to port_of(stage).

    The fields keep the per-profile override, e.g. UNEFOIS_DEV_SOURCING_HTTP_PORT=9001.
    """
    fields: dict[str, Any] = {f"{stage.name}_http_port": (int, port_of(stage)) for stage in STAGE_REGISTRY}
    return create_model(base.__name__, __base__=base, __module__=__name__, **fields)


_SETTINGS_BY_PROFILE: dict[str, type[_ProfileSettings]] = {
    "dev": _with_stage_ports(_DevSettings, lambda stage: stage.port),
    "test": _with_stage_ports(_TestSettings, lambda stage: stage.test_port),
}


@dataclass(frozen=True)
class RuntimeProfile:
    name: str
    repo_root: Path
    runtime_dir: Path
    kafka_port: int
    kafka_controller_port: int
    postgres_port: int
    http_ports: Mapping[str, int]
    topic_partitions: int
    kafka_libs: Path
    host: str = "127.0.0.1"
    issuer_port: int = 8000
    login_rate_limit: str = "10/minute"
    public_rate_limit: str = "120/minute"
    clock_start: datetime | None = None
    mail_smtp_port: int = 1025
    mail_http_port: int = 8025

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.host}:{self.kafka_port}"

    @property
    def secrets_file(self) -> Path:
        return self.runtime_dir / "secrets.json"

    @property
    def logs_dir(self) -> Path:
        return self.runtime_dir / "logs"

    @property
    def pids_dir(self) -> Path:
        return self.runtime_dir / "pids"

    def service_url(self, stage: str) -> str:
        return f"http://{self.host}:{self.http_ports[stage]}"

    def service_urls(self) -> dict[str, str]:
        return {stage: self.service_url(stage) for stage in STAGES}

    @property
    def issuer_url(self) -> str:
        """The development OpenID Connect issuer's identifier (the `iss` of its tokens)."""
        return f"http://{self.host}:{self.issuer_port}"

    @property
    def issuer_state_dir(self) -> Path:
        """Its signing keys (0600) live there."""
        return self.runtime_dir / "dev-issuer"

    @property
    def mailcatcher_url(self) -> str:
        """The development mail catcher's page (and /api/mails) of this profile."""
        return f"http://{self.host}:{self.mail_http_port}"

    @property
    def mail_dir(self) -> Path:
        """Where the catcher keeps the caught mails (.eml + index.jsonl)."""
        return self.runtime_dir / "mails"

    @property
    def session_secret_file(self) -> Path:
        """The services' session secret (CSRF tokens, login state), generated once, 0600."""
        return self.runtime_dir / "session-secret"


def load_profile(name: str) -> RuntimeProfile:
    if name not in _SETTINGS_BY_PROFILE:
        raise ValueError(f"unknown profile {name!r}; expected one of {', '.join(PROFILE_NAMES)}")
    settings = _SETTINGS_BY_PROFILE[name]()
    root = repo_root()
    return RuntimeProfile(
        name=name,
        repo_root=root,
        runtime_dir=(settings.runtime_dir or root / ".runtime" / name).resolve(),
        kafka_port=settings.kafka_port,
        kafka_controller_port=settings.kafka_controller_port,
        postgres_port=settings.postgres_port,
        http_ports=MappingProxyType({stage: getattr(settings, f"{stage}_http_port") for stage in STAGES}),
        topic_partitions=settings.topic_partitions,
        kafka_libs=default_kafka_libs(),
        issuer_port=settings.issuer_http_port,
        login_rate_limit=settings.login_rate_limit,
        public_rate_limit=settings.public_rate_limit,
        clock_start=settings.clock_start,
        mail_smtp_port=settings.mail_smtp_port,
        mail_http_port=settings.mail_http_port,
    )
