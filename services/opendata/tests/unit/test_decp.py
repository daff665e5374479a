"""DECP 2024 mapping, document, validator and publication rules (no broker, no DB)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from stdnum import luhn
from unefois_events.catalogue import (
    BuyerKind,
    ContractNotified,
    Organisation,
    PlaceOfExecution,
    ProcedureDecision,
    PurchaseFacts,
)
from unefois_events.values import (
    Ccag,
    EnvironmentalConsideration,
    ExecutionMode,
    OperatorGrouping,
    PlaceCodeType,
    PriceForm,
    PriceType,
    Procedure,
    PurchaseNature,
    PurchaseTechnique,
    SocialConsideration,
)

from unefois_opendata.records.decp import (
    DecpRecordError,
    DuplicateContractIdError,
    PublicationDuty,
    amount_exclusion_reasons,
    decp_amount,
    decp_document,
    decp_marche,
    duplicate_contract_keys,
    exclusion_reasons,
    is_published_late,
    must_publish,
    publication_deadline,
    publication_duty,
    quality_flags,
    requires_origin_shares,
    validate_decp_document,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"
OFFICIAL_EXAMPLE = FIXTURES / "marches_avec_modifications.json"
PINNED_SCHEMA_SHA256 = "3210e4cbe965be416f4ba3d8ab3983c64be48a800dc8d594b730341f3de8765a"


def valid_siret(siren_without_key: str, establishment_number: str) -> str:
    """A SIRET whose SIREN and whole number both pass Luhn, as the event's Siret demands."""
    siren = siren_without_key + luhn.calc_check_digit(siren_without_key)
    without_key = siren + establishment_number
    return without_key + luhn.calc_check_digit(without_key)


BUYER_SIRET = valid_siret("21690123", "0001")
HOLDER_SIRET = valid_siret("55204599", "0086")
CO_HOLDER_SIRET = valid_siret("81234567", "0001")
PUBLISHED_ON = date(2024, 6, 3)


def a_contract(**changes: Any) -> ContractNotified:
    """A roadworks contract of a city, notified on 2024-05-15, as the platform emits it."""
    purchase_changes = changes.pop("purchase_changes", {})
    purchase = PurchaseFacts(
        need_id=uuid.UUID("5b7e0c1e-3f51-4c2a-9a57-0d6c7b0f6a10"),
        buyer=Organisation(siret=BUYER_SIRET, name="Ville de Lyon"),
        object="Réfection de la chaussée et des trottoirs de la rue Garibaldi",
        nature=PurchaseNature.WORKS,
        main_cpv="45233140-2",  # roadworks
        additional_cpvs=["45233252-0"],  # surfacing work for streets
        estimated_value=Decimal("480000.00"),
        duration_months=14,
        place_of_execution=PlaceOfExecution(code="69123", code_type=PlaceCodeType.COMMUNE),
        procedure=Procedure.OPEN,
        ccag=Ccag.WORKS,
        techniques=[PurchaseTechnique.NONE],
        execution_modes=[ExecutionMode.TRANCHES],
        social_considerations=[SocialConsideration.CLAUSE],
        environmental_considerations=[EnvironmentalConsideration.CRITERION],
        innovative=False,
    ).model_copy(update=purchase_changes)
    fields: dict[str, Any] = {
        "contract_id": uuid.UUID("0f1d2c3b-4a59-4687-9786-a5b4c3d2e1f0"),
        "contract_number": "2024-TX-0042",
        "award_id": uuid.UUID("1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"),
        "consultation_id": uuid.UUID("2b3c4d5e-6f7a-4b9c-8d1e-2f3a4b5c6d7e"),
        "purchase": purchase,
        "holders": [Organisation(siret=HOLDER_SIRET, name="Travaux Publics du Rhône")],
        "grouping": OperatorGrouping.NONE,
        "amount": Decimal("452318.75"),
        "price_form": PriceForm.LUMP_SUM,
        "price_types": [PriceType.REVISABLE],
        "offers_received": 4,
        "advance_granted": True,
        "advance_rate": 0.1,
        "subcontracting_declared": False,
        "legal_commitment_number": "EJ2024000123",
        "notified_on": date(2024, 5, 15),
        "notified_at": datetime(2024, 5, 15, 9, 30, tzinfo=UTC),
    }
    fields.update(changes)
    return ContractNotified(**fields)


