"""Use cases of needs, for the JSON API (api.py) and the pages (web.py) alike.

Each opens its unit of work, loads through `uow.repos`, asks the domain, persists, and
leaves the events and audit entries to the commit. What a need page shows of other areas
(its market research, the clause library of the form, the shortlist invited at approval)
is read here through those areas' repositories. Dates and times come from the unit of
work's clock: the rules in force "today" are those of the Paris date.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol, TypeVar

from unefois_events.catalogue import Organisation, PurchaseFacts
from unefois_events.values import PurchaseNature
from unefois_kernel.clock import paris_date
from unefois_kernel.domain_errors import NotFound
from unefois_kernel.uow import UnitOfWork
from unefois_rules import BuyerKind, Decision, decide
from unefois_sourcing.clauses.domain import Clause, check_all_found
from unefois_sourcing.needs import domain
from unefois_sourcing.needs.domain import BuyerProfile, HistoryEntry, Need, NeedFilters, NeedListItem, NeedOrder, Rules
from unefois_sourcing.needs.views import NeedDraft
from unefois_sourcing.repositories import Repositories
from unefois_sourcing.research.domain import Research

Uow = UnitOfWork[Repositories]


@dataclass(frozen=True)
class Created:
    need: Need
    rules: Rules  # the procedure rules in force on its decision date (planned launch, or today), the choice assessed
    warnings: list[str]  # a possible splitting of the purchase
    changed: bool = True  # an edit that changed something

    @property
    def decision(self) -> Decision:
        return self.rules.decision

    @property
    def advice(self) -> list[str]:
        """The rules' warnings on the buyer's choice (lawful, to be weighed)."""
        return self.rules.warnings


@dataclass(frozen=True)
class NeedFile:
    """What the need page shows: the need, its market research, the rules and warnings of its day."""

    need: Need
    research: Research
    warnings: list[str]
    rules: Rules | None
    history: list[HistoryEntry] = field(default_factory=list)

    @property
    def decision(self) -> Decision | None:
        return self.rules.decision if self.rules else None

    @property
    def advice(self) -> list[str]:
        return self.rules.warnings if self.rules else []


class Window(Protocol):
    """A page of a list (unefois_kernel.web.listing.Page): how many rows, from which one."""

    size: int

    @property
    def offset(self) -> int: ...


W = TypeVar("W", bound=Window)


def _roles(uow: Uow) -> frozenset:
    return uow.principal.roles if uow.principal else frozenset()


def _person(uow: Uow) -> str:
    """Who acts, as the history shows it: the person's name, else the actor."""
    return uow.principal.name if uow.principal and uow.principal.name else uow.actor


def _buyer(uow: Uow) -> Organisation:
    principal = uow.principal
    name = principal.org_name if principal and principal.org_name else uow.tenant
    return Organisation(siret=uow.tenant, name=name)


async def _need(uow: Uow, need_id: uuid.UUID, *, lock: bool = False) -> Need:
    need = await uow.repos.needs.get(need_id, lock=lock)
    if need is None:
        raise NotFound("besoin introuvable", field="need_id")
    return need


async def _splitting_warnings(uow: Uow, facts: PurchaseFacts, kind: BuyerKind, *, launch_date: date,
                              exclude: uuid.UUID | None = None) -> list[str]:
    since = domain.splitting_window_start(uow.clock.now())
    others = await uow.repos.needs.related_since(facts.main_cpv[:2], since, operation=facts.works_operation,
                                                 family=facts.purchase_family, exclude=exclude)
    return domain.splitting_warnings(facts, launch_date, others, kind)


async def _checked_facts(uow: Uow, need_id: uuid.UUID, draft: NeedDraft, profile: BuyerProfile) -> tuple[PurchaseFacts, Rules]:
    """The facts the draft makes (its clauses picked from the library) and the rules on its
    decision date; raises DomainError (InvalidFields with every refused field)."""
    picked = await uow.repos.clauses.with_ids(draft.clause_ids)
    check_all_found(draft.clause_ids, picked)
    facts = domain.compose_facts(need_id, _buyer(uow), draft.facts, picked)
    rules = domain.check_need(draft.facts, profile.kind, uow.clock.today(), public_body=profile.public_body)
    return facts, rules


async def create(uow: Uow, draft: NeedDraft) -> Created:
    """Check and store a draft need, against the rules in force on its planned launch date
    (today when it has none). Raises DomainError (InvalidFields with every refused field)."""
    async with uow:
        profile = await uow.repos.needs.buyer_profile()
        facts, rules = await _checked_facts(uow, uuid.uuid4(), draft, profile)
        warnings = await _splitting_warnings(uow, facts, profile.kind, launch_date=rules.decision.launch_date)
        need = domain.new_need(facts, tenant=uow.tenant, at=uow.clock.now())
        await uow.repos.needs.add(need)
        uow.audit("need", need.id, "need.created", {"by": _person(uow), "at": uow.clock.now().isoformat(), "facts": facts.model_dump(mode="json")})
    return Created(need, rules, warnings)


