"""Value types: SIRET (Luhn, La Poste), CPV, money."""

from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from unefois_events.values import CpvCode, Money, Siret

siret = TypeAdapter(Siret)
cpv = TypeAdapter(CpvCode)
money = TypeAdapter(Money)


def test_a_luhn_valid_siret_passes():
    assert siret.validate_python("21000003000010") == "21000003000010"


@pytest.mark.parametrize("value", ["21000003000011", "2100000300001", "2100000300001A", ""])
def test_a_bad_siret_is_refused(value):
    with pytest.raises(ValidationError):
        siret.validate_python(value)


def test_la_poste_establishments_pass_without_luhn():
    # La Poste's SIREN 356000000: its SIRETs are checked by digit sum, not Luhn.
    assert siret.validate_python("35600000000048") == "35600000000048"


@pytest.mark.parametrize("value", ["45233140", "45233140-2"])
def test_cpv_codes_with_or_without_check_digit(value):
    assert cpv.validate_python(value) == value


@pytest.mark.parametrize("value", ["4523314", "45233140-", "ABCDEFGH"])
def test_malformed_cpv_codes_are_refused(value):
    with pytest.raises(ValidationError):
        cpv.validate_python(value)


def test_money_is_exact_to_the_cent_and_never_negative():
    assert money.validate_python("0.10") + money.validate_python("0.20") == Decimal("0.30")
    with pytest.raises(ValidationError):
        money.validate_python("-1.00")
    with pytest.raises(ValidationError):
        money.validate_python("1.001")


# ---------------------------------------------------------------- bounded values (issue 9)

from datetime import date  # noqa: E402

from unefois_events import values  # noqa: E402
from unefois_events.catalogue import NeedContent  # noqa: E402
from unefois_kernel.validation_messages import french_message  # noqa: E402

line = TypeAdapter(values.Line(50))
text = TypeAdapter(values.Text(50))


def _refusal(adapter, value) -> dict:
    with pytest.raises(ValidationError) as refused:
        adapter.validate_python(value)
    return refused.value.errors()[0]


@pytest.mark.parametrize(("value", "kind"), [
    ("a\x00b", "text_control_character"), ("a\x1bb", "text_control_character"), ("a\x85b", "text_control_character"),
    ("a\u202eb", "text_bidi_control"), ("a\u202ab", "text_bidi_control"), ("a\u2066b", "text_bidi_control"),
    ("a\u2069b", "text_bidi_control"), ("a\ufffeb", "text_noncharacter"), ("a\ufdd0b", "text_noncharacter"),
    ("a\U0010ffffb", "text_noncharacter"),
])
def test_text_refuses_what_storage_or_a_reader_cannot_take_with_a_french_message(value, kind):
    for adapter in (line, text):
        error = _refusal(adapter, value)
        assert error["type"] == kind
        message = french_message(error)
        assert "position 2" in message and "caractère" in message


def test_a_lone_surrogate_is_refused_as_invalid_text():
    for adapter in (line, text):
        error = _refusal(adapter, "a\ud800b")
        assert french_message(error) == "doit être du texte valide (UTF-8)"
    assert values.text_problem("a\udfffb") is not None  # the pure check sees it too


def test_one_line_text_refuses_line_breaks_but_text_keeps_them():
    assert _refusal(line, "a\nb")["type"] == "text_line_break"
    assert text.validate_python("un\ttab\r\nune ligne") == "un\ttab\r\nune ligne"
    assert line.validate_python("Fourniture de café équitable — lot n° 2 ’«»") == "Fourniture de café équitable — lot n° 2 ’«»"
    # right-to-left text itself is fine, only the invisible controls are refused
    assert line.validate_python("مرحبا") == "مرحبا"


def test_text_has_its_length_limit_and_one_line_text_is_required():
    assert _refusal(line, "x" * 51)["type"] == "string_too_long"
    assert _refusal(line, "")["type"] == "string_too_short"
    assert text.validate_python("") == ""


def test_text_types_document_their_rule_in_the_json_schema():
    assert line.json_schema()["pattern"] == values.LINE_PATTERN
    assert text.json_schema()["pattern"] == values.TEXT_PATTERN
    import re
    assert re.fullmatch(values.LINE_PATTERN, "Objet") and not re.fullmatch(values.LINE_PATTERN, "a\u202eb")


def test_negative_zero_is_read_as_zero_and_amounts_have_fifteen_digits_at_most():
    for raw in ("-0", "-0.00", "-0.0"):
        amount = money.validate_python(raw)
        assert amount == 0 and not amount.is_signed()
    assert _refusal(money, "1e26")["type"] in {"decimal_max_digits", "decimal_whole_digits"}
    assert money.validate_python("9999999999999.99") == Decimal("9999999999999.99")
    assert _refusal(money, "NaN")["type"] in {"finite_number", "decimal_parsing"}


@pytest.mark.parametrize(("adapter", "too_big"), [
    (TypeAdapter(values.DurationMonths), 10**100), (TypeAdapter(values.OffersCount), 10**30),
    (TypeAdapter(values.LotNumber), 10**6),
])
def test_counts_are_bounded(adapter, too_big):
    assert _refusal(adapter, too_big)["type"] == "less_than_equal"
    assert _refusal(adapter, 0)["type"] == "greater_than_equal"
    assert adapter.validate_python(1) == 1


def test_additional_cpvs_are_de_duplicated_and_bounded():
    cpvs = TypeAdapter(values.AdditionalCpvs)
    assert cpvs.validate_python(["45000000", "45000000", "30000000-9", "45000000"]) == ["45000000", "30000000-9"]
    assert _refusal(cpvs, ["45000000"] * 50_000)["type"] == "too_long"


def test_dates_lie_in_a_plausible_window():
    plausible = TypeAdapter(values.PlausibleDate)
    assert plausible.validate_python("2026-11-30") == date(2026, 11, 30)
    for far in ("9999-12-31", "1900-01-01"):
        error = _refusal(plausible, far)
        assert error["type"] == "date_out_of_window"
        assert french_message(error) == "doit être comprise entre le 01/01/2000 et le 31/12/2099"


def test_a_need_content_with_hostile_values_names_each_field():
    with pytest.raises(ValidationError) as refused:
        NeedContent.model_validate({
            "object": "Nettoyage\u202e", "nature": "services", "main_cpv": "90910000", "estimated_value": "-0",
            "duration_months": 10**100, "place_of_execution": {"code": "75056", "code_type": "Code commune"},
            "lots": [{"number": 1, "title": "a\x00", "estimated_value": "1"}], "procedure": "Procédure adaptée",
            "ccag": "Pas de CCAG", "techniques": ["Sans objet"], "execution_modes": ["Sans objet"],
            "social_considerations": ["Pas de considération sociale"],
            "environmental_considerations": ["Pas de considération environnementale"],
        })
    fields = {".".join(map(str, error["loc"])) for error in refused.value.errors()}
    assert fields == {"object", "duration_months", "lots.0.title"}


def test_text_problem_is_the_pure_check_for_domains():
    assert values.text_problem("ok") is None
    assert "U+0000" in values.text_problem("a\x00")