def document_of(*marches: dict[str, Any]) -> dict[str, Any]:
    return {"marches": {"marche": list(marches)}}


# ---------------------------------------------------------------- mapping


def test_realistic_contract_maps_to_a_schema_valid_record() -> None:
    record = decp_marche(a_contract(), PUBLISHED_ON)

    assert validate_decp_document(decp_document([record])) == []
    assert exclusion_reasons(record) == []
    assert quality_flags(record) == []


def test_record_carries_the_contract_facts_with_regulated_labels() -> None:
    record = decp_marche(a_contract(), PUBLISHED_ON)

    assert record["id"] == "2024-TX-0042"
    assert record["acheteur"] == {"id": BUYER_SIRET}
    assert record["nature"] == "Marché"
    assert record["codeCPV"] == "45233140"  # check digit dropped, as the schema prefers
    assert record["lieuExecution"] == {"code": "69123", "typeCode": "Code commune"}
    assert record["procedure"] == "Appel d'offres ouvert"
    assert record["dureeMois"] == 14
    assert record["dateNotification"] == "2024-05-15"
    assert record["datePublicationDonnees"] == "2024-06-03"
    assert record["montant"] == 452318.75
    assert record["typesPrix"] == {"typePrix": ["Définitif révisable"]}
    assert record["attributionAvance"] is True
    assert record["tauxAvance"] == 0.1
    assert record["titulaires"] == [{"titulaire": {"typeIdentifiant": "SIRET", "id": HOLDER_SIRET}}]
    assert record["considerationsSociales"] == {"considerationSociale": ["Clause sociale"]}
    # Plain str values, not enum members, so any JSON encoder writes them unchanged.
    assert all(type(value) is str for value in (record["ccag"], record["procedure"], record["formePrix"]))


def test_record_serialises_amounts_as_json_numbers_with_two_decimals_at_most() -> None:
    encoded = json.dumps(decp_marche(a_contract(amount=Decimal("1234567.10")), PUBLISHED_ON))

    assert '"montant": 1234567.1' in encoded
    assert json.loads(encoded)["montant"] == 1234567.1


def test_advance_rate_is_published_only_when_an_advance_is_granted() -> None:
    granted_rate_unknown = decp_marche(a_contract(advance_rate=None), PUBLISHED_ON)
    not_granted = decp_marche(a_contract(advance_granted=False, advance_rate=0.05), PUBLISHED_ON)

    assert granted_rate_unknown["tauxAvance"] == 0
    assert "tauxAvance" not in not_granted
    assert not_granted["attributionAvance"] is False
    assert validate_decp_document(document_of(granted_rate_unknown, not_granted)) == []


def test_none_markers_give_way_to_real_values_and_duplicates_are_dropped() -> None:
    event = a_contract(
        purchase_changes={
            "social_considerations": [SocialConsideration.NONE, SocialConsideration.CLAUSE, SocialConsideration.CLAUSE],
            "environmental_considerations": [EnvironmentalConsideration.NONE],
            "techniques": [PurchaseTechnique.NONE, PurchaseTechnique.FRAMEWORK],
            "execution_modes": [ExecutionMode.PURCHASE_ORDERS, ExecutionMode.NONE],
        },
        price_types=[PriceType.FIRM, PriceType.FIRM],
    )

    record = decp_marche(event, PUBLISHED_ON)

    assert record["considerationsSociales"] == {"considerationSociale": ["Clause sociale"]}
    assert record["considerationsEnvironnementales"] == {
        "considerationEnvironnementale": ["Pas de considération environnementale"]
    }
    assert record["techniques"] == {"technique": ["Accord-cadre"]}
    assert record["modalitesExecution"] == {"modaliteExecution": ["Bons de commande"]}
    assert record["typesPrix"] == {"typePrix": ["Définitif ferme"]}
    assert validate_decp_document(document_of(record)) == []


def test_joint_holders_are_all_listed_once() -> None:
    holders = [
        Organisation(siret=HOLDER_SIRET, name="Travaux Publics du Rhône"),
        Organisation(siret=CO_HOLDER_SIRET, name="Signalisation Lyonnaise"),
        Organisation(siret=HOLDER_SIRET, name="Travaux Publics du Rhône"),
    ]
    record = decp_marche(a_contract(holders=holders, grouping=OperatorGrouping.JOINT_AND_SEVERAL), PUBLISHED_ON)

    assert [entry["titulaire"]["id"] for entry in record["titulaires"]] == [HOLDER_SIRET, CO_HOLDER_SIRET]
    assert record["typeGroupementOperateurs"] == "Solidaire"
    assert validate_decp_document(document_of(record)) == []
    assert quality_flags(record) == []