async def edit(uow: Uow, need_id: uuid.UUID, draft: NeedDraft) -> Created:
    """Change a draft or a need returned with a comment (409 on `status` once submitted or
    approved), with the same checks as its creation; the audit trail records each changed
    field, before and after."""
    async with uow:
        need = await _need(uow, need_id, lock=True)
        domain.edit(need, need.facts, roles=_roles(uow))  # the status and role first: 409 / 403
        profile = await uow.repos.needs.buyer_profile()
        facts, rules = await _checked_facts(uow, need.id, draft, profile)
        need, changes = domain.edit(need, facts, roles=_roles(uow))
        warnings = await _splitting_warnings(uow, facts, profile.kind, launch_date=rules.decision.launch_date, exclude=need.id)
        if changes:
            await uow.repos.needs.save_facts(need)
            uow.audit("need", need.id, "need.edited", {"by": _person(uow), "at": uow.clock.now().isoformat(), "changes": [c.to_dict() for c in changes]})
    return Created(need, rules, warnings, changed=bool(changes))


async def history(uow: Uow, need_id: uuid.UUID) -> list[HistoryEntry]:
    """What happened to the need, oldest first (its audit trail)."""
    async with uow:
        await _need(uow, need_id)
        return await uow.repos.needs.history(need_id)


async def recommend(uow: Uow, nature: PurchaseNature, estimated_value: Decimal, launch_date: date | None = None, *,
                    specific_services: bool = False) -> Decision:
    """The procedure rules for such a need of this buyer, launched on `launch_date` (default:
    today), without storing anything. Raises DomainError when the rules cannot decide."""
    async with uow:
        profile = await uow.repos.needs.buyer_profile()
    return decide(nature, profile.kind, estimated_value, launch_date or uow.clock.today(), public_body=profile.public_body,
                  specific_services=specific_services)


async def get(uow: Uow, need_id: uuid.UUID) -> Need:
    async with uow:
        return await _need(uow, need_id)


async def need_file(uow: Uow, need_id: uuid.UUID) -> NeedFile:
    """The need with its market research, its history, and the rules and splitting warnings on
    its decision date (what the approver checks: the planned launch date, or today)."""
    async with uow:
        need = await _need(uow, need_id)
        research = await uow.repos.research.of(need_id)
        profile = await uow.repos.needs.buyer_profile()
        on = domain.rules_date(need, uow.clock.today())
        warnings = await _splitting_warnings(uow, need.facts, profile.kind, launch_date=on, exclude=need.id)
        entries = await uow.repos.needs.history(need_id)
    return NeedFile(need, research, warnings,
                    domain.rules_on(need.facts, profile.kind, on, public_body=profile.public_body), entries)


async def latest(uow: Uow, limit: int) -> tuple[list[NeedListItem], int]:
    """The buyer's `limit` latest needs, and how many it has."""
    async with uow:
        items = await uow.repos.needs.page(uow.tenant, limit=limit)
        return items, await uow.repos.needs.count(uow.tenant)


async def list_needs(uow: Uow, filters: NeedFilters, *, order: NeedOrder, ascending: bool,
                     window: Callable[[int], W]) -> tuple[W, list[NeedListItem]]:
    """One page of the buyer's needs matching `filters`: `window(total)` says which."""
    async with uow:
        page = window(await uow.repos.needs.count(uow.tenant, filters))
        items = await uow.repos.needs.page(uow.tenant, filters, order=order, ascending=ascending, limit=page.size,
                                           offset=page.offset)
    return page, items


async def clause_library(uow: Uow) -> list[Clause]:
    """The clauses the need form offers (the platform's, then the buyer's own)."""
    async with uow:
        return await uow.repos.clauses.library()


async def submit(uow: Uow, need_id: uuid.UUID) -> Need:
    async with uow:
        need, events = domain.submit(await _need(uow, need_id, lock=True), roles=_roles(uow), at=uow.clock.now())
        await uow.repos.needs.save(need)
        uow.emit(*events)
        uow.audit("need", need.id, "need.submitted", {"by": _person(uow), "at": uow.clock.now().isoformat()})
    return need


async def return_for_changes(uow: Uow, need_id: uuid.UUID, comment: str) -> Need:
    async with uow:
        need, events = domain.return_for_changes(await _need(uow, need_id, lock=True), comment, roles=_roles(uow),
                                                 at=uow.clock.now())
        await uow.repos.needs.save(need)
        uow.emit(*events)
        uow.audit("need", need.id, "need.returned", {"by": _person(uow), "at": uow.clock.now().isoformat(), "comment": comment})
    return need


async def approve(uow: Uow, need_id: uuid.UUID, invited_suppliers: Sequence[Organisation] = ()) -> Need:
    """Approve the need: NeedApproved goes out with the market research's shortlist invited,
    and anyone the approver adds."""
    async with uow:
        need = await _need(uow, need_id, lock=True)
        invited = domain.invitations(await uow.repos.research.shortlist(need_id), invited_suppliers)
        approver = uow.principal.name if uow.principal else uow.actor
        profile = await uow.repos.needs.buyer_profile()  # one round trip: kind and R2131-12 status
        now = uow.clock.now()  # one reading for the decision date, the approval and its audit entry
        # Decided again on approval: the planned launch date, or today once it has passed (R2121-3).
        rules = domain.rules_on(need.facts, profile.kind, domain.decision_date(need.facts, paris_date(now)),
                                public_body=profile.public_body)
        need, events = domain.approve(need, roles=_roles(uow), approver=approver, at=now, invited=invited,
                                      rules=rules)
        await uow.repos.needs.save(need)
        uow.emit(*events)
        uow.audit("need", need.id, "need.approved",
                  {"by": approver, "at": now.isoformat(), "invited_suppliers": [supplier.model_dump(mode="json") for supplier in invited],
                   "decision": need.facts.decision.model_dump(mode="json") if need.facts.decision else None})
    return need
