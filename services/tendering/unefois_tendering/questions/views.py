"""Questions request and response models. The public answer carries no asker."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from unefois_events.values import Text

from unefois_tendering.questions.domain import (
    ANSWER_MAX,
    QUESTION_MAX,
    PublishedAnswer,
    Question,
)


class QuestionAsked(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: Text(QUESTION_MAX) = Field(description="la question (4 000 caractères au plus)")


class AnswerGiven(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: Text(ANSWER_MAX) = Field(description="la réponse (8 000 caractères au plus)")
    publish: bool = Field(default=True, description="publier la réponse à tous, sans l’identité de l’auteur")
    published_question: Text(QUESTION_MAX) | None = Field(
        default=None, description="la question telle que publiée (reformulée, anonymisée) ; défaut : celle posée")


class PublishedAnswerView(BaseModel):
    id: uuid.UUID
    question: str
    answer: str
    published_at: datetime

    @classmethod
    def of(cls, a: PublishedAnswer) -> PublishedAnswerView:
        return cls(id=a.id, question=a.question, answer=a.answer, published_at=a.published_at)


class QuestionView(BaseModel):
    """A question as its buyer and its asker see it."""

    id: uuid.UUID
    consultation_id: uuid.UUID
    supplier_siret: str
    supplier_name: str
    person_name: str
    question: str
    asked_at: datetime
    answer: str | None
    answered_at: datetime | None
    published: bool

    @classmethod
    def of(cls, q: Question) -> QuestionView:
        return cls(id=q.id, consultation_id=q.consultation_id, supplier_siret=q.supplier_siret,
                   supplier_name=q.supplier_name, person_name=q.person_name, question=q.question, asked_at=q.asked_at,
                   answer=q.answer, answered_at=q.answered_at, published=q.published_answer_id is not None)


class AnsweredView(BaseModel):
    question: QuestionView
    published: PublishedAnswerView | None
    warning: str | None = Field(description="réponse tardive (art. R2132-6) : signalée, non refusée")
