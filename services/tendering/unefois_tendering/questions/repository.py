"""The only SQL on the questions tables (migration 0014)."""

from __future__ import annotations

import uuid

import asyncpg

from unefois_tendering.questions.domain import PublishedAnswer, Question

_COLUMNS = ("id, tenant, consultation_id, supplier_siret, supplier_name, person, person_name, email, question, "
            "asked_at, answer, answered_at, published_answer_id")


class QuestionRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, question: Question) -> None:
        await self.conn.execute(
            f"INSERT INTO consultation_questions ({_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
            question.id, question.tenant, question.consultation_id, question.supplier_siret, question.supplier_name,
            question.person, question.person_name, question.email, question.question, question.asked_at,
            question.answer, question.answered_at, question.published_answer_id)

    async def get(self, question_id: uuid.UUID, *, for_update: bool = False) -> Question | None:
        row = await self.conn.fetchrow(f"SELECT {_COLUMNS} FROM consultation_questions WHERE id = $1"
                                       + (" FOR UPDATE" if for_update else ""), question_id)
        return Question(**dict(row)) if row else None

    async def of_consultation(self, consultation_id: uuid.UUID, *, supplier_siret: str | None = None) -> list[Question]:
        rows = await self.conn.fetch(
            f"SELECT {_COLUMNS} FROM consultation_questions WHERE consultation_id = $1 "
            "AND ($2::text IS NULL OR supplier_siret = $2) ORDER BY asked_at, id", consultation_id, supplier_siret)
        return [Question(**dict(row)) for row in rows]

    async def answer(self, question_id: uuid.UUID, *, answer: str, at, published_answer_id: uuid.UUID | None) -> None:
        await self.conn.execute(
            "UPDATE consultation_questions SET answer = $2, answered_at = $3, "
            "published_answer_id = coalesce($4, published_answer_id) WHERE id = $1",
            question_id, answer, at, published_answer_id)

    async def publish(self, published: PublishedAnswer) -> None:
        await self.conn.execute(
            "INSERT INTO published_answers (id, tenant, consultation_id, question, answer, published_at) "
            "VALUES ($1, $2, $3, $4, $5, $6)", published.id, published.tenant, published.consultation_id,
            published.question, published.answer, published.published_at)

    async def published(self, consultation_id: uuid.UUID) -> list[PublishedAnswer]:
        rows = await self.conn.fetch(
            "SELECT id, tenant, consultation_id, question, answer, published_at FROM published_answers "
            "WHERE consultation_id = $1 ORDER BY published_at, id", consultation_id)
        return [PublishedAnswer(**dict(row)) for row in rows]
