# The local runtime (PostgreSQL + Kafka of the "test" profile, the services) as pytest fixtures.
pytest_plugins = ["unefois_deploy.testing"]
