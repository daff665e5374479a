"""The award API's request and response."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from unefois_tendering.awards.domain import AwardDecision


class AwardRequest(AwardDecision):
    pass


class AwardView(BaseModel):
    award_id: uuid.UUID
    consultation_id: uuid.UUID
