"""Contracts from AwardDecided.v2 (pure): the holders with their identifier types and the
mandataire, the subcontracting declared, the lot's title and the standstill reach the contract
and its ContractNotified; a v1 award reads as v2; notification waits for the standstill's end
(art. R2182-1)."""

import uuid
from datetime import UTC, date, datetime

import pytest

from unefois_contracts.contracts import domain
from unefois_events.catalogue import Organisation
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.testing import SUPPLIER

AT = datetime(2026, 11, 21, 9, tzinfo=UTC)


def _contract(award):
    prepared, events = domain.prepare(award, contract_id=uuid.uuid4(), at=AT)
    assert events == []
    return prepared


def test_a_v2_award_keeps_its_holders_types_and_reaches_contract_notified(fakes):
    award = fakes.an_award_v2()
    contract = _contract(award)
    assert contract.award is award and contract.terms is award
    assert contract.terms.mandataire == fakes.MANDATAIRE
    notified, [event] = domain.notify(contract, sequence=1, notified_on=date(2026, 11, 21), at=AT)
    assert event.holders == [SUPPLIER], "v1's readers: the holders with a SIRET"
    assert event.identified_holders == [fakes.MANDATAIRE, fakes.FOREIGN]
    assert [(h.identifier_type, h.role) for h in event.identified_holders] == [("SIRET", "mandataire"),
                                                                             ("TVA", "cotraitant")]
    assert (event.grouping, event.subcontracting_declared, event.amount) == ("Solidaire", True, award.amount)
    shares = _contract(fakes.an_award_v2(origin_eu_share=0.7, origin_france_share=0.4))
    _, [event] = domain.notify(shares, sequence=2, notified_on=date(2026, 11, 21), at=AT)
    assert (event.origin_eu_share, event.origin_france_share) == (0.7, 0.4)


def test_the_notification_waits_for_the_standstill_end(fakes):
    contract = _contract(fakes.an_award_v2())  # letters sent on 10/11, standstill over on 21/11
    with pytest.raises(DomainError) as refused:
        domain.check_notification(contract, date(2026, 11, 20), today=date(2026, 11, 21))
    assert refused.value.field == "notified_on"
    assert "standstill_ends_on" in refused.value.detail and "21/11/2026" in refused.value.detail
    assert "R2182-1" in refused.value.detail
    domain.check_notification(contract, date(2026, 11, 21), today=date(2026, 11, 21))


def test_a_mapa_award_has_no_standstill_to_wait_for(fakes):
    award = fakes.an_award_v2(letters_sent_on=None, standstill_ends_on=None)
    domain.check_notification(_contract(award), date(2026, 11, 10), today=date(2026, 11, 10))


def test_a_contract_held_by_foreign_companies_only_is_not_notified_yet(fakes):
    lone = fakes.FOREIGN.model_copy(update={"role": "titulaire"})
    contract = _contract(fakes.an_award_v2(holders=[lone], grouping="Pas de groupement"))
    with pytest.raises(DomainError) as refused:
        domain.check_notification(contract, date(2026, 11, 21), today=date(2026, 11, 21))
    assert (refused.value.field, refused.value.status) == ("holders", 409)


def test_a_v1_award_is_kept_as_received_and_read_as_v2(fakes):
    other = Organisation(siret="81000005900016", name="Enrobés du Sud")
    award = fakes.an_award(winners=[SUPPLIER, other], grouping="Conjoint")
    contract = _contract(award)
    assert contract.award is award
    terms = contract.terms
    assert [(h.siret, h.role) for h in terms.holders] == [(SUPPLIER.siret, "mandataire"), (other.siret, "cotraitant")]
    assert (terms.standstill_ends_on, terms.lot_title, terms.amount_source) == (None, award.purchase.object, "saisi")
    assert domain.stored_award(award.model_dump(mode="json")) == award
    v2 = fakes.an_award_v2()
    assert domain.stored_award(v2.model_dump(mode="json")) == v2
