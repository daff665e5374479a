"""The need form's bounded values (issue 9, item 1): each hostile value typed in the form gets a
French message next to its own field."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from starlette.datastructures import FormData

from unefois_sourcing.needs.form import form_payload, validation_errors
from unefois_sourcing.needs.views import NeedDraft

VALID = {
    "object": "Nettoyage des locaux de la mairie", "nature": "services", "main_cpv": "90910000",
    "estimated_value": "38 000,00", "duration_months": "12", "place_type": "Code commune", "place_code": "69123",
    "procedure": "Procédure adaptée", "ccag": "Fournitures courantes et services", "technique": "Sans objet",
    "execution_mode": "Sans objet",
}


def _errors(**changes) -> dict[str, str]:
    _values, payload, lot_rows = form_payload(FormData({**VALID, **changes}))
    with pytest.raises(ValidationError) as caught:
        NeedDraft.model_validate(payload)
    return validation_errors(caught.value, lot_rows)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"object": "Nettoyage\x00"}, "object", "Caractère de contrôle interdit (U+0000, position 10)."),
    ({"object": "Nettoyage \u202egpj.exe"}, "object",
     "Caractère de contrôle de direction du texte interdit (U+202E, position 11)."),
    ({"description": "Deux\nlignes\x00"}, "description", "Caractère de contrôle interdit (U+0000, position 12)."),
    ({"lot1_title": "Lot\x00", "lot1_value": "38000"}, "lot1_title", "Caractère de contrôle interdit (U+0000, position 4)."),
    ({"duration_months": "1" + "0" * 100}, "duration_months", "Durée de 360 mois au plus (30 ans)."),
    ({"duration_months": "361"}, "duration_months", "Durée de 360 mois au plus (30 ans)."),
    ({"additional_cpvs": " ".join(["90910000"] * 51)}, "additional_cpvs", "50 codes CPV complémentaires au plus."),
    ({"estimated_value": "1e26"}, "estimated_value", "Montant trop élevé."),
    ({"desired_start_date": "9999-12-31"}, "desired_start_date", "Doit être comprise entre le 01/01/2000 et le 31/12/2099."),
])
def test_each_hostile_value_gets_a_french_message_next_to_its_field(changes, field, message):
    assert _errors(**changes)[field] == message


def test_repeated_codes_and_negative_zero_are_normalised():
    _values, payload, _rows = form_payload(FormData({**VALID, "additional_cpvs": "90911000, 90911000 90919000",
                                                     "lot1_title": "A", "lot1_value": "38000",
                                                     "lot2_title": "B", "lot2_value": "-0"}))
    facts = NeedDraft.model_validate(payload).facts
    assert facts.additional_cpvs == ["90911000", "90919000"]
    assert not facts.lots[1].estimated_value.is_signed()
