"""Every notified contract becomes one DECP record; one the schema refuses goes to the DLQ."""

from __future__ import annotations

from unefois_events.catalogue import ContractNotified
from unefois_kernel.consumer import EventHandler, HandlerRejected
from unefois_kernel.envelope import IncomingEvent
from unefois_kernel.uow import UnitsOfWork
from unefois_opendata.records import service
from unefois_opendata.records.domain import RecordRefused


def handlers(uows: UnitsOfWork) -> dict[str, EventHandler]:
    async def on_contract_notified(conn, incoming: IncomingEvent) -> None:
        try:
            await service.publish(uows.joined(conn, incoming.envelope.tenant), incoming.payload)
        except RecordRefused as exc:
            # A business refusal: dead-lettered with the reason, never retried.
            raise HandlerRejected(exc.detail) from exc

    return {ContractNotified.ce_type: on_contract_notified}
