"""Invoicing's event handlers: a notified contract opens a commitment."""

from __future__ import annotations

from unefois_events.catalogue import ContractNotified
from unefois_kernel.consumer import EventHandler
from unefois_kernel.envelope import IncomingEvent
from unefois_kernel.uow import UnitsOfWork

from unefois_invoicing.commitments import service
from unefois_invoicing.repositories import Repositories


def handlers(uows: UnitsOfWork[Repositories]) -> dict[str, EventHandler]:
    async def on_contract_notified(conn, incoming: IncomingEvent) -> None:
        # Inside the inbox consumer's transaction, scoped to the event's tenant.
        await service.open_from_contract(uows.joined(conn, incoming.envelope.tenant), incoming.payload)

    return {ContractNotified.ce_type: on_contract_notified}