PURCHASE_FIELD_OF = {"procedure": "procedure", "ccag": "ccag"}
PURCHASE_LIST_FIELD_OF = {
    "technique": "techniques",
    "execution_mode": "execution_modes",
    "social": "social_considerations",
    "environmental": "environmental_considerations",
}


@pytest.mark.parametrize(
    ("field", "enum"),
    [
        ("procedure", Procedure),
        ("ccag", Ccag),
        ("place_code_type", PlaceCodeType),
        ("price_form", PriceForm),
        ("price_type", PriceType),
        ("technique", PurchaseTechnique),
        ("execution_mode", ExecutionMode),
        ("social", SocialConsideration),
        ("environmental", EnvironmentalConsideration),
        ("grouping", OperatorGrouping),
    ],
)
def test_every_event_enum_value_is_accepted_by_the_schema(field: str, enum: type[StrEnum]) -> None:
    """The kernel's labels must match the schema's accent- and apostrophe-exact enums."""
    records = []
    for index, member in enumerate(enum, start=1):
        purchase_changes: dict[str, Any] = {}
        event_changes: dict[str, Any] = {}
        if field == "place_code_type":
            purchase_changes["place_of_execution"] = PlaceOfExecution(code="FR", code_type=member)
        elif field in PURCHASE_FIELD_OF:
            purchase_changes[PURCHASE_FIELD_OF[field]] = member
        elif field in PURCHASE_LIST_FIELD_OF:
            purchase_changes[PURCHASE_LIST_FIELD_OF[field]] = [member]
        elif field == "price_type":
            event_changes["price_types"] = [member]
        else:
            event_changes[field] = member
        record = decp_marche(a_contract(purchase_changes=purchase_changes, **event_changes), PUBLISHED_ON)
        records.append(record | {"id": f"ENUM-{index}"})

    assert validate_decp_document(decp_document(records)) == []


def test_publication_date_before_notification_is_refused() -> None:
    with pytest.raises(DecpRecordError, match="precedes dateNotification"):
        decp_marche(a_contract(), date(2024, 5, 14))

    assert decp_marche(a_contract(), date(2024, 5, 15))["datePublicationDonnees"] == "2024-05-15"


def test_amount_below_one_euro_is_refused_rather_than_published_invalid() -> None:
    with pytest.raises(DecpRecordError, match="minimum of 1"):
        decp_marche(a_contract(amount=Decimal("0")), PUBLISHED_ON)

    assert decp_marche(a_contract(amount=Decimal("1.00")), PUBLISHED_ON)["montant"] == 1


# ---------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("amount", "expected_json"),
    [
        (Decimal("1"), "1"),
        (Decimal("1.00"), "1"),
        (Decimal("40000.00"), "40000"),
        (Decimal("1234.5"), "1234.5"),
        (Decimal("1234.50"), "1234.5"),
        (Decimal("0.10") + Decimal("1234.20"), "1234.3"),  # no binary float drift
        (Decimal("452318.75"), "452318.75"),
        (Decimal("9999999999999.99"), "9999999999999.99"),  # Money's 15 digits survive
    ],
)
def test_amount_is_a_json_number_with_two_decimals_at_most(amount: Decimal, expected_json: str) -> None:
    value = decp_amount(amount)

    assert isinstance(value, int | float) and not isinstance(value, bool)
    assert json.dumps(value) == expected_json
    assert Decimal(json.dumps(value)) == amount


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("0.99"), Decimal("-5"), Decimal("12.345"), Decimal("NaN")])
def test_amount_outside_decp_rules_is_refused(amount: Decimal) -> None:
    with pytest.raises(DecpRecordError):
        decp_amount(amount)


# ---------------------------------------------------------------- document and validator


def test_official_example_validates() -> None:
    """Proves the validator is wired to the real schema, not to a permissive stub."""
    document = json.loads(OFFICIAL_EXAMPLE.read_text(encoding="utf-8"))

    assert document["marches"]["marche"]
    assert validate_decp_document(document) == []


