from unefois_deploy.config import STAGES, load_profile


def test_dev_and_test_profiles_do_not_share_a_port():
    dev, test = load_profile("dev"), load_profile("test")

    def ports(profile):
        return {profile.kafka_port, profile.kafka_controller_port, profile.postgres_port, *profile.http_ports.values()}

    assert not ports(dev) & ports(test)
    assert dev.runtime_dir != test.runtime_dir


def test_documented_defaults():
    test = load_profile("test")
    assert (test.kafka_port, test.kafka_controller_port, test.postgres_port) == (29092, 29093, 25432)
    assert [test.http_ports[stage] for stage in STAGES] == [18001, 18002, 18003, 18004, 18005]
    assert test.runtime_dir.parts[-2:] == (".runtime", "test")


def test_env_overrides_are_per_profile(monkeypatch):
    monkeypatch.setenv("UNEFOIS_DEV_KAFKA_PORT", "39092")
    monkeypatch.setenv("UNEFOIS_DEV_SOURCING_HTTP_PORT", "9001")
    monkeypatch.setenv("UNEFOIS_TOPIC_PARTITIONS", "3")
    dev, test = load_profile("dev"), load_profile("test")
    assert (dev.kafka_port, dev.http_ports["sourcing"], dev.topic_partitions) == (39092, 9001, 3)
    assert (test.kafka_port, test.topic_partitions) == (29092, 3)
