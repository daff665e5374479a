"""Value types used in event payloads and in every service's request models.

Where a value ends up in the official open data (DECP 2024, schema v2.0.3), it carries
the regulated French label as its value, so that no service translates it twice.

Every value is bounded by construction (issue 9): text refuses what PostgreSQL or a reader
cannot take (NUL and the other control characters, Unicode non-characters, lone surrogates,
the bidirectional override and isolate controls U+202A-U+202E and U+2066-U+2069 that make a
text read otherwise than it is stored) and has a length limit; integers and amounts have a
maximum; `-0` is read as 0; lists of codes are bounded and de-duplicated; dates lie in a
plausible window. Refusals carry their own error types (listed in ERROR_TYPES), which
unefois_kernel.validation_messages says in French. Whether a fact of the past (a
notification, an invoice's issue) lies in the future is a question for the use case, on
the unit of work's clock: pydantic has no clock.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError
from stdnum.fr import siret as stdnum_siret

# ---------------------------------------------------------------- text

_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"   # C0 but tab, line feed, carriage return; DEL; C1
_LINE_BREAKS = "\t\n\r"
_BIDI = "\u202a-\u202e\u2066-\u2069"                    # embeddings, overrides, isolates
_NONCHARACTERS = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"\\U{plane:04x}fffe\\U{plane:04x}ffff" for plane in range(1, 17))
_SURROGATES = "\ud800-\udfff"                                # lone halves, which no encoding writes
_BAD_CONTROL = re.compile(f"[{_CONTROLS}]")
_BAD_LINE_BREAK = re.compile(f"[{_LINE_BREAKS}]")
_BAD_BIDI = re.compile(f"[{_BIDI}]")
_BAD_NONCHARACTER = re.compile(f"[{_NONCHARACTERS}{_SURROGATES}]")
# What the JSON schemas say of text (the Basic Multilingual Plane's part of the rule: JSON
# Schema patterns are ECMA-262 regexes, which cannot name astral code points without the u flag).
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069\\ufdd0-\\ufdef\\ufffe\\uffff]*$"
LINE_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069\\ufdd0-\\ufdef\\ufffe\\uffff]*$"


def _where(match: re.Match) -> dict:
    return {"position": match.start() + 1, "code_point": f"U+{ord(match.group()):04X}"}


def clean_text(value: str, *, multiline: bool = True) -> str:
    """The text itself, or PydanticCustomError naming the first character it cannot hold
    (pure: the domains call it too, through text_problem)."""
    if found := _BAD_CONTROL.search(value):
        raise PydanticCustomError("text_control_character",
                                  "caractère de contrôle interdit ({code_point}, position {position})", _where(found))
    if not multiline and (found := _BAD_LINE_BREAK.search(value)):
        raise PydanticCustomError("text_line_break",
                                  "retour à la ligne ou tabulation interdit (position {position})", _where(found))
    if found := _BAD_BIDI.search(value):
        raise PydanticCustomError("text_bidi_control",
                                  "caractère de contrôle de direction du texte interdit ({code_point}, "
                                  "position {position})", _where(found))
    if found := _BAD_NONCHARACTER.search(value):
        raise PydanticCustomError("text_noncharacter",
                                  "caractère invalide ({code_point}, position {position})", _where(found))
    return value


def text_problem(value: str, *, multiline: bool = True) -> str | None:
    """The French reason `value` cannot be stored as text, or None (for the pure domains)."""
    try:
        clean_text(value, multiline=multiline)
    except PydanticCustomError as refused:
        return refused.message()
    return None


def _multiline(value: str) -> str:
    return clean_text(value, multiline=True)


def _one_line(value: str) -> str:
    return clean_text(value, multiline=False)


def Text(max_length: int, *, min_length: int = 0):  # a type factory, read as a type
    """Text on several lines (a description, a clause's body, notes): tab and line breaks allowed."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length,
                                json_schema_extra={"pattern": TEXT_PATTERN}), AfterValidator(_multiline)]


