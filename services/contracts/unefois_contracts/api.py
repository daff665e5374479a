"""Contracts HTTP API (walking skeleton): read contracts, notify one."""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from unefois_kernel import audit
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal, Role
from unefois_kernel.tenancy import scoped_for
from unefois_events.catalogue import AwardDecided
from unefois_kernel.outbox import publish
from unefois_kernel.domain_errors import NotFound
from unefois_contracts import domain

router = APIRouter(prefix="/api/contracts", tags=["marchés"])

# Buyers read their tenant's contracts; a holder reads the contracts it won (row-level security).
READERS = (*BUYER_ROLES, Role.SUPPLIER)


class ContractView(BaseModel):
    id: uuid.UUID
    status: str
    award: AwardDecided
    contract_number: str | None
    legal_commitment_number: str | None
    notified_on: date | None


class Notification(BaseModel):
    notified_on: date | None = None


def _view(row) -> ContractView:
    return ContractView(
        id=row["id"],
        status=row["status"],
        award=AwardDecided.model_validate(row["award"]),
        contract_number=row["contract_number"],
        legal_commitment_number=row["legal_commitment_number"],
        notified_on=row["notified_on"],
    )


async def _next_sequence(conn: asyncpg.Connection, tenant: str, year: int) -> int:
    return await conn.fetchval(
        """INSERT INTO contract_counters (tenant, year, last) VALUES ($1, $2, 1)
           ON CONFLICT (tenant, year) DO UPDATE SET last = contract_counters.last + 1 RETURNING last""",
        tenant,
        year,
    )


@router.get("", response_model=list[ContractView], summary="Marchés, filtrés par attribution")
async def list_contracts(
    request: Request, award_id: uuid.UUID | None = Query(default=None), principal: Principal = allow(*READERS)
) -> list[ContractView]:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        rows = await conn.fetch(
            "SELECT * FROM contracts WHERE ($1::uuid IS NULL OR award_id = $1) ORDER BY created_at DESC LIMIT 100",
            award_id,
        )
    return [_view(row) for row in rows]


@router.get("/{contract_id}", response_model=ContractView, summary="Lire un marché")
async def get_contract(contract_id: uuid.UUID, request: Request, principal: Principal = allow(*READERS)) -> ContractView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        row = await conn.fetchrow("SELECT * FROM contracts WHERE id = $1", contract_id)
    if row is None:
        raise NotFound("marché introuvable", field="contract_id")
    return _view(row)


@router.post("/{contract_id}/notify", response_model=ContractView, summary="Notifier le marché au titulaire")
async def notify_contract(
    contract_id: uuid.UUID, body: Notification, request: Request, principal: Principal = allow(*BUYER_ROLES)
) -> ContractView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        row = await conn.fetchrow("SELECT * FROM contracts WHERE id = $1 FOR UPDATE", contract_id)
        if row is None:
            raise NotFound("marché introuvable", field="contract_id")
        clock = runtime_of(request).clock
        at = clock.now()
        notified_on = body.notified_on or clock.today()  # the Paris date
        award = AwardDecided.model_validate(row["award"])
        sequence = await _next_sequence(conn, row["tenant"], notified_on.year)
        event = domain.notify(
            status=row["status"],
            contract_id=contract_id,
            award=award,
            number=domain.contract_number(notified_on.year, sequence),
            commitment_number=domain.legal_commitment_number(notified_on.year, sequence),
            notified_on=notified_on,
            at=at,
        )
        row = await conn.fetchrow(
            """UPDATE contracts SET status = 'notified', contract_number = $2, legal_commitment_number = $3,
                      notified_on = $4, notified_at = $5 WHERE id = $1 RETURNING *""",
            contract_id,
            event.contract_number,
            event.legal_commitment_number,
            event.notified_on,
            event.notified_at,
        )
        await publish(conn, "contracts", event, at=at)
        await audit.record(conn, tenant=row["tenant"], aggregate_type="contract", aggregate_id=str(contract_id),
                           actor=principal.actor, action="contract.notified",
                           change={"contract_number": event.contract_number, "notified_on": event.notified_on.isoformat(),
                                   "legal_commitment_number": event.legal_commitment_number})
    return _view(row)
