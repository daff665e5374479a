import base64
import re

from unefois_deploy.kafka import new_cluster_id, render_properties


def test_render_properties_replaces_values_keeps_comments_and_appends_missing_keys():
    template = "# listeners=commented\nlisteners=PLAINTEXT://127.0.0.1:19092\nnode.id=1\n"
    rendered = render_properties(template, {"listeners": "PLAINTEXT://127.0.0.1:29092", "log.dirs": "/data"})
    assert rendered == "# listeners=commented\nlisteners=PLAINTEXT://127.0.0.1:29092\nnode.id=1\nlog.dirs=/data\n"


def test_cluster_id_is_a_kafka_uuid():
    cluster_id = new_cluster_id()
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", cluster_id) and not cluster_id.startswith("-")
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16


def test_server_properties_template_keeps_the_test_speed_ups():
    # Parsed as Kafka reads it: last assignment of a key wins, comments ignored.
    from unefois_deploy.config import repo_root

    settings = {}
    for line in (repo_root() / "deploy" / "kafka" / "server.properties").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    assert settings["offsets.topic.num.partitions"] == "3"  # default 50: slow first group join
    assert settings["transaction.state.log.num.partitions"] == "3"
    assert settings["group.initial.rebalance.delay.ms"] == "0"
    assert settings["offsets.topic.replication.factor"] == "1"
    assert settings["auto.create.topics.enable"] == "false"
