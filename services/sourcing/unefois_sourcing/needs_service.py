"""The application layer of needs, shared by the JSON API (api.py) and the pages (web.py).

Every function takes a connection already scoped to the principal's tenant
(`scoped_for(pool, principal)`), so both entry points run the same checks and the same SQL.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from unefois_kernel import audit
from unefois_kernel.auth.principal import Principal
from unefois_kernel.clock import paris_date
from unefois_events.catalogue import ClauseText, NeedContent, Organisation, PurchaseFacts
from unefois_events.values import EnvironmentalConsideration, PurchaseNature, SocialConsideration
from unefois_kernel.outbox import publish
from unefois_kernel.domain_errors import DomainError, InvalidFields, NotFound
from unefois_sourcing import domain
from unefois_sourcing.clauses.domain import ClausePick, considerations
from unefois_rules import BuyerKind, Decision, NeedSummary, check_splitting, decide
from unefois_sourcing.validation import reference_errors


class NeedInput(NeedContent):
    """The need as typed: considerations may be left out when clauses are picked."""

    social_considerations: list[SocialConsideration] = Field(default_factory=list)
    environmental_considerations: list[EnvironmentalConsideration] = Field(default_factory=list)


class NeedDraft(BaseModel):
    facts: NeedInput = Field(description="Le besoin tel que saisi ; l'acheteur est celui de la session")
    clause_ids: list[uuid.UUID] = Field(
        default_factory=list, description="Clauses choisies dans la bibliothèque : elles fixent les considérations DECP"
    )


async def buyer_kind(conn) -> BuyerKind:
    """From the tenant's profile; a buyer without one is a local authority (most of them)."""
    kind = await conn.fetchval("SELECT buyer_kind FROM tenant_profiles WHERE tenant = unefois_tenant()")
    return BuyerKind(kind) if kind else BuyerKind.LOCAL


def check_need(content: NeedContent, kind: BuyerKind, launch_date: date) -> Decision:
    """Reference data and the procedure rules: every refused field at once (422)."""
    errors = reference_errors(content)
    decision = decide(content.nature, kind, content.estimated_value, launch_date)
    if content.procedure not in decision.allowed_procedures:
        errors.append({"field": "facts.procedure", "reason": "procédure non permise : " + decision.explanation_text})
    if errors:
        raise InvalidFields(errors)
    return decision


async def splitting_warnings(conn, facts: PurchaseFacts, kind: BuyerKind, *, launch_date: date,
                             exclude: uuid.UUID | None = None) -> list[str]:
    """Splitting warnings against the tenant's needs of the same CPV division over 12 months
    (`exclude`: the need itself, when it is already stored)."""
    rows = await conn.fetch(
        """SELECT id, facts, created_at FROM needs
           WHERE created_at > now() - interval '12 months' AND facts->>'main_cpv' LIKE $1 || '%'
             AND ($2::uuid IS NULL OR id <> $2::uuid)""",
        facts.main_cpv[:2],
        exclude,
    )
    others = [
        NeedSummary(reference=(row["facts"]["object"])[:60], cpv_code=row["facts"]["main_cpv"],
                    estimated_value=Decimal(row["facts"]["estimated_value"]), launch_date=paris_date(row["created_at"]),
                    nature=PurchaseNature(row["facts"]["nature"]))
        for row in rows
    ]
    new = NeedSummary(reference=facts.object[:60], cpv_code=facts.main_cpv, estimated_value=facts.estimated_value,
                      launch_date=launch_date, nature=facts.nature)
    return [warning.message for warning in check_splitting(new, others, kind)]


async def picked_clauses(conn, clause_ids: list[uuid.UUID]) -> list:
    if not clause_ids:
        return []
    rows = await conn.fetch("SELECT * FROM clauses WHERE id = ANY($1::uuid[]) ORDER BY kind, title", clause_ids)
    unknown = set(clause_ids) - {row["id"] for row in rows}
    if unknown:
        raise DomainError(f"clause inconnue : {sorted(map(str, unknown))[0]}", field="clause_ids")
    return rows


