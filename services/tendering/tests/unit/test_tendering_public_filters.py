"""The public side (pure and on fakes): filter parsing, the projection, the search's use case."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from unefois_kernel.domain_errors import InvalidFields, NotFound
from unefois_tendering.consultations import service as consultations
from unefois_tendering.public import domain, service
from unefois_tendering.public.domain import Sort, StatusFilter, parse_filters


def test_no_filter_means_open_ones_soonest_deadline_first():
    filters = parse_filters({})
    assert (filters.status, filters.sort, filters.page, filters.page_size) == (StatusFilter.OPEN, Sort.DEADLINE, 1, 20)


def test_text_is_unaccented_and_the_last_word_a_prefix():
    filters = parse_filters({"q": "  Entretien des ÉCOLES maternell "})
    assert filters.words == ("entretien", "des", "ecoles", "maternell")
    assert filters.tsquery_terms() == ("entretien & des & ecoles", "maternell:*")


def test_tsquery_syntax_from_the_visitor_is_dropped():
    assert parse_filters({"q": "a & b | !c:* (d)"}).words == ("a", "b", "c", "d")


@pytest.mark.parametrize(("given", "prefix"), [("45", "45"), ("452", "452"), ("45000000", "45"),
                                               ("45261210-7", "4526121"), ("90910000", "9091")])
def test_cpv_is_a_prefix_of_the_hierarchy(given, prefix):
    assert parse_filters({"cpv": given}).cpv_prefix == prefix


def test_cpv_prefixes_of_a_code_are_its_levels():
    assert domain.cpv_prefixes(["45261210-7"]) == ["45", "452", "4526", "45261", "452612", "4526121", "45261210"]


@pytest.mark.parametrize(("place", "department", "commune"), [("75", "75", None), ("2a", "2A", None),
                                                                 ("971", "971", None), ("69123", None, "69123"),
                                                                 ("2B033", None, "2B033")])
def test_place_is_a_department_or_a_commune(place, department, commune):
    filters = parse_filters({"place": place})
    assert (filters.department, filters.commune) == (department, commune)


@pytest.mark.parametrize(("code", "code_type", "department"), [
    ("69123", "Code commune", "69"), ("97411", "Code commune", "974"), ("2A004", "Code commune", "2A"),
    ("75011", "Code postal", "75"), ("20000", "Code postal", "2A"), ("20200", "Code postal", "2B"),
    ("97400", "Code postal", "974"), ("13", "Code département", "13"), ("84", "Code région", None)])
def test_department_of_a_place(code, code_type, department):
    assert domain.department_of(code, code_type) == department


def test_buyer_is_a_siret_or_a_name():
    assert parse_filters({"buyer": "213 100 540 00011"}).buyer_siret == "21310054000011"
    assert parse_filters({"buyer": "Région Démo"}).buyer_name == "region demo"


def test_deadline_window_in_paris_days_inclusive():
    after, before = parse_filters({"closing_after": "2026-12-01", "closing_before": "2026-12-31"}).closing_bounds()
    assert after == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert before == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)  # 00:00 on 1 January in Paris: "à 24 h" included


def test_procedure_by_key_or_label():
    assert parse_filters({"procedure": "open"}).procedure == "Appel d'offres ouvert"
    assert parse_filters({"procedure": "Procédure adaptée"}).procedure == "Procédure adaptée"


def test_every_unreadable_filter_is_named():
    with pytest.raises(InvalidFields) as refused:
        parse_filters({"cpv": "4", "place": "Paris", "closing_after": "31/12/2026", "buyer": "!!", "procedure": "x",
                       "nature": "travaux", "status": "ouvertes", "sort": "prix", "page": "0", "page_size": "500",
                       "q": "x" * 201})
    fields = [error["field"] for error in refused.value.errors]
    assert fields == ["q", "cpv", "place", "closing_after", "buyer", "procedure", "nature", "status", "sort", "page",
                      "page_size"]
    assert all(error["reason"] for error in refused.value.errors)


def test_a_window_ending_before_it_starts_is_refused():
    with pytest.raises(InvalidFields) as refused:
        parse_filters({"closing_after": "2026-12-31", "closing_before": "2026-12-01"})
    assert refused.value.errors[0]["field"] == "closing_before"


async def test_publication_writes_the_projection_and_the_clock_closes_it(fakes, uow_for, repos, clock):
    need = fakes.a_need(approved_at=clock.now(), lots=[])
    published, _ = await fakes.open_and_publish(uow_for, need)
    item, now = await service.consultation(uow_for(), published.id)
    assert (item.reference, item.object, item.buyer_siret) == (published.reference, published.purchase.object,
                                                               published.purchase.buyer.siret)
    assert item.status_at(now) is domain.PublicStatus.OPEN
    page = await service.search(uow_for(), {"q": published.purchase.object.split()[0][:4]})
    assert [found.id for found in page.items] == [published.id]
    clock.set(published.bid_deadline)
    assert (await service.search(uow_for(), {})).items == ()
    closed = await service.search(uow_for(), {"status": "closed"})
    assert [found.id for found in closed.items] == [published.id]
    assert closed.items[0].status_at(closed.now) is domain.PublicStatus.CLOSED


async def test_a_draft_is_not_public(fakes, uow_for, clock):
    need = fakes.a_need(approved_at=clock.now())
    draft = await consultations.open_from_need(uow_for(tenant=need.tenant), need)
    with pytest.raises(NotFound):
        await service.consultation(uow_for(), draft.id)
    with pytest.raises(NotFound):
        await service.consultation(uow_for(), uuid.uuid4())


async def test_search_pages(fakes, repos, uow_for, clock):
    base = fakes.a_consultation(at=clock.now())
    for index in range(5):
        projected = domain.project(base)
        repos.public_consultations.rows[uuid.uuid4()] = projected.__class__(
            **{**projected.__dict__, "id": uuid.uuid4(), "bid_deadline": base.bid_deadline + timedelta(days=index)})
    first = await service.search(uow_for(), {"page_size": "2"})
    third = await service.search(uow_for(), {"page_size": "2", "page": "3"})
    assert (len(first.items), first.has_more, len(third.items), third.has_more) == (2, True, 1, False)
    assert first.items[0].bid_deadline < first.items[1].bid_deadline
