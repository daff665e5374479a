"""Supplier directory use cases on a FakeUnitOfWork: criteria that can match nothing are refused
naming their field; the others reach the repository as given."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_sourcing.suppliers import service
from unefois_sourcing.suppliers.domain import Establishment, SupplierSearch, criteria_errors

MENUISERIE = Establishment(
    siret="73282932000074", siren="732829320", name="Menuiserie Lefèvre", address_line="12 Rue PASTEUR",
    address_complement=None, postal_code="69001", city="LYON", commune_code="69381", country=None, size_category="PME",
    size_basis="trancheEffectifsEtablissement", naf_code="43.32A", head_office=True, active=True,
    cpv_interests=["45421000"], source="sirene", updated_at=datetime(2026, 10, 1, tzinfo=UTC))


@pytest.mark.parametrize(("criteria", "field"), [
    ({"siret": "73282932000075"}, "siret"),  # wrong Luhn key
    ({"cpv": "45000000-3"}, "cpv"),  # wrong check digit
    ({"cpv": "99999999"}, "cpv"),
    ({"commune": "75001"}, "commune"),  # a postal code, not an INSEE code
])
async def test_a_criterion_that_can_match_nothing_is_refused(buyer, repos, criteria, field):
    with pytest.raises(DomainError) as refused:
        await service.search(buyer, SupplierSearch(**criteria))
    assert (refused.value.field, refused.value.status) == (field, 422)
    assert repos.suppliers.searches == []


def test_every_wrong_criterion_is_named_in_the_forms_order():
    assert [e["field"] for e in criteria_errors(siret="1234", cpv="99999999", commune="99999")] == [
        "siret", "cpv", "commune"]
    assert criteria_errors(siret="73282932000074", cpv="45420000-7", commune="69381") == []
    assert criteria_errors() == []


async def test_search_and_read_one(buyer, repos):
    repos.suppliers.rows[MENUISERIE.siret] = MENUISERIE
    found = await service.search(buyer, SupplierSearch(name="lefevre", cpv="45420000-7", limit=5, offset=0))
    assert found == [MENUISERIE]
    assert repos.suppliers.searches == [{"name": "lefevre", "siret": None, "cpv": "45420000-7", "commune": None,
                                         "include_closed": False, "limit": 5, "offset": 0}]
    assert await service.get(buyer, MENUISERIE.siret) == MENUISERIE
    with pytest.raises(NotFound) as missing:
        await service.get(buyer, "35600000000048")
    assert missing.value.field == "siret"


async def test_a_search_with_no_criterion_is_refused_naming_q(buyer, repos):
    for criteria in (SupplierSearch(), SupplierSearch(include_closed=True), SupplierSearch(name="  ")):
        with pytest.raises(DomainError) as refused:
            await service.search(buyer, criteria)
        assert (refused.value.field, refused.value.status) == ("q", 422)
        assert "au moins un critère" in str(refused.value)
    assert repos.suppliers.searches == []


async def test_a_siret_typed_with_spaces_is_found(buyer, repos):
    repos.suppliers.rows[MENUISERIE.siret] = MENUISERIE
    assert await service.search(buyer, SupplierSearch(siret="732 829 320 00074")) == [MENUISERIE]
    assert repos.suppliers.searches[-1]["siret"] == "73282932000074"
    assert await service.get(buyer, "732 829 320 00074") == MENUISERIE
    with pytest.raises(DomainError) as refused:
        await service.get(buyer, "732 829 320 00075")
    assert (refused.value.field, refused.value.status) == ("siret", 422)


async def test_a_name_too_long_is_refused_naming_q(buyer, repos):
    with pytest.raises(DomainError) as refused:
        await service.search(buyer, SupplierSearch(name="x" * 201))
    assert refused.value.field == "q"
