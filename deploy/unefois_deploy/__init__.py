"""Local runtime of the unefois platform: PostgreSQL and Kafka of the project's own,
the five services under a supervisor, and the pytest plugin that uses them."""
