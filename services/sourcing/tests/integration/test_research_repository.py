"""ResearchRepository on a real PostgreSQL: notes stamped with the time given, one quote per
supplier (a new one replaces its figures), one chosen quote at most, a shortlist by name; each
tenant sees its own."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from unefois_events.catalogue import Organisation
from unefois_kernel.testing import BUYER, purchase
from unefois_sourcing.needs.domain import Need, NeedStatus
from unefois_sourcing.research.domain import Quote

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TPR = Organisation(siret="80000004400019", name="Travaux Publics Rhodaniens SAS")
FDC = Organisation(siret="81000005900016", name="Fournitures du Centre")


async def _a_need(uows, principal) -> uuid.UUID:
    facts = purchase(BUYER)
    async with uows(principal) as uow:
        await uow.repos.needs.add(Need(id=facts.need_id, tenant=BUYER.siret, status=NeedStatus.DRAFT, facts=facts,
                                       created_at=AT))
    return facts.need_id


async def test_the_research_of_a_need_round_trips(uows, principals, pool):
    buyer = principals["buyer"]
    need_id = await _a_need(uows, buyer)
    async with uows(buyer) as uow:
        research = uow.repos.research
        empty = await research.of(need_id)
        assert (empty.notes, list(empty.quotes), list(empty.shortlist)) == ("", [], [])
        await research.save_notes(need_id, "Premier jet", tenant=BUYER.siret, at=AT - timedelta(hours=1))
        await research.save_notes(need_id, "Trois entreprises consultées.", tenant=BUYER.siret, at=AT)
        first = Quote(uuid.uuid4(), TPR, Decimal("1200.00"), date(2026, 10, 20))
        await research.save_quote(need_id, first, tenant=BUYER.siret)
        await research.save_quote(need_id, Quote(uuid.uuid4(), FDC, Decimal("990.00"), date(2026, 10, 21)),
                                  tenant=BUYER.siret)
        await research.choose(need_id, first.id, "Délai plus court")
        # A new quote of the same supplier replaces its figures, and keeps it chosen.
        await research.save_quote(need_id, Quote(uuid.uuid4(), Organisation(siret=TPR.siret, name="TPR"),
                                                 Decimal("980.00"), date(2026, 10, 25)), tenant=BUYER.siret)
        await research.add_to_shortlist(need_id, TPR, tenant=BUYER.siret)
        await research.add_to_shortlist(need_id, FDC, tenant=BUYER.siret)
        await research.add_to_shortlist(need_id, Organisation(siret=TPR.siret, name="TPR"), tenant=BUYER.siret)
    async with uows(buyer) as uow:
        found = await uow.repos.research.of(need_id)
        assert found.notes == "Trois entreprises consultées."
        assert [(q.id, q.supplier.name, q.amount, q.received_on, q.chosen, q.choice_reason) for q in found.quotes] == [
            (first.id, "TPR", Decimal("980.00"), date(2026, 10, 25), True, "Délai plus court"),
            (found.quotes[1].id, FDC.name, Decimal("990.00"), date(2026, 10, 21), False, None),
        ]
        await uow.repos.research.choose(need_id, found.quotes[1].id, "Finalement le moins-disant")
        assert [q.chosen for q in await uow.repos.research.quotes(need_id)] == [False, True]  # one chosen at most
        assert [s.name for s in await uow.repos.research.shortlist(need_id)] == [FDC.name, "TPR"]
    async with pool.acquire() as conn:  # the stamp is the one given, not the database's clock
        async with conn.transaction():
            await conn.execute("SELECT set_config('unefois.tenant', $1, true)", BUYER.siret)
            assert await conn.fetchval("SELECT updated_at FROM market_research WHERE need_id = $1", need_id) == AT


async def test_another_tenant_sees_none_of_it(uows, principals):
    need_id = await _a_need(uows, principals["buyer"])
    async with uows(principals["buyer"]) as uow:
        await uow.repos.research.save_notes(need_id, "Notes", tenant=BUYER.siret, at=AT)
        await uow.repos.research.add_to_shortlist(need_id, TPR, tenant=BUYER.siret)
    async with uows(principals["stranger"]) as uow:
        other = await uow.repos.research.of(need_id)
        assert (other.notes, list(other.shortlist)) == ("", [])


async def test_a_quote_keeps_its_file_name_and_removals_take_one_row(uows, principals):
    buyer = principals["buyer"]
    need_id = await _a_need(uows, buyer)
    async with uows(buyer) as uow:
        research = uow.repos.research
        kept = Quote(uuid.uuid4(), TPR, Decimal("1200.00"), date(2026, 10, 20), file_name="devis-114.pdf")
        gone = Quote(uuid.uuid4(), FDC, Decimal("990.00"), date(2026, 10, 21))
        await research.save_quote(need_id, kept, tenant=BUYER.siret)
        await research.save_quote(need_id, gone, tenant=BUYER.siret)
        await research.add_to_shortlist(need_id, TPR, tenant=BUYER.siret)
        await research.add_to_shortlist(need_id, FDC, tenant=BUYER.siret)
    async with uows(buyer) as uow:
        await uow.repos.research.remove_quote(need_id, gone.id)
        await uow.repos.research.remove_from_shortlist(need_id, FDC.siret)
        await uow.repos.research.remove_from_shortlist(need_id, "35600000000048")  # not listed: nothing
    async with uows(buyer) as uow:
        found = await uow.repos.research.of(need_id)
    assert [(q.id, q.file_name) for q in found.quotes] == [(kept.id, "devis-114.pdf")]
    assert list(found.shortlist) == [TPR]
