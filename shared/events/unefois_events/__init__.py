"""The integration-event contracts every stage shares: payload models (catalogue), the value
types carrying the regulated DECP vocabulary (values) and the topics (topics).

Their JSON schemas are pinned (shared/tests/contract/pinned/): a change to anything here is a
contract change, regenerated on purpose with `python -m unefois_events.pin`."""
