"""The needs use cases through the real unit of work and repositories: a need created, its
research recorded, submitted and approved lands in its tables, the NeedApproved event in the
outbox (source sourcing, timed by the clock) and every decision in the audit trail, in the
transaction of the change; a refusal writes nothing."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from unefois_events.catalogue import NeedApproved, Organisation
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_sourcing.needs import service as needs
from unefois_sourcing.needs.domain import NeedStatus
from unefois_sourcing.needs.views import NeedDraft
from unefois_sourcing.research import service as research

TPR = Organisation(siret="80000004400019", name="Travaux Publics Rhodaniens SAS")
FACTS = {
    "object": "Tonte des stades municipaux", "nature": "services", "main_cpv": "77310000", "estimated_value": "30000.00",
    "duration_months": 12, "place_of_execution": {"code": "01004", "code_type": "Code commune"},
    "procedure": "Procédure adaptée", "ccag": "Fournitures courantes et services", "techniques": ["Sans objet"],
    "execution_modes": ["Sans objet"],
}
INSERTION = "6f1d2c1e-3c1a-4b51-9a53-0a1b00000001"  # a clause of the platform's library (migration 0005)


async def _outbox(pool) -> list:
    async with pool.acquire() as conn:
        return await conn.fetch("SELECT event_type, key, tenant, headers, payload FROM outbox ORDER BY id")


async def _trail(pool) -> list[tuple[str, str]]:
    async with pool.acquire() as conn:
        return [(row["actor"], row["action"]) for row in
                await conn.fetch("SELECT actor, action FROM audit_trail ORDER BY id")]


async def test_a_need_from_draft_to_approval(uows, principals, pool):
    buyer, approver = principals["buyer"], principals["approver"]
    created = await needs.create(uows(buyer), NeedDraft.model_validate({"facts": FACTS, "clause_ids": [INSERTION]}))
    need_id = created.need.id
    assert created.need.created_at == uows.clock.now()
    assert [c.value for c in created.need.facts.social_considerations] == ["Clause sociale"]
    await research.shortlist_supplier(uows(buyer), need_id, TPR)
    await research.record_quote(uows(buyer), need_id, supplier=TPR, amount=Decimal("28000.00"),
                                received_on=date(2026, 10, 20))
    quote = (await research.read(uows(buyer), need_id)).quotes[0]
    await research.choose_quote(uows(buyer), need_id, quote.id, "Seule entreprise équipée pour les terrains")
    submitted = await needs.submit(uows(buyer), need_id)
    assert submitted.submitted_at == uows.clock.now()
    assert await _outbox(pool) == []  # nothing is published before the approval

    approved = await needs.approve(uows(approver), need_id)
    assert (approved.status, approved.approved_by, approved.approved_at) == (
        NeedStatus.APPROVED, approver.name, uows.clock.now())
    assert await needs.get(uows(buyer), need_id) == approved
    [row] = await _outbox(pool)
    assert (row["event_type"], row["key"], row["tenant"]) == (NeedApproved.ce_type, str(need_id), buyer.tenant)
    assert row["headers"]["ce_source"].endswith("sourcing")
    assert row["headers"]["ce_time"].startswith(uows.clock.now().date().isoformat())
    payload = json.loads(row["payload"])
    assert [s["siret"] for s in payload["invited_suppliers"]] == [TPR.siret]
    assert payload["approved_by"] == approver.name
    assert await _trail(pool) == [(buyer.actor, "need.created"), (buyer.actor, "quote.chosen"),
                                  (buyer.actor, "need.submitted"), (approver.actor, "need.approved")]
    file = await needs.need_file(uows(approver), need_id)
    assert list(file.research.shortlist) == [TPR] and file.decision is not None


async def test_a_refusal_writes_nothing_and_a_stranger_finds_nothing(uows, principals, pool):
    buyer, approver = principals["buyer"], principals["approver"]
    created = await needs.create(uows(buyer), NeedDraft.model_validate({"facts": FACTS}))
    with pytest.raises(DomainError) as refused:
        await needs.approve(uows(approver), created.need.id)  # a draft is not approved
    assert refused.value.status == 409
    with pytest.raises(NotFound):
        await needs.submit(uows(principals["stranger"]), created.need.id)
    with pytest.raises(NotFound):
        await research.write_notes(uows(principals["stranger"]), created.need.id, "x")
    assert await _outbox(pool) == []
    assert await _trail(pool) == [(buyer.actor, "need.created")]
    assert (await needs.get(uows(buyer), created.need.id)).status is NeedStatus.DRAFT


async def test_a_returned_need_is_edited_in_the_database_with_its_history(uows, principals, pool):
    buyer, approver = principals["buyer"], principals["approver"]
    created = await needs.create(uows(buyer), NeedDraft.model_validate({"facts": FACTS}))
    need_id = created.need.id
    await needs.submit(uows(buyer), need_id)
    with pytest.raises(DomainError) as refused:  # submitted: no edit
        await needs.edit(uows(buyer), need_id, NeedDraft.model_validate({"facts": FACTS}))
    assert (refused.value.status, refused.value.field) == (409, "status")
    await needs.return_for_changes(uows(approver), need_id, "Préciser le nombre de stades.")

    changed = {**FACTS, "object": "Tonte des trois stades municipaux", "estimated_value": "32000.00"}
    edited = await needs.edit(uows(buyer), need_id, NeedDraft.model_validate({"facts": changed}))
    stored = await needs.get(uows(buyer), need_id)
    assert stored == edited.need and stored.status is NeedStatus.DRAFT
    assert (stored.facts.object, stored.facts.estimated_value) == ("Tonte des trois stades municipaux",
                                                                   Decimal("32000.00"))
    assert stored.return_comment == "Préciser le nombre de stades."  # until it is submitted again
    assert await _trail(pool) == [(buyer.actor, "need.created"), (buyer.actor, "need.submitted"),
                                  (approver.actor, "need.returned"), (buyer.actor, "need.edited")]
    file = await needs.need_file(uows(buyer), need_id)
    assert [entry.action for entry in file.history] == ["need.created", "need.submitted", "need.returned",
                                                        "need.edited"]
    assert file.history[3].actor == buyer.name and file.history[3].change["changes"] == [
        {"field": "object", "before": "Tonte des stades municipaux", "after": "Tonte des trois stades municipaux"},
        {"field": "estimated_value", "before": "30000.00", "after": "32000.00"}]
    # Another buyer reads none of it.
    with pytest.raises(NotFound):
        await needs.history(uows(principals["stranger"]), need_id)
    resubmitted = await needs.submit(uows(buyer), need_id)
    assert resubmitted.return_comment is None
