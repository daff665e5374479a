"""In-memory stand-ins of the contracts repositories (same methods as the real ones), and
the payloads the unit tests build contracts from. Row-level security is not modelled: the
integration tests check it on a real database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from unefois_events.catalogue import AwardDecided, AwardDecidedV2, Holder, Organisation
from unefois_kernel.testing import BUYER, SUPPLIER, purchase
from unefois_contracts.contracts.domain import Contract
from unefois_contracts.repositories import Repositories


def an_award(buyer: Organisation = BUYER, *, awarded_at: datetime | None = None, **changes) -> AwardDecided:
    fields = dict(
        award_id=uuid.uuid4(),
        consultation_id=uuid.uuid4(),
        consultation_reference="2026-0001",
        purchase=purchase(buyer),
        winners=[SUPPLIER],
        amount=Decimal("50000.00"),
        price_form="Forfaitaire",
        price_types=["Définitif ferme"],
        offers_received=2,
        awarded_at=awarded_at or datetime(2026, 11, 10, 12, tzinfo=UTC),
    )
    fields.update(changes)
    return AwardDecided(**fields)


# A grouping of a French mandataire and a German co-contractor known by its VAT number.
MANDATAIRE = Holder(identifier_type="SIRET", identifier=SUPPLIER.siret, name=SUPPLIER.name, role="mandataire")
FOREIGN = Holder(identifier_type="TVA", identifier="DE123456789", name="Straßenbau GmbH", role="cotraitant")


def an_award_v2(buyer: Organisation = BUYER, *, awarded_at: datetime | None = None, **changes) -> AwardDecidedV2:
    fields = {
        "award_id": uuid.uuid4(), "consultation_id": uuid.uuid4(), "consultation_reference": "2026-0001",
        "purchase": purchase(buyer, procedure="Appel d'offres ouvert"), "lot_title": "Voirie", "lot_number": None,
        "holders": [MANDATAIRE, FOREIGN], "grouping": "Solidaire", "winning_bid_id": uuid.uuid4(),
        "amount": Decimal("250000.00"), "price_form": "Unitaire", "price_types": ["Définitif révisable"],
        "offers_received": 4, "subcontracting_declared": True, "subcontracting_amount": Decimal("20000.00"),
        "awarded_at": awarded_at or datetime(2026, 11, 10, 12, tzinfo=UTC),
        "letters_sent_on": date(2026, 11, 10), "standstill_ends_on": date(2026, 11, 21),
    }
    fields.update(changes)
    return AwardDecidedV2(**fields)


@dataclass
class FakeContractRepository:
    contracts: dict[uuid.UUID, Contract] = field(default_factory=dict)
    # (tenant, year) -> last number drawn, as the kernel's yearly_sequences rows of name 'contract'
    sequences: dict[tuple[str, int], int] = field(default_factory=dict)
    locked: list[uuid.UUID] = field(default_factory=list)

    async def add(self, contract: Contract) -> bool:
        if any(stored.award_id == contract.award_id for stored in self.contracts.values()):
            return False
        self.contracts[contract.id] = contract
        return True

    async def get(self, contract_id: uuid.UUID, *, for_update: bool = False) -> Contract | None:
        if for_update and contract_id in self.contracts:
            self.locked.append(contract_id)
        return self.contracts.get(contract_id)

    async def latest(self, *, award_id: uuid.UUID | None = None, tenant: str | None = None,
                     limit: int = 100) -> list[Contract]:
        found = [c for c in self.contracts.values()
                 if (award_id is None or c.award_id == award_id) and (tenant is None or c.tenant == tenant)]
        return sorted(found, key=lambda c: c.created_at, reverse=True)[:limit]

    async def next_sequence(self, *, tenant: str, year: int) -> int:
        self.sequences[(tenant, year)] = self.sequences.get((tenant, year), 0) + 1
        return self.sequences[(tenant, year)]

    async def record_notification(self, contract: Contract) -> None:
        if contract.id not in self.contracts:
            raise LookupError(f"contract {contract.id} is not in this scope")
        self.contracts[contract.id] = contract


def fake_repositories() -> Repositories:
    return Repositories(contracts=FakeContractRepository())
