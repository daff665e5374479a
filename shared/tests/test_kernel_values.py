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
