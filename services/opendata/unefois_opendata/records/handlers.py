"""Every notified contract becomes one DECP record; one the schema refuses goes to the DLQ.

Notified contracts commute (each writes its own record and its own audit chain), so the
handler is a batch handler: a run of them is kept in one INSERT. A refused one fails the run;
the inbox consumer then applies the run's events one by one, and only the refused one is
dead-lettered, with the reason."""

from __future__ import annotations

from collections.abc import Sequence

from unefois_events.catalogue import ContractNotified
from unefois_kernel.consumer import EventHandler, HandlerRejected, batch_handler
from unefois_kernel.envelope import IncomingEvent
from unefois_kernel.uow import UnitsOfWork
from unefois_opendata.records import service
from unefois_opendata.records.domain import RecordRefused


def handlers(uows: UnitsOfWork) -> dict[str, EventHandler]:
    @batch_handler
    async def on_contracts_notified(conn, events: Sequence[IncomingEvent]) -> None:
        # A run has one tenant (the consumer splits runs by tenant): one joined unit of work.
        try:
            await service.publish_all(uows.joined(conn, events[0].envelope.tenant), [e.payload for e in events])
        except RecordRefused as exc:
            # A business refusal: dead-lettered with the reason, never retried.
            raise HandlerRejected(exc.detail) from exc

    return {ContractNotified.ce_type: on_contracts_notified}
