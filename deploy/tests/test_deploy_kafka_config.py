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
