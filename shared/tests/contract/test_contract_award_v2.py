"""Contract tests of the award event: AwardDecided.v2 carries what contracts, invoicing and open
data need (holders with their DECP identifier types, grouping and mandataire, the winning bid's
price, subcontracting declared, the lot, the standstill), and v1 is still said beside it."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError
from unefois_events.catalogue import (
    CATALOGUE,
    AwardDecided,
    AwardDecidedV2,
    ContractNotified,
    Holder,
)
from unefois_events.values import IdentifierType, OperatorGrouping
from unefois_kernel.testing import SUPPLIER, purchase

MANDATAIRE = Holder(identifier_type="SIRET", identifier=SUPPLIER.siret, name=SUPPLIER.name, role="mandataire")
FOREIGN = Holder(identifier_type="TVA", identifier="DE123456789", name="Straßenbau GmbH", role="cotraitant")


def _award(**changes) -> AwardDecidedV2:
    fields = {
        "award_id": uuid.uuid4(), "consultation_id": uuid.uuid4(), "consultation_reference": "2026-0001",
        "purchase": purchase(), "lot_title": "Réfection de la voirie communale", "holders": [MANDATAIRE, FOREIGN],
        "grouping": OperatorGrouping.JOINT_AND_SEVERAL, "winning_bid_id": uuid.uuid4(), "amount": Decimal("98765.43"),
        "price_form": "Forfaitaire", "price_types": ["Définitif ferme"], "offers_received": 4,
        "subcontracting_declared": True, "subcontracting_amount": Decimal("12000.00"),
        "awarded_at": datetime(2026, 11, 2, 9, tzinfo=UTC), "letters_sent_on": date(2026, 11, 2),
        "standstill_ends_on": date(2026, 11, 13),
    }
    fields.update(changes)
    return AwardDecidedV2(**fields)


def test_v2_is_published_beside_v1_on_the_award_topic():
    assert CATALOGUE["fr.unefois.tendering.AwardDecided.v2"] is AwardDecidedV2
    assert CATALOGUE["fr.unefois.tendering.AwardDecided.v1"] is AwardDecided
    assert AwardDecidedV2.topic == AwardDecided.topic


def test_the_identifier_types_are_decp_2_list():
    assert [member.value for member in IdentifierType] == ["SIRET", "TVA", "TAHITI", "RIDET", "FRWF", "IREP", "HORS-UE"]


def test_a_grouping_with_a_foreign_member_round_trips_through_json():
    award = _award()
    again = AwardDecidedV2.model_validate_json(award.model_dump_json())
    assert again == award
    assert again.mandataire == MANDATAIRE and again.holders[1].siret is None
    assert again.amount_source == "offre"


def test_a_foreign_grouping_cannot_be_said_in_v1_a_siret_one_can():
    assert _award().as_v1() is None
    french = Holder(identifier_type="SIRET", identifier="81000005900016", name="Enrobés du Sud", role="cotraitant")
    award = _award(holders=[french, MANDATAIRE])
    v1 = award.as_v1()
    assert [winner.siret for winner in v1.winners] == [SUPPLIER.siret, "81000005900016"]  # mandataire first
    assert (v1.award_id, v1.amount, v1.grouping) == (award.award_id, award.amount, award.grouping)
    # And back: v1's first winner is the mandataire.
    assert AwardDecidedV2.of_v1(v1).mandataire.siret == SUPPLIER.siret


@pytest.mark.parametrize("changes", [
    {"holders": [MANDATAIRE]},                                    # a grouping of one
    {"holders": [FOREIGN, FOREIGN.model_copy(update={"identifier": "DE999999999"})]},  # no mandataire
    {"holders": [MANDATAIRE, MANDATAIRE]},                        # the same holder twice
    {"grouping": OperatorGrouping.NONE},                          # two holders, no grouping
    {"subcontracting_declared": False},                           # an amount without subcontracting
    {"letters_sent_on": None},                                    # a standstill without letters
    {"origin_eu_share": 0.2, "origin_france_share": 0.5},         # more French than EU products
    {"origin_france_share": 0.5},                                 # France's share without the EU's
])
def test_incoherent_awards_are_refused(changes):
    with pytest.raises(ValidationError):
        _award(**changes)


@pytest.mark.parametrize(("kind", "identifier"), [("SIRET", "80000004400018"), ("TVA", "123"), ("TVA", "de123456789")])
def test_identifiers_have_their_types_shape(kind, identifier):
    with pytest.raises(ValidationError):
        Holder(identifier_type=kind, identifier=identifier, name="X")


def test_a_mapa_award_has_no_standstill_and_a_v1_award_reads_as_v2():
    sole = Holder.of(SUPPLIER)
    award = _award(holders=[sole], grouping="Pas de groupement", letters_sent_on=None, standstill_ends_on=None)
    assert award.standstill_ends_on is None and award.mandataire == sole


def test_contract_notified_carries_the_identified_holders_additively():
    assert ContractNotified.model_fields["identified_holders"].default_factory() == []
