"""SIRENE establishment rows -> suppliers or rejects: pure tests (no database)."""

from datetime import datetime
from pathlib import Path

import pytest

from unefois_sourcing.suppliers import domain, synthetic
from unefois_sourcing.suppliers.domain import RejectCode, Rejected, RowParser, SizeCategory, Supplier

HEADER_FILE = Path(__file__).parents[1] / "fixtures" / "sirene" / "stock_etablissement_header.csv"
HEADER = synthetic.read_header(HEADER_FILE)
SIRET = "73282932000074"  # Luhn-valid


@pytest.fixture
def parser():
    return RowParser(HEADER)


def row(**values: str) -> list[str]:
    base = {"siren": SIRET[:9], "nic": SIRET[9:], "siret": SIRET, "enseigne1Etablissement": "Boulangerie Dupont"}
    base.update(values)
    return [base.get(column, "") for column in HEADER]


def test_the_fixture_is_the_54_column_layout():
    assert len(HEADER) == 54
    assert HEADER[:3] == ["siren", "nic", "siret"]
    assert HEADER[-1] == "activitePrincipaleNAF25Etablissement"


def test_a_full_row_becomes_a_supplier(parser):
    supplier = parser.parse(row(
        denominationUsuelleEtablissement="Société Générale d'Équipement",
        numeroVoieEtablissement="12", indiceRepetitionEtablissement="B", typeVoieEtablissement="AV",
        libelleVoieEtablissement="DES CHAMPS ELYSEES", complementAdresseEtablissement="BATIMENT C",
        codePostalEtablissement="75008", libelleCommuneEtablissement="PARIS 8", codeCommuneEtablissement="75108",
        trancheEffectifsEtablissement="32", etablissementSiege="true", etatAdministratifEtablissement="A",
        activitePrincipaleEtablissement="62.01Z", dateDernierTraitementEtablissement="2026-03-04T05:06:07",
    ), 7)
    assert isinstance(supplier, Supplier)
    assert supplier.siret == SIRET and supplier.siren == SIRET[:9]
    assert supplier.name == "Société Générale d'Équipement"  # usual name before the sign
    assert supplier.search_name == "societe generale d equipement"
    assert supplier.address_line == "12 bis Avenue DES CHAMPS ELYSEES"
    assert supplier.address_complement == "BATIMENT C"
    assert (supplier.postal_code, supplier.city, supplier.commune_code) == ("75008", "PARIS 8", "75108")
    assert supplier.country is None
    assert (supplier.size_category, supplier.size_basis) == ("ETI", "trancheEffectifsEtablissement")
    assert supplier.head_office and supplier.active
    assert supplier.naf_code == "62.01Z"
    assert supplier.sirene_updated_at == datetime(2026, 3, 4, 5, 6, 7)
    assert supplier.record(7)[:3] == (7, SIRET, SIRET[:9])


def test_la_poste_siret_without_a_luhn_key_is_accepted(parser):
    # La Poste (SIREN 356000000): its establishments' SIRETs are checked by digit sum, not Luhn.
    supplier = parser.parse(row(siren="356000000", nic="00048", siret="35600000000048"), 2)
    assert isinstance(supplier, Supplier)


@pytest.mark.parametrize(("values", "code"), [
    ({"siret": "73282932000075"}, RejectCode.SIRET_INVALID),
    ({"siret": "7328293200007"}, RejectCode.SIRET_INVALID),
    ({"siret": "ABCDEFGHIJKLMN"}, RejectCode.SIRET_INVALID),
    ({"siret": ""}, RejectCode.SIRET_MISSING),
    ({"nic": "00075"}, RejectCode.SIRET_MISMATCH),
    ({"enseigne1Etablissement": ""}, RejectCode.NAME_MISSING),
    ({"enseigne1Etablissement": "[ND]"}, RejectCode.NAME_MISSING),  # diffusion partielle: withheld
    ({"codeCommuneEtablissement": "7510"}, RejectCode.COMMUNE_INVALID),
])
def test_bad_rows_are_rejected_with_their_line_and_reason(parser, values, code):
    rejected = parser.parse(row(**values), 42)
    assert isinstance(rejected, Rejected)
    assert rejected.line == 42
    assert rejected.code == code
    assert rejected.reason


