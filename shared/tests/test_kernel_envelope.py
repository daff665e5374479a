"""The CloudEvents envelope: round trip, and every way a record can be refused."""

import json
import uuid

import pytest

from unefois_events import topics
from unefois_kernel.envelope import InvalidEvent, parse_record, wrap
from unefois_kernel.testing import OTHER_BUYER, contract_notified


def _record(payload=None, **header_changes):
    event = wrap(payload or contract_notified(), source="contracts")
    headers = {name: value for name, value in event.envelope.kafka_headers()}
    for name, value in header_changes.items():
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = value.encode()
    return event, list(headers.items())


def test_round_trip_keeps_attributes_and_payload():
    event, headers = _record()
    incoming = parse_record(topics.CONTRACT, headers, event.value)
    assert incoming.envelope.id == event.envelope.id
    assert incoming.envelope.type == "fr.unefois.contracts.ContractNotified.v1"
    assert incoming.envelope.subject == event.key == str(incoming.payload.contract_id)
    assert incoming.envelope.tenant == "21000003000010"
    assert incoming.payload.model_dump() == contract_notified().model_dump() | {
        "contract_id": incoming.payload.contract_id,
        "award_id": incoming.payload.award_id,
        "consultation_id": incoming.payload.consultation_id,
        "purchase": incoming.payload.purchase.model_dump(),
    }


def test_headers_follow_the_kafka_binary_binding():
    _, headers = _record()
    names = {name for name, _ in headers}
    assert {"ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "ce_tenant", "content-type"} <= names
    assert dict(headers)["ce_specversion"] == b"1.0"


def test_money_travels_as_an_exact_string():
    event, _ = _record()
    assert json.loads(event.value)["amount"] == "98765.43"


@pytest.mark.parametrize(
    ("header", "value", "field"),
    [
        ("ce_id", None, "ce_id"),
        ("ce_id", "not-a-uuid", "ce_id"),
        ("ce_tenant", None, "ce_tenant"),
        ("ce_tenant", "21000003000011", "ce_tenant"),  # Luhn check fails
        ("ce_type", "fr.unefois.contracts.Unknown.v1", "ce_type"),
        ("ce_specversion", "0.3", "ce_specversion"),
        ("ce_time", "yesterday", "ce_time"),
        ("ce_subject", str(uuid.uuid4()), "ce_subject"),
    ],
)
def test_a_bad_envelope_names_the_attribute(header, value, field):
    event, headers = _record(**{header: value})
    with pytest.raises(InvalidEvent) as refused:
        parse_record(topics.CONTRACT, headers, event.value)
    assert refused.value.field == field


def test_an_event_on_the_wrong_topic_is_refused():
    event, headers = _record()
    with pytest.raises(InvalidEvent) as refused:
        parse_record(topics.INVOICE, headers, event.value)
    assert refused.value.field == "ce_type"


def test_a_bad_payload_names_the_json_path():
    event, headers = _record()
    document = json.loads(event.value)
    document["purchase"]["main_cpv"] = "4523"
    with pytest.raises(InvalidEvent) as refused:
        parse_record(topics.CONTRACT, headers, json.dumps(document).encode())
    assert refused.value.field == "data.purchase.main_cpv"


def test_unparsable_json_is_refused():
    event, headers = _record()
    with pytest.raises(InvalidEvent) as refused:
        parse_record(topics.CONTRACT, headers, b"{not json")
    assert refused.value.field.startswith("data")


def test_tenant_must_be_the_events_buyer():
    event, headers = _record(ce_tenant=OTHER_BUYER.siret)
    with pytest.raises(InvalidEvent) as refused:
        parse_record(topics.CONTRACT, headers, event.value)
    assert refused.value.field == "ce_tenant"
    assert "acheteur" in refused.value.reason
