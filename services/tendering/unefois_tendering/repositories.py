"""The repositories a unit of work gives the use cases (`uow.repos`), on its one connection."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from unefois_kernel.storage import DocumentStore
from unefois_kernel.storage.settings import DocumentStorage

from unefois_tendering.bids.repository import (
    ConsultationKeyRepository,
    DepositRepository,
)
from unefois_tendering.consultations.repository import ConsultationRepository
from unefois_tendering.documents.repository import DceRepository
from unefois_tendering.evaluations.repository import EvaluationRepository
from unefois_tendering.opening.repository import (
    DocumentRequestRepository,
    OpenedBidRepository,
    OpeningRepository,
)
from unefois_tendering.public.repository import PublicConsultationRepository
from unefois_tendering.questions.repository import QuestionRepository


@dataclass
class Repositories:
    consultations: ConsultationRepository
    consultation_keys: ConsultationKeyRepository
    public_consultations: PublicConsultationRepository
    dce: DceRepository | None = None
    questions: QuestionRepository | None = None
    # The kernel's document store bound to this connection (unefois_kernel.storage); None until
    # main.py's startup hook has built the storage from the settings (with the service's clock).
    documents: DocumentStore | None = None
    deposits: DepositRepository | None = None  # bid deposits (bids/)
    opened_bids: OpenedBidRepository | None = None  # opened bids and admissibility (opening/)
    openings: OpeningRepository | None = None  # the openings' records (opening/)
    document_requests: DocumentRequestRepository | None = None  # missing candidate documents (opening/)
    evaluations: EvaluationRepository | None = None  # grids, justifications, letters, awards (evaluations/)

    @classmethod
    def on(cls, conn: asyncpg.Connection, storage: DocumentStorage | None = None) -> Repositories:
        return cls(consultations=ConsultationRepository(conn),
                   consultation_keys=ConsultationKeyRepository(conn),
                   public_consultations=PublicConsultationRepository(conn),
                   dce=DceRepository(conn), questions=QuestionRepository(conn),
                   documents=storage.bound(conn) if storage else None, deposits=DepositRepository(conn),
                   opened_bids=OpenedBidRepository(conn), openings=OpeningRepository(conn),
                   document_requests=DocumentRequestRepository(conn),
                   evaluations=EvaluationRepository(conn))
