"""Pydantic's validation errors in French, by error type, for the people who read them.

Pydantic v2 writes its messages in English; every message that reaches a person (a field
message in a page, `errors[].message` in problem+json) goes through `french_message`. The
error's `type` is stable across pydantic versions, its `ctx` holds the limits; a type not
listed here falls back to a generic French sentence (never the English text), and a
`value_error` raised by our own validators already carries French text, kept as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and abs(value) >= 10000:
        return f"{value:,}".replace(",", "\u202f")
    return str(value).replace(".", ",") if isinstance(value, float) else str(value)


def _expected(ctx: Mapping[str, Any]) -> str:
    # pydantic lists the allowed values as "'a', 'b' or 'c'".
    return str(ctx.get("expected", "")).replace(" or ", " ou ")


def _plural(count: Any, one: str, many: str) -> str:
    return one if count in (0, 1) else many


_MESSAGES: dict[str, Any] = {
    "missing": "ce champ est obligatoire",
    "string_type": "doit être du texte",
    "string_too_short": lambda c: (
        "ce champ est obligatoire" if c.get("min_length") == 1
        else f"doit contenir au moins {_fmt(c.get('min_length'))} caractères"
    ),
    "string_too_long": lambda c: f"ne doit pas dépasser {_fmt(c.get('max_length'))} caractères",
    "string_pattern_mismatch": "n’a pas le format attendu",
    "string_unicode": "doit être du texte valide (UTF-8)",
    "int_type": "doit être un nombre entier",
    "int_parsing": "doit être un nombre entier",
    "int_parsing_size": "nombre entier trop grand",
    "int_from_float": "doit être un nombre entier, sans décimales",
    "float_type": "doit être un nombre",
    "float_parsing": "doit être un nombre",
    "finite_number": "doit être un nombre fini",
    "decimal_type": "doit être un nombre décimal",
    "decimal_parsing": "doit être un nombre décimal (par exemple 1234,56)",
    "decimal_max_digits": lambda c: f"ne doit pas dépasser {_fmt(c.get('max_digits'))} chiffres",
    "decimal_max_places": lambda c: f"ne doit pas avoir plus de {_fmt(c.get('decimal_places'))} décimales",
    "decimal_whole_digits": lambda c: f"ne doit pas dépasser {_fmt(c.get('whole_digits'))} chiffres avant la virgule",
    "greater_than": lambda c: f"doit être strictement supérieur à {_fmt(c.get('gt'))}",
    "greater_than_equal": lambda c: f"doit être supérieur ou égal à {_fmt(c.get('ge'))}",
    "less_than": lambda c: f"doit être strictement inférieur à {_fmt(c.get('lt'))}",
    "less_than_equal": lambda c: f"doit être inférieur ou égal à {_fmt(c.get('le'))}",
    "multiple_of": lambda c: f"doit être un multiple de {_fmt(c.get('multiple_of'))}",
    "bool_type": "doit valoir vrai ou faux",
    "bool_parsing": "doit valoir vrai ou faux",
    "date_type": "doit être une date",
    "date_parsing": "doit être une date au format AAAA-MM-JJ",
    "date_from_datetime_parsing": "doit être une date au format AAAA-MM-JJ",
    "date_from_datetime_inexact": "doit être une date sans heure",
    "date_past": "doit être une date passée",
    "date_future": "doit être une date future",
    "datetime_type": "doit être une date et une heure",
    "datetime_parsing": "doit être une date et une heure (AAAA-MM-JJTHH:MM:SS)",
    "datetime_from_date_parsing": "doit être une date et une heure (AAAA-MM-JJTHH:MM:SS)",
    "timezone_aware": "doit préciser le fuseau horaire",
    "uuid_type": "doit être un identifiant (UUID)",
    "uuid_parsing": "doit être un identifiant (UUID) valide",
    "url_parsing": "doit être une adresse web valide",
    "url_scheme": "doit être une adresse web en http ou https",
    "url_type": "doit être une adresse web",
    "enum": lambda c: f"doit être l’une des valeurs : {_expected(c)}".rstrip(" :"),
    "literal_error": lambda c: f"doit être l’une des valeurs : {_expected(c)}".rstrip(" :"),
    "list_type": "doit être une liste",
    "tuple_type": "doit être une liste",
    "set_type": "doit être une liste",
    "dict_type": "doit être un objet",
    "model_type": "doit être un objet",
    "model_attributes_type": "doit être un objet",
    "too_short": lambda c: f"doit contenir au moins {_fmt(c.get('min_length'))} "
                           f"{_plural(c.get('min_length'), 'élément', 'éléments')}",
    "too_long": lambda c: f"ne doit pas contenir plus de {_fmt(c.get('max_length'))} "
                          f"{_plural(c.get('max_length'), 'élément', 'éléments')}",
    "extra_forbidden": "champ inconnu",
    "json_invalid": "le corps de la requête n’est pas du JSON valide",
    "json_type": "doit être du JSON",
    "bytes_type": "doit être un fichier ou des octets",
    "bytes_too_long": lambda c: f"ne doit pas dépasser {_fmt(c.get('max_length'))} octets",
    "frozen_field": "ne peut pas être modifié",
    "union_tag_invalid": "type d’élément inconnu",
    "union_tag_not_found": "le type de l’élément manque",
    # The bounded value types of unefois_events.values (issue 9).
    "text_control_character": lambda c: f"caractère de contrôle interdit ({c.get('code_point')}, "
                                        f"position {_fmt(c.get('position'))})",
    "text_line_break": lambda c: f"retour à la ligne ou tabulation interdit (position {_fmt(c.get('position'))})",
    "text_bidi_control": lambda c: f"caractère de contrôle de direction du texte interdit ({c.get('code_point')}, "
                                   f"position {_fmt(c.get('position'))})",
    "text_noncharacter": lambda c: f"caractère invalide ({c.get('code_point')}, position {_fmt(c.get('position'))})",
    "date_out_of_window": lambda c: f"doit être comprise entre le {c.get('earliest')} et le {c.get('latest')}",
}

GENERIC = "valeur refusée"


def french_message(error: Mapping[str, Any]) -> str:
    """The French message of one pydantic error (a dict of `exc.errors()`)."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        # Our validators raise French messages; pydantic prefixes them ("Value error, ...").
        message = str(ctx.get("error") or error.get("msg") or "")
        for prefix in ("Value error, ", "Assertion failed, "):
            message = message.removeprefix(prefix)
        return message or GENERIC
    template = _MESSAGES.get(kind)
    if template is None:
        return GENERIC
    return template(ctx) if callable(template) else template


def field_path(location: tuple | list) -> str:
    """("body", "purchase", "buyer", "siret") -> "purchase.buyer.siret"; list indexes kept: "lots.0.title"."""
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "body"
