"""The repositories a unit of work gives the use cases (`uow.repos`), on its one connection."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from unefois_tendering.awards.repository import AwardRepository
from unefois_tendering.bids.repository import ConsultationKeyRepository
from unefois_tendering.consultations.repository import ConsultationRepository
from unefois_tendering.public.repository import PublicConsultationRepository


@dataclass
class Repositories:
    consultations: ConsultationRepository
    awards: AwardRepository
    consultation_keys: ConsultationKeyRepository
    public_consultations: PublicConsultationRepository

    @classmethod
    def on(cls, conn: asyncpg.Connection) -> Repositories:
        return cls(consultations=ConsultationRepository(conn), awards=AwardRepository(conn),
                   consultation_keys=ConsultationKeyRepository(conn),
                   public_consultations=PublicConsultationRepository(conn))