def Line(max_length: int, *, min_length: int = 1):  # a type factory, read as a type
    """Text on one line (a name, an object, a title, a number): no line break, no tab."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length,
                                json_schema_extra={"pattern": LINE_PATTERN}), AfterValidator(_one_line)]


# ---------------------------------------------------------------- numbers

# The code de la commande publique sets no maximum duration for an ordinary marché (L2112-5
# asks only that the duration allow periodic re-competition); 30 years is the stated plausible
# bound, above the longest ordinary marchés (marchés globaux). Framework agreements have the
# law's own maximum (FRAMEWORK_MAX_MONTHS), checked where the technique is known.
MAX_DURATION_MONTHS = 360
# Accords-cadres: 4 years at most for a pouvoir adjudicateur (8 years for an entité adjudicatrice),
# code de la commande publique art. L2125-1; the platform's buyers are pouvoirs adjudicateurs.
FRAMEWORK_MAX_MONTHS = 48
# Offers received (DECP offresRecues, minimum 1): no legal maximum; 10,000 offers for one
# marché or lot is the stated plausible bound.
MAX_OFFERS = 10_000
MAX_LOTS = 500
MAX_ADDITIONAL_CPVS = 50
MAX_HOLDERS = 100     # members of a groupement holding one marché
MAX_INVITED = 1000    # suppliers invited to one consultation

DurationMonths = Annotated[int, Field(ge=1, le=MAX_DURATION_MONTHS)]
OffersCount = Annotated[int, Field(ge=1, le=MAX_OFFERS)]
LotNumber = Annotated[int, Field(ge=1, le=MAX_LOTS)]


def _no_negative_zero(value: Decimal) -> Decimal:
    # "-0" and "-0.00" are zero: stored and published as 0, never as a signed zero.
    return value.copy_abs() if value.is_zero() else value


# ---------------------------------------------------------------- dates

# A date of a purchase (a notification, an invoice, a quote, a desired start) lies in this window;
# whether a fact of the past lies after today is the use case's check, on the kernel clock.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def _plausible(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise PydanticCustomError("date_out_of_window", "doit être comprise entre le {earliest} et le {latest}",
                                  {"earliest": EARLIEST_DATE.strftime("%d/%m/%Y"),
                                   "latest": LATEST_DATE.strftime("%d/%m/%Y")})
    return value


PlausibleDate = Annotated[date, Field(json_schema_extra={"formatMinimum": EARLIEST_DATE.isoformat(),
                                                         "formatMaximum": LATEST_DATE.isoformat()}),
                          AfterValidator(_plausible)]

# ---------------------------------------------------------------- lists

def _distinct(values: list) -> list:
    # Order kept, the repeats dropped: a code said twice says nothing more.
    return list(dict.fromkeys(values))


ERROR_TYPES = ("text_control_character", "text_line_break", "text_bidi_control", "text_noncharacter",
               "date_out_of_window")


@functools.lru_cache(maxsize=65536)
def check_siret(value: str) -> str:
    # Cached: a pure check, run several times per event on a few thousand distinct SIRETs.
    # python-stdnum knows the Luhn check and the La Poste exception (SIREN 356000000).
    if not stdnum_siret.is_valid(value):
        raise ValueError("SIRET invalide : 14 chiffres attendus, clé de Luhn incorrecte")
    return stdnum_siret.compact(value)


_check_siret = check_siret  # the kernel's envelope reads it by its former name


Siret = Annotated[str, Field(min_length=14, max_length=14, pattern=r"^[0-9]{14}$"), AfterValidator(check_siret)]
CpvCode = Annotated[str, Field(pattern=r"^[0-9]{8}(-[0-9])?$")]
# Additional CPV codes: at most 50, each once (a repeat is dropped, not refused).
AdditionalCpvs = Annotated[list[CpvCode], Field(max_length=MAX_ADDITIONAL_CPVS), AfterValidator(_distinct)]
# Amounts excluding VAT, in euros, exact to the cent, at most 15 digits (under 10^13 euros);
# "-0" read as 0; serialised as a JSON string so that no consumer goes through a binary float.
Money = Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2), AfterValidator(_no_negative_zero)]
MONEY_CEILING = Decimal("1e13")  # the first amount Money cannot hold (13 digits before the comma)


class PurchaseNature(StrEnum):
    WORKS = "works"
    SUPPLIES = "supplies"
    SERVICES = "services"


class Procedure(StrEnum):
    """DECP `procedure` values (code de la commande publique, procedures of passation)."""

    ADAPTED = "Procédure adaptée"
    OPEN = "Appel d'offres ouvert"
    RESTRICTED = "Appel d'offres restreint"
    NEGOTIATED = "Procédure avec négociation"
    NO_COMPETITION = "Marché passé sans publicité ni mise en concurrence préalable"
    COMPETITIVE_DIALOGUE = "Dialogue compétitif"


class PlaceCodeType(StrEnum):
    POSTAL = "Code postal"
    COMMUNE = "Code commune"
    ARRONDISSEMENT = "Code arrondissement"
    CANTON = "Code canton"
    DEPARTEMENT = "Code département"
    REGION = "Code région"
    COUNTRY = "Code pays"


class SocialConsideration(StrEnum):
    CLAUSE = "Clause sociale"
    CRITERION = "Critère social"
    RESERVED = "Marché réservé"
    NONE = "Pas de considération sociale"


class EnvironmentalConsideration(StrEnum):
    CLAUSE = "Clause environnementale"
    CRITERION = "Critère environnemental"
    NONE = "Pas de considération environnementale"


class Ccag(StrEnum):
    WORKS = "Travaux"
    PROJECT_MANAGEMENT = "Maitrise d'œuvre"
    SUPPLIES_AND_SERVICES = "Fournitures courantes et services"
    INDUSTRIAL = "Marchés industriels"
    INTELLECTUAL = "Prestations intellectuelles"
    ICT = "Techniques de l'information et de la communication"
    NONE = "Pas de CCAG"


class PriceForm(StrEnum):
    UNIT = "Unitaire"
    LUMP_SUM = "Forfaitaire"
    MIXED = "Mixte"


class PriceType(StrEnum):
    FIRM = "Définitif ferme"
    ADJUSTABLE = "Définitif actualisable"
    REVISABLE = "Définitif révisable"
    PROVISIONAL = "Provisoire"


class PurchaseTechnique(StrEnum):
    FRAMEWORK = "Accord-cadre"
    DESIGN_CONTEST = "Concours"
    QUALIFICATION_SYSTEM = "Système de qualification"
    DYNAMIC_PURCHASING = "Système d'acquisition dynamique"
    CATALOGUE = "Catalogue électronique"
    AUCTION = "Enchère électronique"
    NONE = "Sans objet"


class ExecutionMode(StrEnum):
    TRANCHES = "Tranches"
    PURCHASE_ORDERS = "Bons de commande"
    SUBSEQUENT_CONTRACTS = "Marchés subséquents"
    NONE = "Sans objet"


class OperatorGrouping(StrEnum):
    JOINT = "Conjoint"
    JOINT_AND_SEVERAL = "Solidaire"
    NONE = "Pas de groupement"


class IdentifierType(StrEnum):
    """DECP 2.0 `typeIdentifiant` of a holder (titulaire) or a subcontractor: the list of the
    schema (schema_decp_v2.0.3.json and v2.0.4, definitions Titulaire and sousTraitant), the
    SIRET to be favoured; a foreign company without a SIRET is identified by its VAT number
    (TVA) or, outside the EU, HORS-UE; TAHITI, RIDET, FRWF and IREP are the other registries'
    numbers the schema lists (TAHITI: French Polynesia, RIDET: New Caledonia)."""

    SIRET = "SIRET"
    TVA = "TVA"
    TAHITI = "TAHITI"
    RIDET = "RIDET"
    FRWF = "FRWF"
    IREP = "IREP"
    HORS_UE = "HORS-UE"


class HolderRole(StrEnum):
    """A holder's place in the award: the sole holder, or a grouping's mandataire and its co-contractors."""

    SOLE = "titulaire"
    MANDATAIRE = "mandataire"
    COTRAITANT = "cotraitant"


class AmountSource(StrEnum):
    """Where an award's amount comes from: the winning bid's price (what the law awards), or, from the
    transitional producer only, the amount the buyer typed in its decision."""

    BID = "offre"
    TYPED = "saisi"

