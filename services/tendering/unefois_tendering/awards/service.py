"""Award use case: the buyer's approver decides who wins a consultation (or one of its lots)."""

from __future__ import annotations

import uuid

from unefois_kernel.domain_errors import NotFound
from unefois_kernel.uow import UnitOfWork
from unefois_tendering.awards import domain
from unefois_tendering.awards.domain import Award, AwardDecision
from unefois_tendering.repositories import Repositories


async def award(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID, decision: AwardDecision) -> Award:
    """Decide the award: the consultation is locked, the domain checks it, then the award is stored,
    the consultation closed, AwardDecided (v2, and v1 beside it) sent to contracts and the decision audited."""
    async with uow:
        consultation = await uow.repos.consultations.get(consultation_id, for_update=True)
        if consultation is None:
            raise NotFound("consultation introuvable", field="consultation_id")
        award_id, at = uuid.uuid4(), uow.clock.now()
        status, events = domain.award(consultation, decision, award_id=award_id, at=at, today=uow.clock.today())
        decided = Award(id=award_id, tenant=consultation.tenant, consultation_id=consultation.id, decision=decision,
                        awarded_at=at)
        await uow.repos.awards.add(decided)
        await uow.repos.consultations.set_status(consultation.id, status)
        uow.emit(*events)
        uow.audit("consultation", consultation.id, "award.decided",
                  {"award_id": str(award_id)} | decision.model_dump(mode="json", exclude_none=True), tenant=consultation.tenant)
    return decided