def test_packaged_schema_is_the_pinned_official_copy() -> None:
    schema_bytes = (resources.files("unefois_opendata") / "reference" / "schema_decp_v2.0.3.json").read_bytes()

    assert hashlib.sha256(schema_bytes).hexdigest() == PINNED_SCHEMA_SHA256


def test_empty_document_is_valid() -> None:
    assert decp_document([]) == {"marches": {"marche": []}}
    assert validate_decp_document(decp_document([])) == []


def test_zero_amount_is_reported_with_its_path() -> None:
    record = decp_marche(a_contract(), PUBLISHED_ON) | {"montant": 0}

    errors = validate_decp_document(document_of(record))

    assert errors == ["$.marches.marche[0].montant: 0 is less than the minimum of 1"]


def test_unaccented_enum_is_reported_with_its_path() -> None:
    record = decp_marche(a_contract(), PUBLISHED_ON)
    record["lieuExecution"] = {"code": "69", "typeCode": "Code departement"}

    errors = validate_decp_document(document_of(record))

    assert len(errors) == 1
    assert errors[0].startswith("$.marches.marche[0].lieuExecution.typeCode: 'Code departement' is not one of")


def test_several_errors_are_all_reported_in_path_order() -> None:
    valid = decp_marche(a_contract(), PUBLISHED_ON)
    broken = valid | {"id": "2024-TX-0043", "offresRecues": 0, "dureeMois": 2.5, "_type": "Marché"}
    del broken["ccag"]

    errors = validate_decp_document(document_of(valid, broken))

    assert [error.split(":")[0] for error in errors] == [
        "$.marches.marche[1]",
        "$.marches.marche[1]",
        "$.marches.marche[1].dureeMois",
        "$.marches.marche[1].offresRecues",
    ]
    assert any("'ccag' is a required property" in error for error in errors)
    assert any("'_type' was unexpected" in error for error in errors)


@pytest.mark.parametrize("document", [[], {}, {"marches": {}}])
def test_malformed_envelope_is_reported(document: Any) -> None:
    assert validate_decp_document(document) != []


def test_record_with_string_amount_and_numeric_place_code_is_reported() -> None:
    record = decp_marche(a_contract(), PUBLISHED_ON) | {"montant": "452318.75"}
    record["lieuExecution"] = {"code": 69123, "typeCode": "Code commune"}

    paths = [error.split(":")[0] for error in validate_decp_document(document_of(record))]

    assert paths == ["$.marches.marche[0].lieuExecution.code", "$.marches.marche[0].montant"]


def test_contract_id_is_unique_per_buyer_only() -> None:
    record = decp_marche(a_contract(), PUBLISHED_ON)
    other_buyer_siret = valid_siret("21380001", "6000")
    same_id_other_buyer = record | {"acheteur": {"id": other_buyer_siret}}

    assert duplicate_contract_keys([record, same_id_other_buyer]) == []
    assert validate_decp_document(decp_document([record, same_id_other_buyer])) == []
    assert duplicate_contract_keys([record, record | {"objet": "Lot 2"}]) == [(BUYER_SIRET, "2024-TX-0042")]
    with pytest.raises(DuplicateContractIdError):
        decp_document([record, record | {"objet": "Lot 2"}])


# ---------------------------------------------------------------- publication rules


@pytest.mark.parametrize(
    ("estimated_value", "notified_on", "duty"),
    [
        (Decimal("24999.99"), date(2024, 5, 15), PublicationDuty.NONE),
        (Decimal("25000.00"), date(2024, 5, 15), PublicationDuty.DECP_OR_ANNUAL_LIST),
        (Decimal("39999.99"), date(2024, 5, 15), PublicationDuty.DECP_OR_ANNUAL_LIST),
        (Decimal("40000.00"), date(2024, 5, 15), PublicationDuty.MANDATORY),
        (Decimal("40000.00"), date(2024, 1, 1), PublicationDuty.MANDATORY),
        (Decimal("40000.00"), date(2023, 12, 31), PublicationDuty.OUT_OF_FORMAT_2024),
    ],
)
def test_publication_duty_thresholds(estimated_value: Decimal, notified_on: date, duty: PublicationDuty) -> None:
    event = a_contract(purchase_changes={"estimated_value": estimated_value}, notified_on=notified_on)

    assert publication_duty(event) is duty
    assert must_publish(event) is (duty is PublicationDuty.MANDATORY)


