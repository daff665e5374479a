"""The stage registry: the five stages of the purchase pipeline, in pipeline order.

One place for what is listed per stage everywhere else: the local runtime (deploy/
unefois_deploy/config.py: stages and default ports), the navigation (web/templating.py:
STAGE_LABELS), the topics the runtime creates (deploy/unefois_deploy/topics.py). Files that
cannot import Python (deploy/postgres-init/, docker-compose.yml, deploy/k8s/) are checked
against it by deploy/tests/test_stage_registry_drift.py, and the registry itself against each
service's ServiceDefinition by deploy/tests/test_stage_registry.py: a new stage, port or
topic is written here first, and those tests say what else must follow.

Naming conventions derived from a stage's name (used by every deployment):
package `unefois_<name>`, environment prefix `UNEFOIS_<NAME>_`, database and role
`unefois_<name>`, OpenID Connect client `unefois-<name>`.
"""

from __future__ import annotations

from dataclasses import dataclass

from unefois_events import topics


@dataclass(frozen=True)
class Stage:
    name: str
    # What people see in the navigation (French).
    label: str
    # The HTTP port under `make up` (dev profile), docker compose and Kubernetes.
    port: int
    # The HTTP port of the test profile (the pytest plugin), beside a running dev profile.
    test_port: int
    # Kafka topics: those its events go to (ServiceDefinition.produces), those its inbox
    # consumers read (ServiceDefinition.consumers).
    produces: tuple[str, ...] = ()
    consumes: tuple[str, ...] = ()

    @property
    def package(self) -> str:
        return f"unefois_{self.name}"

    @property
    def env_prefix(self) -> str:
        return f"UNEFOIS_{self.name.upper()}_"

    @property
    def database(self) -> str:
        """Database and login role (one each per stage)."""
        return f"unefois_{self.name}"

    @property
    def client_id(self) -> str:
        """OpenID Connect client of the stage's browser login."""
        return f"unefois-{self.name}"


STAGES: tuple[Stage, ...] = (
    Stage("sourcing", "Besoins", 8001, 18001,
          produces=(topics.NEED,)),
    Stage("tendering", "Consultations", 8002, 18002,
          produces=(topics.CONSULTATION, topics.AWARD), consumes=(topics.NEED,)),
    Stage("contracts", "Marchés", 8003, 18003,
          produces=(topics.CONTRACT,), consumes=(topics.AWARD,)),
    Stage("invoicing", "Facturation", 8004, 18004,
          produces=(topics.INVOICE,), consumes=(topics.CONTRACT,)),
    Stage("opendata", "Données ouvertes", 8005, 18005,
          consumes=(topics.CONTRACT, topics.INVOICE)),
)

STAGE_NAMES: tuple[str, ...] = tuple(stage.name for stage in STAGES)

# Every event topic, in pipeline order, and with their dead-letter twins: what the runtime creates.
PRODUCED_TOPICS: tuple[str, ...] = tuple(dict.fromkeys(topic for stage in STAGES for topic in stage.produces))
PLATFORM_TOPICS: tuple[str, ...] = PRODUCED_TOPICS + tuple(topics.dlq_of(topic) for topic in PRODUCED_TOPICS)

_BY_NAME = {stage.name: stage for stage in STAGES}


def stage(name: str) -> Stage:
    """The stage called `name`; ValueError for an unknown one."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown stage {name!r}; expected one of {', '.join(STAGE_NAMES)}") from None
