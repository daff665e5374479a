"""Kafka topics of the platform: one per producing aggregate, each with a dead-letter twin."""

NEED = "sourcing.need"
CONSULTATION = "tendering.consultation"
AWARD = "tendering.award"
CONTRACT = "contracts.contract"
INVOICE = "invoicing.invoice"

EVENT_TOPICS: tuple[str, ...] = (NEED, CONSULTATION, AWARD, CONTRACT, INVOICE)
DLQ_SUFFIX = ".dlq"


def dlq_of(topic: str) -> str:
    return topic + DLQ_SUFFIX


ALL_TOPICS: tuple[str, ...] = EVENT_TOPICS + tuple(dlq_of(t) for t in EVENT_TOPICS)
