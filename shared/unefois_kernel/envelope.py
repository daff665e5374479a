"""CloudEvents 1.0 envelope in Kafka binary content mode.

The attributes travel as `ce_*` record headers, the value is the JSON of the payload model,
the key is the aggregate id. The tenant (buyer SIRET) is a CloudEvents extension attribute
(`ce_tenant`); W3C `traceparent`/`tracestate` travel as plain headers, as OpenTelemetry's
propagator and FastStream expect them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from unefois_kernel.clock import SYSTEM_CLOCK
from unefois_events.catalogue import CATALOGUE, Event
from unefois_events.values import _check_siret

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
REQUIRED_ATTRIBUTES = ("specversion", "id", "source", "type", "time", "subject", "tenant")
TRACE_HEADERS = ("traceparent", "tracestate")


class InvalidEvent(ValueError):
    """A record that can never be processed: bad envelope or payload. It goes to the DLQ."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True)
class Envelope:
    id: uuid.UUID
    type: str
    source: str
    subject: str
    tenant: str
    time: datetime
    trace: dict[str, str] = field(default_factory=dict)

    def header_values(self) -> dict[str, str]:
        """The record headers as text: what the outbox stores and the relay encodes."""
        headers = {
            "ce_specversion": SPEC_VERSION,
            "ce_id": str(self.id),
            "ce_source": self.source,
            "ce_type": self.type,
            "ce_time": self.time.isoformat(),
            "ce_subject": self.subject,
            "ce_tenant": self.tenant,
            "content-type": CONTENT_TYPE,
        }
        for name in TRACE_HEADERS:
            if name in self.trace:
                headers[name] = self.trace[name]
        return headers

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        return [(name, value.encode()) for name, value in self.header_values().items()]


@dataclass(frozen=True)
class OutgoingEvent:
    """What a producer hands to the outbox: topic, key, headers and the encoded value."""

    topic: str
    key: str
    envelope: Envelope
    value: bytes


@dataclass(frozen=True)
class IncomingEvent:
    envelope: Envelope
    payload: Event


def wrap(payload: Event, *, source: str, event_id: uuid.UUID | None = None, at: datetime | None = None) -> OutgoingEvent:
    envelope = Envelope(
        id=event_id or uuid.uuid4(),
        type=payload.ce_type,
        source=source,
        subject=payload.subject,
        tenant=payload.tenant,
        time=at or SYSTEM_CLOCK.now(),
    )
    return OutgoingEvent(
        topic=payload.topic, key=payload.subject, envelope=envelope, value=payload.model_dump_json().encode()
    )


def decode_headers(raw: list[tuple[str, bytes]] | tuple[tuple[str, bytes], ...] | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw or ():
        try:
            headers[name] = value.decode() if value is not None else ""
        except UnicodeDecodeError as exc:
            raise InvalidEvent(f"header {name}", "pas de l'UTF-8") from exc
    return headers


def parse_record(topic: str, raw_headers, value: bytes | None) -> IncomingEvent:
    """Envelope + payload of one Kafka record, or InvalidEvent naming the field and the reason."""
    headers = decode_headers(raw_headers)
    attributes = {name: headers.get(f"ce_{name}") for name in REQUIRED_ATTRIBUTES}
    for name, attr in attributes.items():
        if not attr:
            raise InvalidEvent(f"ce_{name}", "attribut CloudEvents manquant")
    if attributes["specversion"] != SPEC_VERSION:
        raise InvalidEvent("ce_specversion", f"version {attributes['specversion']!r} non prise en charge")
    try:
        event_id = uuid.UUID(attributes["id"])
    except ValueError as exc:
        raise InvalidEvent("ce_id", "doit être un UUID") from exc
    try:
        time = datetime.fromisoformat(attributes["time"])
    except ValueError as exc:
        raise InvalidEvent("ce_time", "doit être une date ISO 8601") from exc
    try:
        tenant = _check_siret(attributes["tenant"])
    except ValueError as exc:
        raise InvalidEvent("ce_tenant", str(exc)) from exc
    model = CATALOGUE.get(attributes["type"])
    if model is None:
        raise InvalidEvent("ce_type", f"type d'événement inconnu {attributes['type']!r}")
    if model.topic != topic:
        raise InvalidEvent("ce_type", f"{attributes['type']} n'est pas publié sur {topic}")
    if value is None:
        raise InvalidEvent("data", "valeur vide")
    try:
        payload = model.model_validate_json(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(part) for part in first["loc"]) or "data"
        raise InvalidEvent(f"data.{location}", first["msg"]) from exc
    if payload.tenant != tenant:
        raise InvalidEvent("ce_tenant", "ne correspond pas à l'acheteur de l'événement")
    if payload.subject != attributes["subject"]:
        raise InvalidEvent("ce_subject", "ne correspond pas à l'agrégat de l'événement")
    envelope = Envelope(
        id=event_id,
        type=attributes["type"],
        source=attributes["source"],
        subject=attributes["subject"],
        tenant=tenant,
        time=time,
        trace={name: headers[name] for name in TRACE_HEADERS if name in headers},
    )
    return IncomingEvent(envelope=envelope, payload=payload)