def test_the_duty_is_the_rules_engines_one() -> None:
    # One rule, one place (issue 10): opendata asks unefois_rules.decp_duty (R2196-1).
    from unefois_rules import DecpDuty, decp_duty

    for value in (Decimal("24999.99"), Decimal("25000.00"), Decimal("39999.99"), Decimal("40000.00")):
        event = a_contract(purchase_changes={"estimated_value": value})
        duty, _, _ = decp_duty(value, event.notified_on)
        assert publication_duty(event).value == duty.value
    assert {d.value for d in DecpDuty} <= {d.value for d in PublicationDuty}


def _decided_by(buyer_kind: BuyerKind) -> ProcedureDecision:
    return ProcedureDecision(decided_on=date(2024, 3, 1), buyer_kind=buyer_kind, band="formal",
                             allowed_procedures=[Procedure.RESTRICTED], recommended_procedure=Procedure.RESTRICTED,
                             chosen_procedure=Procedure.RESTRICTED)


def test_a_defence_buyers_contract_is_a_defence_or_security_contract() -> None:
    # DECP schema v2.0.3, `nature`: « Marché de défense ou de sécurité » (CCP part 2, book III).
    defence = a_contract(purchase_changes={"decision": _decided_by(BuyerKind.DEFENCE)})
    record = decp_marche(defence, PUBLISHED_ON)
    assert record["nature"] == "Marché de défense ou de sécurité"
    assert validate_decp_document(decp_document([record])) == []
    ordinary = a_contract(purchase_changes={"decision": _decided_by(BuyerKind.LOCAL)})
    assert decp_marche(ordinary, PUBLISHED_ON)["nature"] == "Marché"
    assert decp_marche(a_contract(), PUBLISHED_ON)["nature"] == "Marché"  # no decision (older producer)


def test_threshold_applies_to_the_estimated_need_not_to_the_awarded_amount() -> None:
    cheap_award_of_a_large_need = a_contract(amount=Decimal("38000"))
    expensive_award_of_a_small_need = a_contract(
        purchase_changes={"estimated_value": Decimal("39000")}, amount=Decimal("41000")
    )

    assert must_publish(cheap_award_of_a_large_need)
    assert not must_publish(expensive_award_of_a_small_need)


@pytest.mark.parametrize(
    ("notified_on", "deadline"),
    [
        (date(2024, 1, 15), date(2024, 3, 15)),
        (date(2023, 12, 31), date(2024, 2, 29)),  # leap year, shorter month: its last day
        (date(2024, 12, 31), date(2025, 2, 28)),
        (date(2024, 11, 30), date(2025, 1, 30)),
        (date(2024, 7, 31), date(2024, 9, 30)),
    ],
)
def test_publication_deadline_is_two_months_after_notification(notified_on: date, deadline: date) -> None:
    assert publication_deadline(notified_on) == deadline


def test_publication_is_late_only_after_the_deadline_day() -> None:
    assert not is_published_late(date(2024, 5, 15), date(2024, 7, 15))
    assert is_published_late(date(2024, 5, 15), date(2024, 7, 16))


# ---------------------------------------------------------------- consolidation checks


@pytest.mark.parametrize(
    ("montant", "excluded"),
    [
        (1, False),
        (0.99, True),
        (3_000_000_000, False),
        (3_000_000_000.01, True),
        (177_777_770, True),  # one digit seven times above 100 M€
        (177_777_700, False),  # six times is tolerated
        (77_777_770, False),  # the repetition rule starts above 100 M€
        (123_456_789, True),
        (12_345_678.9, False),
        (1_234_567_890, True),
    ],
)
def test_amount_plausibility_rules(montant: int | float, excluded: bool) -> None:
    assert bool(amount_exclusion_reasons(montant)) is excluded


