"""Public use cases: the projection written at publication, the search, one consultation."""

from __future__ import annotations

import uuid
from typing import Any

from unefois_kernel.domain_errors import NotFound
from unefois_kernel.uow import UnitOfWork
from unefois_tendering.consultations.domain import Consultation, ConsultationStatus
from unefois_tendering.public import domain
from unefois_tendering.public.domain import PublicConsultation, SearchFilters, SearchPage
from unefois_tendering.repositories import Repositories


async def project_published(uow: UnitOfWork[Repositories], consultation: Consultation) -> None:
    """Inside the publication's transaction (the caller's unit of work, already entered): the
    consultation's public copy, so that it is searchable exactly when it is published."""
    if consultation.status is ConsultationStatus.PUBLISHED:
        await uow.repos.public_consultations.add(domain.project(consultation))


async def search(uow: UnitOfWork[Repositories], params: dict[str, Any] | SearchFilters) -> SearchPage:
    """One page of published consultations matching the visitor's filters (422 naming the field
    of an unreadable one); anyone may search, signed in or not."""
    filters = params if isinstance(params, SearchFilters) else domain.parse_filters(params)
    async with uow:
        now = uow.clock.now()
        items, has_more = await uow.repos.public_consultations.search(filters, now)
    return SearchPage(items=tuple(items), filters=filters, has_more=has_more, now=now)


async def consultation(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID) -> tuple[PublicConsultation, Any]:
    """A published consultation as anyone sees it, and the clock's now (404 for a draft or an unknown id)."""
    async with uow:
        found = await uow.repos.public_consultations.get(consultation_id)
        now = uow.clock.now()
    if found is None:
        raise NotFound("consultation publiée introuvable", field="consultation_id")
    return found, now
