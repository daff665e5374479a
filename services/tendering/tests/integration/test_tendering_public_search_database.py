"""The public projection on the real PostgreSQL: written in the publication's transaction,
readable by anyone (anonymous included), written by the buyer's tenant only (row-level
security); every search filter; closed once the bid deadline has passed, by the clock."""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg
import pytest

from unefois_kernel.clock import PLATFORM_TZ
from unefois_kernel.domain_errors import NotFound
from unefois_kernel.testing import BUYER, OTHER_BUYER, load_beside
from unefois_tendering.consultations import service as consultations
from unefois_tendering.public import domain, service

fakes = load_beside(__file__.replace("/integration/", "/unit/"), name="unefois_tendering_unit_fakes")


async def publish(uows, principal, buyer=BUYER, **changes):
    need = fakes.a_need(buyer, approved_at=uows.clock.now(), **changes)
    draft = await consultations.open_from_need(uows.system(need.tenant), need)
    await consultations.prepare(uows(principal), draft.id, fakes.a_preparation(draft, at=uows.clock.now()))
    return await consultations.publish(uows(principal), draft.id)


async def ids(uows, **params) -> list[uuid.UUID]:
    return [item.id for item in (await service.search(uows(None), {k: str(v) for k, v in params.items()})).items]


@pytest.fixture
async def three(uows, principals):
    """Cleaning in Lyon (services), school roofing in Paris (works, 2 lots), laptops for the other buyer."""
    cleaning = await publish(uows, principals["buyer"], object="Nettoyage des locaux de la mairie", nature="services",
                             main_cpv="90910000", ccag="Fournitures courantes et services",
                             place_of_execution={"code": "69123", "code_type": "Code commune"})
    roofing = await publish(uows, principals["buyer"], object="Réfection des toitures des écoles",
                            main_cpv="45261210", additional_cpvs=["45453000"],
                            place_of_execution={"code": "75011", "code_type": "Code postal"},
                            lots=[{"number": 1, "title": "Couverture zinc", "estimated_value": "60000.00"},
                                  {"number": 2, "title": "Étanchéité des terrasses", "estimated_value": "60000.00"}])
    laptops = await publish(uows, principals["other_buyer"], buyer=OTHER_BUYER, object="Ordinateurs portables",
                            nature="supplies", main_cpv="30213100", ccag="Fournitures courantes et services",
                            place_of_execution={"code": "38", "code_type": "Code département"})
    return cleaning, roofing, laptops


async def test_written_at_publication_and_read_by_anyone(uows, principals, three):
    cleaning, roofing, laptops = three
    item, now = await service.consultation(uows(None), roofing.id)
    assert (item.reference, item.buyer_name, item.department, item.commune) == (roofing.reference, BUYER.name, "75", None)
    assert [lot.title for lot in item.lots] == ["Couverture zinc", "Étanchéité des terrasses"]
    assert item.fingerprint and item.criteria and item.required_documents == ("dume",)
    assert item.status_at(now) is domain.PublicStatus.OPEN
    assert set(await ids(uows)) == {cleaning.id, roofing.id, laptops.id}
    # A draft is not public.
    need = fakes.a_need(approved_at=uows.clock.now())
    draft = await consultations.open_from_need(uows.system(need.tenant), need)
    with pytest.raises(NotFound):
        await service.consultation(uows(None), draft.id)


async def test_only_the_buyers_tenant_writes(uows, principals, three):
    _, roofing, _ = three
    projected = domain.project(await consultations.get(uows(principals["buyer"]), roofing.id))
    copy = domain.PublicConsultation(**{**projected.__dict__, "id": uuid.uuid4()})
    for uow in (uows(None), uows.system(OTHER_BUYER.siret)):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with uow:
                await uow.repos.public_consultations.add(copy)
    async with uows.system(OTHER_BUYER.siret) as other:
        changed = await other.connection.execute("UPDATE public_consultations SET object = 'x' WHERE tenant = $1",
                                                 BUYER.siret)
        assert changed == "UPDATE 0"
        assert await other.connection.execute("DELETE FROM public_consultations") == "DELETE 0"


async def test_each_filter(uows, three):
    cleaning, roofing, laptops = three
    assert await ids(uows, q="local mairie") == [cleaning.id]  # french stemming: locaux ~ local
    assert await ids(uows, q="toiture ecol") == [roofing.id]  # toitures ~ toiture
    assert await ids(uows, q="ecole toit") == [roofing.id]  # unaccented, the last word a prefix
    assert await ids(uows, q="etancheite") == [roofing.id]  # a lot's title
    assert await ids(uows, q="ordinat") == [laptops.id]
    assert await ids(uows, cpv="45") == [roofing.id]
    assert await ids(uows, cpv="4545") == [roofing.id]  # an additional code's class
    assert await ids(uows, cpv="909") == [cleaning.id]
    assert await ids(uows, cpv="30213100-6") == [laptops.id]
    assert await ids(uows, place="69") == [cleaning.id]
    assert await ids(uows, place="69123") == [cleaning.id]
    assert await ids(uows, place="75") == [roofing.id]
    assert await ids(uows, place="38") == [laptops.id]
    assert await ids(uows, buyer=OTHER_BUYER.siret) == [laptops.id]
    assert set(await ids(uows, buyer="demoville")) == {cleaning.id, roofing.id}
    assert await ids(uows, nature="supplies") == [laptops.id]
    assert await ids(uows, procedure="adapted", nature="works") == [roofing.id]
    day = cleaning.bid_deadline.astimezone(PLATFORM_TZ).date()  # all three: published the same minute
    assert set(await ids(uows, closing_after=day, closing_before=day)) == {cleaning.id, roofing.id, laptops.id}
    assert await ids(uows, closing_after=day + timedelta(days=1)) == []
    assert await ids(uows, closing_before=day - timedelta(days=1)) == []
    assert await ids(uows, q="nettoyage", cpv="45") == []


async def test_closed_after_the_deadline_by_the_clock(uows, three):
    cleaning, _, _ = three
    uows.clock.set(cleaning.bid_deadline)
    assert await ids(uows) == []
    assert len(await ids(uows, status="closed")) == 3
    assert len(await ids(uows, status="all", sort="published")) == 3
    item, now = await service.consultation(uows(None), cleaning.id)
    assert item.status_at(now) is domain.PublicStatus.CLOSED
