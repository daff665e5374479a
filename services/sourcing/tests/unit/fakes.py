"""In-memory repositories of the sourcing service, for use-case tests on FakeUnitOfWork: the same
methods as the real ones (unefois_sourcing.*.repository), over dicts. One fake holds one
tenant's view (the real ones see it through row-level security). The integration tests
(tests/integration) check the real repositories against the same expectations."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime

from unefois_events.catalogue import Organisation
from unefois_rules import BuyerKind
from unefois_sourcing.clauses.domain import Clause, ClauseKind
from unefois_sourcing.needs.domain import DEFAULT_PROFILE, BuyerProfile, HistoryEntry, Need, NeedFilters, NeedListItem, NeedOrder, NeedStatus
from unefois_sourcing.research.domain import Quote, Research
from unefois_sourcing.reference import normalise
from unefois_sourcing.suppliers.domain import Establishment
from unefois_sourcing.suppliers.repository import cpv_prefix


def _item(need: Need) -> NeedListItem:
    facts = need.facts
    return NeedListItem(id=need.id, status=need.status, object=facts.object, main_cpv=facts.main_cpv,
                        estimated_value=facts.estimated_value, nature=facts.nature, created_at=need.created_at,
                        planned_launch_date=facts.planned_launch_date, works_operation=facts.works_operation,
                        purchase_family=facts.purchase_family)


_SORT = {
    NeedOrder.OBJECT: lambda item: item.object.lower(),
    NeedOrder.VALUE: lambda item: item.estimated_value,
    NeedOrder.STATUS: lambda item: list(NeedStatus).index(item.status),
    NeedOrder.CREATED: lambda item: item.created_at,
}


class FakeNeeds:
    def __init__(self, *, buyer_kind: BuyerKind | None = None) -> None:
        self.rows: dict[uuid.UUID, Need] = {}
        self.profile = buyer_kind  # the tenant's profile (None: it has none)
        self.profile_public_body: bool | None = True  # what its profile says of R2131-12
        self.locked: list[uuid.UUID] = []  # what use cases locked, in order
        # The audit trail's need entries, as the real repository reads them from audit_trail:
        # tests copy a unit of work's committed entries in with `record(uow)`.
        self.trail: dict[uuid.UUID, list[HistoryEntry]] = {}
        self._copied: dict[int, int] = {}  # id(uow) -> how many of its entries are in the trail

    def record(self, uow, at: datetime | None = None) -> None:
        """Copy `uow`'s committed audit entries into the trail (the kernel writes audit_trail)."""
        notes = uow.committed.audits[self._copied.get(id(uow), 0):]
        self._copied[id(uow)] = len(uow.committed.audits)
        for note in notes:
            entries = self.trail.setdefault(uuid.UUID(note.aggregate_id), [])
            entries.append(HistoryEntry(occurred_at=at or uow.clock.now(), actor=str(note.change.get("by") or note.actor),
                                        action=note.action, change=note.change))

    async def add(self, need: Need) -> None:
        assert need.id not in self.rows, "a need is added once"
        self.rows[need.id] = need

    async def get(self, need_id: uuid.UUID, *, lock: bool = False) -> Need | None:
        if lock:
            self.locked.append(need_id)
        return self.rows.get(need_id)

    async def status(self, need_id: uuid.UUID, *, lock: bool = False) -> NeedStatus | None:
        need = await self.get(need_id, lock=lock)
        return need.status if need else None

    async def save(self, need: Need) -> None:
        stored = self.rows[need.id]
        assert stored.facts.model_copy(update={"decision": need.facts.decision}) == need.facts, (
            "only the approval's decision changes a need's facts here (an edit goes through save_facts)")
        self.rows[need.id] = need

    async def save_facts(self, need: Need) -> None:
        stored = self.rows[need.id]
        if stored.status is NeedStatus.DRAFT:  # as the real UPDATE ... AND status = 'draft'
            self.rows[need.id] = replace(stored, facts=need.facts)

    async def history(self, need_id: uuid.UUID) -> list[HistoryEntry]:
        return list(self.trail.get(need_id, []))

    def _matching(self, tenant: str, filters: NeedFilters) -> list[NeedListItem]:
        return [_item(need) for need in self.rows.values() if need.tenant == tenant
                and (filters.status is None or need.status == filters.status)
                and (filters.text is None or filters.text.lower() in need.facts.object.lower())
                and (filters.division is None or need.facts.main_cpv[:2] == filters.division)]

    async def count(self, tenant: str, filters: NeedFilters = NeedFilters()) -> int:
        return len(self._matching(tenant, filters))

    async def page(self, tenant: str, filters: NeedFilters = NeedFilters(), *, order: NeedOrder = NeedOrder.CREATED,
                   ascending: bool = False, limit: int, offset: int = 0) -> list[NeedListItem]:
        # Stable sorts, the last key first: by id, then newest first, then the order asked.
        items = sorted(self._matching(tenant, filters), key=lambda item: item.id)
        items.sort(key=lambda item: item.created_at, reverse=True)
        items.sort(key=_SORT[order], reverse=not ascending)
        return items[offset:offset + limit]

    async def related_since(self, division: str, since: datetime, *, operation: str | None = None,
                            family: str | None = None, exclude: uuid.UUID | None = None) -> list[NeedListItem]:
        return [_item(need) for need in self.rows.values()
                if need.created_at > since and need.id != exclude
                and (need.facts.main_cpv.startswith(division)
                     or (operation is not None and need.facts.works_operation == operation)
                     or (family is not None and need.facts.purchase_family == family))]

    async def buyer_profile(self) -> BuyerProfile:
        if self.profile is None:
            return DEFAULT_PROFILE
        return BuyerProfile(self.profile, self.profile_public_body)

    async def buyer_kind(self) -> BuyerKind:
        return (await self.buyer_profile()).kind

    async def public_body(self) -> bool | None:
        return (await self.buyer_profile()).public_body


