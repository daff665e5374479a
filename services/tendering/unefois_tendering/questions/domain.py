"""Questions of suppliers on a published consultation, and the answers the buyer publishes to
every candidate without the asker's identity. Pure.

Rules coded here:
- a question is asked by a signed-in supplier, on a published consultation, before the
  questions deadline the buyer set in the preparation (`preparation.questions_deadline`); the
  platform refuses it afterwards and says so, naming that field;
- the buyer answers (kept with the question, for the buyer and the asker) and may publish the
  answer, the question rewritten if need be: what is published names nobody. In a formal
  procedure the answers must reach the candidates six days before the bid deadline at the
  latest (art. R2132-6 du code de la commande publique; four days under urgency, not modelled),
  which the questions deadline the preparation checks (consultations/domain.py) is set for; the
  platform does not refuse a later answer (it may be the one that clarifies a document) but says
  the time is short. A procédure adaptée has no such lead: nothing is said.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from unefois_kernel.clock import PLATFORM_TZ, paris_date
from unefois_kernel.domain_errors import DomainError

from unefois_tendering.consultations.domain import (
    Consultation,
    ConsultationStatus,
    is_formal,
)

QUESTION_MAX = 4000
ANSWER_MAX = 8000
# art. R2132-6: the additional information sent six days before the bid deadline at the latest.
ANSWER_LEAD = timedelta(days=6)


@dataclass(frozen=True)
class Question:
    id: uuid.UUID
    tenant: str
    consultation_id: uuid.UUID
    supplier_siret: str
    supplier_name: str
    person: str
    person_name: str
    email: str | None
    question: str
    asked_at: datetime
    answer: str | None = None
    answered_at: datetime | None = None
    published_answer_id: uuid.UUID | None = None


@dataclass(frozen=True)
class PublishedAnswer:
    """What everyone reads: the question (as the buyer published it) and the answer, no asker."""

    id: uuid.UUID
    tenant: str
    consultation_id: uuid.UUID
    question: str
    answer: str
    published_at: datetime


def _text(value: str | None, *, field: str, limit: int, empty: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(empty, field=field)
    if len(text) > limit:
        raise DomainError(f"Texte trop long ({limit} caractères au plus).", field=field)
    if any(not (ch.isprintable() or ch in "\n\r\t") for ch in text):
        raise DomainError("Le texte contient un caractère de contrôle.", field=field)
    return text


def question_text(value: str | None) -> str:
    return _text(value, field="question", limit=QUESTION_MAX, empty="Écrivez votre question.")


def answer_text(value: str | None, field: str = "answer") -> str:
    return _text(value, field=field, limit=ANSWER_MAX, empty="Écrivez la réponse.")


def _paris(at: datetime) -> str:
    local = at.astimezone(PLATFORM_TZ)
    return f"{local:%d/%m/%Y} à {local:%H:%M}"


def check_can_ask(consultation: Consultation, now: datetime) -> None:
    if consultation.status is not ConsultationStatus.PUBLISHED:
        raise DomainError("Les questions ne sont possibles que sur une consultation publiée et en cours.",
                          field="status", status=409)
    deadline = consultation.preparation.questions_deadline
    if deadline is None:
        raise DomainError("Cette consultation n'a pas de date limite des questions (preparation.questions_deadline) : "
                          "la plateforme ne reçoit pas de question.", field="preparation.questions_deadline",
                          status=409)
    if now >= deadline:
        raise DomainError(f"La date limite des questions (preparation.questions_deadline) est passée : elle était "
                          f"fixée au {_paris(deadline)} (heure de Paris). Votre question n'a pas été enregistrée.",
                          field="preparation.questions_deadline", status=409)


def check_open_for_answers(consultation: Consultation) -> None:
    if consultation.status is not ConsultationStatus.PUBLISHED:
        raise DomainError("La consultation n'est plus en cours : la réponse ne peut plus être publiée.",
                          field="status", status=409)


def check_can_answer(consultation: Consultation, question: Question) -> None:
    check_open_for_answers(consultation)
    if question.published_answer_id is not None:
        raise DomainError("La réponse à cette question est déjà publiée.", field="publish", status=409)


def late_warning(consultation: Consultation, now: datetime) -> str | None:
    """In a formal procedure, a published answer less than six days before the bid deadline
    (art. R2132-6; the four days of an urgency are not modelled): told, not refused. A
    procédure adaptée has no such lead in the code: nothing said."""
    deadline = consultation.bid_deadline
    if deadline is not None and now > deadline - ANSWER_LEAD and is_formal(consultation, paris_date(now)):
        return ("Réponse publiée moins de six jours avant la date limite de remise des offres : en procédure "
                "formalisée, l'article R2132-6 du code de la commande publique demande que les renseignements "
                "complémentaires soient envoyés au plus tard six jours avant cette date.")
    return None
