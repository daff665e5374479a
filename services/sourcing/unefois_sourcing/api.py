"""Sourcing HTTP API: a buyer creates a need, an approver approves it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from unefois_kernel import audit
from unefois_kernel.app import runtime_of
from unefois_kernel.auth.access import allow
from unefois_kernel.auth.principal import BUYER_ROLES, Principal, Role
from unefois_kernel.events.catalogue import ClauseText, NeedContent, Organisation, PurchaseFacts
from unefois_kernel.events.values import EnvironmentalConsideration, Money, PurchaseNature, SocialConsideration
from unefois_kernel.outbox import publish
from unefois_kernel.problems import DomainError, InvalidFields, NotFound
from unefois_kernel.tenancy import scoped_for
from unefois_sourcing import domain
from unefois_sourcing.clauses.domain import ClausePick, considerations
from unefois_sourcing.rules import BuyerKind, NeedSummary, check_splitting, decide
from unefois_sourcing.validation import reference_errors

router = APIRouter(prefix="/api/needs", tags=["besoins"])


class NeedInput(NeedContent):
    """The need as typed: considerations may be left out when clauses are picked."""

    social_considerations: list[SocialConsideration] = Field(default_factory=list)
    environmental_considerations: list[EnvironmentalConsideration] = Field(default_factory=list)


class NeedDraft(BaseModel):
    facts: NeedInput = Field(description="Le besoin tel que saisi ; l'acheteur est celui de la session")
    clause_ids: list[uuid.UUID] = Field(
        default_factory=list, description="Clauses choisies dans la bibliothèque : elles fixent les considérations DECP"
    )


class NeedView(BaseModel):
    id: uuid.UUID
    status: domain.NeedStatus
    facts: PurchaseFacts
    submitted_at: datetime | None = None
    return_comment: str | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    recommendation: dict | None = Field(default=None, description="Procédures permises et obligations (moteur de règles)")
    warnings: list[str] = Field(default_factory=list, description="Alertes, par exemple un possible saucissonnage")


class Return(BaseModel):
    comment: str = Field(min_length=1, max_length=2000, description="Pourquoi le besoin est renvoyé à son auteur")


class Approval(BaseModel):
    invited_suppliers: list[Organisation] = Field(default_factory=list)


def _view(row) -> NeedView:
    return NeedView(
        id=row["id"],
        status=row["status"],
        facts=PurchaseFacts.model_validate(row["facts"]),
        submitted_at=row["submitted_at"],
        return_comment=row["return_comment"],
        approved_by=row["approved_by"],
        approved_at=row["approved_at"],
    )


@router.post("", status_code=201, response_model=NeedView, summary="Créer un besoin (brouillon)")
async def create_need(draft: NeedDraft, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> NeedView:
    need_id = domain.new_need_id()
    buyer = Organisation(siret=principal.tenant, name=principal.org_name or principal.tenant)
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        picked = await _picked_clauses(conn, draft.clause_ids)
        social, environmental = considerations(
            [ClausePick(row["kind"], row["consideration"]) for row in picked],
            draft.facts.social_considerations,
            draft.facts.environmental_considerations,
        )
        content = draft.facts.model_dump(exclude={"social_considerations", "environmental_considerations"})
        facts = PurchaseFacts(
            need_id=need_id,
            buyer=buyer,
            social_considerations=social,
            environmental_considerations=environmental,
            clauses=[
                ClauseText(clause_id=row["id"], kind=row["kind"], title=row["title"], body=row["body"]) for row in picked
            ],
            **content,
        )
        profile_kind = await _buyer_kind(conn)
        decision = _check_need(draft.facts, profile_kind, date.today())
        warnings = await _splitting_warnings(conn, facts, profile_kind)
        row = await conn.fetchrow(
            "INSERT INTO needs (id, tenant, status, facts) VALUES ($1, $2, 'draft', $3) RETURNING *",
            need_id,
            principal.tenant,
            facts.model_dump(mode="json"),
        )
        await audit.record(conn, tenant=principal.tenant, aggregate_type="need", aggregate_id=str(need_id),
                           actor=principal.actor, action="need.created", change={"facts": facts.model_dump(mode="json")})
    return _view(row).model_copy(update={"recommendation": decision.to_dict(), "warnings": warnings})


async def _buyer_kind(conn) -> BuyerKind:
    """From the tenant's profile; a buyer without one is a local authority (most of them)."""
    kind = await conn.fetchval("SELECT buyer_kind FROM tenant_profiles WHERE tenant = unefois_tenant()")
    return BuyerKind(kind) if kind else BuyerKind.LOCAL


def _check_need(content: NeedContent, buyer_kind: BuyerKind, launch_date: date):
    """Reference data and the procedure rules: every refused field at once (422)."""
    errors = reference_errors(content)
    decision = decide(content.nature, buyer_kind, content.estimated_value, launch_date)
    if content.procedure not in decision.allowed_procedures:
        errors.append({"field": "facts.procedure", "reason": "procédure non permise : " + decision.explanation_text})
    if errors:
        raise InvalidFields(errors)
    return decision