class FakeResearch:
    def __init__(self) -> None:
        self.notes: dict[uuid.UUID, tuple[str, datetime]] = {}  # need -> (notes, updated at)
        self.received: dict[uuid.UUID, dict[str, Quote]] = {}  # need -> supplier SIRET -> quote
        self.shortlists: dict[uuid.UUID, dict[str, Organisation]] = {}

    async def of(self, need_id: uuid.UUID) -> Research:
        notes = self.notes.get(need_id, ("", None))[0]
        return Research(need_id=need_id, notes=notes, quotes=tuple(await self.quotes(need_id)),
                        shortlist=tuple(await self.shortlist(need_id)))

    async def quotes(self, need_id: uuid.UUID) -> list[Quote]:
        return sorted(self.received.get(need_id, {}).values(), key=lambda q: (q.amount, q.supplier.name))

    async def shortlist(self, need_id: uuid.UUID) -> list[Organisation]:
        return sorted(self.shortlists.get(need_id, {}).values(), key=lambda s: s.name)

    async def save_notes(self, need_id: uuid.UUID, notes: str, *, tenant: str, at: datetime) -> None:
        self.notes[need_id] = (notes, at)

    async def save_quote(self, need_id: uuid.UUID, quote: Quote, *, tenant: str) -> None:
        quotes = self.received.setdefault(need_id, {})
        earlier = quotes.get(quote.supplier.siret)
        quotes[quote.supplier.siret] = replace(earlier, supplier=quote.supplier, amount=quote.amount,
                                               received_on=quote.received_on, file_name=quote.file_name) \
            if earlier else quote

    async def remove_quote(self, need_id: uuid.UUID, quote_id: uuid.UUID) -> None:
        quotes = self.received.get(need_id, {})
        for siret in [siret for siret, quote in quotes.items() if quote.id == quote_id]:
            del quotes[siret]

    async def choose(self, need_id: uuid.UUID, quote_id: uuid.UUID, reason: str) -> None:
        quotes = self.received.get(need_id, {})
        for siret, quote in quotes.items():
            chosen = quote.id == quote_id
            quotes[siret] = replace(quote, chosen=chosen, choice_reason=reason if chosen else None)

    async def add_to_shortlist(self, need_id: uuid.UUID, supplier: Organisation, *, tenant: str) -> None:
        self.shortlists.setdefault(need_id, {})[supplier.siret] = supplier

    async def remove_from_shortlist(self, need_id: uuid.UUID, siret: str) -> None:
        self.shortlists.get(need_id, {}).pop(siret, None)


class FakeClauses:
    def __init__(self, clauses: Collection[Clause] = ()) -> None:
        self.rows: dict[uuid.UUID, Clause] = {clause.id: clause for clause in clauses}
        self.created_at: dict[uuid.UUID, datetime] = {}

    async def library(self, kind: ClauseKind | None = None) -> list[Clause]:
        return sorted((c for c in self.rows.values() if kind is None or c.kind == kind),
                      key=lambda c: (c.tenant is not None, c.tenant or "", c.kind.value, c.title))

    async def with_ids(self, ids: Collection[uuid.UUID]) -> list[Clause]:
        return sorted((self.rows[i] for i in set(ids) if i in self.rows), key=lambda c: (c.kind.value, c.title))

    async def add(self, clause: Clause, *, at: datetime) -> None:
        self.rows[clause.id] = clause
        self.created_at[clause.id] = at


class FakeSuppliers:
    def __init__(self, establishments: Collection[Establishment] = ()) -> None:
        self.rows = {e.siret: e for e in establishments}
        self.searches: list[dict] = []  # the criteria each search was given

    async def has_trigram(self) -> bool:
        return False

    async def get(self, siret: str) -> Establishment | None:
        return self.rows.get(siret)

    async def declare_interests(self, siret: str, cpv_codes: list[str]) -> bool:
        if siret not in self.rows:
            return False
        self.rows[siret] = replace(self.rows[siret], cpv_interests=sorted({code[:8] for code in cpv_codes}))
        return True

    async def search(self, *, name: str | None = None, siret: str | None = None, cpv: str | None = None,
                     commune: str | None = None, include_closed: bool = False, trigram: bool | None = None,
                     limit: int = 20, offset: int = 0) -> list[Establishment]:
        self.searches.append({"name": name, "siret": siret, "cpv": cpv, "commune": commune,
                              "include_closed": include_closed, "limit": limit, "offset": offset})
        words = normalise(name or "").split()
        found = [e for e in self.rows.values()
                 if (siret is None or e.siret == siret) and (commune is None or e.commune_code == commune.upper())
                 and (cpv is None or any(i.startswith(cpv_prefix(cpv[:8])) for i in e.cpv_interests))
                 and (include_closed or e.active) and all(word in normalise(e.name) for word in words)]
        return sorted(found, key=lambda e: (e.name, e.siret))[offset:offset + limit]


@dataclass
class FakeRepositories:
    """What `uow.repos` gives on a FakeUnitOfWork: unefois_sourcing.repositories.Repositories' attributes."""

    needs: FakeNeeds = field(default_factory=FakeNeeds)
    research: FakeResearch = field(default_factory=FakeResearch)
    clauses: FakeClauses = field(default_factory=FakeClauses)
    suppliers: FakeSuppliers = field(default_factory=FakeSuppliers)
