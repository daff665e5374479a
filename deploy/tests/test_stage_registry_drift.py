"""The files that cannot import the stage registry (unefois_kernel.stages) must still say what
it says: the PostgreSQL init script, docker-compose.yml and the Kubernetes manifests. Each test
reads one file and fails, naming the stage, when a stage, port, database, client or topic there
drifts from the registry (a stage added, renamed, moved to another port, a topic added ...).

The files are read as text (no YAML parser among the platform's dependencies): the patterns
below follow their layout, and a test that finds nothing to compare fails too."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from unefois_deploy.config import repo_root
from unefois_kernel.stages import PLATFORM_TOPICS, PRODUCED_TOPICS, STAGE_NAMES, STAGES, Stage

ROOT = repo_root()
K8S = ROOT / "deploy" / "k8s"
# docker compose: the default public host; Kubernetes: the placeholder host of each stage.
COMPOSE_HOST = "localhost"


def k8s_host(stage: Stage) -> str:
    return f"{stage.name}.unefois.example"


# ---------------------------------------------------------------- text helpers


def _block(text: str, key: str, indent: int) -> str:
    """The lines of the mapping entry `key:` at `indent` spaces, up to the next entry at that depth or less."""
    lines = text.splitlines()
    head = re.compile(rf"^ {{{indent}}}{re.escape(key)}:")
    for start, line in enumerate(lines):
        if head.match(line):
            break
    else:
        raise AssertionError(f"no `{key}:` at indent {indent}")
    body = [lines[start]]
    for line in lines[start + 1:]:
        stripped = line.lstrip()
        if stripped and not stripped.startswith("#") and len(line) - len(stripped) <= indent:
            break
        body.append(line)
    return "\n".join(body)


def _folded(text: str, key: str) -> str:
    """The value of a folded scalar `key: >-` (its lines joined by spaces)."""
    match = re.search(rf"^( *){re.escape(key)}: >-\n((?:\1 +.*\n?)+)", text, re.M)
    assert match, f"no folded `{key}: >-`"
    return " ".join(line.strip() for line in match.group(2).splitlines())


def _documents(path: Path) -> list[str]:
    return [doc for doc in re.split(r"^---\s*$", path.read_text(), flags=re.M) if re.search(r"^kind:", doc, re.M)]


def _kind_and_name(doc: str) -> tuple[str, str]:
    kind = re.search(r"^kind: (\S+)", doc, re.M)
    name = re.search(r"^metadata:\n(?:  .*\n)*?  name: (\S+)", doc, re.M)
    assert kind and name, doc[:200]
    return kind.group(1), name.group(1)


def _env_value(doc: str, name: str) -> str:
    match = re.search(rf"- name: {re.escape(name)}\n\s+value: \"?([^\"\n]+)\"?", doc)
    assert match, f"no env {name} with a value"
    return match.group(1)


def _compose_text() -> str:
    # The compose interpolation of the public host, with its default.
    return (ROOT / "docker-compose.yml").read_text().replace("${UNEFOIS_PUBLIC_HOST:-localhost}", COMPOSE_HOST)


# ---------------------------------------------------------------- PostgreSQL init (compose)


def test_postgres_init_creates_one_role_and_database_per_stage():
    script = (ROOT / "deploy" / "postgres-init" / "10-unefois-databases.sh").read_text()
    loop = re.search(r"^\s*for stage in ([^;]+); do", script, re.M)
    assert loop, "the per-stage loop of the init script"
    assert tuple(loop.group(1).split()) == STAGE_NAMES
    # Role and database unefois_<stage>, password UNEFOIS_<STAGE>_DB_PASSWORD: Stage.database, env_prefix.
    assert 'name="unefois_${stage}"' in script
    assert 'var="UNEFOIS_${stage^^}_DB_PASSWORD"' in script


# ---------------------------------------------------------------- docker-compose.yml


def test_compose_runs_one_service_per_stage_in_pipeline_order():
    services = _block(_compose_text(), "services", 0)
    names = re.findall(r"^  ([\w-]+):\s*$", services, re.M)
    stage_services = [name for name in names if re.search(r"^    <<: \*service\s*$", _block(services, name, 2), re.M)]
    assert tuple(stage_services) == STAGE_NAMES


@pytest.mark.parametrize("stage", STAGES, ids=STAGE_NAMES)
def test_compose_service_of_each_stage(stage: Stage):
    block = _block(_block(_compose_text(), "services", 0), stage.name, 2)
    p = stage.env_prefix
    expected = {
        "image": rf"^    image: unefois-{stage.name}:dev$",
        "HTTP_PORT": rf'^      {p}HTTP_PORT: "{stage.port}"$',
        "PUBLIC_URL": rf"^      {p}PUBLIC_URL: http://{COMPOSE_HOST}:{stage.port}$",
        "DATABASE_URL": rf"^      {p}DATABASE_URL: postgresql://{stage.database}:\$\{{{p}DB_PASSWORD:-[^}}]+\}}"
                        rf"@postgres:5432/{stage.database}$",
        "OIDC_CLIENT_ID": rf"^      {p}OIDC_CLIENT_ID: {stage.client_id}$",
    }
    drifted = [what for what, pattern in expected.items() if not re.search(pattern, block, re.M)]
    assert drifted == [], f"compose service {stage.name}: {drifted} differ from the registry"
    # Only its own settings (a copied block keeps another stage's prefix).
    foreign = [key for key in re.findall(r"^      (UNEFOIS_\w+):", block, re.M) if not key.startswith(p)]
    assert foreign == []


def test_compose_pod_publishes_each_stage_port():
    pod = _block(_block(_compose_text(), "services", 0), "pod", 2)
    published = {name: (int(host), int(container))
                 for host, container, name in re.findall(r':(\d+):(\d+)" # ([\w-]+)', pod)}
    published.pop("dev-issuer", None)
    assert published == {s.name: (s.port, s.port) for s in STAGES}


def test_compose_service_urls_are_the_stage_ports():
    urls = json.loads(_folded(_block(_compose_text(), "x-service-env", 0), "UNEFOIS_SERVICE_URLS"))
    assert list(urls.items()) == [(s.name, f"http://{COMPOSE_HOST}:{s.port}") for s in STAGES]


def test_compose_dev_issuer_registers_one_client_per_stage():
    issuer = _block(_block(_compose_text(), "services", 0), "dev-issuer", 2)
    clients = json.loads(_folded(issuer, "UNEFOIS_DEV_ISSUER_CLIENTS"))
    assert list(clients) == [s.client_id for s in STAGES]
    for stage in STAGES:
        base = f"http://{COMPOSE_HOST}:{stage.port}"
        assert clients[stage.client_id] == {"redirect_uris": [f"{base}/auth/callback"],
                                            "post_logout_redirect_uris": [f"{base}/"]}


def test_compose_postgres_gets_one_password_per_stage():
    postgres = _block(_block(_compose_text(), "services", 0), "postgres", 2)
    assert re.findall(r"^      (UNEFOIS_\w+_DB_PASSWORD):", postgres, re.M) == [
        f"{s.env_prefix}DB_PASSWORD" for s in STAGES]


def test_compose_kafka_init_creates_the_produced_topics_and_their_dead_letters():
    init = _block(_block(_compose_text(), "services", 0), "kafka-init", 2)
    loop = re.search(r"for topic in ([^;]+);", init)
    assert loop, "the topic loop of kafka-init"
    assert tuple(loop.group(1).split()) == PRODUCED_TOPICS
    assert 'for name in "$$topic" "$$topic.dlq"' in init


# ---------------------------------------------------------------- deploy/k8s


def test_k8s_has_one_manifest_per_stage_listed_by_the_kustomization():
    assert sorted(path.stem for path in (K8S / "services").glob("*.yaml")) == sorted(STAGE_NAMES)
    kustomization = (K8S / "kustomization.yaml").read_text()
    assert tuple(re.findall(r"^  - services/([\w-]+)\.yaml", kustomization, re.M)) == STAGE_NAMES
    images = re.findall(r"^  - name: unefois-([\w-]+)\n    newName: (\S+)", kustomization, re.M)
    assert [(name, new.rsplit("/", 1)[-1]) for name, new in images] == [(s, s) for s in STAGE_NAMES]


@pytest.mark.parametrize("stage", STAGES, ids=STAGE_NAMES)
def test_k8s_deployment_service_and_budget_of_each_stage(stage: Stage):
    docs = {_kind_and_name(doc): doc for doc in _documents(K8S / "services" / f"{stage.name}.yaml")}
    assert set(docs) == {("Deployment", stage.name), ("Service", stage.name), ("PodDisruptionBudget", stage.name)}
    for doc in docs.values():
        assert set(re.findall(r"app\.kubernetes\.io/name: (\S+)", doc)) == {stage.name}

    deployment, p = docs["Deployment", stage.name], stage.env_prefix
    assert re.search(rf"^        - name: {stage.name}\n          image: unefois-{stage.name}$", deployment, re.M), \
        f"container {stage.name}, image unefois-{stage.name}"
    assert re.findall(r"containerPort: (\d+)", deployment) == [str(stage.port)]
    assert re.findall(r'prometheus\.io/port: "(\d+)"', deployment) == [str(stage.port)]
    assert _env_value(deployment, f"{p}HTTP_PORT") == str(stage.port)
    assert _env_value(deployment, f"{p}PUBLIC_URL") == f"https://{k8s_host(stage)}"
    assert _env_value(deployment, f"{p}OIDC_CLIENT_ID") == stage.client_id
    assert re.search(rf"- name: {p}DATABASE_URL\n\s+valueFrom:\n\s+secretKeyRef:\n\s+name: {stage.name}-db-app\n",
                     deployment), f"{p}DATABASE_URL from the Secret {stage.name}-db-app"
    foreign = [name for name in re.findall(r"- name: (UNEFOIS_\w+)", deployment) if not name.startswith(p)]
    assert foreign == []

    assert re.findall(r"^      port: (\d+)$", docs["Service", stage.name], re.M) == [str(stage.port)]


def test_k8s_service_urls_are_the_stage_hosts():
    urls = json.loads(_folded((K8S / "config.yaml").read_text(), "UNEFOIS_SERVICE_URLS"))
    assert list(urls.items()) == [(s.name, f"https://{k8s_host(s)}") for s in STAGES]


def test_k8s_ingress_routes_each_stage_host_to_its_service():
    ingress = (K8S / "ingress.yaml").read_text()
    tls = _block(_block(ingress, "spec", 0), "tls", 2)
    assert re.findall(r"^        - (\S+)$", tls, re.M) == [k8s_host(s) for s in STAGES]

    rules = re.split(r"^    - host: ", _block(_block(ingress, "spec", 0), "rules", 2), flags=re.M)[1:]
    assert [rule.split("\n", 1)[0].strip() for rule in rules] == [k8s_host(s) for s in STAGES]
    paths = []
    for stage, rule in zip(STAGES, rules):
        backends = re.findall(r"backend: \{service: \{name: ([\w-]+), port: \{name: (\w+)\}\}\}", rule)
        assert backends and set(backends) == {(stage.name, "http")}, stage.name
        paths.append(re.findall(r"\{path: (\S+), pathType: (\w+),", rule))
    # Every stage routes the same public paths.
    assert all(routed == paths[0] for routed in paths), paths


def test_k8s_postgres_has_one_cluster_per_stage():
    clusters = {name: doc for (kind, name), doc in ((_kind_and_name(d), d) for d in _documents(K8S / "postgres" / "clusters.yaml"))
                if kind == "Cluster"}
    assert list(clusters) == [f"{s}-db" for s in STAGE_NAMES]
    for stage in STAGES:
        doc = clusters[f"{stage.name}-db"]
        assert re.search(rf"^      database: {stage.database}$", doc, re.M), f"{stage.name}-db: database"
        assert re.search(rf"^      owner: {stage.database}$", doc, re.M), f"{stage.name}-db: owner"
        assert set(re.findall(r"ON DATABASE (\w+)", doc)) == {stage.database}


def test_k8s_topics_are_the_produced_topics_and_their_dead_letters():
    declared = []
    for doc in _documents(K8S / "kafka" / "topics.yaml"):
        kind, name = _kind_and_name(doc)
        assert kind == "KafkaTopic"
        topic = re.search(r"^  topicName: (\S+)$", doc, re.M)
        assert topic and topic.group(1) == name
        declared.append(name)
    assert sorted(declared) == sorted(PLATFORM_TOPICS)
