"""Contracts' event handlers: an award becomes a contract to notify, prefilled.

AwardDecided.v2 is the award; v1 is still read, for the awards published before v2 (tendering
publishes v1 after v2 on the same key while an award can be said in v1: the first one received
makes the contract, the other finds it there)."""

from __future__ import annotations

from unefois_events.catalogue import AwardDecided, AwardDecidedV2
from unefois_kernel.consumer import EventHandler
from unefois_kernel.envelope import IncomingEvent
from unefois_kernel.uow import UnitsOfWork
from unefois_contracts.contracts import service


def handlers(uows: UnitsOfWork) -> dict[str, EventHandler]:
    """The handlers of the awards consumer; each works inside the inbox consumer's transaction."""

    async def on_award_decided(conn, incoming: IncomingEvent) -> None:
        award: AwardDecided | AwardDecidedV2 = incoming.payload
        await service.prepare_contract(uows.joined(conn, incoming.envelope.tenant), award)

    return {AwardDecidedV2.ce_type: on_award_decided, AwardDecided.ce_type: on_award_decided}
