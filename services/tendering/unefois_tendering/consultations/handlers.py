"""Consultations' event handlers: an approved need becomes a published consultation."""

from __future__ import annotations

from unefois_events.catalogue import NeedApproved
from unefois_kernel.consumer import EventHandler
from unefois_kernel.envelope import IncomingEvent
from unefois_kernel.uow import UnitsOfWork
from unefois_tendering.consultations import service


def handlers(uows: UnitsOfWork) -> dict[str, EventHandler]:
    async def on_need_approved(conn, incoming: IncomingEvent) -> None:
        # Inside the inbox consumer's transaction, scoped to the event's tenant.
        await service.open_from_need(uows.joined(conn, incoming.envelope.tenant), incoming.payload)

    return {NeedApproved.ce_type: on_need_approved}
