"""Invoicing HTTP API (walking skeleton): read commitments, deposit an invoice against one."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from unefois_kernel import audit
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal, Role
from unefois_kernel.tenancy import scoped_for, set_scope
from unefois_events.catalogue import Organisation
from unefois_events.values import Money
from unefois_kernel.outbox import publish
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_invoicing import domain

router = APIRouter(prefix="/api/commitments", tags=["engagements"])

# Buyers read their tenant's commitments; a holder reads its own (row-level security).
READERS = (*BUYER_ROLES, Role.SUPPLIER)


class CommitmentView(BaseModel):
    id: uuid.UUID
    contract_id: uuid.UUID
    contract_number: str
    legal_commitment_number: str
    buyer: Organisation
    holders: list[Organisation]
    ceiling: Decimal
    invoiced_excl_vat: Decimal
    invoice_count: int


class InvoiceDeposit(BaseModel):
    invoice_number: str = Field(min_length=1, max_length=20)
    supplier: Organisation
    amount_excl_vat: Money
    vat_amount: Money
    issued_on: date


class InvoiceView(BaseModel):
    id: uuid.UUID
    invoice_number: str
    amount_excl_vat: Decimal


_SELECT = """SELECT c.*, coalesce(sum(i.amount_excl_vat), 0) AS invoiced, count(i.id) AS invoice_count
             FROM commitments c LEFT JOIN invoices i ON i.commitment_id = c.id"""


def _view(row) -> CommitmentView:
    return CommitmentView(
        id=row["id"],
        contract_id=row["contract_id"],
        contract_number=row["contract_number"],
        legal_commitment_number=row["legal_commitment_number"],
        buyer=row["buyer"],
        holders=row["holders"],
        ceiling=row["ceiling"],
        invoiced_excl_vat=row["invoiced"],
        invoice_count=row["invoice_count"],
    )


@router.get("", response_model=list[CommitmentView], summary="Engagements, filtrés par marché")
async def list_commitments(
    request: Request, contract_id: uuid.UUID | None = Query(default=None), principal: Principal = allow(*READERS)
) -> list[CommitmentView]:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        rows = await conn.fetch(
            _SELECT + " WHERE ($1::uuid IS NULL OR c.contract_id = $1) GROUP BY c.id ORDER BY c.opened_at DESC LIMIT 100",
            contract_id,
        )
    return [_view(row) for row in rows]


@router.get("/{commitment_id}", response_model=CommitmentView, summary="Lire un engagement et son grand livre")
async def get_commitment(
    commitment_id: uuid.UUID, request: Request, principal: Principal = allow(*READERS)
) -> CommitmentView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        row = await conn.fetchrow(_SELECT + " WHERE c.id = $1 GROUP BY c.id", commitment_id)
    if row is None:
        raise NotFound("engagement introuvable", field="commitment_id")
    return _view(row)


@router.post("/{commitment_id}/invoices", status_code=201, response_model=InvoiceView, summary="Déposer une facture")
async def deposit_invoice(
    commitment_id: uuid.UUID, body: InvoiceDeposit, request: Request, principal: Principal = allow(Role.SUPPLIER)
) -> InvoiceView:
    if body.supplier.siret != principal.supplier_siret:
        raise DomainError("une entreprise ne dépose que ses propres factures", field="supplier.siret", status=403)
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        # Row-level security: only a holder of the commitment sees it.
        commitment = await conn.fetchrow("SELECT * FROM commitments WHERE id = $1", commitment_id)
        if commitment is None:
            raise NotFound("engagement introuvable", field="commitment_id")
        # The holder check passed: the ledger is the buyer's, read and written in its scope.
        await set_scope(conn, tenant=commitment["tenant"], supplier=principal.supplier_siret)
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"commitment:{commitment_id}")
        invoiced = await conn.fetchval(
            "SELECT coalesce(sum(amount_excl_vat), 0) FROM invoices WHERE commitment_id = $1", commitment_id
        )
        clock = runtime_of(request).clock
        at = clock.now()
        domain.check_invoice(
            supplier_siret=body.supplier.siret,
            holders=[Organisation.model_validate(h) for h in commitment["holders"]],
            amount_excl_vat=body.amount_excl_vat,
            already_invoiced=invoiced,
            ceiling=commitment["ceiling"],
            issued_on=body.issued_on,
            today=clock.today(),  # the Paris date
        )
        invoice_id = uuid.uuid4()
        inserted = await conn.fetchval(
            """INSERT INTO invoices (id, tenant, commitment_id, supplier_siret, invoice_number,
                                     amount_excl_vat, vat_amount, issued_on, received_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
               ON CONFLICT (supplier_siret, invoice_number) DO NOTHING RETURNING id""",
            invoice_id,
            commitment["tenant"],
            commitment_id,
            body.supplier.siret,
            body.invoice_number,
            body.amount_excl_vat,
            body.vat_amount,
            body.issued_on,
            at,
        )
        if inserted is None:
            raise DomainError("ce numéro de facture a déjà été déposé", field="invoice_number", status=409)
        event = domain.received(
            invoice_id=invoice_id,
            invoice_number=body.invoice_number,
            commitment=commitment,
            supplier=body.supplier,
            amount_excl_vat=body.amount_excl_vat,
            vat_amount=body.vat_amount,
            issued_on=body.issued_on,
            at=at,
        )
        await publish(conn, "invoicing", event, at=at)
        await audit.record(conn, tenant=commitment["tenant"], aggregate_type="commitment", aggregate_id=str(commitment_id),
                           actor=principal.actor, action="invoice.received",
                           change={"invoice_id": str(invoice_id)} | body.model_dump(mode="json"))
    return InvoiceView(id=invoice_id, invoice_number=body.invoice_number, amount_excl_vat=body.amount_excl_vat)