@pytest.mark.parametrize(
    ("changes", "reason_fragment"),
    [
        ({"id": "2024-TX-é"}, "id '2024-TX-é'"),
        ({"id": "A&B"}, "id 'A&B'"),
        ({"acheteur": {"id": "21690123100010"}}, "acheteur.id"),
        ({"titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": "55204599900860"}}]}, "titulaires[0].id"),
        ({"dureeMois": 181}, "dureeMois 181"),
        ({"dateNotification": "2040-01-01"}, "dateNotification '2040-01-01'"),
        ({"datePublicationDonnees": "2024-06-03T00:00:00+02:00"}, "datePublicationDonnees"),
        (
            {"considerationsSociales": {"considerationSociale": ["Pas de considération sociale", "Clause sociale"]}},
            "considerationsSociales mixes",
        ),
        (
            {
                "considerationsEnvironnementales": {
                    "considerationEnvironnementale": ["Critère environnemental", "Pas de considération environnementale"]
                }
            },
            "considerationsEnvironnementales mixes",
        ),
    ],
)
def test_consolidation_exclusions(changes: dict[str, Any], reason_fragment: str) -> None:
    record = decp_marche(a_contract(), PUBLISHED_ON) | changes

    reasons = exclusion_reasons(record)

    assert len(reasons) == 1 and reason_fragment in reasons[0]


def test_consolidation_limits_are_inclusive() -> None:
    record = decp_marche(a_contract(), PUBLISHED_ON)

    assert exclusion_reasons(record | {"dureeMois": 180}) == []
    assert exclusion_reasons(record | {"dureeMois": 1, "id": "A/B_C-D. E#F1234"}) == []
    # A foreign holder identified otherwise than by SIRET is not Luhn-checked.
    foreign = [{"titulaire": {"typeIdentifiant": "TVA", "id": "DE123456789"}}]
    assert exclusion_reasons(record | {"titulaires": foreign}) == []


def test_consolidation_checks_report_missing_amount_instead_of_failing() -> None:
    record = decp_marche(a_contract(), PUBLISHED_ON)
    del record["montant"]

    assert exclusion_reasons(record) == ["montant None is missing or not a number"]
    assert exclusion_reasons(record | {"montant": "452318.75"}) == ["montant '452318.75' is missing or not a number"]


@pytest.mark.parametrize(
    ("changes", "flag_fragment"),
    [
        ({"tauxAvance": 0}, "tauxAvance 0"),
        ({"codeCPV": "15800000"}, "origineUE"),
        ({"acheteur": {"id": "44090956200033"}}, "test buyer"),
        ({"techniques": {"technique": ["Sans objet", "Accord-cadre"]}}, "techniques mixes"),
        ({"modalitesExecution": {"modaliteExecution": ["Tranches", "Sans objet"]}}, "modalitesExecution mixes"),
        ({"typeGroupementOperateurs": "Conjoint"}, "single titulaire"),
        ({"datePublicationDonnees": "2024-05-14"}, "precedes dateNotification"),
    ],
)
def test_quality_flags(changes: dict[str, Any], flag_fragment: str) -> None:
    record = decp_marche(a_contract(), PUBLISHED_ON) | changes

    flags = quality_flags(record)

    assert len(flags) == 1 and flag_fragment in flags[0]


def test_origin_shares_present_clear_the_flag() -> None:
    record = decp_marche(a_contract(), PUBLISHED_ON) | {"codeCPV": "15800000", "origineUE": 0.6, "origineFrance": 0.4}

    assert quality_flags(record) == []
    assert validate_decp_document(document_of(record)) == []


def test_several_holders_without_grouping_are_flagged() -> None:
    holders = [
        Organisation(siret=HOLDER_SIRET, name="Travaux Publics du Rhône"),
        Organisation(siret=CO_HOLDER_SIRET, name="Signalisation Lyonnaise"),
    ]
    record = decp_marche(a_contract(holders=holders), PUBLISHED_ON)

    assert quality_flags(record) == ["2 titulaires but typeGroupementOperateurs is 'Pas de groupement'"]


@pytest.mark.parametrize(
    ("cpv", "expected"),
    [
        ("15000000-8", False),  # food in general: the annexed list starts at 151
        ("15100000-9", True),
        ("15800000-6", True),
        ("15900000-7", True),
        ("16000000-5", False),
        ("34100000-8", True),  # motor vehicles
        ("34500000-2", False),
        ("34510000-5", True),
        ("34520000-8", True),
        ("34530000-1", False),
        ("33100000-1", True),  # medical equipment
        ("18100000-0", True),  # occupational clothing
        ("18500000-4", False),
        ("18800000-7", True),  # footwear
        ("45233140", False),
    ],
)
def test_origin_share_cpv_ranges(cpv: str, expected: bool) -> None:
    assert requires_origin_shares(cpv) is expected
