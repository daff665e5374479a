"""Contracts' event handlers: an award becomes a contract to notify, prefilled."""

from __future__ import annotations

from unefois_events.catalogue import AwardDecided
from unefois_kernel.consumer import EventHandler
from unefois_kernel.envelope import IncomingEvent
from unefois_kernel.uow import UnitsOfWork
from unefois_contracts.contracts import service


def handlers(uows: UnitsOfWork) -> dict[str, EventHandler]:
    """The handlers of the awards consumer; each works inside the inbox consumer's transaction."""

    async def on_award_decided(conn, incoming: IncomingEvent) -> None:
        award: AwardDecided = incoming.payload
        await service.prepare_contract(uows.joined(conn, incoming.envelope.tenant), award)

    return {AwardDecided.ce_type: on_award_decided}