def test_a_row_with_the_wrong_number_of_columns_is_rejected(parser):
    rejected = parser.parse(row()[:-3], 5)
    assert rejected.code == RejectCode.COLUMNS
    assert rejected.siret == SIRET
    assert "51 colonnes au lieu de 54" in rejected.reason


def test_withheld_fields_are_empty_not_literal(parser):
    supplier = parser.parse(row(libelleVoieEtablissement="[ND]", numeroVoieEtablissement="[ND]",
                                codePostalEtablissement="[ND]"), 3)
    assert supplier.address_line is None and supplier.postal_code is None


def test_an_establishment_abroad_has_a_country_and_no_commune(parser):
    supplier = parser.parse(row(libelleCommuneEtrangerEtablissement="BRUXELLES",
                                libellePaysEtrangerEtablissement="BELGIQUE"), 3)
    assert (supplier.commune_code, supplier.city, supplier.country) == (None, "BRUXELLES", "BELGIQUE")


def test_a_closed_establishment_is_kept_as_inactive(parser):
    assert parser.parse(row(etatAdministratifEtablissement="F"), 3).active is False


@pytest.mark.parametrize(("band", "size"), [
    ("NN", "PME"), ("00", "PME"), ("12", "PME"), ("31", "PME"),
    ("32", "ETI"), ("41", "ETI"), ("51", "ETI"),
    ("52", "GE"), ("53", "GE"), ("", None), ("99", None),
])
def test_size_from_the_establishment_headcount_band(band, size):
    assert domain.size_from_band(band) == (SizeCategory(size) if size else None)


def test_insee_company_category_wins_over_the_approximation():
    header = [*HEADER, "denominationUniteLegale", "categorieEntreprise"]
    values = row(trancheEffectifsEtablissement="11")
    supplier = RowParser(header).parse([*values, "GRANDE ENTREPRISE SA", "GE"], 2)
    assert (supplier.name, supplier.size_category, supplier.size_basis) == ("GRANDE ENTREPRISE SA", "GE",
                                                                            "categorieEntreprise")


def test_columns_are_found_by_name_in_any_order():
    header = ["enseigne1Etablissement", "siret", "nic", "siren"]
    supplier = RowParser(header).parse(["Garage", SIRET, SIRET[9:], SIRET[:9]], 2)
    assert (supplier.siret, supplier.name, supplier.size_category) == (SIRET, "Garage", None)


def test_a_header_without_the_identifiers_or_a_name_is_refused():
    with pytest.raises(domain.HeaderError, match="siret"):
        RowParser(["siren", "nic", "enseigne1Etablissement"])
    with pytest.raises(domain.HeaderError, match="nom"):
        RowParser(["siren", "nic", "siret"])
    assert RowParser(["\ufeffsiren", "nic", "siret", "enseigne1Etablissement"])  # a BOM is tolerated


def test_generated_sirets_are_valid_and_broken_ones_are_not():
    sirets = {synthetic.make_siret(n, 1 + n % 7) for n in range(0, 10**6, 9973)}
    assert all(domain.is_valid_siret(s) for s in sirets)
    assert not any(domain.is_valid_siret(synthetic.break_siret(s)) for s in sirets)


def test_generated_rows_parse(parser):
    maker = synthetic.RowMaker(HEADER, seed=1)
    parsed = [parser.parse(maker.row(n), n + 2) for n in range(500)]
    assert all(isinstance(p, Supplier) for p in parsed)


# ---------------------------------------------------------------- StockUniteLegale joined (issue 10, item 13)

UL_HEADER = synthetic.read_header(HEADER_FILE.with_name("stock_unite_legale_header.csv"))


def ul_row(**values: str) -> list[str]:
    base = {"siren": SIRET[:9], "statutDiffusionUniteLegale": "O"}
    base.update(values)
    return [base.get(column, "") for column in UL_HEADER]


def test_the_legal_units_fixture_is_the_35_column_layout():
    assert len(UL_HEADER) == 35 and UL_HEADER[0] == "siren" and "denominationUniteLegale" in UL_HEADER


