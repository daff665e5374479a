"""Questions use cases: a signed-in supplier asks (before the questions deadline); the buyer
reads them with the asker, answers, and publishes an answer (rewritten if need be) to everyone
without the asker's identity, telling every registered downloader and the asker (template
answer_published) in the publication's transaction. Each step audited on the consultation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_kernel.notifications import notify
from unefois_kernel.uow import UnitOfWork

from unefois_tendering.consultations.domain import Consultation
from unefois_tendering.documents.service import (
    public_consultation,
    registered_downloaders,
)
from unefois_tendering.questions import domain
from unefois_tendering.questions.domain import PublishedAnswer, Question
from unefois_tendering.repositories import Repositories


@dataclass(frozen=True)
class Answered:
    question: Question
    published: PublishedAnswer | None
    warning: str | None  # late answer (art. R2132-6), told not refused


def _supplier(uow: UnitOfWork) -> str:
    principal = uow.principal
    if principal is None or principal.supplier_siret is None:
        raise DomainError("Connectez-vous avec un compte d'entreprise pour poser une question.", field="principal",
                          status=403)
    return principal.supplier_siret


async def ask(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID, text: str | None) -> Question:
    siret = _supplier(uow)
    async with uow:
        consultation = await public_consultation(uow, consultation_id)
        now = uow.clock.now()
        domain.check_can_ask(consultation, now)
        principal = uow.principal
        question = Question(id=uuid.uuid4(), tenant=consultation.tenant, consultation_id=consultation.id,
                            supplier_siret=siret, supplier_name=principal.org_name or siret, person=principal.subject,
                            person_name=principal.name, email=principal.email, question=domain.question_text(text),
                            asked_at=now)
        await uow.repos.questions.add(question)
        uow.audit("consultation", consultation.id, "question.asked",
                  {"question": str(question.id), "supplier_siret": siret}, tenant=consultation.tenant)
    return question


async def mine(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID) -> list[Question]:
    """A supplier's own questions (its row-level-security scope only: never another's)."""
    siret = _supplier(uow)
    async with uow:
        return await uow.repos.questions.of_consultation(consultation_id, supplier_siret=siret)


@dataclass(frozen=True)
class PublicQuestions:
    consultation: Consultation
    answers: list[PublishedAnswer]


async def published(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID) -> PublicQuestions:
    async with uow:
        consultation = await public_consultation(uow, consultation_id)
        return PublicQuestions(consultation, await uow.repos.questions.published(consultation.id))


@dataclass(frozen=True)
class BuyerQuestions:
    consultation: Consultation
    questions: list[Question]
    answers: list[PublishedAnswer]


async def for_buyer(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID) -> BuyerQuestions:
    async with uow:
        consultation = await uow.repos.consultations.get(consultation_id)
        if consultation is None:
            raise NotFound("consultation introuvable", field="consultation_id")
        return BuyerQuestions(consultation, await uow.repos.questions.of_consultation(consultation.id),
                              await uow.repos.questions.published(consultation.id))


async def answer(uow: UnitOfWork[Repositories], consultation_id: uuid.UUID, question_id: uuid.UUID, *,
                 answer: str | None, publish: bool, published_question: str | None = None,
                 link: str | None = None) -> Answered:
    """The buyer answers a question; with `publish`, the answer goes to everyone with the question
    as `published_question` (the asker's words by default), naming nobody, and every registered
    downloader and the asker are told."""
    async with uow:
        consultation = await uow.repos.consultations.get(consultation_id, for_update=True)
        if consultation is None:
            raise NotFound("consultation introuvable", field="consultation_id")
        if publish:
            domain.check_open_for_answers(consultation)
        question = await uow.repos.questions.get(question_id, for_update=True)
        if question is None or question.consultation_id != consultation.id:
            raise NotFound("question introuvable", field="question_id")
        text = domain.answer_text(answer)
        now = uow.clock.now()
        published = None
        warning = None
        if publish:
            domain.check_can_answer(consultation, question)
            shown = domain.question_text(published_question) if (published_question or "").strip() else question.question
            published = PublishedAnswer(id=uuid.uuid4(), tenant=consultation.tenant, consultation_id=consultation.id,
                                        question=shown, answer=text, published_at=now)
            await uow.repos.questions.publish(published)
            warning = domain.late_warning(consultation, now)
        await uow.repos.questions.answer(question.id, answer=text, at=now,
                                         published_answer_id=published.id if published else None)
        uow.audit("consultation", consultation.id, "question.answered",
                  {"question": str(question.id), "published": published is not None}, tenant=consultation.tenant)
        if published is not None:
            recipients = {(d.supplier_siret, d.person): d.email
                          for d in await registered_downloaders(uow, consultation.id)}
            recipients.setdefault((question.supplier_siret, question.person), question.email)
            uow.audit("consultation", consultation.id, "answer.published",
                      {"question": str(question.id), "answer": str(published.id), "notified": len(recipients)},
                      tenant=consultation.tenant)
            context = {"consultation_reference": consultation.reference,
                       "consultation_title": consultation.purchase.object,
                       "buyer_name": consultation.purchase.buyer.name,
                       "question": published.question, "answer": published.answer, "published_at": now}
            if link:
                context["link"] = link
            for (siret, person), email in recipients.items():
                await notify(uow, to_email=email, to_org_siret=siret, to_person=person, template="answer_published",
                             context=context, tenant=consultation.tenant)
        question = await uow.repos.questions.get(question.id)
    return Answered(question, published, warning)
