"""Request and response models of the contracts API."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel

from unefois_events.catalogue import AwardDecided, AwardDecidedV2
from unefois_events.values import PlausibleDate
from unefois_contracts.contracts.domain import Contract, ContractStatus


class ContractView(BaseModel):
    id: uuid.UUID
    status: ContractStatus
    award: AwardDecided | AwardDecidedV2  # as received (its version's shape)
    # The award read in v2 (holders with their identifier types, mandataire, subcontracting, standstill).
    terms: AwardDecidedV2
    contract_number: str | None
    legal_commitment_number: str | None
    notified_on: date | None

    @classmethod
    def of(cls, contract: Contract) -> ContractView:
        return cls(
            id=contract.id,
            status=contract.status,
            award=contract.award,
            terms=contract.terms,
            contract_number=contract.contract_number,
            legal_commitment_number=contract.legal_commitment_number,
            notified_on=contract.notified_on,
        )


class Notification(BaseModel):
    notified_on: PlausibleDate | None = None