def test_a_company_gives_its_denomination_and_insee_size():
    unit = domain.LegalUnitParser(UL_HEADER).parse(ul_row(denominationUniteLegale="SOCIÉTÉ GÉNÉRALE D'ÉQUIPEMENT",
                                                          categorieEntreprise="ETI"))
    assert unit == domain.LegalUnit(siren=SIRET[:9], name="SOCIÉTÉ GÉNÉRALE D'ÉQUIPEMENT",
                                    search_name="societe generale d equipement", size_category="ETI")


@pytest.mark.parametrize(("values", "name"), [
    ({"prenom1UniteLegale": "JEANNE", "nomUniteLegale": "MARTIN"}, "JEANNE MARTIN"),
    ({"prenom1UniteLegale": "JEANNE", "prenomUsuelUniteLegale": "JEANNOT", "nomUniteLegale": "MARTIN"}, "JEANNOT MARTIN"),
    ({"prenom1UniteLegale": "JEANNE", "nomUniteLegale": "MARTIN", "nomUsageUniteLegale": "DURAND"}, "JEANNE DURAND"),
    ({"nomUniteLegale": "MARTIN"}, "MARTIN"),
    ({"prenom1UniteLegale": "JEANNE"}, None),  # a first name alone is no name
    ({"prenom1UniteLegale": "[ND]", "nomUniteLegale": "[ND]"}, None),  # diffusion partielle: withheld
])
def test_an_individual_entrepreneur_gives_first_name_and_name(values, name):
    unit = domain.LegalUnitParser(UL_HEADER).parse(ul_row(**values))
    assert unit.name == name


@pytest.mark.parametrize("bad", [ul_row(siren="12345678"), ul_row(siren="12345678A"), ul_row()[:10]])
def test_a_legal_unit_row_the_join_cannot_use_is_none(bad):
    assert domain.LegalUnitParser(UL_HEADER).parse(bad) is None


def test_a_legal_units_header_without_siren_or_name_is_refused():
    with pytest.raises(domain.HeaderError, match="siren"):
        domain.LegalUnitParser(["denominationUniteLegale"])
    with pytest.raises(domain.HeaderError, match="nom"):
        domain.LegalUnitParser(["siren", "categorieEntreprise"])


def test_with_legal_units_joined_an_establishment_without_a_name_waits_for_its_company():
    header = [c for c in HEADER if c not in domain.NAME_COLUMNS]
    with pytest.raises(domain.HeaderError):
        RowParser(header)
    joined = RowParser(header, legal_units_joined=True)
    supplier = joined.parse([{"siren": SIRET[:9], "nic": SIRET[9:], "siret": SIRET}.get(c, "") for c in header], 2)
    assert isinstance(supplier, Supplier) and supplier.name is None and supplier.search_name is None
    assert isinstance(RowParser(HEADER).parse(row(enseigne1Etablissement=""), 3), Rejected)


def test_the_legal_unit_maker_writes_companies_and_individuals():
    maker = synthetic.LegalUnitMaker(UL_HEADER, seed=1)
    parser = domain.LegalUnitParser(UL_HEADER)
    units = [parser.parse(maker.row(synthetic.make_siret(n)[:9])) for n in range(200)]
    assert all(unit is not None and unit.name for unit in units)
    assert 10 < sum(1 for unit in units if " " in unit.name and unit.name.split()[-1] in synthetic._LAST_NAMES) < 80


@pytest.mark.parametrize(("typed", "siret"), [
    ("123 456 789 00012", "12345678900012"), ("123\u00a0456\u202f789 00012", "12345678900012"),
    (" 73282932000074 ", "73282932000074"), ("732.829.320.00074", "73282932000074"),
])
def test_a_siret_typed_with_spaces_is_read_as_14_digits(typed, siret):
    assert domain.normalise_siret(typed) == siret


def test_no_criterion_at_all_or_a_name_too_long_is_named():
    assert domain.criteria_errors(require_one=True) == [{"field": "q", "reason": domain.NO_CRITERION}]
    assert domain.criteria_errors(name="  ", require_one=True)[0]["field"] == "q"
    assert domain.criteria_errors(name="menuiserie", require_one=True) == []
    assert domain.criteria_errors() == []  # the page before any search: nothing to say
    too_long = domain.criteria_errors(name="a" * 201)
    assert [e["field"] for e in too_long] == ["q"] and "200 caractères" in too_long[0]["reason"]
    assert domain.criteria_errors(name="a" * 200) == []