async def _splitting_warnings(conn, facts: PurchaseFacts, buyer_kind: BuyerKind) -> list[str]:
    rows = await conn.fetch(
        """SELECT id, facts, created_at FROM needs
           WHERE created_at > now() - interval '12 months' AND facts->>'main_cpv' LIKE $1 || '%'""",
        facts.main_cpv[:2],
    )
    others = [
        NeedSummary(reference=(row["facts"]["object"])[:60], cpv_code=row["facts"]["main_cpv"],
                    estimated_value=Decimal(row["facts"]["estimated_value"]), launch_date=row["created_at"].date(),
                    nature=PurchaseNature(row["facts"]["nature"]))
        for row in rows
    ]
    new = NeedSummary(reference=facts.object[:60], cpv_code=facts.main_cpv, estimated_value=facts.estimated_value,
                      launch_date=date.today(), nature=facts.nature)
    return [warning.message for warning in check_splitting(new, others, buyer_kind)]


@router.get("/recommendation", summary="Procédure recommandée pour un besoin (moteur de règles, sans enregistrer)")
async def recommend(
    request: Request,
    nature: PurchaseNature,
    estimated_value: Money,
    launch_date: date | None = None,
    principal: Principal = allow(*BUYER_ROLES),
) -> dict:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        buyer_kind = await _buyer_kind(conn)
    return decide(nature, buyer_kind, estimated_value, launch_date or date.today()).to_dict()


async def _picked_clauses(conn, clause_ids: list[uuid.UUID]) -> list:
    if not clause_ids:
        return []
    rows = await conn.fetch("SELECT * FROM clauses WHERE id = ANY($1::uuid[]) ORDER BY kind, title", clause_ids)
    unknown = set(clause_ids) - {row["id"] for row in rows}
    if unknown:
        raise DomainError(f"clause inconnue : {sorted(map(str, unknown))[0]}", field="clause_ids")
    return rows


@router.get("/{need_id}", response_model=NeedView, summary="Lire un besoin")
async def get_need(need_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> NeedView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        row = await conn.fetchrow("SELECT * FROM needs WHERE id = $1", need_id)
    if row is None:
        raise NotFound("besoin introuvable", field="need_id")
    return _view(row)


async def _locked_need(conn, need_id: uuid.UUID):
    row = await conn.fetchrow("SELECT * FROM needs WHERE id = $1 FOR UPDATE", need_id)
    if row is None:
        raise NotFound("besoin introuvable", field="need_id")
    return row


@router.post("/{need_id}/submit", response_model=NeedView, summary="Soumettre le besoin à l'approbation")
async def submit_need(need_id: uuid.UUID, request: Request, principal: Principal = allow(*BUYER_ROLES)) -> NeedView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        row = await _locked_need(conn, need_id)
        status = domain.submit(domain.NeedStatus(row["status"]))
        row = await conn.fetchrow(
            "UPDATE needs SET status = $2, submitted_at = now(), return_comment = NULL WHERE id = $1 RETURNING *",
            need_id,
            status.value,
        )
        await audit.record(conn, tenant=principal.tenant, aggregate_type="need", aggregate_id=str(need_id),
                           actor=principal.actor, action="need.submitted", change={})
    return _view(row)


@router.post("/{need_id}/return", response_model=NeedView, summary="Renvoyer le besoin à son auteur, avec un commentaire")
async def return_need(
    need_id: uuid.UUID, body: Return, request: Request, principal: Principal = allow(Role.BUYER_APPROVER)
) -> NeedView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        row = await _locked_need(conn, need_id)
        status = domain.return_for_changes(domain.NeedStatus(row["status"]), body.comment)
        row = await conn.fetchrow(
            "UPDATE needs SET status = $2, returned_at = now(), return_comment = $3 WHERE id = $1 RETURNING *",
            need_id,
            status.value,
            body.comment,
        )
        await audit.record(conn, tenant=principal.tenant, aggregate_type="need", aggregate_id=str(need_id),
                           actor=principal.actor, action="need.returned", change={"comment": body.comment})
    return _view(row)


@router.post("/{need_id}/approve", response_model=NeedView, summary="Approuver un besoin : il part en consultation")
async def approve_need(
    need_id: uuid.UUID, approval: Approval, request: Request, principal: Principal = allow(Role.BUYER_APPROVER)
) -> NeedView:
    async with scoped_for(runtime_of(request).pool, principal) as conn:
        row = await _locked_need(conn, need_id)
        at = datetime.now(UTC)
        # The market research's shortlist is invited to tender, with anyone the approver adds.
        shortlist = [
            Organisation(siret=r["supplier_siret"], name=r["supplier_name"])
            for r in await conn.fetch("SELECT * FROM shortlist WHERE need_id = $1 ORDER BY supplier_name", need_id)
        ]
        invited = list({s.siret: s for s in shortlist + approval.invited_suppliers}.values())
        event = domain.approve(
            domain.NeedStatus(row["status"]),
            PurchaseFacts.model_validate(row["facts"]),
            approver=principal.name,
            at=at,
            invited=invited,
        )
        row = await conn.fetchrow(
            "UPDATE needs SET status = 'approved', approved_by = $2, approved_at = $3 WHERE id = $1 RETURNING *",
            need_id,
            principal.name,
            at,
        )
        await publish(conn, "sourcing", event)
        await audit.record(conn, tenant=principal.tenant, aggregate_type="need", aggregate_id=str(need_id),
                           actor=principal.actor, action="need.approved",
                           change={"invited_suppliers": [s.model_dump(mode="json") for s in invited]})
    return _view(row)