async def create(conn, principal: Principal, draft: NeedDraft, *, today: date) -> tuple:
    """Check and store a draft need: (row, decision, splitting warnings), the rules as they stand `today`
    (the Paris date, from the service's clock). Raises DomainError (InvalidFields with every refused field)."""
    need_id = domain.new_need_id()
    buyer = Organisation(siret=principal.tenant, name=principal.org_name or principal.tenant)
    picked = await picked_clauses(conn, draft.clause_ids)
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
        clauses=[ClauseText(clause_id=row["id"], kind=row["kind"], title=row["title"], body=row["body"]) for row in picked],
        **content,
    )
    kind = await buyer_kind(conn)
    decision = check_need(draft.facts, kind, today)
    warnings = await splitting_warnings(conn, facts, kind, launch_date=today)
    row = await conn.fetchrow(
        "INSERT INTO needs (id, tenant, status, facts) VALUES ($1, $2, 'draft', $3) RETURNING *",
        need_id,
        principal.tenant,
        facts.model_dump(mode="json"),
    )
    await audit.record(conn, tenant=principal.tenant, aggregate_type="need", aggregate_id=str(need_id),
                       actor=principal.actor, action="need.created", change={"facts": facts.model_dump(mode="json")})
    return row, decision, warnings


async def get(conn, need_id: uuid.UUID):
    row = await conn.fetchrow("SELECT * FROM needs WHERE id = $1", need_id)
    if row is None:
        raise NotFound("besoin introuvable", field="need_id")
    return row


async def locked(conn, need_id: uuid.UUID):
    row = await conn.fetchrow("SELECT * FROM needs WHERE id = $1 FOR UPDATE", need_id)
    if row is None:
        raise NotFound("besoin introuvable", field="need_id")
    return row


async def submit(conn, principal: Principal, need_id: uuid.UUID):
    row = await locked(conn, need_id)
    status = domain.submit(domain.NeedStatus(row["status"]))
    row = await conn.fetchrow(
        "UPDATE needs SET status = $2, submitted_at = now(), return_comment = NULL WHERE id = $1 RETURNING *",
        need_id,
        status.value,
    )
    await audit.record(conn, tenant=principal.tenant, aggregate_type="need", aggregate_id=str(need_id),
                       actor=principal.actor, action="need.submitted", change={})
    return row


async def return_for_changes(conn, principal: Principal, need_id: uuid.UUID, comment: str):
    row = await locked(conn, need_id)
    status = domain.return_for_changes(domain.NeedStatus(row["status"]), comment)
    row = await conn.fetchrow(
        "UPDATE needs SET status = $2, returned_at = now(), return_comment = $3 WHERE id = $1 RETURNING *",
        need_id,
        status.value,
        comment,
    )
    await audit.record(conn, tenant=principal.tenant, aggregate_type="need", aggregate_id=str(need_id),
                       actor=principal.actor, action="need.returned", change={"comment": comment})
    return row


async def approve(conn, principal: Principal, need_id: uuid.UUID, invited_suppliers: list[Organisation], *, at: datetime):
    row = await locked(conn, need_id)
    # The market research's shortlist is invited to tender, with anyone the approver adds.
    shortlist = [
        Organisation(siret=r["supplier_siret"], name=r["supplier_name"])
        for r in await conn.fetch("SELECT * FROM shortlist WHERE need_id = $1 ORDER BY supplier_name", need_id)
    ]
    invited = list({s.siret: s for s in shortlist + invited_suppliers}.values())
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
    await publish(conn, "sourcing", event, at=at)
    await audit.record(conn, tenant=principal.tenant, aggregate_type="need", aggregate_id=str(need_id),
                       actor=principal.actor, action="need.approved",
                       change={"invited_suppliers": [s.model_dump(mode="json") for s in invited]})
    return row
