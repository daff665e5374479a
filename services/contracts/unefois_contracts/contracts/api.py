"""Contracts HTTP API: read contracts, notify one."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request

from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal, Role
from unefois_contracts.contracts import service
from unefois_contracts.contracts.views import ContractView, Notification

router = APIRouter(prefix="/api/contracts", tags=["marchés"])

# Buyers read their tenant's contracts; a holder reads the contracts it won (row-level security).
READERS = (*BUYER_ROLES, Role.SUPPLIER)


@router.get("", response_model=list[ContractView], summary="Marchés, filtrés par attribution")
async def list_contracts(
    request: Request, award_id: uuid.UUID | None = Query(default=None), principal: Principal = allow(*READERS)
) -> list[ContractView]:
    contracts = await service.list_contracts(runtime_of(request).uow(principal), award_id=award_id)
    return [ContractView.of(contract) for contract in contracts]


@router.get("/{contract_id}", response_model=ContractView, summary="Lire un marché")
async def get_contract(contract_id: uuid.UUID, request: Request, principal: Principal = allow(*READERS)) -> ContractView:
    return ContractView.of(await service.get_contract(runtime_of(request).uow(principal), contract_id))


@router.post("/{contract_id}/notify", response_model=ContractView, summary="Notifier le marché au titulaire")
async def notify_contract(
    contract_id: uuid.UUID, body: Notification, request: Request, principal: Principal = allow(*BUYER_ROLES)
) -> ContractView:
    notified = await service.notify_contract(runtime_of(request).uow(principal), contract_id, notified_on=body.notified_on)
    return ContractView.of(notified)
