"""In-memory stand-ins of the tendering repositories (same methods as the real ones), and the
payloads the unit tests start from. Row-level security is not modelled: the integration tests
check it on a real database."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from decimal import Decimal

from unefois_events.catalogue import NeedApproved, Organisation
from unefois_kernel.testing import BUYER, SUPPLIER, purchase
from unefois_tendering.awards.domain import Award, AwardDecision
from unefois_tendering.consultations.domain import (
    Consultation,
    ConsultationStatus,
    consultation_reference,
    open_consultation,
)
from unefois_tendering.repositories import Repositories


def a_need(buyer: Organisation = BUYER, *, approved_at: datetime, **changes) -> NeedApproved:
    return NeedApproved(purchase=purchase(buyer, **changes), approved_by="Valideur <u-9>", approved_at=approved_at)


def a_consultation(buyer: Organisation = BUYER, *, at: datetime, reference: str = "2026-0001", **changes) -> Consultation:
    consultation, _ = open_consultation(a_need(buyer, approved_at=at, **changes), consultation_id=uuid.uuid4(),
                                        reference=reference, at=at)
    return consultation


def a_decision(**changes) -> AwardDecision:
    fields = dict(winners=[SUPPLIER], amount=Decimal("98765.43"), price_form="Forfaitaire",
                  price_types=["Définitif ferme"], offers_received=3)
    fields.update(changes)
    return AwardDecision(**fields)


class FakeConsultationRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Consultation] = {}
        self.sequences: dict[tuple[str, int], int] = {}
        self.locked: list[uuid.UUID] = []  # what get(..., for_update=True) locked, in order

    async def next_reference(self, *, tenant: str, year: int) -> str:
        self.sequences[tenant, year] = self.sequences.get((tenant, year), 0) + 1
        return consultation_reference(year, self.sequences[tenant, year])

    async def add(self, consultation: Consultation) -> None:
        # The table's keys: the id, and one consultation per approved need.
        assert consultation.id not in self.rows
        assert all(row.need_id != consultation.need_id for row in self.rows.values())
        self.rows[consultation.id] = consultation

    async def get(self, consultation_id: uuid.UUID, *, for_update: bool = False) -> Consultation | None:
        if for_update:
            self.locked.append(consultation_id)
        return self.rows.get(consultation_id)

    async def latest(self, *, need_id: uuid.UUID | None = None, limit: int = 100) -> list[Consultation]:
        rows = [row for row in self.rows.values() if need_id is None or row.need_id == need_id]
        return sorted(rows, key=lambda row: row.received_at, reverse=True)[:limit]

    async def set_status(self, consultation_id: uuid.UUID, status: ConsultationStatus) -> None:
        self.rows[consultation_id] = dataclasses.replace(self.rows[consultation_id], status=status)

    async def publish(self, consultation: Consultation) -> None:
        stored = self.rows[consultation.id]
        self.rows[consultation.id] = dataclasses.replace(
            stored, status=consultation.status, purchase=consultation.purchase, published_at=consultation.published_at,
            bid_deadline=consultation.bid_deadline, decision=consultation.decision)


class FakeAwardRepository:
    def __init__(self) -> None:
        self.rows: list[Award] = []

    async def add(self, award: Award) -> None:
        # The table's unique index: one award per consultation and lot.
        assert all((row.consultation_id, row.lot_number) != (award.consultation_id, award.lot_number) for row in self.rows)
        self.rows.append(award)

    async def of_consultation(self, consultation_id: uuid.UUID) -> list[Award]:
        return sorted((row for row in self.rows if row.consultation_id == consultation_id),
                      key=lambda row: (row.awarded_at, row.id))


def fake_repositories() -> Repositories:
    return Repositories(consultations=FakeConsultationRepository(), awards=FakeAwardRepository())
