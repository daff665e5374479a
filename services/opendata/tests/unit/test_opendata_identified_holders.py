"""DECP titulaires from ContractNotified's identified_holders: each holder with its
typeIdentifiant (a foreign co-contractor by its VAT number), the record still valid."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from unefois_events.catalogue import Holder, Organisation
from unefois_events.values import OperatorGrouping
from unefois_opendata.records.decp import decp_document, decp_marche, exclusion_reasons, validate_decp_document

_spec = importlib.util.spec_from_file_location("unefois_opendata_test_decp_beside", Path(__file__).with_name("test_decp.py"))
_decp_tests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_decp_tests)
a_contract, HOLDER_SIRET, PUBLISHED_ON = _decp_tests.a_contract, _decp_tests.HOLDER_SIRET, _decp_tests.PUBLISHED_ON


def test_every_holder_is_published_with_its_identifier_type() -> None:
    identified = [
        Holder(identifier_type="SIRET", identifier=HOLDER_SIRET, name="Travaux Publics du Rhône", role="mandataire"),
        Holder(identifier_type="TVA", identifier="DE123456789", name="Straßenbau GmbH", role="cotraitant"),
    ]
    event = a_contract(holders=[Organisation(siret=HOLDER_SIRET, name="Travaux Publics du Rhône")],
                       identified_holders=identified, grouping=OperatorGrouping.JOINT_AND_SEVERAL)
    record = decp_marche(event, PUBLISHED_ON)
    assert record["titulaires"] == [{"titulaire": {"typeIdentifiant": "SIRET", "id": HOLDER_SIRET}},
                                    {"titulaire": {"typeIdentifiant": "TVA", "id": "DE123456789"}}]
    assert validate_decp_document(decp_document([record])) == []
    assert exclusion_reasons(record) == []


def test_an_older_producer_without_identified_holders_gives_siret_titulaires() -> None:
    record = decp_marche(a_contract(), PUBLISHED_ON)
    assert record["titulaires"] == [{"titulaire": {"typeIdentifiant": "SIRET", "id": HOLDER_SIRET}}]


def test_the_origin_shares_the_award_carried_are_published() -> None:
    record = decp_marche(a_contract(origin_eu_share=0.8, origin_france_share=0.5), PUBLISHED_ON)
    assert (record["origineUE"], record["origineFrance"]) == (0.8, 0.5)
    assert validate_decp_document(decp_document([record])) == []
    assert "origineUE" not in decp_marche(a_contract(), PUBLISHED_ON)
