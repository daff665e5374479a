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


# ---------------------------------------------------------------- CPV search (issue 10, item 12)


def _codes(text, nature=None, limit=10):
    return [e.code for e in reference.search_cpv(text, limit=limit, nature=nature)]


def test_the_forms_own_example_finds_the_cleaning_of_buildings():
    # The need form's hint says « nettoyage de locaux »; no CPV label says "locaux" for cleaning:
    # 90911200-8 is "Services de nettoyage de bâtiments", 90919200-4 "Services de nettoyage de bureaux".
    for nature in ("services", None):
        codes = _codes("nettoyage de locaux", nature)
        assert "90911200-8" in codes and "90919200-4" in codes, nature
    assert _codes("nettoyage de locaux", "services", limit=5)[:5] == [
        c for c in _codes("nettoyage de locaux", "services", limit=5) if c.startswith("909")]


def test_every_word_matches_as_a_prefix_anywhere_in_the_label_in_any_order():
    assert "90911200-8" in _codes("bâtiments nettoyage")
    assert "45261920-9" in _codes("entretien toit")  # "Travaux d'entretien de toiture"
    assert "77310000-6" in _codes("entretien espaces verts")  # "Réalisation et entretien d'espaces verts"
    for entry in reference.search_cpv("services nettoy bur", limit=50):
        words = reference.normalise(entry.label_fr).split()
        assert all(any(w.startswith(t) for w in words) for t in ("services", "nettoy", "bur")), entry.label_fr


def test_stop_words_do_not_have_to_be_in_the_label():
    assert _codes("fournitures pour le bureau", "supplies") == _codes("fournitures bureau", "supplies")
    assert "30192000-1" in _codes("fournitures de bureau", "supplies")


def test_accents_case_and_plural_marks_are_ignored():
    assert _codes("ÉLECTRICITÉ") == _codes("electricite") == _codes("Électricité")
    assert "90911200-8" in _codes("nettoyage batiment")  # the label says "bâtiments"
    assert _codes("travaux toitures", "works")[:3] == _codes("travaux toiture", "works")[:3]


def test_codes_of_the_needs_nature_come_first():
    works = reference.search_cpv("nettoyage bâtiments", nature="works")
    services = reference.search_cpv("nettoyage bâtiments", nature="services")
    assert works[0].code == "45452000-0"  # Travaux de nettoyage extérieur de bâtiments
    assert services[0].code8.startswith("909")
    assert {e.code for e in works} == {e.code for e in services}  # the same codes, another order
    for nature, hits in (("works", works), ("services", services)):
        natures = [reference.cpv_nature(e.code8) for e in hits]
        assert natures == sorted(natures, key=lambda n: n != nature), nature  # no other nature before it
    supplies = reference.search_cpv("informatique", nature="supplies")
    assert all(reference.cpv_nature(e.code8) == "supplies" for e in supplies)
    assert any(e.code8.startswith("48") for e in supplies)  # software packages are supplies


@pytest.mark.parametrize(("code8", "nature"), [
    ("03000000", "supplies"), ("44000000", "supplies"), ("44620000", "supplies"), ("45000000", "works"),
    ("45261210", "works"), ("48000000", "supplies"), ("50000000", "services"), ("98000000", "services"),
])
def test_nature_of_a_code_follows_its_cpv_division(code8, nature):
    assert reference.cpv_nature(code8) == nature


def test_every_division_has_one_nature():
    divisions = {e.code8[:2] for e in reference.all_cpv()}
    assert {d for d in divisions if reference.cpv_nature(d + "000000") == "works"} == {"45"}
    assert {d for d in divisions if reference.cpv_nature(d + "000000") == "supplies"} == {
        d for d in divisions if int(d) <= 44 or d == "48"}


def test_a_code_prefix_typed_as_digits_finds_the_codes_below_it():
    assert _codes("45000000-7") == ["45000000-7"]
    assert _codes("9091 12") == ["90911200-8"]  # spaces within the digits
    hits = reference.search_cpv("909", limit=50)
    assert hits[0].code8 == "90900000" and all(e.code8.startswith("909") for e in hits)
    assert _codes("99") == []


def test_a_typed_word_before_its_synonym():
    assert _codes("voiture", "supplies")[0] == "34110000-1"  # Voitures particulières, then the vehicles


def test_unusual_input_is_no_error():
    assert reference.search_cpv(None) == []  # type: ignore[arg-type]
    assert reference.search_cpv("de la", limit=3)  # only stop words: they are searched, not dropped
    assert reference.search_cpv("x" * 500) == []
    assert reference.search_cpv("nettoyage", nature="inconnue") == reference.search_cpv("nettoyage")


def test_a_code_knows_its_nature():
    assert reference.cpv_entry("45000000").nature == "works"
    assert reference.cpv_entry("90911200").nature == "services"
    assert reference.cpv_entry("48000000").nature == "supplies"
