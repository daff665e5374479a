"""What a service process is told about its surroundings: one function, shared by the
supervisor and by tests that build a service in-process."""

from __future__ import annotations

import json
import os

from unefois_deploy.config import STAGES, RuntimeProfile
from unefois_deploy.credentials import CredentialStore
from unefois_deploy.databases import Databases

# Passed through untouched when set, so traces reach whatever collector the caller runs.
PASSTHROUGH_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT",)


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
        # Every stage's URL, for links from one service's pages to another's.
        "UNEFOIS_SERVICE_URLS": json.dumps(profile.service_urls()),
    }
    environment.update({name: os.environ[name] for name in PASSTHROUGH_VARIABLES if name in os.environ})
    return environment
