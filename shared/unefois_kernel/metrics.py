"""Prometheus metrics shared by every service (exposed on /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_PROCESSED = Counter(
    "unefois_events_processed_total",
    "Events taken from Kafka by an inbox consumer, by outcome (applied, duplicate, dead_lettered)",
    ["consumer", "topic", "outcome"],
)
HANDLER_LATENCY = Histogram(
    "unefois_handler_duration_seconds",
    "Time spent in an event handler, inside its database transaction",
    ["consumer", "event_type"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
CONSUMER_LAG = Gauge(
    "unefois_consumer_lag",
    "Records behind the partition's high watermark, after the last processed batch",
    ["consumer", "topic", "partition"],
)
TRANSIENT_RETRIES = Counter(
    "unefois_transient_retries_total",
    "Retries after a transient failure (database or broker down)",
    ["component"],
)
OUTBOX_PUBLISHED = Counter("unefois_outbox_published_total", "Outbox rows published and acknowledged", ["topic"])
OUTBOX_BACKLOG = Gauge("unefois_outbox_backlog", "Outbox rows not yet published")
OUTBOX_PUBLISH_FAILURES = Counter("unefois_outbox_publish_failures_total", "Failed outbox publish attempts")
DLQ_SIZE = Gauge("unefois_dlq_size", "Records held by a dead-letter topic", ["topic"])
# The relay runs in a child process (unefois_kernel.relay_process): its own counters above
# (published, failures) are counted there; the service counts the child's restarts.
RELAY_PROCESS_RESTARTS = Counter("unefois_relay_process_restarts_total",
                                 "Restarts of the outbox relay's process after it exited on its own")
RELAY_PROCESS_UP = Gauge("unefois_relay_process_up", "1 while the outbox relay's process runs (relay_mode=process)")
