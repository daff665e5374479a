"""The transitional award producer (pure): the typed decision said as AwardDecided.v2 (holders
with their identifier types, the lot's title, subcontracting, letters and standstill) and as v1
beside it while every holder has a SIRET."""

import dataclasses
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from unefois_events.catalogue import AwardDecidedV2, Holder, Lot, NeedApproved
from unefois_kernel.domain_errors import DomainError
from unefois_kernel.testing import SUPPLIER, purchase
from unefois_tendering.awards import domain as awards
from unefois_tendering.awards.domain import AwardDecision
from unefois_tendering.consultations import domain
from unefois_tendering.consultations.domain import ConsultationStatus

AT = datetime(2026, 11, 2, 10, tzinfo=UTC)
TODAY = date(2026, 11, 2)
MANDATAIRE = Holder(identifier_type="SIRET", identifier=SUPPLIER.siret, name=SUPPLIER.name, role="mandataire")
FOREIGN = Holder(identifier_type="TVA", identifier="DE123456789", name="Straßenbau GmbH", role="cotraitant")
LOTS = [Lot(number=1, title="Voirie", estimated_value=Decimal("60000.00")),
        Lot(number=2, title="Éclairage public", estimated_value=Decimal("60000.00"))]


def _consultation(**facts):
    need = NeedApproved(purchase=purchase(**facts), approved_by="A", approved_at=AT)
    consultation = domain.open_consultation(need, consultation_id=uuid.uuid4(), reference="2026-0001", at=AT)
    return dataclasses.replace(consultation, status=ConsultationStatus.PUBLISHED, published_at=AT)


def _events(consultation=None, **changes):
    fields = {"winners": [SUPPLIER], "amount": Decimal("1000.00"), "price_form": "Forfaitaire",
              "price_types": ["Définitif ferme"], "offers_received": 2}
    fields.update(changes)
    _, events = awards.award(consultation or _consultation(), AwardDecision(**fields), award_id=uuid.uuid4(),
                             at=AT, today=TODAY)
    return events


def test_a_foreign_grouping_member_is_said_in_v2_only():
    [event] = _events(_consultation(lots=LOTS), winners=None, holders=[MANDATAIRE, FOREIGN],
                      grouping="Solidaire", lot_number=2, subcontracting_declared=True,
                      subcontracting_amount=Decimal("300.00"), winning_bid_id=uuid.UUID(int=7))
    assert isinstance(event, AwardDecidedV2)
    assert event.holders == [MANDATAIRE, FOREIGN] and event.mandataire == MANDATAIRE
    assert (event.lot_number, event.lot_title) == (2, "Éclairage public")
    assert (event.subcontracting_declared, event.subcontracting_amount) == (True, Decimal("300.00"))
    assert (event.winning_bid_id, event.amount_source) == (uuid.UUID(int=7), "offre")
    [shares] = _events(origin_eu_share=0.9, origin_france_share=0.6)[:1]
    assert (shares.origin_eu_share, shares.origin_france_share) == (0.9, 0.6)


def test_siret_winners_become_holders_and_v1_is_said_beside():
    other = SUPPLIER.model_copy(update={"siret": "81000005900016"})
    v2, v1 = _events(winners=[SUPPLIER, other], grouping="Conjoint")
    assert [(h.siret, h.role) for h in v2.holders] == [(SUPPLIER.siret, "mandataire"), (other.siret, "cotraitant")]
    assert v1.winners == [SUPPLIER, other] and v1.award_id == v2.award_id
    assert v2.lot_title == v2.purchase.object and v2.amount_source == "saisi"


@pytest.mark.parametrize(("procedure", "electronic", "ends_on"), [
    ("Appel d'offres ouvert", True, date(2026, 11, 13)),   # R2182-1: sent + 11 days
    ("Appel d'offres ouvert", False, date(2026, 11, 18)),  # 16 days when not electronic
    ("Procédure adaptée", True, None),                     # no standstill for a MAPA
])
def test_the_standstill_follows_r2182_1(procedure, electronic, ends_on):
    consultation = _consultation(procedure=procedure, estimated_value=Decimal("6000000.00"))
    v2 = _events(consultation, letters_electronic=electronic)[0]
    assert (v2.letters_sent_on, v2.standstill_ends_on) == (TODAY, ends_on)


def test_no_standstill_for_the_only_operator_r2182_2():
    consultation = _consultation(procedure="Appel d'offres ouvert", estimated_value=Decimal("6000000.00"))
    assert _events(consultation, offers_received=1)[0].standstill_ends_on is None


@pytest.mark.parametrize(("changes", "field"), [
    ({"winners": None}, "holders"),                                               # no holder at all
    ({"holders": [MANDATAIRE]}, "holders"),                                       # both ways at once
    ({"winners": None, "holders": [MANDATAIRE, FOREIGN]}, "grouping"),            # a grouping without its type
    ({"winners": None, "holders": [FOREIGN, FOREIGN.model_copy(update={"identifier": "DE999999999"})],
      "grouping": "Conjoint"}, "holders"),                                        # no mandataire
    ({"subcontracting_amount": Decimal("10.00")}, "subcontracting_amount"),
    ({"letters_sent_on": date(2026, 11, 3)}, "letters_sent_on"),                  # in the future
    ({"letters_sent_on": date(2026, 11, 1)}, "letters_sent_on"),                  # before the publication
    ({"origin_eu_share": 0.3, "origin_france_share": 0.4}, "origin_france_share"),  # DECP: France <= EU
])
def test_incoherent_decisions_are_refused_naming_the_field(changes, field):
    with pytest.raises(DomainError) as refused:
        _events(**changes)
    assert refused.value.field == field
