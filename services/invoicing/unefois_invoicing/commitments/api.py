"""Commitments API: read commitments and their ledgers."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal, Role

from unefois_invoicing.commitments import service
from unefois_invoicing.commitments.views import CommitmentView

router = APIRouter(prefix="/api/commitments", tags=["engagements"])

# Buyers read their tenant's commitments; a holder reads its own (row-level security).
READERS = (*BUYER_ROLES, Role.SUPPLIER)


@router.get("", response_model=list[CommitmentView], summary="Engagements, filtrés par marché")
async def list_commitments(
    request: Request, contract_id: uuid.UUID | None = Query(default=None), principal: Principal = allow(*READERS)
) -> list[CommitmentView]:
    ledgers = await service.list_ledgers(runtime_of(request).uow(principal), contract_id=contract_id)
    return [CommitmentView.of(ledger) for ledger in ledgers]


@router.get("/{commitment_id}", response_model=CommitmentView, summary="Lire un engagement et son grand livre")
async def get_commitment(
    commitment_id: uuid.UUID, request: Request, principal: Principal = allow(*READERS)
) -> CommitmentView:
    return CommitmentView.of(await service.get_ledger(runtime_of(request).uow(principal), commitment_id))
