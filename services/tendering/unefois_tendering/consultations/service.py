"""Consultation use cases: open a draft from an approved need, prepare it, publish it (or hold it
until the buyer confirms its procedure), confirm a held one's procedure; read them for the buyer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from unefois_events.catalogue import NeedApproved
from unefois_events.values import Procedure
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_kernel.uow import UnitOfWork

from unefois_tendering.bids import service as bids
from unefois_tendering.bids.custody import KeyCustody, service_custody
from unefois_tendering.consultations import domain
from unefois_tendering.consultations.domain import Consultation, ConsultationStatus
from unefois_tendering.opening import service as opening
from unefois_tendering.public import service as public
from unefois_tendering.repositories import Repositories


def _published_note(consultation: Consultation) -> dict:
    note = {"need_id": str(consultation.need_id), "reference": consultation.reference}
    if consultation.decision is not None:
        note |= {"procedure": consultation.decision.chosen_procedure.value,
                 "decided_on": consultation.decision.decided_on.isoformat()}
    return note


async def open_from_need(uow: UnitOfWork[Repositories], need: NeedApproved) -> Consultation:
    """The approved need as a consultation en préparation, numbered in the buyer's sequence of the
    (Paris) year; nothing is published until the buyer publishes it."""
    async with uow:
        reference = await uow.repos.consultations.next_reference(tenant=need.tenant, year=uow.clock.today().year)
        consultation = domain.open_consultation(
            need, consultation_id=uuid.uuid4(), reference=reference, at=uow.clock.now()
        )
        await uow.repos.consultations.add(consultation)
        uow.audit("consultation", consultation.id, "consultation.drafted",
                  {"need_id": str(consultation.need_id), "reference": reference}, tenant=consultation.tenant)
    return consultation


async def prepare(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID, changes: dict[str, Any], *,
                  replace: bool = False) -> Consultation:
    """The buyer's preparation of a draft (or of a held one): `changes` checked field by field
    (422 naming each refused field; 409 naming `status` once published)."""
    async with uow:
        current = await uow.repos.consultations.get(consultation_id, for_update=True)
        if current is None:
            raise NotFound("consultation introuvable", field="consultation_id")
        consultation = domain.prepare(current, changes, now=uow.clock.now(), replace=replace)
        await uow.repos.consultations.update(consultation)
        uow.audit("consultation", consultation.id, "consultation.prepared",
                  {"fields": sorted(changes), "replace": replace})
    return consultation


async def _seal_keys_if_published(uow: UnitOfWork[Repositories], consultation: Consultation,
                                   custody: KeyCustody | None) -> None:
    # Sealed bids need the consultation's key pair from the instant it is public: created in the
    # publication's own transaction, so a publication that rolls back leaves no key (bids/service.py).
    if consultation.status is ConsultationStatus.PUBLISHED:
        await bids.create_keys_for(uow, consultation.id, custody or service_custody())
        await public.project_published(uow, consultation)  # the public search's copy, same transaction
        await opening.schedule_deadline(uow, consultation)  # « date limite atteinte » (opening/service.py)


async def publish(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID, *,
                  custody: KeyCustody | None = None) -> Consultation:
    """The buyer publishes a draft: published (ConsultationPublished, audited, its sealing key pair
    created under `custody`, the service's own by default) or held « à confirmer » when the
    decision taken again that day no longer holds (audited, no event, no key yet)."""
    async with uow:
        draft = await uow.repos.consultations.get(consultation_id, for_update=True)
        if draft is None:
            raise NotFound("consultation introuvable", field="consultation_id")
        consultation, events = domain.publish(draft, at=uow.clock.now())
        await uow.repos.consultations.update(consultation)
        await _seal_keys_if_published(uow, consultation, custody)
        uow.emit(*events)
        if consultation.hold is not None:
            hold = consultation.hold
            uow.audit("consultation", consultation.id, "consultation.procedure_held",
                      {"need_id": str(consultation.need_id), "reference": consultation.reference,
                       "reason": hold.reason, "decided_on": hold.previous.decided_on.isoformat(),
                       "held_on": hold.held_on.isoformat(), "procedure": hold.previous.chosen_procedure.value})
        else:
            uow.audit("consultation", consultation.id, "consultation.published", _published_note(consultation))
    return consultation


async def confirm_procedure(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID,
                            procedure: Procedure | str, *, custody: KeyCustody | None = None) -> Consultation:
    """The buyer confirms a lawful procedure for a held consultation, checked against the
    decision of the day: it is published under it (409 naming `status` when it is not held,
    422 naming `procedure` when the rules refuse the choice)."""
    async with uow:
        held = await uow.repos.consultations.get(consultation_id, for_update=True)
        if held is None:
            raise NotFound("consultation introuvable", field="consultation_id")
        consultation, events = domain.confirm_procedure(held, procedure, at=uow.clock.now())
        await uow.repos.consultations.update(consultation)
        await _seal_keys_if_published(uow, consultation, custody)
        uow.emit(*events)
        assert consultation.decision is not None
        uow.audit("consultation", consultation.id, "consultation.procedure_confirmed",
                  {"procedure": consultation.decision.chosen_procedure.value,
                   "previous_procedure": held.purchase.procedure.value,
                   "decided_on": consultation.decision.decided_on.isoformat()})
        uow.audit("consultation", consultation.id, "consultation.published", _published_note(consultation))
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


@dataclass(frozen=True)
class ConsultationFile:
    """One consultation as its page shows it, with the decision of the day when it is held."""

    consultation: Consultation
    review: domain.ProcedureReview | None


    minimum: domain.Minimum | None = None  # while it can be prepared: the earliest bid deadline
    formal: bool = False
    warnings: tuple[dict[str, str], ...] = ()  # what the buyer is told but may keep (MAPA deadline)


async def consultation_file(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID) -> ConsultationFile:
    consultation = await get(uow, consultation_id)
    today = uow.clock.today()
    day = max(consultation.preparation.publication_date or today, today)
    minimum = domain.minimum_bid_deadline(consultation, day) if consultation.published_at is None else None
    warnings = domain.preparation_warnings(consultation, consultation.preparation, now=uow.clock.now())
    return ConsultationFile(consultation, domain.review(consultation, today), minimum,
                            domain.is_formal(consultation, day), tuple(warnings))


async def notice(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID) -> Consultation:
    """A published consultation, for its notice (409 naming `status` before publication)."""
    consultation = await get(uow, consultation_id)
    if consultation.published_at is None:
        raise DomainError("l’avis n’existe qu’une fois la consultation publiée", field="status", status=409)
    return consultation
