"""NeedsRepository on a real PostgreSQL: a need round-trips with the stamps it is given, each
tenant sees its own, the list filters, orders and pages in SQL, the splitting query looks 12
months back, the buyer's kind comes from its profile."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from unefois_kernel.testing import BUYER, OTHER_BUYER, purchase
from unefois_rules import BuyerKind
from unefois_sourcing.needs.domain import BuyerProfile, Need, NeedFilters, NeedOrder, NeedStatus

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def need(created_at: datetime = AT, *, buyer=BUYER, status: NeedStatus = NeedStatus.DRAFT, **facts) -> Need:
    stored = purchase(buyer, **facts)
    return Need(id=stored.need_id, tenant=buyer.siret, status=status, facts=stored, created_at=created_at)


async def test_a_need_round_trips_with_the_stamps_it_is_given(uows, principals):
    draft = need(AT - timedelta(days=3))
    async with uows(principals["buyer"]) as uow:
        await uow.repos.needs.add(draft)
    async with uows(principals["buyer"]) as uow:
        assert await uow.repos.needs.get(draft.id) == draft
        assert await uow.repos.needs.status(draft.id) is NeedStatus.DRAFT
        locked = await uow.repos.needs.get(draft.id, lock=True)
        approved = replace(locked, status=NeedStatus.APPROVED, submitted_at=AT, returned_at=AT, return_comment="Préciser",
                           approved_by="Dominique Valide", approved_at=AT)
        await uow.repos.needs.save(approved)
    async with uows(principals["buyer"]) as uow:
        assert await uow.repos.needs.get(draft.id) == approved
        assert await uow.repos.needs.get(uuid.uuid4()) is None
        assert await uow.repos.needs.status(uuid.uuid4(), lock=True) is None


async def test_another_tenant_sees_nothing_of_it(uows, principals):
    mine = need()
    async with uows(principals["buyer"]) as uow:
        await uow.repos.needs.add(mine)
    async with uows(principals["stranger"]) as uow:
        assert await uow.repos.needs.get(mine.id) is None
        assert await uow.repos.needs.count(OTHER_BUYER.siret) == 0
        # Even asking with the other tenant's SIRET: row-level security has the last word.
        assert await uow.repos.needs.count(BUYER.siret) == 0
        assert await uow.repos.needs.related_since("45", AT - timedelta(days=400)) == []


async def test_the_list_filters_orders_and_pages_in_sql(uows, principals):
    rows = [
        need(AT - timedelta(hours=1), object="Tonte des stades", estimated_value=Decimal("30000.00"), main_cpv="77310000",
             nature="services", ccag="Fournitures courantes et services", status=NeedStatus.APPROVED),
        need(AT - timedelta(hours=2), object="Réfection 100% voirie", estimated_value=Decimal("120000.00")),
        need(AT - timedelta(hours=3), object="abri vélos", estimated_value=Decimal("9000.50"),
             status=NeedStatus.SUBMITTED),
    ]
    async with uows(principals["buyer"]) as uow:
        for row in rows:
            await uow.repos.needs.add(row)
    tonte, voirie, abri = rows
    async with uows(principals["buyer"]) as uow:
        repo, tenant = uow.repos.needs, BUYER.siret

        async def objects(filters=NeedFilters(), order=NeedOrder.CREATED, ascending=False, limit=25, offset=0):
            items = await repo.page(tenant, filters, order=order, ascending=ascending, limit=limit, offset=offset)
            return [item.object for item in items]

        assert await repo.count(tenant) == 3
        assert await objects() == [tonte.facts.object, voirie.facts.object, abri.facts.object]
        assert await objects(order=NeedOrder.CREATED, ascending=True) == [abri.facts.object, voirie.facts.object,
                                                                          tonte.facts.object]
        assert await objects(order=NeedOrder.OBJECT, ascending=True) == ["abri vélos", "Réfection 100% voirie",
                                                                         "Tonte des stades"]  # case ignored
        assert await objects(order=NeedOrder.VALUE, ascending=False) == [voirie.facts.object, tonte.facts.object,
                                                                         abri.facts.object]
        assert await objects(order=NeedOrder.STATUS, ascending=True) == [voirie.facts.object, abri.facts.object,
                                                                         tonte.facts.object]  # draft, submitted, approved
        assert await objects(limit=1, offset=1) == [voirie.facts.object]
        assert await objects(NeedFilters(status=NeedStatus.SUBMITTED)) == [abri.facts.object]
        assert await objects(NeedFilters(text="100%")) == [voirie.facts.object]
        assert await repo.count(tenant, NeedFilters(text="1_0")) == 0  # LIKE's own characters match themselves
        assert await objects(NeedFilters(division="77")) == [tonte.facts.object]
        assert await repo.count(tenant, NeedFilters(status=NeedStatus.DRAFT, division="45")) == 1
        [item] = await repo.page(tenant, NeedFilters(division="77"), limit=5)
        assert (item.id, item.status, item.main_cpv, item.estimated_value, item.nature.value, item.created_at) == (
            tonte.id, NeedStatus.APPROVED, "77310000", Decimal("30000.00"), "services", tonte.created_at)


async def test_the_splitting_query_reads_one_division_or_operation_or_family_since_a_date(uows, principals):
    recent = need(AT - timedelta(days=30), planned_launch_date=AT.date() + timedelta(days=20),
                  works_operation="École Jules-Ferry")
    old = need(AT - timedelta(days=380))
    other_division = need(AT - timedelta(days=1), main_cpv="77310000", nature="services",
                          ccag="Fournitures courantes et services", purchase_family="Espaces verts")
    async with uows(principals["buyer"]) as uow:
        for row in (recent, old, other_division):
            await uow.repos.needs.add(row)
        since = AT - timedelta(days=365)
        [item] = await uow.repos.needs.related_since("45", since)
        assert (item.id, item.launch_date, item.works_operation) == (
            recent.id, AT.date() + timedelta(days=20), "École Jules-Ferry")
        assert await uow.repos.needs.related_since("45", since, exclude=recent.id) == []
        # The same operation, or the same family, whatever the CPV division.
        assert [i.id for i in await uow.repos.needs.related_since("71", since, operation="École Jules-Ferry")] == [
            recent.id]
        [family] = await uow.repos.needs.related_since("30", since, family="Espaces verts")
        assert (family.id, family.purchase_family, family.launch_date) == (other_division.id, "Espaces verts",
                                                                            other_division.created_at.date())


async def test_only_a_draft_has_its_facts_rewritten(uows, principals):
    draft, submitted = need(), need(status=NeedStatus.SUBMITTED)
    async with uows(principals["buyer"]) as uow:
        for row in (draft, submitted):
            await uow.repos.needs.add(row)
    async with uows(principals["buyer"]) as uow:
        for row in (draft, submitted):
            await uow.repos.needs.save_facts(replace(row, facts=row.facts.model_copy(update={"object": "Changé"})))
    async with uows(principals["buyer"]) as uow:
        assert (await uow.repos.needs.get(draft.id)).facts.object == "Changé"
        assert await uow.repos.needs.get(submitted.id) == submitted


async def test_the_buyers_legal_status_comes_from_its_profile(uows, principals, as_admin):
    async with uows(principals["buyer"]) as uow:
        assert await uow.repos.needs.public_body() is True  # no profile: a local authority, a public body
    await as_admin("INSERT INTO tenant_profiles (tenant, buyer_kind) VALUES ($1, 'utility')", BUYER.siret)
    async with uows(principals["buyer"]) as uow:
        assert await uow.repos.needs.public_body() is None  # a profile that does not say
    await as_admin("UPDATE tenant_profiles SET public_body = false WHERE tenant = $1", BUYER.siret)
    async with uows(principals["buyer"]) as uow:
        assert (await uow.repos.needs.buyer_kind(), await uow.repos.needs.public_body()) == (BuyerKind.UTILITY, False)
    async with uows(principals["stranger"]) as uow:
        assert await uow.repos.needs.public_body() is True


async def test_the_buyers_profile_is_read_in_one_query(uows, principals, as_admin):
    async with uows(principals["buyer"]) as uow:
        assert await uow.repos.needs.buyer_profile() == BuyerProfile(BuyerKind.LOCAL, True)  # no profile
    await as_admin("INSERT INTO tenant_profiles (tenant, buyer_kind, public_body) VALUES ($1, 'defence', false)",
                   BUYER.siret)
    async with uows(principals["buyer"]) as uow:
        assert await uow.repos.needs.buyer_profile() == BuyerProfile(BuyerKind.DEFENCE, False)
    async with uows(principals["stranger"]) as uow:  # another buyer's profile is not its own
        assert await uow.repos.needs.buyer_profile() == BuyerProfile(BuyerKind.LOCAL, True)


async def test_the_buyers_kind_comes_from_its_profile(uows, principals, as_admin):
    async with uows(principals["buyer"]) as uow:
        assert await uow.repos.needs.buyer_kind() is BuyerKind.LOCAL  # no profile: a local authority
    await as_admin("INSERT INTO tenant_profiles (tenant, buyer_kind) VALUES ($1, 'state')", BUYER.siret)
    async with uows(principals["buyer"]) as uow:
        assert await uow.repos.needs.buyer_kind() is BuyerKind.STATE
    async with uows(principals["stranger"]) as uow:
        assert await uow.repos.needs.buyer_kind() is BuyerKind.LOCAL  # another buyer's profile is not its own
