"""The stage registry (unefois_kernel.stages) against the code: the services that exist, what
each one's ServiceDefinition really produces and consumes, the kernel's topics, and the
Python lists that now read the registry."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from unefois_deploy.config import STAGES, load_profile, repo_root
from unefois_events import topics
from unefois_kernel.stages import PLATFORM_TOPICS, PRODUCED_TOPICS, STAGE_NAMES, STAGES as REGISTRY, stage
from unefois_kernel.web import STAGE_LABELS

# Importing a service's main module builds its app, which reads its settings and installs
# process-wide telemetry and logging: done in a child process, so this test process stays clean.
_DESCRIBE = """
import importlib, json, sys
out = {}
for name in sys.argv[1:]:
    definition = importlib.import_module(f"unefois_{name}.main").definition
    out[name] = {
        "name": definition.name,
        "package": definition.package,
        # Topics, once each: several event types may share one (AwardDecided v1 and v2).
        "produces": list(dict.fromkeys(model.topic for model in definition.produces)),
        "consumes": [topic for consumer in definition.consumers for topic in consumer.topics],
    }
print("\\n" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def definitions() -> dict[str, dict]:
    env = {**os.environ, "OTEL_SDK_DISABLED": "true", "UNEFOIS_LOG_LEVEL": "ERROR"}
    for entry in REGISTRY:
        env[f"{entry.env_prefix}DATABASE_URL"] = f"postgresql://{entry.database}@127.0.0.1:1/{entry.database}"
        env[f"{entry.env_prefix}SESSION_SECRET"] = "x" * 48
    done = subprocess.run([sys.executable, "-c", _DESCRIBE, *STAGE_NAMES], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_service_directory_is_a_registered_stage_and_back():
    services = {path.name for path in (repo_root() / "services").iterdir() if (path / "pyproject.toml").exists()}
    assert services == set(STAGE_NAMES)


@pytest.mark.parametrize("name", STAGE_NAMES)
def test_the_registry_says_what_the_service_definition_does(definitions, name):
    entry, definition = stage(name), definitions[name]
    assert (definition["name"], definition["package"]) == (entry.name, entry.package)
    assert definition["produces"] == list(entry.produces), f"{name} produces (its ServiceDefinition.produces)"
    assert definition["consumes"] == list(entry.consumes), f"{name} consumes (its ServiceDefinition.consumers)"


def test_every_consumed_topic_is_produced_by_an_earlier_stage():
    produced: set[str] = set()
    for entry in REGISTRY:
        assert set(entry.consumes) <= produced, f"{entry.name} consumes a topic no earlier stage produces"
        produced |= set(entry.produces)


def test_the_kernel_topics_are_those_the_stages_produce():
    assert PRODUCED_TOPICS == topics.EVENT_TOPICS
    assert PLATFORM_TOPICS == topics.ALL_TOPICS


def test_names_ports_and_labels_are_unique():
    for values in ([s.name for s in REGISTRY], [s.label for s in REGISTRY],
                   [s.port for s in REGISTRY] + [s.test_port for s in REGISTRY]):
        assert len(set(values)) == len(values)


def test_the_runtime_and_the_navigation_read_the_registry():
    assert STAGES == STAGE_NAMES
    assert dict(load_profile("dev").http_ports) == {s.name: s.port for s in REGISTRY}
    assert dict(load_profile("test").http_ports) == {s.name: s.test_port for s in REGISTRY}
    assert list(STAGE_LABELS.items()) == [(s.name, s.label) for s in REGISTRY]


def test_an_unknown_stage_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown stage 'billing'"):
        stage("billing")
