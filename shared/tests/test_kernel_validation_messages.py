"""Pydantic's errors in French, by error type, as people read them (issue 7, item 5)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from enum import Enum
from typing import Literal

import pytest
from pydantic import BaseModel, Field, ValidationError, field_validator

from unefois_kernel.validation_messages import GENERIC, field_path, french_message


class Nature(str, Enum):
    WORKS = "travaux"
    SERVICES = "services"


class Lot(BaseModel):
    title: str = Field(min_length=1, max_length=20)


class Need(BaseModel):
    object: str = Field(min_length=3, max_length=10)
    amount: Decimal = Field(gt=0, max_digits=6, decimal_places=2)
    months: int = Field(ge=1, le=96)
    nature: Nature
    kind: Literal["a", "b"]
    start: dt.date
    ref: uuid.UUID
    lots: list[Lot] = Field(default_factory=list, max_length=2)
    siret: str = Field(default="00000000000000", pattern=r"^\d{14}$")

    @field_validator("object")
    @classmethod
    def _no_digits(cls, value: str) -> str:
        if any(c.isdigit() for c in value):
            raise ValueError("l’objet ne doit pas contenir de chiffres")
        return value


VALID = {"object": "Nettoyage", "amount": "10", "months": 12, "nature": "travaux", "kind": "a",
         "start": "2026-12-01", "ref": str(uuid.uuid4())}


def messages(**changes) -> dict[str, str]:
    data = {**VALID, **changes}
    data = {k: v for k, v in data.items() if v is not ...}
    with pytest.raises(ValidationError) as refused:
        Need.model_validate(data)
    return {field_path(e["loc"]): french_message(e) for e in refused.value.errors()}


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"object": ...}, "object", "ce champ est obligatoire"),
    ({"object": "ab"}, "object", "doit contenir au moins 3 caractères"),
    ({"object": "x" * 11}, "object", "ne doit pas dépasser 10 caractères"),
    ({"object": "lot 12"}, "object", "l’objet ne doit pas contenir de chiffres"),
    ({"amount": "abc"}, "amount", "doit être un nombre décimal (par exemple 1234,56)"),
    ({"amount": "0"}, "amount", "doit être strictement supérieur à 0"),
    ({"amount": "12345678"}, "amount", "ne doit pas dépasser 6 chiffres"),
    ({"amount": "1.234"}, "amount", "ne doit pas avoir plus de 2 décimales"),
    ({"months": "douze"}, "months", "doit être un nombre entier"),
    ({"months": 97}, "months", "doit être inférieur ou égal à 96"),
    ({"months": 1.5}, "months", "doit être un nombre entier, sans décimales"),
    ({"nature": "autre"}, "nature", "doit être l’une des valeurs : 'travaux' ou 'services'"),
    ({"start": "31/12/2026"}, "start", "doit être une date au format AAAA-MM-JJ"),
    ({"ref": "pas-un-uuid"}, "ref", "doit être un identifiant (UUID) valide"),
    ({"lots": [{"title": ""}]}, "lots.0.title", "ce champ est obligatoire"),
    ({"lots": [{"title": "a"}] * 3}, "lots", "ne doit pas contenir plus de 2 éléments"),
    ({"lots": "un lot"}, "lots", "doit être une liste"),
    ({"siret": "123"}, "siret", "n’a pas le format attendu"),
])
def test_each_error_type_reads_in_french_with_its_limit(changes, field, message):
    assert messages(**changes)[field] == message


def test_no_english_reaches_a_person_even_for_an_unlisted_type():
    assert french_message({"type": "some_future_type", "msg": "Input should be a frobnicated value"}) == GENERIC
    for text in messages(object=..., amount="abc", months="x", nature="y", kind="z", start="q", ref="r").values():
        assert "should" not in text and "Input" not in text and "Field required" not in text


def test_field_paths_drop_the_request_part_and_keep_list_indexes():
    assert field_path(("body", "facts", "lots", 0, "title")) == "facts.lots.0.title"
    assert field_path(("query", "offset")) == "offset"
    assert field_path(("body",)) == "body"
