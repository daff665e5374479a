"""Consultation use cases: open one from an approved need; read them for the buyer."""

from __future__ import annotations

import uuid

from unefois_events.catalogue import NeedApproved
from unefois_kernel.domain_errors import NotFound
from unefois_kernel.uow import UnitOfWork
from unefois_tendering.consultations import domain
from unefois_tendering.consultations.domain import Consultation
from unefois_tendering.repositories import Repositories


async def open_from_need(uow: UnitOfWork[Repositories], need: NeedApproved) -> Consultation:
    """Publish the approved need as a consultation, numbered in the buyer's sequence of the (Paris) year."""
    async with uow:
        reference = await uow.repos.consultations.next_reference(tenant=need.tenant, year=uow.clock.today().year)
        consultation, events = domain.open_consultation(
            need, consultation_id=uuid.uuid4(), reference=reference, at=uow.clock.now()
        )
        await uow.repos.consultations.add(consultation)
        uow.emit(*events)
        uow.audit("consultation", consultation.id, "consultation.published",
                  {"need_id": str(consultation.need_id), "reference": reference}, tenant=consultation.tenant)
    return consultation


async def latest(uow: UnitOfWork[Repositories], *, need_id: uuid.UUID | None = None, limit: int = 100) -> list[Consultation]:
    """The latest consultations the unit of work's tenant sees, newest first (those of one need if given)."""
    async with uow:
        return await uow.repos.consultations.latest(need_id=need_id, limit=limit)


async def get(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID) -> Consultation:
    async with uow:
        consultation = await uow.repos.consultations.get(consultation_id)
    if consultation is None:
        raise NotFound("consultation introuvable", field="consultation_id")
    return consultation
