"""Market research HTTP API: notes, quotes, shortlist (the shortlist is invited at approval)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from unefois_kernel import audit
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal
from unefois_events.catalogue import Organisation
from unefois_events.values import Money
from unefois_kernel.domain_errors import NotFound
from unefois_kernel.tenancy import scoped_for
from unefois_sourcing.research import domain

router = APIRouter(prefix="/api/needs/{need_id}/research", tags=["étude de marché"])


class Notes(BaseModel):
    notes: str = Field(max_length=20000)


class QuoteInput(BaseModel):
    supplier: Organisation
    amount: Money = Field(gt=0)
    received_on: date


class Choice(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class QuoteView(BaseModel):
    id: uuid.UUID
    supplier: Organisation
    amount: Decimal
    received_on: date
    chosen: bool
    choice_reason: str | None


class ResearchView(BaseModel):
    notes: str
    quotes: list[QuoteView]
    shortlist: list[Organisation]
    comparison: str


async def _need_status(conn, need_id: uuid.UUID) -> str:
    status = await conn.fetchval("SELECT status FROM needs WHERE id = $1 FOR UPDATE", need_id)
    if status is None:
        raise NotFound("besoin introuvable", field="need_id")
    return status


async def read_research(conn, need_id: uuid.UUID) -> ResearchView:
    notes = await conn.fetchval("SELECT notes FROM market_research WHERE need_id = $1", need_id) or ""
    quotes = [
        QuoteView(id=r["id"], supplier=Organisation(siret=r["supplier_siret"], name=r["supplier_name"]), amount=r["amount"],
                  received_on=r["received_on"], chosen=r["chosen"], choice_reason=r["choice_reason"])
        for r in await conn.fetch("SELECT * FROM quotes WHERE need_id = $1 ORDER BY amount, supplier_name", need_id)
    ]
    shortlist = [
        Organisation(siret=r["supplier_siret"], name=r["supplier_name"])
        for r in await conn.fetch("SELECT * FROM shortlist WHERE need_id = $1 ORDER BY supplier_name", need_id)
    ]
    comparison = domain.comparison_note([domain.Quote(q.supplier.siret, q.amount, q.chosen) for q in quotes])
    return ResearchView(notes=notes, quotes=quotes, shortlist=shortlist, comparison=comparison)


@router.get("", response_model=ResearchView, summary="Lire l'étude de marché du besoin")
async def get_research(need_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> ResearchView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        if await conn.fetchval("SELECT count(*) FROM needs WHERE id = $1", need_id) == 0:
            raise NotFound("besoin introuvable", field="need_id")
        return await read_research(conn, need_id)


@router.put("/notes", response_model=ResearchView, summary="Enregistrer les notes de l'étude de marché")
async def put_notes(need_id: uuid.UUID, body: Notes, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> ResearchView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        domain.check_editable(await _need_status(conn, need_id))
        await conn.execute(
            """INSERT INTO market_research (need_id, tenant, notes) VALUES ($1, $2, $3)
               ON CONFLICT (need_id) DO UPDATE SET notes = excluded.notes, updated_at = now()""",
            need_id, principal.tenant, body.notes,
        )
        return await read_research(conn, need_id)


@router.post("/quotes", status_code=201, response_model=ResearchView, summary="Enregistrer un devis reçu")
async def add_quote(need_id: uuid.UUID, body: QuoteInput, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> ResearchView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        domain.check_editable(await _need_status(conn, need_id))
        await conn.execute(
            """INSERT INTO quotes (id, need_id, tenant, supplier_siret, supplier_name, amount, received_on)
               VALUES ($1, $2, $3, $4, $5, $6, $7)
               ON CONFLICT (need_id, supplier_siret) DO UPDATE
               SET amount = excluded.amount, received_on = excluded.received_on, supplier_name = excluded.supplier_name""",
            uuid.uuid4(), need_id, principal.tenant, body.supplier.siret, body.supplier.name, body.amount, body.received_on,
        )
        return await read_research(conn, need_id)


@router.post("/quotes/{quote_id}/choose", response_model=ResearchView, summary="Retenir un devis, en disant pourquoi")
async def choose_quote(
    need_id: uuid.UUID, quote_id: uuid.UUID, body: Choice, request: Request, principal: Principal = allow(*BUYER_ROLES)
) -> ResearchView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        domain.check_editable(await _need_status(conn, need_id))
        rows = await conn.fetch("SELECT id, supplier_siret, amount, chosen FROM quotes WHERE need_id = $1", need_id)
        chosen = next((r for r in rows if r["id"] == quote_id), None)
        domain.check_choice([domain.Quote(r["supplier_siret"], r["amount"], r["chosen"]) for r in rows],
                            chosen["supplier_siret"] if chosen else "", body.reason)
        await conn.execute("UPDATE quotes SET chosen = false, choice_reason = NULL WHERE need_id = $1", need_id)
        await conn.execute("UPDATE quotes SET chosen = true, choice_reason = $2 WHERE id = $1", quote_id, body.reason)
        await audit.record(conn, tenant=principal.tenant, aggregate_type="need", aggregate_id=str(need_id),
                           actor=principal.actor, action="quote.chosen",
                           change={"quote_id": str(quote_id), "reason": body.reason})
        return await read_research(conn, need_id)


@router.post("/shortlist", status_code=201, response_model=ResearchView, summary="Ajouter une entreprise à inviter")
async def shortlist_supplier(
    need_id: uuid.UUID, supplier: Organisation, request: Request, principal: Principal = allow(*BUYER_ROLES)
) -> ResearchView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        domain.check_editable(await _need_status(conn, need_id))
        await conn.execute(
            """INSERT INTO shortlist (need_id, tenant, supplier_siret, supplier_name) VALUES ($1, $2, $3, $4)
               ON CONFLICT (need_id, supplier_siret) DO UPDATE SET supplier_name = excluded.supplier_name""",
            need_id, principal.tenant, supplier.siret, supplier.name,
        )
        return await read_research(conn, need_id)
