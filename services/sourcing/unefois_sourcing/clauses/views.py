"""Request and response models of the clause library API."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from unefois_events.values import Line, Text
from unefois_kernel.domain_errors import DomainError
from unefois_sourcing.clauses import domain
from unefois_sourcing.clauses.domain import Clause


class ClauseView(BaseModel):
    id: uuid.UUID
    kind: Literal["social", "environmental"]
    consideration: str
    title: str
    body: str
    shared: bool = Field(description="Vrai pour la bibliothèque commune de la plateforme")

    @classmethod
    def of(cls, clause: Clause) -> ClauseView:
        return cls(id=clause.id, kind=clause.kind.value, consideration=clause.consideration, title=clause.title,
                   body=clause.body, shared=clause.shared)


class ClauseDraft(BaseModel):
    kind: Literal["social", "environmental"]
    consideration: Line(100)
    title: Line(200, min_length=3)
    body: Text(5000, min_length=10)

    @model_validator(mode="after")
    def _consideration_matches_kind(self) -> ClauseDraft:
        # The domain's rule, asked here so that a mismatch is refused as the request's own field.
        try:
            domain.check_consideration(self.kind, self.consideration)
        except DomainError as refused:
            raise ValueError(f"{refused.field}: {refused.detail}") from None
        return self
