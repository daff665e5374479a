"""Every received invoice is kept against its contract."""

from __future__ import annotations

from unefois_events.catalogue import InvoiceReceived
from unefois_kernel.consumer import EventHandler
from unefois_kernel.envelope import IncomingEvent
from unefois_kernel.uow import UnitsOfWork
from unefois_opendata.invoices import service


def handlers(uows: UnitsOfWork) -> dict[str, EventHandler]:
    async def on_invoice_received(conn, incoming: IncomingEvent) -> None:
        await service.record(uows.joined(conn, incoming.envelope.tenant), incoming.payload)

    return {InvoiceReceived.ce_type: on_invoice_received}
