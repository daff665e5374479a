"""Reference lists (CPV 2008, COG 2026), loaded from the package's own files: pure tests."""

from importlib import resources

import pytest

from unefois_sourcing import reference


def test_the_data_files_ship_in_the_package_with_their_provenance():
    folder = resources.files("unefois_sourcing.reference")
    for name in ("cpv_2008_fr_en.csv", "v_commune_2026_com_arm.csv", "v_departement_2026.csv", "v_region_2026.csv",
                 "PROVENANCE.md"):
        assert folder.joinpath(name).is_file(), name


def test_full_cpv_vocabulary_is_loaded():
    assert len(reference.all_cpv()) == 9454
    assert sum(1 for e in reference.all_cpv() if e.code8.endswith("000000")) == 45  # divisions


@pytest.mark.parametrize(("code", "label"), [
    ("45000000-7", "Travaux de construction"),
    ("45000000", "Travaux de construction"),
    ("90911200-8", "Services de nettoyage de bâtiments"),
    ("03111000-2", "Graines"),
    ("09100000-0", "Combustibles"),  # a check digit no 3-7-1 formula gives: the list is the reference
])
def test_cpv_label_with_or_without_check_digit(code, label):
    assert reference.cpv_label(code) == label


@pytest.mark.parametrize("code", ["45000000-3", "45000001", "4500000", "45000000-", "450000007", "", " ", "abcdefgh"])
def test_unknown_code_or_wrong_check_digit_has_no_label(code):
    assert reference.cpv_label(code) is None


def test_cpv_entry_tells_the_check_digit_and_division():
    entry = reference.cpv_entry("42110000")
    assert entry.code == "42110000-3"
    assert entry.division == "42"
    assert entry.label_en


def test_search_is_accent_and_case_insensitive_and_matches_word_starts():
    codes = [e.code for e in reference.search_cpv("NETTOYAGE DE BATIM")]
    assert "90911200-8" in codes
    assert [e.code for e in reference.search_cpv("nettoyage de bâtim")] == codes
    labels = [e.label_fr for e in reference.search_cpv("nettoyage bat")]
    assert all("nettoyage" in reference.normalise(label) for label in labels)


def test_search_ranks_the_label_starting_with_the_text_first():
    assert reference.search_cpv("travaux de construction")[0].code == "45000000-7"
    assert reference.search_cpv("Pâtes")[0].label_fr == "Pâtes alimentaires"


def test_search_words_in_any_order_and_limit():
    hits = reference.search_cpv("scolaires fournitures", limit=3)
    assert "39162110-9" in [e.code for e in hits]
    assert len(reference.search_cpv("services", limit=7)) == 7
    assert reference.search_cpv("services", limit=0) == []


def test_search_by_code_digits_returns_the_most_general_first():
    hits = reference.search_cpv("4521", limit=5)
    assert hits[0].code8 == "45210000"
    assert all(e.code8.startswith("4521") for e in hits)


def test_search_finds_nothing_for_nonsense_or_blank():
    assert reference.search_cpv("zzzqqq") == []
    assert reference.search_cpv("  ") == []
    assert reference.search_cpv("'-,") == []


def test_elision_and_ligature_are_normalised():
    assert reference.normalise("Travaux d'Œuvre (bâtiment)") == "travaux d oeuvre batiment"


def test_current_communes_only():
    lyon = reference.commune("69123")
    assert (lyon.name, lyon.departement, lyon.region, lyon.kind) == ("Lyon", "69", "84", "COM")
    assert reference.commune("2a004").name == "Ajaccio"
    arrondissement = reference.commune("69381")
    assert arrondissement.kind == "ARM" and arrondissement.parent == "69123"
    assert reference.commune("75001") is None  # a postal code of Paris, no INSEE code (Paris 1er is 75101)
    assert reference.commune("98735") is None  # collectivité d'outre-mer: not in the COG communes file
    assert reference.commune("") is None
    assert reference.commune(None) is None  # type: ignore[arg-type]


def test_commune_deleguee_is_not_a_current_commune():
    assert reference.commune("01039") is None  # Béon, commune déléguée of 01138 since a merger
    # A commune déléguée reusing its commune nouvelle's code answers as the commune nouvelle.
    assert reference.commune("01015").kind == "COM"
    kinds = [c.kind for c in reference._communes().values()]
    assert kinds.count("COM") == 34875
    assert kinds.count("ARM") == 45


def test_departements_and_regions():
    assert reference.departement("2B").name == "Haute-Corse"
    assert reference.departement("976").region == "06"
    assert reference.departement("20") is None
    assert reference.region("84").name == "Auvergne-Rhône-Alpes"
    assert reference.region("99") is None
    assert len(reference._departements()) == 101
    assert len(reference._regions()) == 18
