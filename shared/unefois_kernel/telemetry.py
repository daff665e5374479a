"""OpenTelemetry set-up: one tracer provider per process, OTLP/HTTP export when configured.

The trace context crosses Kafka in the W3C `traceparent`/`tracestate` record headers; the
outbox stores it with each row so that the relay's publish continues the request's trace.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Link, SpanKind

_configured: TracerProvider | None = None


def configure_tracing(service: str, *, exporter: SpanExporter | None = None) -> TracerProvider:
    """Install the process-wide tracer provider (once; OpenTelemetry forbids replacing it)."""
    global _configured
    if _configured is not None:
        return _configured
    provider = TracerProvider(resource=Resource.create({"service.name": f"unefois-{service}"}))
    if exporter is None and os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()  # reads OTEL_EXPORTER_OTLP_ENDPOINT and friends
    if exporter is not None:
        # Half a second instead of the SDK's 5 s: traces show up while the operator looks.
        delay_ms = int(os.environ.get("OTEL_BSP_SCHEDULE_DELAY", "500"))
        provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=delay_ms))
    trace.set_tracer_provider(provider)
    _configured = provider
    return provider


def shutdown_tracing() -> None:
    if _configured is not None:
        _configured.force_flush()


@functools.cache
def tracer(name: str = "unefois") -> trace.Tracer:
    # Cached: trace.get_tracer() builds a new tracer object each call, measurable per message.
    return trace.get_tracer(name)


def current_trace_headers() -> dict[str, str]:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


# OpenTelemetry's default span link limit (OTEL_SPAN_LINK_COUNT_LIMIT): links past it are dropped.
MAX_LINKS = 128


def links_to_stored_contexts(traces: Sequence[Mapping[str, str]]) -> list[Link]:
    """Links to the distinct trace contexts carried by a batch's headers, at most MAX_LINKS (the
    OpenTelemetry convention for a span that publishes or consumes a batch).

    Events written by one request share its context, so the headers are compared before
    being parsed: a batch of 500 events from a few requests costs a few extractions."""
    links: list[Link] = []
    seen: set[tuple[str | None, str | None]] = set()
    for headers in traces:
        key = (headers.get("traceparent"), headers.get("tracestate"))
        if key[0] is None or key in seen:
            continue
        seen.add(key)
        context = trace.get_current_span(propagate.extract(headers)).get_span_context()
        if context.is_valid:
            links.append(Link(context))
            if len(links) == MAX_LINKS:
                break
    return links


@contextmanager
def span_from_headers(name: str, headers: Mapping[str, str], kind: SpanKind, **attributes) -> Iterator[trace.Span]:
    """A span whose parent is the context carried by message headers (or a new trace)."""
    parent = propagate.extract(dict(headers))
    token = otel_context.attach(parent)
    try:
        with tracer().start_as_current_span(name, kind=kind, attributes=attributes) as span:
            yield span
    finally:
        otel_context.detach(token)
