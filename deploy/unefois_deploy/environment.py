"""What a service process is told about its surroundings: one function, shared by the
supervisor and by tests that build a service in-process."""

from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
from pathlib import Path

from unefois_deploy.clock import ensure_clock_file
from unefois_deploy.config import STAGES, RuntimeProfile
from unefois_deploy.credentials import CredentialStore
from unefois_deploy.databases import Databases

# Passed through untouched when set, so traces reach whatever collector the caller runs.
PASSTHROUGH_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT",)

OIDC_AUDIENCE = "unefois"
# Tendering's key-encryption key (sealed bids), in the runtime directory.
KEY_ENCRYPTION_KEY_FILE = "tendering-key-encryption-key"
# Both local profiles run every service and its operators' tools on this machine.
LOOPBACK_NETWORKS = "127.0.0.0/8,::1/128"


def oidc_client_id(stage: str) -> str:
    return f"unefois-{stage}"


def service_environment(profile: RuntimeProfile, stage: str) -> dict[str, str]:
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
    prefix = f"UNEFOIS_{stage.upper()}_"
    databases = Databases(profile, CredentialStore(profile.secrets_file))
    environment = {
        prefix + "DATABASE_URL": databases.service_dsn(stage),
        prefix + "KAFKA_BOOTSTRAP": profile.kafka_bootstrap,
        prefix + "TOPIC_PARTITIONS": str(profile.topic_partitions),
        prefix + "HTTP_PORT": str(profile.http_ports[stage]),
        prefix + "PUBLIC_URL": profile.service_url(stage),
        # Identity: tokens from the profile's development issuer; the session secret by file.
        prefix + "OIDC_ISSUER": profile.issuer_url,
        prefix + "OIDC_AUDIENCE": OIDC_AUDIENCE,
        prefix + "OIDC_CLIENT_ID": oidc_client_id(stage),
        prefix + "SESSION_SECRET_FILE": str(ensure_session_secret(profile.session_secret_file)),
        prefix + "RATE_LIMIT_LOGIN": profile.login_rate_limit,
        prefix + "RATE_LIMIT_PUBLIC": profile.public_rate_limit,
        # /metrics and the detailed /readyz: the local runtime's callers (the supervisor's
        # readiness wait, `make status`, the tests, a local Prometheus) are on this machine.
        prefix + "INTERNAL_NETWORKS": LOOPBACK_NETWORKS,
        # Every stage's URL, for links from one service's pages to another's.
        "UNEFOIS_SERVICE_URLS": json.dumps(profile.service_urls()),
        # Mail (unefois_kernel.notifications): the profile's mail catcher, plain SMTP on loopback.
        prefix + "SMTP_HOST": profile.host,
        prefix + "SMTP_PORT": str(profile.mail_smtp_port),
        prefix + "SMTP_TLS": "none",
    }
    if stage == "tendering":
        # Sealed bids: the key-encryption key wrapping the consultations' private keys
        # (unefois_tendering.bids.custody), a service secret file, never in the database.
        environment[prefix + "KEY_ENCRYPTION_KEY_FILE"] = str(ensure_key_encryption_key(
            profile.runtime_dir / KEY_ENCRYPTION_KEY_FILE))
    # One clock file for every service of the profile (unefois_kernel.clock.FileClock): tests and
    # `python -m unefois_deploy clock` move them all at once; a restart goes on at the same instant.
    environment[prefix + "CLOCK_FILE"] = str(ensure_clock_file(profile))
    environment.update({name: os.environ[name] for name in PASSTHROUGH_VARIABLES if name in os.environ})
    return environment


def issuer_environment(profile: RuntimeProfile) -> dict[str, str]:
    """The development issuer's: its URL, where its keys live, and the five services as its
    clients (a code goes only to a service's /auth/callback)."""
    clients = {
        oidc_client_id(stage): {"redirect_uris": [f"{url}/auth/callback"], "post_logout_redirect_uris": [f"{url}/"]}
        for stage, url in profile.service_urls().items()
    }
    environment = {
        "UNEFOIS_DEV_ISSUER_URL": profile.issuer_url,
        "UNEFOIS_DEV_ISSUER_STATE_DIR": str(profile.issuer_state_dir),
        "UNEFOIS_DEV_ISSUER_CLIENTS": json.dumps(clients),
        "UNEFOIS_DEV_ISSUER_AUDIENCE": OIDC_AUDIENCE,
        "UNEFOIS_DEV_ISSUER_RATE_LIMIT_LOGIN": profile.login_rate_limit,
        "UNEFOIS_DEV_ISSUER_RATE_LIMIT_CLIENT": profile.public_rate_limit,
    }
    environment.update({name: os.environ[name] for name in PASSTHROUGH_VARIABLES if name in os.environ})
    return environment


def mailcatcher_environment(profile: RuntimeProfile) -> dict[str, str]:
    """The development mail catcher's: where it keeps the mails and its SMTP port."""
    return {
        "UNEFOIS_MAILCATCHER_DIR": str(profile.mail_dir),
        "UNEFOIS_MAILCATCHER_SMTP_HOST": profile.host,
        "UNEFOIS_MAILCATCHER_SMTP_PORT": str(profile.mail_smtp_port),
    }


def _write_secret_once(path: Path, content: str) -> Path:
    """Creates a secret file once (0600 from mkstemp, complete or absent: never half-written; when
    two processes race, the first one's file is kept); returns its path."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
        try:
            os.link(tmp, path)  # fails if another process created it first: theirs is kept
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)
    return path


def ensure_key_encryption_key(path: Path) -> Path:
    """Creates tendering's key-encryption key file once (32 random bytes, base64url, 0600, complete
    or absent); returns its path. Losing it loses every sealed bid not yet opened: back it up
    apart from the database (a dump and this file together open the bids)."""
    return _write_secret_once(path, base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii") + "\n")


def ensure_session_secret(path: Path) -> Path:
    """Creates the secret file once (0600, complete or absent: never half-written); returns its path."""
    return _write_secret_once(path, secrets.token_urlsafe(48))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".session-secret-")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)  # fails if another process created it first: theirs is kept
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)
    return path
